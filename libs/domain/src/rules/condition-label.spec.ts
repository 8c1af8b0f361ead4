import { comparisonLabel, conditionLabel } from './condition-label';

describe('conditionLabel', () => {
  it('reads like the contract reason', () => {
    expect(conditionLabel({ event: 'Order Completed', within: { days: 180 }, count: { gte: 3 } })).toBe(
      'Order Completed count within 180d >= 3',
    );
    expect(conditionLabel({ event: 'Page Viewed' })).toBe('Page Viewed count >= 1');
    expect(conditionLabel({ event: 'Order Completed', within: { hours: 24 }, count: { eq: 0 } })).toBe(
      'Order Completed count within 24h = 0',
    );
  });

  it('describes sources, filters, sums and recency', () => {
    expect(
      conditionLabel({
        event: 'Product Viewed',
        source: 'web',
        where: [
          { property: 'category', op: 'eq', value: 'skincare' },
          { property: 'price', op: 'between', value: [10, 20] },
        ],
        within: { days: 14 },
        count: { between: [3, 5] },
      }),
    ).toBe(
      'Product Viewed (web) where category = "skincare" and price between 10 and 20 count within 14d between 3 and 5',
    );
    expect(conditionLabel({ event: 'Order Completed', sum: { property: 'revenue', gt: 1000 } })).toBe(
      'Order Completed sum of revenue > 1000',
    );
    expect(conditionLabel({ event: 'Order Completed', lastSeen: { olderThan: { days: 90 } } })).toBe(
      'Order Completed last seen older than 90d',
    );
    expect(
      conditionLabel({
        event: 'Ad Click',
        within: { from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' },
        firstSeen: { newerThan: { hours: 6 } },
      }),
    ).toBe('Ad Click first seen from 2026-01-01T00:00:00Z to 2026-02-01T00:00:00Z newer than 6h');
  });

  it('describes trait conditions and segment references', () => {
    expect(conditionLabel({ trait: 'country', op: 'in', value: ['CN', 'SG'] })).toBe(
      'country in ["CN","SG"]',
    );
    expect(conditionLabel({ trait: 'age', op: 'between', value: [25, 34] })).toBe('age between 25 and 34');
    expect(conditionLabel({ trait: 'email', op: 'notExists' })).toBe('email does not exist');
    expect(conditionLabel({ trait: 'rfm.r', op: 'gte', value: 4 })).toBe('rfm.r >= 4');
    expect(conditionLabel({ trait: 'plan', op: 'neq', value: 'free' })).toBe('plan != "free"');
    expect(conditionLabel({ trait: 'tags', op: 'notIn', value: [1] })).toBe('tags not in [1]');
    expect(conditionLabel({ inSegment: 'vip' })).toBe('in segment "vip"');
  });

  it('labels comparisons', () => {
    expect(comparisonLabel({ lt: 2 })).toBe('< 2');
    expect(comparisonLabel({ neq: 0 })).toBe('!= 0');
  });
});
