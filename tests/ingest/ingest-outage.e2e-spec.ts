import { ClickHouseClient, inList, sql } from '@cdp/clickhouse';
import {
  clickhouseFor,
  ingestEnv,
  KafkaHarness,
  metric,
  raw,
  startIngest,
  TopicReader,
  type Produced,
} from '../support/ingest-harness';
import { PrivateStack } from '../support/private-stack';
import { ServiceProcess } from '../support/service-process';
import { eventually, uniqueSuffix } from '../support/test-env';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** ClickHouse stops: nothing is committed or lost; it comes back: everything lands exactly once. */
describe('ingest through a ClickHouse outage', () => {
  const stack = new PrivateStack();
  const suffix = uniqueSuffix();
  let env: Record<string, string>;
  let kafka: KafkaHarness;
  let ch: ClickHouseClient;
  let svc: ServiceProcess | undefined;
  let published: TopicReader;

  const rawTopics = () => [
    env.TOPIC_RAW_WEB,
    env.TOPIC_RAW_SOCIAL,
    env.TOPIC_RAW_AD,
    env.TOPIC_RAW_TRANSACTION,
  ];
  const counts = async (ids: string[]) =>
    ch.query<{ event_id: string; n: string }>(
      sql`SELECT event_id, count() AS n FROM events WHERE event_id IN ${inList(ids)} GROUP BY event_id`,
    );

  beforeAll(async () => {
    await stack.allocatePorts();
    expect(await stack.run(['up'])).toMatchObject({ code: 0 });
    env = ingestEnv(suffix, { KAFKA_BROKERS: stack.kafkaBrokers, CLICKHOUSE_URL: stack.clickhouseUrl });
    kafka = new KafkaHarness(stack.kafkaBrokers);
    ch = clickhouseFor(env);
    svc = await startIngest(env);
    await kafka.admin.connect();
    published = await kafka.collect(env.TOPIC_EVENTS);
  });

  afterAll(async () => {
    await svc?.stop('SIGKILL');
    await kafka?.close();
    await ch?.close();
    await stack.destroy();
  });

  it('retries the batch without committing while ClickHouse is down, then writes each event exactly once', async () => {
    const first: Produced[] = [
      {
        topic: env.TOPIC_RAW_WEB,
        value: raw.page(`m-before-${suffix}`, `a-1-${suffix}`, '2026-11-06T08:00:00Z'),
      },
    ];
    await kafka.send(first);
    await eventually(
      async () => (await counts([`m-before-${suffix}`])).length === 1,
      60000,
      'the first event',
    );
    await eventually(
      async () => (await kafka.committed(env.INGEST_GROUP_ID, rawTopics())) === 1,
      30000,
      'first commit',
    );

    expect(await stack.run(['down', 'clickhouse'])).toMatchObject({ code: 0 });
    const during: Produced[] = [];
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(`m-during-${i}-${suffix}`, `o-during-${i}-${suffix}:completed`);
      during.push(
        {
          topic: env.TOPIC_RAW_WEB,
          value: raw.identify(
            `m-during-${i}-${suffix}`,
            `u-${i}-${suffix}`,
            `a-1-${suffix}`,
            { n: i },
            '2026-11-06T09:00:00Z',
          ),
        },
        {
          topic: env.TOPIC_RAW_TRANSACTION,
          value: raw.transaction(
            `o-during-${i}-${suffix}`,
            'completed',
            { userId: `u-${i}-${suffix}`, customerId: null, email: null, phone: null },
            5,
            '2026-11-06T10:00:00Z',
          ),
        },
      );
    }
    await kafka.send(during);
    await eventually(
      async () => (await metric(svc!, 'cdp_ingest_retries_total')) >= 2,
      30000,
      'retries while ClickHouse is down',
    );
    await svc!.waitForStatus('/health/ready', 503, 20000);
    await sleep(1500);
    expect(await kafka.committed(env.INGEST_GROUP_ID, rawTopics())).toBe(1);

    expect(await stack.run(['up', 'clickhouse'])).toMatchObject({ code: 0 });
    await eventually(
      async () => (await counts(ids)).length === ids.length,
      60000,
      'every event after the outage',
    );
    await eventually(
      async () => (await kafka.committed(env.INGEST_GROUP_ID, rawTopics())) === 1 + during.length,
      30000,
      'everything committed',
    );
    const after = await counts([...ids, `m-before-${suffix}`]);
    expect(after.every((c) => Number(c.n) === 1)).toBe(true);
    expect(after).toHaveLength(ids.length + 1);
    // and each reached cdp.events after its write
    await published.waitFor(
      ids.length,
      'the events on cdp.events',
      (m) => ids.some((id) => m.value.includes(`"eventId":"${id}"`)) && !m.value.includes('identity.merged'),
    );
    await svc!.waitForStatus('/health/ready', 200, 30000);
    expect(await svc!.stop('SIGTERM')).toBe(0);
  });
});
