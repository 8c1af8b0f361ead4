import type { EpochMs } from '../brand';
import type { EventFact } from './event-fact';
import { futureOrderInstants, OrderHistory } from './order-history';
import { DAY_MS, EarliestAfter } from './trait-time';
import type { TraitsConfig } from './traits.config';

export const LIFECYCLE_STAGES = ['prospect', 'new', 'active', 'loyal', 'churned'] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

/**
 * lifecycleStage as of `now`, from completed orders at or before `now`. First match wins
 * (precedence churned > loyal > active > new > prospect):
 * 1. prospect: no completed order;
 * 2. churned: no completed order in `(now - churnDays, now]` (i.e. last order <= now - 90 d);
 * 3. loyal: >= loyalOrders completed orders in `(now - loyalWindowDays, now]`;
 * 4. active: >= 2 completed orders (repeat buyer);
 * 5. new: exactly one completed order.
 */
export function lifecycleStageOf(
  events: readonly EventFact[],
  now: number,
  config: TraitsConfig,
): LifecycleStage {
  return stageOf(new OrderHistory(events, now, config), now, config);
}

function stageOf(history: OrderHistory, now: number, config: TraitsConfig): LifecycleStage {
  const { loyalOrders, loyalWindowDays, churnDays } = config.lifecycle;
  const last = history.lastOrderAt;
  if (last === undefined) return 'prospect';
  if (last <= now - churnDays * DAY_MS) return 'churned';
  if (history.ordersWithin(now, loyalWindowDays * DAY_MS) >= loyalOrders) return 'loyal';
  return history.orders.length >= 2 ? 'active' : 'new';
}

/**
 * The earliest instant after `now` at which lifecycleStage may change without a new event:
 * an order leaving the loyal window, the last order maturing into churn, or an order
 * dated in the future arriving.
 */
export function nextLifecycleStageChangeAt(
  events: readonly EventFact[],
  now: number,
  config: TraitsConfig,
): EpochMs | undefined {
  const history = new OrderHistory(events, now, config);
  const next = new EarliestAfter(now);
  for (const at of futureOrderInstants(events, now)) next.offer(at);
  for (const o of history.orders) next.offer(o.at + config.lifecycle.loyalWindowDays * DAY_MS);
  const last = history.lastOrderAt;
  if (last !== undefined) next.offer(last + config.lifecycle.churnDays * DAY_MS);
  return next.value;
}
