import { asEpochMs } from '../brand';
import type { EventFact } from './event-fact';
import { nextPurchaseStageChangeAt, purchaseStageOf } from './purchase-stage.trait';
import { DAY_MS } from './trait-time';
import { traitsConfig } from './traits.config';

const NOW = Date.UTC(2026, 10, 1, 9);
const config = traitsConfig();
const ev = (name: string, daysAgo: number): EventFact => ({
  name,
  source: 'web',
  occurredAt: asEpochMs(NOW - daysAgo * DAY_MS),
  properties: {},
});
const stage = (...events: EventFact[]) => purchaseStageOf(events, NOW, config);

describe('purchaseStage', () => {
  it('is the most advanced stage seen', () => {
    expect(stage()).toBeUndefined();
    expect(stage(ev('Page Viewed', 1), ev('Ad Impression', 2))).toBe('awareness');
    expect(stage(ev('Page Viewed', 1), ev('Product Viewed', 200))).toBe('consideration');
    expect(stage(ev('Social Comment', 1))).toBe('consideration');
    expect(stage(ev('Ad Click', 1))).toBe('consideration');
    expect(stage(ev('Product Added', 29), ev('Product Viewed', 1))).toBe('decision');
    expect(stage(ev('Checkout Started', 1))).toBe('decision');
    expect(stage(ev('Order Completed', 400), ev('Product Added', 1))).toBe('purchased');
  });

  it('lets a decision expire back to consideration after 30 days', () => {
    expect(stage(ev('Product Added', 30))).toBe('consideration');
    expect(stage(ev('Product Added', 29.999))).toBe('decision');
  });

  it('ignores later-dated events until they happen', () => {
    expect(stage(ev('Order Completed', -1), ev('Page Viewed', 1))).toBe('awareness');
  });

  it('next change: decision expiry or the next event', () => {
    expect(nextPurchaseStageChangeAt([ev('Product Added', 10)], NOW, config)).toBe(NOW + 20 * DAY_MS);
    expect(nextPurchaseStageChangeAt([ev('Product Added', 10), ev('Page Viewed', -2)], NOW, config)).toBe(
      NOW + 2 * DAY_MS,
    );
    expect(nextPurchaseStageChangeAt([ev('Product Viewed', 10)], NOW, config)).toBeUndefined();
  });
});
