import { PrivateStack } from '../support/private-stack';
import { ServiceProcess } from '../support/service-process';
import { eventually, freePort, isolatedEnv, uniqueSuffix } from '../support/test-env';
import { TopicReader } from '../support/topic-reader';
import { basicAuth, WEB_KEY } from './collector-fixture';

/**
 * Kafka stops while the collector runs (its producer connected): calls get 503, never 200,
 * and once Kafka is back the same process accepts calls again by itself.
 */
describe('collector through a Kafka outage (private Kafka)', () => {
  const stack = new PrivateStack();
  const env = isolatedEnv(uniqueSuffix());
  let svc: ServiceProcess | undefined;

  async function track(anonymousId: string, event: string): Promise<number> {
    const res = await fetch(svc!.url('/v1/track'), {
      method: 'POST',
      headers: { authorization: basicAuth(WEB_KEY), 'content-type': 'application/json' },
      body: JSON.stringify({ anonymousId, event }),
      signal: AbortSignal.timeout(15000),
    });
    return res.status;
  }

  beforeAll(async () => {
    await stack.allocatePorts();
    expect(await stack.run(['up', 'kafka'])).toMatchObject({ code: 0 });
    svc = new ServiceProcess('collector', await freePort(), {
      ...env,
      KAFKA_BROKERS: stack.kafkaBrokers,
      CLICKHOUSE_MIGRATE: 'false',
      COLLECTOR_WRITE_KEYS: `${WEB_KEY}:web`,
      COLLECTOR_KAFKA_SEND_TIMEOUT_MS: '2000',
    });
    await svc.waitForStatus('/health/live', 200);
  });

  afterAll(async () => {
    await svc?.stop('SIGKILL');
    await stack.destroy();
  });

  it('accepts, answers 503 while Kafka is down, and accepts again when it is back: nothing acknowledged is lost', async () => {
    await eventually(async () => (await track('a-before', 'Before')) === 200, 60000, 'a first 200');

    expect(await stack.run(['down', 'kafka'])).toMatchObject({ code: 0 });
    expect(await track('a-during', 'During')).toBe(503);
    expect(await track('a-during', 'During')).toBe(503);

    expect(await stack.run(['up', 'kafka'])).toMatchObject({ code: 0 });
    await eventually(async () => (await track('a-after', 'After')) === 200, 60000, 'a 200 after the outage');

    const reader = new TopicReader(env.TOPIC_RAW_WEB, stack.kafkaBrokers);
    await reader.start();
    try {
      await reader.waitFor((m) => m.value.event === 'After');
      const events = new Set(reader.messages.map((m) => m.value.event));
      expect(events.has('Before')).toBe(true); // acknowledged before the outage: still there
    } finally {
      await reader.stop();
    }
    const metrics = (await svc!.get('/metrics')).body;
    expect(metrics).toMatch(
      /cdp_collector_rejected_requests_total\{reason="kafka_unavailable",service="collector"\} [1-9]/,
    );
  });
});
