import type { ClickHouseClient } from '@cdp/clickhouse';
import { insertPeople } from '../support/api-fixtures';
import { AdminClient, campaignEnv, startApi } from '../support/campaign-harness';
import { clickhouseFor, dropSuiteData, KafkaHarness } from '../support/ingest-harness';
import type { ServiceProcess } from '../support/service-process';
import { uniqueSuffix } from '../support/test-env';

/**
 * TRAITS_CONFIG is shared by the api and the segmenter: the api's profile traits, preview
 * explanations and preview SQL use the configured thresholds, not the defaults. With the
 * defaults the fixture has two loyal buyers (p-01, p-02: three orders), p-07 is active (two
 * orders) and p-04 churned (its only order 120 days ago, churn after 90); with
 * `loyalOrders` 2 and `churnDays` 150, p-07 is loyal too and p-04 is new.
 */
describe('api: computed traits follow TRAITS_CONFIG', () => {
  const suffix = uniqueSuffix();
  const env = campaignEnv(suffix, {
    TRAITS_CONFIG: JSON.stringify({ lifecycle: { loyalOrders: 2, churnDays: 150 } }),
  });
  let api: ServiceProcess;
  let admin: AdminClient;
  let ch: ClickHouseClient;

  beforeAll(async () => {
    api = await startApi(env);
    admin = new AdminClient(api.url(''));
    ch = clickhouseFor(env);
    await insertPeople(ch, Date.now());
  });

  afterAll(async () => {
    await api?.stop();
    await dropSuiteData(new KafkaHarness(env.KAFKA_BROKERS), ch, suffix, env.CLICKHOUSE_DATABASE);
  });

  it('profiles show the lifecycle stage under the configured thresholds', async () => {
    const p07 = await admin.request<{ computedTraits: Record<string, unknown> }>('GET', '/v1/profiles/p-07');
    expect(p07.status).toBe(200);
    expect(p07.body.computedTraits).toMatchObject({ lifecycleStage: 'loyal', orderCount: 2 });
    const p04 = await admin.request<{ computedTraits: Record<string, unknown> }>('GET', '/v1/profiles/p-04');
    expect(p04.body.computedTraits).toMatchObject({ lifecycleStage: 'new', orderCount: 1 });
  });

  it('a preview counts (SQL) and explains (evaluator) with the configured thresholds', async () => {
    const res = await admin.request<{
      count: number;
      sample: { profileId: string; member: boolean; reason: { actual: unknown; result: boolean }[] }[];
    }>('POST', '/v1/segments/preview', {
      rule: { trait: 'lifecycleStage', op: 'eq', value: 'loyal' },
      sampleSize: 10,
    });
    expect(res.status).toBe(200);
    expect(res.body.count).toBe(3);
    expect(res.body.sample.map((s) => [s.profileId, s.member, s.reason[0].actual])).toEqual([
      ['p-01', true, 'loyal'],
      ['p-02', true, 'loyal'],
      ['p-07', true, 'loyal'],
    ]);
    const churned = await admin.request<{ count: number }>('POST', '/v1/segments/preview', {
      rule: { trait: 'lifecycleStage', op: 'eq', value: 'churned' },
    });
    expect(churned.body.count).toBe(0);
  });
});
