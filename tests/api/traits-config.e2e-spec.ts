import { ApiSegmenterSuite } from '../support/api-segmenter-suite';
import { ADMIN_TOKEN } from '../support/campaign-harness';
import { uniqueSuffix } from '../support/test-env';
import { sleep } from '@cdp/runtime';
import { brief, segmenterEnv } from '../segmenter/segmenter-harness';

/**
 * TRAITS_CONFIG is shared by the api and the segmenter: the api's profile traits, preview
 * explanations and preview SQL, and the segmenter's memberships use the configured
 * thresholds, not the defaults. With the defaults the fixture has two loyal buyers (p-01,
 * p-02: three orders), p-07 is active (two orders) and p-04 churned (its only order 120 days
 * ago, churn after 90); with `loyalOrders` 2 and `churnDays` 150, p-07 is loyal too and p-04
 * is new.
 */
describe('api + segmenter: computed traits follow TRAITS_CONFIG', () => {
  const suffix = uniqueSuffix();
  const env = segmenterEnv(suffix, {
    CDP_ADMIN_TOKEN: ADMIN_TOKEN,
    TRAITS_CONFIG: JSON.stringify({ lifecycle: { loyalOrders: 2, churnDays: 150 } }),
  });
  const suite = new ApiSegmenterSuite(env, suffix);
  const { segmentEvents } = suite;

  beforeAll(() => suite.start());
  afterAll(() => suite.stop());

  it('profiles show the lifecycle stage under the configured thresholds', async () => {
    const p07 = await suite.admin.request<{ computedTraits: Record<string, unknown> }>(
      'GET',
      '/v1/profiles/p-07',
    );
    expect(p07.status).toBe(200);
    expect(p07.body.computedTraits).toMatchObject({ lifecycleStage: 'loyal', orderCount: 2 });
    const p04 = await suite.admin.request<{ computedTraits: Record<string, unknown> }>(
      'GET',
      '/v1/profiles/p-04',
    );
    expect(p04.body.computedTraits).toMatchObject({ lifecycleStage: 'new', orderCount: 1 });
  });

  it('a preview counts (SQL) and explains (evaluator) with the configured thresholds', async () => {
    const res = await suite.admin.request<{
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
    const churned = await suite.admin.request<{ count: number }>('POST', '/v1/segments/preview', {
      rule: { trait: 'lifecycleStage', op: 'eq', value: 'churned' },
    });
    expect(churned.body.count).toBe(0);
  });

  it('the segmenter enters exactly the profiles loyal under the configured thresholds', async () => {
    const created = await suite.admin.request('POST', '/v1/segments', {
      id: 'loyal-under-config',
      name: 'Loyal (two orders)',
      rule: { trait: 'lifecycleStage', op: 'eq', value: 'loyal' },
    });
    expect(created.status).toBe(201);
    const mine = (e: { segment: { id: string } }): boolean => e.segment.id === 'loyal-under-config';
    await segmentEvents.waitFor(mine, 3, 60000);
    await sleep(1500); // nothing else comes
    const events = segmentEvents.matching(mine);
    expect(events.map(brief).sort()).toEqual([
      'p-01 +loyal-under-config@v1 definition',
      'p-02 +loyal-under-config@v1 definition',
      'p-07 +loyal-under-config@v1 definition',
    ]);
    expect(events.every((e) => e.reason[0]?.actual === 'loyal')).toBe(true);
  });
});
