import { asEpochMs } from '../brand';
import type { EventFact } from './event-fact';
import { nextPurchaseFrequencyChangeAt, purchaseFrequencyOf } from './purchase-frequency.trait';
import { DAY_MS } from './trait-time';
import { traitsConfig } from './traits.config';

const NOW = Date.UTC(2026, 10, 1, 9);
const config = traitsConfig();
const order = (daysAgo: number): EventFact => ({
  name: 'Order Completed',
  source: 'transaction',
  occurredAt: asEpochMs(NOW - daysAgo * DAY_MS),
  properties: {},
});
const frequency = (...daysAgo: number[]) => purchaseFrequencyOf(daysAgo.map(order), NOW, config);

describe('purchaseFrequency', () => {
  it('counts completed orders in (now - 90 d, now]', () => {
    expect(frequency()).toBe('none');
    expect(frequency(90)).toBe('none');
    expect(frequency(89)).toBe('low');
    expect(frequency(1, 2)).toBe('medium');
    expect(frequency(1, 2, 3)).toBe('medium');
    expect(frequency(1, 2, 3, 4)).toBe('high');
  });

  it('uses configured thresholds', () => {
    const c = traitsConfig({ purchaseFrequency: { windowDays: 30, high: 2, medium: 1, low: 1 } });
    expect(purchaseFrequencyOf([order(1), order(20)], NOW, c)).toBe('high');
    expect(purchaseFrequencyOf([order(1), order(40)], NOW, c)).toBe('medium');
  });

  it('next change: the oldest order in the window leaving it', () => {
    expect(nextPurchaseFrequencyChangeAt([order(10), order(50)], NOW, config)).toBe(NOW + 40 * DAY_MS);
    expect(nextPurchaseFrequencyChangeAt([order(100)], NOW, config)).toBeUndefined();
  });
});
