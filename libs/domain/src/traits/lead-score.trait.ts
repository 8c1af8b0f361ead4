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
  return roundTo(rawLeadScore(events, now, config), 2);
}

/** The weight table's answers per event name (tables are configuration: never changed in place). */
const weightsByName = new WeakMap<Readonly<Record<string, number>>, Map<string, number>>();

/** `weights`' weight for `name` (0 when nothing matches), memoized per table. */
function weightOf(name: string, weights: Readonly<Record<string, number>>): number {
  let known = weightsByName.get(weights);
  if (known === undefined) {
    known = new Map();
    weightsByName.set(weights, known);
  }
  let weight = known.get(name);
  if (weight === undefined) {
    weight = lookupByEventPattern(name, weights) ?? 0;
    known.set(name, weight);
  }
  return weight;
}

/** leadScore before rounding. */
function rawLeadScore(events: readonly EventFact[], now: number, config: TraitsConfig): number {
  const { weights, halfLifeDays } = config.leadScore;
  const today = utcDayOf(now);
  let score = 0;
  for (const e of events) {
    if (e.occurredAt > now) continue;
    const weight = weightOf(e.name, weights);
    if (weight === 0) continue;
    score += weight * 0.5 ** ((today - utcDayOf(e.occurredAt)) / halfLifeDays);
  }
  return score;
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
    const weight = weightOf(e.name, weights);
    if (weight === 0) continue;
    if (e.occurredAt > now) next.offer(e.occurredAt);
    else remaining += Math.abs(weight) * 0.5 ** ((today - utcDayOf(e.occurredAt)) / halfLifeDays);
  }
  // below half a cent the rounded score is 0 now and stays 0 as it decays
  if (remaining >= 0.005) next.offer((today + 1) * DAY_MS);
  return next.value;
}

/** The first later-dated weighted event after `t` (an arrival: the score jumps), or undefined. */
function nextArrivalAfter(events: readonly EventFact[], t: number, config: TraitsConfig): number | undefined {
  const next = new EarliestAfter(t);
  for (const e of events)
    if (e.occurredAt > t && weightOf(e.name, config.leadScore.weights) !== 0) next.offer(e.occurredAt);
  return next.value;
}

/**
 * The first instant after `from` at which `test` of the lead score differs from its result at
 * `from`, for a test that is monotone in the score (`gt`, `gte`, `lt`, `lte` against a number):
 * exactly the instant a walk over `nextLeadScoreChangeAt` would find, without evaluating the
 * score at every midnight. Between arrivals of later-dated events every term halves at the same
 * pace, so the unrounded score at the k-th midnight is `raw * q^k` (q = 0.5^(1/halfLifeDays)):
 * it crosses a threshold at most once, found by arithmetic and confirmed with `leadScoreOf` at
 * that midnight and the one before. Undefined when it never flips; null when the confirmation
 * disagrees (floating point at a rounding tie): the caller walks instead.
 */
export function leadScoreFlipAfter(
  test: (score: number) => boolean,
  events: readonly EventFact[],
  from: number,
  config: TraitsConfig,
): EpochMs | undefined | null {
  const before = test(leadScoreOf(events, from, config));
  const q = 0.5 ** (1 / config.leadScore.halfLifeDays);
  let t = from;
  for (let arrivals = 0; arrivals <= events.length; arrivals++) {
    const arrival = nextArrivalAfter(events, t, config);
    const today = utcDayOf(t);
    let value = rawLeadScore(events, t, config);
    // midnights before the arrival while the rounded score can still move
    for (let k = 1; Math.abs(value) >= 0.005; k++) {
      const midnight = (today + k) * DAY_MS;
      if (arrival !== undefined && midnight >= arrival) break;
      value *= q;
      if (test(roundTo(value, 2)) === before) continue;
      // confirm with the exact sums: a flip at this midnight and none at the one before
      const exact = test(leadScoreOf(events, midnight, config)) !== before;
      const previous = k === 1 ? t : (today + k - 1) * DAY_MS;
      const steady = test(leadScoreOf(events, previous, config)) === before;
      return exact && steady ? (midnight as EpochMs) : null;
    }
    if (arrival === undefined) return undefined;
    if (test(leadScoreOf(events, arrival, config)) !== before) return arrival as EpochMs;
    t = arrival;
  }
  return null;
}
