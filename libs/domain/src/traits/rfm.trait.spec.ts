import { asEpochMs } from '../brand';
import type { EventFact } from './event-fact';
import { nextRfmChangeAt, rfmOf, rfmSegmentOf } from './rfm.trait';
import { DAY_MS } from './trait-time';
import { traitsConfig } from './traits.config';

const NOW = Date.UTC(2026, 10, 1, 9);
const config = traitsConfig();
const tx = (name: string, daysAgo: number, revenue: number): EventFact => ({
  name,
  source: 'transaction',
  occurredAt: asEpochMs(NOW - daysAgo * DAY_MS),
  revenue,
  properties: {},
});
const order = (daysAgo: number, revenue = 100) => tx('Order Completed', daysAgo, revenue);

describe('rfm', () => {
  it('is absent without completed orders', () => {
    expect(rfmOf([], NOW, config)).toBeUndefined();
    expect(rfmOf([tx('Order Refunded', 1, 10)], NOW, config)).toBeUndefined();
  });

  it('scores recency by breakpoints 30/90/180/365 days (window semantics)', () => {
    const r = (daysAgo: number) => rfmOf([order(daysAgo)], NOW, config)?.r;
    expect([r(0), r(29.9), r(30), r(89), r(90), r(179), r(180), r(364), r(365), r(900)]).toEqual([
      5, 5, 4, 4, 3, 3, 2, 2, 1, 1,
    ]);
  });

  it('scores frequency on orders in 365 days: >= 2/3/5/8', () => {
    const f = (n: number) =>
      rfmOf(
        Array.from({ length: n }, (_, i) => order(i + 1, 0)),
        NOW,
        config,
      )?.f;
    expect([f(1), f(2), f(3), f(4), f(5), f(7), f(8), f(20)]).toEqual([1, 2, 3, 3, 4, 4, 5, 5]);
    expect(rfmOf([order(1), order(400), order(500)], NOW, config)?.f).toBe(1);
  });

  it('scores net revenue in 365 days: >= 100/500/1000/5000, refunds subtracted', () => {
    const m = (...events: EventFact[]) => rfmOf(events, NOW, config)?.m;
    expect(m(order(1, 99.99))).toBe(1);
    expect(m(order(1, 100))).toBe(2);
    expect(m(order(1, 600), tx('Order Refunded', 2, 200))).toBe(2);
    expect(m(order(1, 600), tx('Order Refunded', 400, 200))).toBe(3);
    expect(m(order(1, 1000))).toBe(4);
    expect(m(order(1, 5000))).toBe(5);
    expect(m(order(1, 50), tx('Order Refunded', 1, 80))).toBe(1);
  });

  it('names segments from the documented table', () => {
    expect(rfmSegmentOf(5, 5, 5)).toBe('champions');
    expect(rfmSegmentOf(4, 4, 4)).toBe('champions');
    expect(rfmSegmentOf(5, 1, 5)).toBe('new');
    expect(rfmSegmentOf(4, 3, 3)).toBe('loyal');
    expect(rfmSegmentOf(3, 5, 5)).toBe('loyal');
    expect(rfmSegmentOf(5, 2, 1)).toBe('potential');
    expect(rfmSegmentOf(3, 1, 1)).toBe('potential');
    expect(rfmSegmentOf(2, 4, 3)).toBe('at_risk');
    expect(rfmSegmentOf(2, 1, 2)).toBe('hibernating');
    expect(rfmSegmentOf(1, 5, 5)).toBe('lost');
  });

  it('computes a whole triple', () => {
    const events = [order(2, 1500), order(20, 1500), order(40, 1500), order(60, 1500), order(100, 1500)];
    expect(rfmOf(events, NOW, config)).toEqual({ r: 5, f: 4, m: 5, segment: 'champions' });
  });

  it('next change: recency breakpoints of the last order, window exits', () => {
    expect(nextRfmChangeAt([order(10)], NOW, config)).toBe(NOW + 20 * DAY_MS);
    expect(nextRfmChangeAt([order(364.5)], NOW, config)).toBe(NOW + 0.5 * DAY_MS);
    expect(nextRfmChangeAt([order(400)], NOW, config)).toBeUndefined();
  });
});
