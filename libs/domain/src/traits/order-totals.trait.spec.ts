import { asEpochMs } from '../brand';
import type { EventFact } from './event-fact';
import { nextOrderTotalsChangeAt, orderTotalsOf } from './order-totals.trait';
import { DAY_MS } from './trait-time';
import { traitsConfig } from './traits.config';

const NOW = Date.UTC(2026, 10, 1, 9);
const tx = (name: string, daysAgo: number, revenue: number): EventFact => ({
  name,
  source: 'transaction',
  occurredAt: asEpochMs(NOW - daysAgo * DAY_MS),
  revenue,
  properties: {},
});

describe('orderCount and totalRevenue', () => {
  it('counts completed orders and nets refunds out of revenue, all time', () => {
    const events = [
      tx('Order Completed', 1000, 0.1),
      tx('Order Completed', 10, 0.2),
      tx('Order Refunded', 5, 0.05),
      tx('Order Cancelled', 5, 99),
      tx('Order Completed', -1, 50),
    ];
    expect(orderTotalsOf(events, NOW, traitsConfig())).toEqual({ orderCount: 2, totalRevenue: 0.25 });
    expect(orderTotalsOf([], NOW, traitsConfig())).toEqual({ orderCount: 0, totalRevenue: 0 });
  });

  it('changes only when an order or refund arrives', () => {
    expect(nextOrderTotalsChangeAt([tx('Order Completed', 1, 1), tx('Order Refunded', -3, 1)], NOW)).toBe(
      NOW + 3 * DAY_MS,
    );
    expect(nextOrderTotalsChangeAt([tx('Order Completed', 1, 1)], NOW)).toBeUndefined();
  });
});
