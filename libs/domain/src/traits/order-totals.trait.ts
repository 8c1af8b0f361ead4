import type { EpochMs } from '../brand';
import type { EventFact } from './event-fact';
import { futureOrderInstants, OrderHistory } from './order-history';
import { EarliestAfter, roundTo } from './trait-time';
import type { TraitsConfig } from './traits.config';

/** orderCount and totalRevenue as of `now`. */
export interface OrderTotals {
  /** Completed orders (`Order Completed` events) at or before `now`, all time; refunds do not reduce it. */
  orderCount: number;
  /** Completed revenue minus refunded revenue at or before `now`, all time, rounded to cents. */
  totalRevenue: number;
}

export function orderTotalsOf(events: readonly EventFact[], now: number, config: TraitsConfig): OrderTotals {
  const history = new OrderHistory(events, now, config);
  let revenue = 0;
  for (const o of history.orders) revenue += o.revenue;
  for (const r of history.refunds) revenue -= r.revenue;
  return { orderCount: history.orders.length, totalRevenue: roundTo(revenue, 2) };
}

/** Order totals only change when an order or refund arrives. */
export function nextOrderTotalsChangeAt(events: readonly EventFact[], now: number): EpochMs | undefined {
  const next = new EarliestAfter(now);
  for (const at of futureOrderInstants(events, now)) next.offer(at);
  return next.value;
}
