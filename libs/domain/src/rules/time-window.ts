import { perRuleObject } from './per-rule-object';
import { parseIsoTimestamp } from '../events/iso-timestamp';
import { DAY_MS, HOUR_MS, isWithin } from '../traits/trait-time';
import type { Duration, TimeWindow } from './rule.model';

/**
 * Time semantics of event conditions, the same everywhere (evaluator, next-change, SQL):
 * - only events with `occurredAt <= now` exist (a later-dated event counts from its instant);
 * - `{ days: N }` / `{ hours: N }`: `occurredAt` in `(now - N units, now]`;
 * - `{ from, to }`: `occurredAt` in `[from, to)` (and `<= now`);
 * - no `within`: every event at or before `now`.
 */
export type WindowSpan =
  { kind: 'all' } | { kind: 'rolling'; lengthMs: number } | { kind: 'fixed'; from: number; to: number };

/** Milliseconds of a duration (`{ days: 1.5 }` -> 129600000), rounded to whole ms. */
export function durationMs(duration: Duration): number {
  return duration.days !== undefined
    ? Math.round(duration.days * DAY_MS)
    : Math.round(duration.hours * HOUR_MS);
}

const ALL_TIME: WindowSpan = { kind: 'all' };
const spanOfWindow = perRuleObject(spanOf);

/** The window as instants (memoized per window object). */
export function windowSpanOf(within: TimeWindow | undefined): WindowSpan {
  return within === undefined ? ALL_TIME : spanOfWindow(within);
}

function spanOf(within: TimeWindow): WindowSpan {
  if (within.from !== undefined) {
    return {
      kind: 'fixed',
      from: parseIsoTimestamp(within.from) ?? Number.NaN,
      to: parseIsoTimestamp(within.to) ?? Number.NaN,
    };
  }
  return { kind: 'rolling', lengthMs: durationMs(within) };
}

/** True when an event at `at` counts at `now` for the window. */
export function inWindow(at: number, now: number, span: WindowSpan): boolean {
  switch (span.kind) {
    case 'all':
      return at <= now;
    case 'rolling':
      return isWithin(at, now, span.lengthMs);
    case 'fixed':
      return at <= now && at >= span.from && at < span.to;
  }
}

/** `180d`, `24h`, `1.5d`. */
export function durationLabel(duration: Duration): string {
  return duration.days !== undefined ? `${duration.days}d` : `${duration.hours}h`;
}

/** ` within 180d`, ` from 2026-01-01T00:00:00Z to 2026-02-01T00:00:00Z`, or `` for all time. */
export function windowLabel(within: TimeWindow | undefined): string {
  if (within === undefined) return '';
  if (within.from !== undefined) return ` from ${within.from} to ${within.to}`;
  return ` within ${durationLabel(within)}`;
}
