import type { EpochMs } from '../brand';
import type { EventFact } from './event-fact';
import { futureOrderInstants, OrderHistory } from './order-history';
import { DAY_MS, EarliestAfter, roundTo } from './trait-time';
import type { TraitsConfig } from './traits.config';

export const RFM_SEGMENTS = [
  'champions',
  'new',
  'loyal',
  'potential',
  'at_risk',
  'hibernating',
  'lost',
] as const;
export type RfmSegment = (typeof RFM_SEGMENTS)[number];
export type RfmScoreValue = 1 | 2 | 3 | 4 | 5;

export interface Rfm {
  r: RfmScoreValue;
  f: RfmScoreValue;
  m: RfmScoreValue;
  segment: RfmSegment;
}

const score = (n: number): RfmScoreValue => Math.min(5, Math.max(1, n)) as RfmScoreValue;

/** 1 + the number of ascending thresholds that `value` reaches: 1..5. */
const scoreAtLeast = (value: number, thresholds: readonly number[]): RfmScoreValue =>
  score(1 + thresholds.filter((t) => value >= t).length);

/**
 * The named segment of an r/f/m triple; with fm = floor((f + m) / 2), first match wins:
 * champions (r >= 4, fm >= 4), new (r >= 4, f = 1), loyal (r >= 3, fm >= 3),
 * potential (r >= 3), at_risk (r = 2, fm >= 3), hibernating (r = 2), lost (r = 1).
 */
export function rfmSegmentOf(r: number, f: number, m: number): RfmSegment {
  const fm = Math.floor((f + m) / 2);
  if (r >= 4 && fm >= 4) return 'champions';
  if (r >= 4 && f === 1) return 'new';
  if (r >= 3 && fm >= 3) return 'loyal';
  if (r >= 3) return 'potential';
  if (r === 2) return fm >= 3 ? 'at_risk' : 'hibernating';
  return 'lost';
}

/**
 * rfm as of `now` (undefined when the profile has no completed order), scores by fixed
 * breakpoints (not quantiles):
 * - r: 5, 4, 3, 2 when the last completed order is in `(now - d, now]` for
 *   d = recencyDays[0..3] (30, 90, 180, 365 days), else 1;
 * - f: completed orders in `(now - windowDays, now]` (365 days); 1 + the number of
 *   frequencyOrders thresholds reached (2, 3, 5, 8);
 * - m: completed revenue minus refunded revenue in the same window, rounded to cents;
 *   1 + the number of monetary thresholds reached (100, 500, 1000, 5000).
 */
export function rfmOf(events: readonly EventFact[], now: number, config: TraitsConfig): Rfm | undefined {
  const history = new OrderHistory(events, now, config);
  const last = history.lastOrderAt;
  if (last === undefined) return undefined;
  const { windowDays, recencyDays, frequencyOrders, monetary } = config.rfm;
  const r = score(5 - recencyDays.filter((d) => !(last > now - d * DAY_MS)).length);
  const windowMs = windowDays * DAY_MS;
  const f = scoreAtLeast(history.ordersWithin(now, windowMs), frequencyOrders);
  let net = 0;
  for (const o of history.orders) if (o.at > now - windowMs) net += o.revenue;
  for (const x of history.refunds) if (x.at > now - windowMs) net -= x.revenue;
  const m = scoreAtLeast(roundTo(net, 2), monetary);
  return { r, f, m, segment: rfmSegmentOf(r, f, m) };
}

/**
 * The earliest instant after `now` at which rfm may change: the last order crossing a
 * recency breakpoint, an order or refund leaving the window, or one arriving.
 */
export function nextRfmChangeAt(
  events: readonly EventFact[],
  now: number,
  config: TraitsConfig,
): EpochMs | undefined {
  const history = new OrderHistory(events, now, config);
  const next = new EarliestAfter(now);
  for (const at of futureOrderInstants(events, now)) next.offer(at);
  const windowMs = config.rfm.windowDays * DAY_MS;
  for (const o of history.orders) next.offer(o.at + windowMs);
  for (const x of history.refunds) next.offer(x.at + windowMs);
  const last = history.lastOrderAt;
  if (last !== undefined) for (const d of config.rfm.recencyDays) next.offer(last + d * DAY_MS);
  return next.value;
}
