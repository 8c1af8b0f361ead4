import { asEpochMs, type EpochMs } from '../brand';

/**
 * Time arithmetic shared by computed traits and the rule engine. One convention
 * everywhere: a window of length `w` ending at `now` holds the instants `at` with
 * `now - w < at <= now` (open at the old end, closed at `now`). An event therefore counts
 * from its own instant `at` (inclusive) until `at + w` (exclusive): every value computed
 * from windows is constant on half-open intervals `[c, c')` and changes exactly at an
 * instant `c`, which is what the next-change computation returns.
 */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** True when `at` lies in the window of length `lengthMs` ending at `now`: `(now - lengthMs, now]`. */
export const isWithin = (at: number, now: number, lengthMs: number): boolean =>
  at <= now && at > now - lengthMs;

/** Whole UTC calendar days since the epoch (the day of an instant). */
export const utcDayOf = (at: number): number => Math.floor(at / DAY_MS);

/** `2026-11-01T09:00:00.000Z`. */
export const toIso = (at: number): string => new Date(at).toISOString();

/** Rounds to `decimals` places, half away from zero; -0 becomes 0. */
export function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  const rounded = (Math.sign(value) * Math.round(Math.abs(value) * factor)) / factor;
  return rounded === 0 ? 0 : rounded;
}

/**
 * Accumulates candidate instants and keeps the earliest strictly after `after`:
 * the building block of every "next change" computation.
 */
export class EarliestAfter {
  private best: number | undefined;

  constructor(readonly after: number) {}

  offer(at: number | undefined): void {
    if (at === undefined || !Number.isFinite(at) || at <= this.after) return;
    if (this.best === undefined || at < this.best) this.best = at;
  }

  get value(): EpochMs | undefined {
    return this.best === undefined ? undefined : asEpochMs(this.best);
  }
}
