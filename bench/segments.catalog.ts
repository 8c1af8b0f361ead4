import { interestedInCategoryRule, SEED_SEGMENTS, type Rule } from '@cdp/domain';

/** Product categories of the benchmark's catalogue. */
export const CATEGORIES = [
  'skincare',
  'makeup',
  'haircare',
  'fragrance',
  'bodycare',
  'suncare',
  'tools',
  'men',
];

/**
 * The benchmark's 50 active segments: the 11 seed segments (computed traits: lifecycle, rfm,
 * frequency, lead score, first touch), category interests, per-category views and cart adds,
 * spend thresholds, a big order, visit frequency, a segment reference, and two one-hour windows that close
 * during the run (the time-triggered exits).
 */
export function benchmarkSegments(): { id: string; rule: Rule }[] {
  const out: { id: string; rule: Rule }[] = SEED_SEGMENTS.map((s) => ({ id: s.id, rule: s.rule }));
  for (const c of CATEGORIES) {
    if (c !== 'skincare') out.push({ id: `interested-in-${c}`, rule: interestedInCategoryRule(c) });
    out.push({
      id: `viewed-${c}-week`,
      rule: {
        event: 'Product Viewed',
        where: [{ property: 'category', op: 'eq', value: c }],
        within: { days: 7 },
        count: { gte: 2 },
      },
    });
    out.push({
      id: `added-${c}-day`,
      rule: {
        event: 'Product Added',
        where: [{ property: 'category', op: 'eq', value: c }],
        within: { days: 1 },
      },
    });
  }
  for (const n of [100, 200, 500, 1000, 2000]) {
    out.push({
      id: `spent-${n}-month`,
      rule: { event: 'Order Completed', within: { days: 30 }, sum: { property: 'revenue', gte: n } },
    });
  }
  for (const k of [2, 3, 5, 8]) {
    out.push({
      id: `visits-${k}-day`,
      rule: { event: 'Page Viewed', within: { days: 1 }, count: { gte: k } },
    });
  }
  out.push({ id: 'added-last-hour', rule: { event: 'Product Added', within: { hours: 1 } } });
  out.push({
    id: 'cart-open-last-hour',
    rule: {
      all: [
        { event: 'Product Added', within: { hours: 1 } },
        { event: 'Order Completed', within: { hours: 1 }, count: { eq: 0 } },
      ],
    },
  });
  out.push({
    id: 'browsers-without-cart',
    rule: {
      all: [
        { event: 'Product Viewed', within: { days: 1 } },
        { not: { event: 'Product Added', within: { days: 1 } } },
      ],
    },
  });
  out.push({
    id: 'big-order-week',
    rule: {
      event: 'Order Completed',
      where: [{ property: 'revenue', op: 'gte', value: 200 }],
      within: { days: 7 },
    },
  });
  out.push({
    id: 'two-orders-week',
    rule: { event: 'Order Completed', within: { days: 7 }, count: { gte: 2 } },
  });
  out.push({
    id: 'loyal-and-recent',
    rule: { all: [{ inSegment: 'loyal-buyers' }, { event: 'Order Completed', within: { days: 30 } }] },
  });
  return out;
}
