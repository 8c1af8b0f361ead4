import type { EpochMs } from '../brand';
import type { EventFact } from './event-fact';
import { futureOrderInstants, OrderHistory } from './order-history';
import { DAY_MS, EarliestAfter } from './trait-time';
import type { TraitsConfig } from './traits.config';

export const PURCHASE_FREQUENCIES = ['high', 'medium', 'low', 'none'] as const;
export type PurchaseFrequency = (typeof PURCHASE_FREQUENCIES)[number];

/**
 * purchaseFrequency as of `now`: the number k of completed orders in
 * `(now - windowDays, now]` (default 90 days); high when k >= high (4), medium when
 * k >= medium (2), low when k >= low (1), else none.
 */
export function purchaseFrequencyOf(
  events: readonly EventFact[],
  now: number,
  config: TraitsConfig,
): PurchaseFrequency {
  const { windowDays, high, medium, low } = config.purchaseFrequency;
  const k = new OrderHistory(events, now, config).ordersWithin(now, windowDays * DAY_MS);
  if (k >= high) return 'high';
  if (k >= medium) return 'medium';
  if (k >= low) return 'low';
  return 'none';
}

/** The earliest instant after `now` at which purchaseFrequency may change: an order leaving the window or arriving. */
export function nextPurchaseFrequencyChangeAt(
  events: readonly EventFact[],
  now: number,
  config: TraitsConfig,
): EpochMs | undefined {
  const next = new EarliestAfter(now);
  for (const at of futureOrderInstants(events, now)) next.offer(at);
  for (const o of new OrderHistory(events, now, config).orders) {
    next.offer(o.at + config.purchaseFrequency.windowDays * DAY_MS);
  }
  return next.value;
}
