import type { EpochMs } from '../brand';
import type { EventFact } from './event-fact';
import { lookupByEventPattern } from './event-name-pattern';
import { DAY_MS, EarliestAfter, roundTo, utcDayOf } from './trait-time';
import type { TraitsConfig } from './traits.config';

/**
 * leadScore as of `now`: the sum over events at or before `now` of
 * `weight(name) * 0.5 ^ (ageDays / halfLifeDays)`, where `weight` is looked up in
 * `leadScore.weights` (exact name, else longest `*` prefix, else 0) and `ageDays` is the
 * number of whole UTC calendar days between the event's day and `now`'s day (step decay:
 * the score only changes at UTC midnight, or when an event arrives). Rounded to 2
 * decimals.
 */
export function leadScoreOf(events: readonly EventFact[], now: number, config: TraitsConfig): number {
  const { weights, halfLifeDays } = config.leadScore;
  const today = utcDayOf(now);
  let score = 0;
  for (const e of events) {
    if (e.occurredAt > now) continue;
    const weight = lookupByEventPattern(e.name, weights);
    if (weight === undefined || weight === 0) continue;
    score += weight * 0.5 ** ((today - utcDayOf(e.occurredAt)) / halfLifeDays);
  }
  return roundTo(score, 2);
}

/**
 * The next UTC midnight while the decayed score can still change its 2-decimal value
 * (undefined once it rounds to 0 for good), or the next weighted event, whichever is first.
 */
export function nextLeadScoreChangeAt(
  events: readonly EventFact[],
  now: number,
  config: TraitsConfig,
): EpochMs | undefined {
  const { weights, halfLifeDays } = config.leadScore;
  const today = utcDayOf(now);
  const next = new EarliestAfter(now);
  let remaining = 0;
  for (const e of events) {
    const weight = lookupByEventPattern(e.name, weights);
    if (weight === undefined || weight === 0) continue;
    if (e.occurredAt > now) next.offer(e.occurredAt);
    else remaining += Math.abs(weight) * 0.5 ** ((today - utcDayOf(e.occurredAt)) / halfLifeDays);
  }
  // below half a cent the rounded score is 0 now and stays 0 as it decays
  if (remaining >= 0.005) next.offer((today + 1) * DAY_MS);
  return next.value;
}
