import { ClickHouseClient, inList, sql } from '@cdp/clickhouse';
import { identifierKey, profileIdForComponent } from '@cdp/domain';
import {
  clickhouseFor,
  dropSuiteData,
  ingestEnv,
  KafkaHarness,
  metric,
  raw,
  startIngest,
  type Produced,
} from '../support/ingest-harness';
import { ServiceProcess } from '../support/service-process';
import { eventually, uniqueSuffix } from '../support/test-env';

/**
 * Two instances share the raw partitions of one consumer group; each person's messages are spread
 * over partitions that different instances own. Both must end with the same identity graph and
 * every event must resolve (through profile_merges) to the person's one profile id.
 */
describe('two ingest instances in one consumer group', () => {
  const suffix = uniqueSuffix();
  const env = ingestEnv(suffix);
  const kafka = new KafkaHarness(env.KAFKA_BROKERS);
  const people = 6;
  let ch: ClickHouseClient;
  const instances: ServiceProcess[] = [];

  beforeAll(async () => {
    ch = clickhouseFor(env);
    instances.push(await startIngest(env));
    instances.push(await startIngest(env));
    await kafka.admin.connect();
    await eventually(
      async () => {
        const { groups } = await kafka.admin.describeGroups([env.INGEST_GROUP_ID]);
        return groups[0]?.state === 'Stable' && groups[0].members.length === 2;
      },
      60000,
      'both instances in the group',
    );
  });

  afterAll(async () => {
    await Promise.all(instances.map((i) => i.stop('SIGKILL')));
    await dropSuiteData(kafka, ch, suffix, env.CLICKHOUSE_DATABASE);
  });

  it('converges on the same profile ids, whichever instance saw which link', async () => {
    const messages: Produced[] = [];
    const expected = new Map<string, string>(); // event id -> person's profile id
    for (let i = 0; i < people; i++) {
      const anon = `a-${i}-${suffix}`;
      const user = `u-${i}-${suffix}`;
      const email = `p${i}.${suffix}@example.com`;
      const handle = `h${i}_${suffix}`;
      const adId = `ad-${i}-${suffix}`;
      const person = profileIdForComponent([
        identifierKey('anonymousId', anon),
        identifierKey('userId', user),
        identifierKey('email', email),
        identifierKey('customerId', `c-${i}-${suffix}`),
        identifierKey('social', `weibo:${handle}`),
        identifierKey('clickId', `gclid-${adId}`),
      ]);
      const [p, q] = [i % 2, (i + 1) % 2];
      const own: [string, Produced][] = [
        [
          `m-visit-${i}-${suffix}`,
          {
            topic: env.TOPIC_RAW_WEB,
            partition: p,
            value: raw.page(`m-visit-${i}-${suffix}`, anon, '2026-11-05T08:00:00Z'),
          },
        ],
        [
          `google_ads:${adId}`,
          {
            topic: env.TOPIC_RAW_AD,
            partition: q,
            value: raw.ad(adId, anon, 'click', '2026-11-05T08:01:00Z'),
          },
        ],
        [
          `m-login-${i}-${suffix}`,
          {
            topic: env.TOPIC_RAW_WEB,
            partition: q,
            value: raw.identify(
              `m-login-${i}-${suffix}`,
              user,
              anon,
              { plan: 'gold' },
              '2026-11-05T08:02:00Z',
            ),
          },
        ],
        [
          `o-${i}-${suffix}:completed`,
          {
            topic: env.TOPIC_RAW_TRANSACTION,
            partition: p,
            value: raw.transaction(
              `o-${i}-${suffix}`,
              'completed',
              { userId: user, customerId: `c-${i}-${suffix}`, email, phone: null },
              10 + i,
              '2026-11-05T09:00:00Z',
            ),
          },
        ],
        [
          `weibo:s-${i}-${suffix}`,
          {
            topic: env.TOPIC_RAW_SOCIAL,
            partition: q,
            value: raw.social(`s-${i}-${suffix}`, `@${handle}`, { email }, 'like', '2026-11-05T10:00:00Z'),
          },
        ],
      ];
      for (const [id, m] of own) {
        expected.set(id, person);
        messages.push(m);
      }
    }
    await kafka.send(messages);

    const ids = [...expected.keys()];
    const history = () =>
      ch.query<{ event_id: string; profile: string }>(
        sql`SELECT event_id, if(m.survivor_id = '', e.profile_id, m.survivor_id) AS profile
            FROM (SELECT event_id, profile_id FROM events WHERE event_id IN ${inList(ids)}) AS e
            ANY LEFT JOIN (SELECT absorbed_id AS profile_id, argMax(survivor_id, version) AS survivor_id
                           FROM profile_merges GROUP BY absorbed_id) AS m USING profile_id`,
      );
    await eventually(
      async () => {
        const h = await history();
        return h.length === ids.length && h.every((r) => r.profile === expected.get(r.event_id));
      },
      60000,
      'every event resolved to its person',
    );

    // both instances worked, and both graphs hold the same identifiers in the same six profiles
    for (const svc of instances) {
      expect(await metric(svc, 'cdp_ingest_messages_total', { outcome: 'ok' })).toBeGreaterThan(0);
    }
    await eventually(
      async () => {
        const sizes = await Promise.all(
          instances.map(async (svc) => [
            await metric(svc, 'cdp_ingest_identity_graph_size', { kind: 'identifiers' }),
            await metric(svc, 'cdp_ingest_identity_graph_size', { kind: 'profiles' }),
          ]),
        );
        return sizes.every(([identifiers, profiles]) => identifiers === people * 6 && profiles === people);
      },
      30000,
      'both graphs to hold 36 identifiers in 6 profiles',
    );

    // the identifier -> profile table agrees (latest version per identifier, then merges)
    const current = await ch.query<{ profile: string; n: string }>(
      sql`SELECT if(m.survivor_id = '', i.profile_id, m.survivor_id) AS profile, count() AS n
          FROM (SELECT identifier, argMax(profile_id, version) AS profile_id FROM identities GROUP BY identifier) AS i
          ANY LEFT JOIN (SELECT absorbed_id AS profile_id, argMax(survivor_id, version) AS survivor_id
                         FROM profile_merges GROUP BY absorbed_id) AS m USING profile_id
          GROUP BY profile ORDER BY profile`,
    );
    expect(current.map((c) => [c.profile, Number(c.n)])).toEqual(
      [...new Set(expected.values())].sort().map((p) => [p, 6]),
    );

    for (const svc of instances) expect(await svc.stop('SIGTERM')).toBe(0);
  });
});
