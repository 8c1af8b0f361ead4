import { asEpochMs } from '../brand';
import type { EventFact } from './event-fact';
import { lifecycleStageOf, nextLifecycleStageChangeAt } from './lifecycle-stage.trait';
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
const stage = (...daysAgo: number[]) => lifecycleStageOf(daysAgo.map(order), NOW, config);

describe('lifecycleStage', () => {
  it('prospect: no completed order (other events do not count)', () => {
    expect(stage()).toBe('prospect');
    expect(lifecycleStageOf([{ ...order(1), name: 'Order Refunded' }], NOW, config)).toBe('prospect');
    expect(stage(-1)).toBe('prospect');
  });

  it('new, active, loyal', () => {
    expect(stage(10)).toBe('new');
    expect(stage(10, 200)).toBe('active');
    expect(stage(10, 100, 170)).toBe('loyal');
    expect(stage(10, 100, 180)).toBe('active');
  });

  it('churned takes precedence: last order 90 days ago or more', () => {
    expect(stage(90)).toBe('churned');
    expect(stage(89.99)).toBe('new');
    expect(stage(95, 100, 120)).toBe('churned');
  });

  it('uses configured thresholds', () => {
    const c = traitsConfig({ lifecycle: { churnDays: 30, loyalOrders: 2, loyalWindowDays: 60 } });
    expect(lifecycleStageOf([order(10), order(50)], NOW, c)).toBe('loyal');
    expect(lifecycleStageOf([order(31)], NOW, c)).toBe('churned');
  });

  it('next change: churn maturing, loyal window exits, future orders', () => {
    expect(nextLifecycleStageChangeAt([order(10)], NOW, config)).toBe(NOW + 80 * DAY_MS);
    expect(nextLifecycleStageChangeAt([order(10), order(100), order(170)], NOW, config)).toBe(
      NOW + 10 * DAY_MS,
    );
    expect(nextLifecycleStageChangeAt([order(100), order(-3)], NOW, config)).toBe(NOW + 3 * DAY_MS);
    expect(nextLifecycleStageChangeAt([], NOW, config)).toBeUndefined();
  });
});
