import { interestedInCategoryRule, SEED_SEGMENTS, SOCIAL_SOURCES, type Rule } from '@cdp/domain';

/**
 * 50 active segments of realistic complexity: the seed segments of issue 4 plus
 * variations of them (other windows, thresholds, categories, countries, stages), the
 * way a marketing team's segment list grows.
 */
export interface BenchSegment {
  id: string;
  rule: Rule;
}

const CATEGORIES = ['skincare', 'makeup', 'haircare', 'shoes', 'bags', 'accessories', 'fragrance'];

function variations(): BenchSegment[] {
  const out: BenchSegment[] = [];
  for (const c of CATEGORIES.slice(1))
    out.push({ id: `interested-in-${c}`, rule: interestedInCategoryRule(c) });
  for (const days of [7, 14, 60, 90])
    out.push({
      id: `prospects-active-${days}d`,
      rule: {
        all: [
          { trait: 'lifecycleStage', op: 'eq', value: 'prospect' },
          {
            any: [
              { event: 'Page Viewed', within: { days } },
              { event: 'Screen Viewed', within: { days } },
            ],
          },
        ],
      },
    });
  for (const [orders, days] of [
    [2, 90],
    [3, 90],
    [5, 365],
    [4, 180],
  ] as const)
    out.push({
      id: `buyers-${orders}-in-${days}d`,
      rule: { event: 'Order Completed', within: { days }, count: { gte: orders } },
    });
  for (const days of [30, 60, 180])
    out.push({
      id: `lapsed-${days}d`,
      rule: {
        all: [
          { event: 'Order Completed', count: { gte: 1 } },
          { event: 'Order Completed', lastSeen: { olderThan: { days } } },
        ],
      },
    });
  for (const segment of ['loyal', 'potential', 'at_risk', 'hibernating', 'lost', 'new'])
    out.push({ id: `rfm-${segment}`, rule: { trait: 'rfm.segment', op: 'eq', value: segment } });
  for (const threshold of [5, 10, 40])
    out.push({ id: `leads-above-${threshold}`, rule: { trait: 'leadScore', op: 'gt', value: threshold } });
  for (const country of ['SG', 'US', 'MY'])
    out.push({
      id: `${country.toLowerCase()}-big-spenders`,
      rule: {
        all: [
          { trait: 'country', op: 'eq', value: country },
          { event: 'Order Completed', within: { days: 365 }, sum: { property: 'revenue', gte: 500 } },
        ],
      },
    });
  out.push(
    {
      id: 'cart-abandoners-7d',
      rule: {
        all: [
          { event: 'Product Added', within: { days: 7 } },
          { event: 'Order Completed', within: { days: 7 }, count: { eq: 0 } },
        ],
      },
    },
    {
      id: 'decision-stage-not-bought',
      rule: {
        all: [
          { trait: 'purchaseStage', op: 'eq', value: 'decision' },
          { not: { event: 'Order Completed', within: { hours: 36 } } },
        ],
      },
    },
    {
      id: 'paid-social-shoppers',
      rule: {
        all: [
          { trait: 'acquisitionChannel', op: 'eq', value: 'paid' },
          { trait: 'acquisitionSource', op: 'in', value: SOCIAL_SOURCES },
          { event: 'Product Viewed', within: { days: 30 }, count: { gte: 2 } },
        ],
      },
    },
    {
      id: 'refunders',
      rule: { event: 'Order Refunded', within: { days: 90 }, count: { gte: 1 } },
    },
    {
      id: 'women-cn-skincare-buyers',
      rule: {
        all: [
          { trait: 'gender', op: 'eq', value: 'female' },
          { trait: 'country', op: 'in', value: ['CN', 'HK'] },
          {
            event: 'Order Completed',
            within: { days: 180 },
            where: [{ property: 'category', op: 'eq', value: 'skincare' }],
          },
        ],
      },
    },
    {
      id: 'weibo-engaged-non-buyers',
      rule: {
        all: [
          { event: 'Social Like', source: 'social', within: { days: 30 }, count: { gte: 2 } },
          { trait: 'orderCount', op: 'eq', value: 0 },
        ],
      },
    },
    {
      id: 'high-value-at-risk',
      rule: {
        all: [
          { trait: 'totalRevenue', op: 'gte', value: 1000 },
          { event: 'Page Viewed', within: { days: 45 }, count: { eq: 0 } },
        ],
      },
    },
    {
      id: 'new-visitors-7d',
      rule: { trait: 'firstSeenAt', op: 'gte', value: '2026-11-24T00:00:00Z' },
    },
    {
      id: 'ad-clickers-no-order',
      rule: {
        all: [
          { event: 'Ad Click', within: { days: 14 } },
          { not: { trait: 'lifecycleStage', op: 'in', value: ['new', 'active', 'loyal'] } },
        ],
      },
    },
  );
  return out;
}

export const BENCH_SEGMENTS: readonly BenchSegment[] = [
  ...SEED_SEGMENTS.map((s) => ({ id: s.id, rule: s.rule })),
  ...variations(),
].slice(0, 50);
