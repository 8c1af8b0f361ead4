import { asEpochMs } from '../brand';
import type { EventFact } from './event-fact';
import { countedRevenue, futureOrderInstants, OrderHistory } from './order-history';
import { DAY_MS } from './trait-time';
import { traitsConfig } from './traits.config';

const NOW = Date.UTC(2026, 10, 1, 9);
const tx = (name: string, daysAgo: number, revenue?: number, currency?: string): EventFact => {
  const e: EventFact = {
    name,
    source: 'transaction',
    occurredAt: asEpochMs(NOW - daysAgo * DAY_MS),
    properties: {},
  };
  if (revenue !== undefined) e.revenue = revenue;
  if (currency !== undefined) e.currency = currency;
  return e;
};

describe('OrderHistory', () => {
  it('keeps completed orders and refunds at or before now, oldest first', () => {
    const h = new OrderHistory(
      [
        tx('Order Completed', 1, 10),
        tx('Order Completed', 5, 20),
        tx('Order Refunded', 0, 5),
        tx('Order Cancelled', 2, 30),
        tx('Order Completed', -1, 40),
      ],
      NOW,
      traitsConfig(),
    );
    expect(h.orders.map((o) => o.revenue)).toEqual([20, 10]);
    expect(h.refunds).toEqual([{ at: NOW, revenue: 5 }]);
    expect(h.lastOrderAt).toBe(NOW - DAY_MS);
    expect(h.ordersWithin(NOW, 5 * DAY_MS)).toBe(1);
    expect(h.ordersWithin(NOW, 5 * DAY_MS + 1)).toBe(2);
  });

  it('counts revenue in the configured currency only (events without one count)', () => {
    const config = traitsConfig({ currency: 'CNY' });
    expect(countedRevenue(tx('Order Completed', 1, 10, 'CNY'), config)).toBe(10);
    expect(countedRevenue(tx('Order Completed', 1, 10, 'USD'), config)).toBe(0);
    expect(countedRevenue(tx('Order Completed', 1, 10), config)).toBe(10);
    expect(countedRevenue(tx('Order Completed', 1), config)).toBe(0);
    expect(countedRevenue(tx('Order Completed', 1, 10, 'USD'), traitsConfig())).toBe(10);
  });

  it('lists order and refund instants after now', () => {
    const events = [
      tx('Order Completed', -2),
      tx('Order Refunded', -1),
      tx('Page Viewed', -1),
      tx('Order Completed', 1),
    ];
    expect(futureOrderInstants(events, NOW)).toEqual([NOW + 2 * DAY_MS, NOW + DAY_MS]);
  });
});
