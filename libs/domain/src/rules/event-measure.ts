import type { EpochMs } from '../brand';
import type { EventFact } from '../traits/event-fact';
import type { TraitMemo } from '../traits/trait-memo';
import { EarliestAfter, roundTo, toIso } from '../traits/trait-time';
import { measureOf, type EventCondition } from './rule.model';
import { durationMs, windowSpanOf } from './time-window';
import { testNumber, testValue } from './value-test';

/** The value a measure saw and whether its comparison held. */
export interface MeasureOutcome {
  /** count / sum: a number; lastSeen / firstSeen: the ISO instant, or null without a matching event. */
  actual: number | string | null;
  result: boolean;
}

/**
 * A property of an event for `where` and `sum`: `revenue` is the canonical revenue
 * (EventFact.revenue), any other name the top-level key of `properties`.
 */
export function eventPropertyOf(event: EventFact, property: string): unknown {
  if (property === 'revenue') return event.revenue;
  return Object.prototype.hasOwnProperty.call(event.properties, property)
    ? event.properties[property]
    : undefined;
}

/** Name (exact, case-sensitive), source and every `where` filter match; time is not looked at. */
export function matchesEvent(condition: EventCondition, event: EventFact): boolean {
  if (event.name !== condition.event) return false;
  if (condition.source !== undefined && event.source !== condition.source) return false;
  const where = condition.where;
  if (where === undefined) return true;
  for (let i = 0; i < where.length; i++) {
    if (!testValue(eventPropertyOf(event, where[i].property), where[i])) return false;
  }
  return true;
}

/**
 * Evaluates an event condition at `now` over the matching events in its window:
 * - count: how many; sum: the sum of the property's finite numeric values (others are
 *   skipped), rounded to 6 decimals;
 * - lastSeen / firstSeen: the latest / earliest matching event's instant L;
 *   `olderThan d` holds when L exists and `L <= now - d`, `newerThan d` when L exists and
 *   `L > now - d`. Without a matching event both are false (and `count eq 0` is true).
 * With a memo, the matching events are found once per events array and condition.
 */
export function measureEventCondition(
  condition: EventCondition,
  events: readonly EventFact[],
  now: number,
  memo?: TraitMemo,
): MeasureOutcome {
  const value = measuredValue(condition, events, now, memo);
  const result = holdsFor(condition, value, now);
  const kind = measureOf(condition).kind;
  if (kind === 'lastSeen' || kind === 'firstSeen')
    return { actual: value === null ? null : toIso(value), result };
  return { actual: value, result };
}

/** Whether the condition holds at `now` (measureEventCondition's result, without its explanation). */
export function eventConditionHolds(
  condition: EventCondition,
  events: readonly EventFact[],
  now: number,
  memo?: TraitMemo,
): boolean {
  return holdsFor(condition, measuredValue(condition, events, now, memo), now);
}

/** The comparison of the measured value (null: no matching event, for lastSeen / firstSeen). */
function holdsFor(condition: EventCondition, value: number | null, now: number): boolean {
  const measure = measureOf(condition);
  switch (measure.kind) {
    case 'count':
    case 'sum':
      return testNumber(value ?? 0, measure.comparison);
    case 'lastSeen':
    case 'firstSeen': {
      if (value === null) return false;
      const threshold = now - durationMs(measure.duration);
      return measure.direction === 'olderThan' ? value <= threshold : value > threshold;
    }
  }
}

/** The measured number: the count, the sum (6 decimals), or the lastSeen / firstSeen instant (null: no such event). */
function measuredValue(
  condition: EventCondition,
  events: readonly EventFact[],
  now: number,
  memo: TraitMemo | undefined,
): number | null {
  const span = windowSpanOf(condition.within);
  const measure = measureOf(condition);
  const matching = memo?.matching(condition, events, matchesEvent);
  const filtered = matching !== undefined;
  const candidates = matching ?? events;
  // the window as plain comparisons (no call and no `undefined` per event: the hot loop keeps
  // every instant unboxed): rolling (now - length, now], fixed [from, to) and <= now
  let after = -Infinity;
  let from = -Infinity;
  let before = Infinity;
  if (span.kind === 'rolling') after = now - span.lengthMs;
  else if (span.kind === 'fixed') {
    from = span.from;
    before = span.to;
  }
  const kind = measure.kind;
  const sumProperty = kind === 'sum' ? measure.property : '';
  let count = 0;
  let sum = 0;
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < candidates.length; i++) {
    const e = candidates[i];
    const at = e.occurredAt;
    if (!(at <= now && at > after && at >= from && at < before) || (!filtered && !matchesEvent(condition, e)))
      continue;
    count += 1;
    if (kind === 'sum') {
      const v = eventPropertyOf(e, sumProperty);
      if (typeof v === 'number' && Number.isFinite(v)) sum += v;
    }
    if (at < first) first = at;
    if (at > last) last = at;
  }
  switch (kind) {
    case 'count':
      return count;
    case 'sum':
      return roundTo(sum, 6);
    case 'lastSeen':
      return count === 0 ? null : last;
    case 'firstSeen':
      return count === 0 ? null : first;
  }
}

/**
 * The earliest instant after `now` at which the condition's value may change with no new
 * event: a later-dated matching event starting to count (its occurredAt), a matching
 * event leaving a rolling window (occurredAt + window), or a lastSeen / firstSeen
 * threshold maturing (occurredAt + duration). Fixed `{from, to}` windows only change
 * when an event dated inside them becomes due. Undefined when nothing can change.
 */
export function nextEventConditionChangeAt(
  condition: EventCondition,
  events: readonly EventFact[],
  now: number,
  memo?: TraitMemo,
): EpochMs | undefined {
  const span = windowSpanOf(condition.within);
  const measure = measureOf(condition);
  const recencyMs =
    measure.kind === 'lastSeen' || measure.kind === 'firstSeen' ? durationMs(measure.duration) : 0;
  const next = new EarliestAfter(now);
  const matching = memo?.matching(condition, events, matchesEvent);
  const filtered = matching !== undefined;
  const candidates = matching ?? events;
  for (const e of candidates) {
    if (!filtered && !matchesEvent(condition, e)) continue;
    next.offer(e.occurredAt);
    if (span.kind === 'rolling') next.offer(e.occurredAt + span.lengthMs);
    if (recencyMs > 0) next.offer(e.occurredAt + recencyMs);
  }
  return next.value;
}
