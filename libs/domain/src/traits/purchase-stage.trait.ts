import type { EpochMs } from '../brand';
import type { EventFact } from './event-fact';
import { matchesAnyEventPattern } from './event-name-pattern';
import { ORDER_COMPLETED } from './order-history';
import { DAY_MS, EarliestAfter, isWithin } from './trait-time';
import type { TraitsConfig } from './traits.config';

export const PURCHASE_STAGES = ['awareness', 'consideration', 'decision', 'purchased'] as const;
export type PurchaseStage = (typeof PURCHASE_STAGES)[number];

/**
 * purchaseStage as of `now`, the most advanced stage the events at or before `now` show:
 * 1. purchased: a completed order, ever;
 * 2. decision: a decision event (Product Added, Checkout Started) in
 *    `(now - decisionWindowDays, now]` (30 days);
 * 3. consideration: a consideration event (Product Viewed, Product List Viewed,
 *    Social *, Ad Click) ever, or an expired decision event (it falls back here);
 * 4. awareness: any other event (page views, ad impressions, ...).
 * Undefined when the profile has no event at or before `now`.
 */
export function purchaseStageOf(
  events: readonly EventFact[],
  now: number,
  config: TraitsConfig,
): PurchaseStage | undefined {
  const { considerationEvents, decisionEvents, decisionWindowDays } = config.purchaseStage;
  let stage = -1;
  for (const e of events) {
    if (e.occurredAt > now) continue;
    let level = 0;
    if (e.name === ORDER_COMPLETED) level = 3;
    else if (matchesAnyEventPattern(e.name, decisionEvents)) {
      level = isWithin(e.occurredAt, now, decisionWindowDays * DAY_MS) ? 2 : 1;
    } else if (matchesAnyEventPattern(e.name, considerationEvents)) level = 1;
    if (level > stage) stage = level;
    if (stage === 3) break;
  }
  return stage < 0 ? undefined : PURCHASE_STAGES[stage];
}

/** The earliest instant after `now` at which purchaseStage may change: a decision expiring, or any event arriving. */
export function nextPurchaseStageChangeAt(
  events: readonly EventFact[],
  now: number,
  config: TraitsConfig,
): EpochMs | undefined {
  const next = new EarliestAfter(now);
  const windowMs = config.purchaseStage.decisionWindowDays * DAY_MS;
  for (const e of events) {
    if (e.occurredAt > now) next.offer(e.occurredAt);
    else if (matchesAnyEventPattern(e.name, config.purchaseStage.decisionEvents))
      next.offer(e.occurredAt + windowMs);
  }
  return next.value;
}
