import { asEpochMs } from '../brand';
import type { SourceKind } from '../events/canonical-event';
import { computeTraits } from './computed-traits';
import type { EventFact, EventFactContext } from './event-fact';
import { DAY_MS } from './trait-time';
import { traitsConfig } from './traits.config';

const NOW = Date.UTC(2026, 10, 1, 9);
const ev = (
  name: string,
  source: SourceKind,
  daysAgo: number,
  extra: { revenue?: number; context?: EventFactContext } = {},
): EventFact => ({ name, source, occurredAt: asEpochMs(NOW - daysAgo * DAY_MS), properties: {}, ...extra });

describe('computeTraits', () => {
  it('computes every trait of a customer', () => {
    const events = [
      ev('Page Viewed', 'web', 200, { context: { utmMedium: 'paid_social', utmSource: 'Weibo' } }),
      ev('Product Viewed', 'web', 150),
      ev('Order Completed', 'transaction', 120, { revenue: 300 }),
      ev('Order Completed', 'transaction', 40, { revenue: 400 }),
      ev('Order Completed', 'transaction', 10, { revenue: 500 }),
      ev('Order Refunded', 'transaction', 5, { revenue: 100 }),
    ];
    expect(computeTraits(events, {}, NOW, traitsConfig())).toEqual({
      lifecycleStage: 'loyal',
      purchaseFrequency: 'medium',
      rfm: { r: 5, f: 3, m: 4, segment: 'loyal' },
      acquisitionChannel: 'paid',
      acquisitionSource: 'weibo',
      purchaseStage: 'purchased',
      leadScore: 0.1, // 1 * 0.5^(200/30) + 3 * 0.5^(150/30)
      orderCount: 3,
      totalRevenue: 1100,
      firstSeenAt: new Date(NOW - 200 * DAY_MS).toISOString(),
      lastSeenAt: new Date(NOW - 5 * DAY_MS).toISOString(),
    });
  });

  it('leaves optional traits out for a profile without events', () => {
    expect(computeTraits([], { email: 'x@example.com' }, NOW)).toEqual({
      lifecycleStage: 'prospect',
      purchaseFrequency: 'none',
      leadScore: 0,
      orderCount: 0,
      totalRevenue: 0,
    });
  });
});
