import { DAY_MS, EarliestAfter, isWithin, roundTo, toIso, utcDayOf } from './trait-time';

describe('trait time', () => {
  const now = Date.UTC(2026, 10, 1, 9);

  it('windows are open at the old end and closed at now', () => {
    expect(isWithin(now, now, DAY_MS)).toBe(true);
    expect(isWithin(now - DAY_MS + 1, now, DAY_MS)).toBe(true);
    expect(isWithin(now - DAY_MS, now, DAY_MS)).toBe(false);
    expect(isWithin(now + 1, now, DAY_MS)).toBe(false);
  });

  it('counts UTC calendar days and formats ISO instants', () => {
    expect(utcDayOf(Date.UTC(1970, 0, 2, 23, 59))).toBe(1);
    expect(utcDayOf(Date.UTC(1970, 0, 3))).toBe(2);
    expect(toIso(now)).toBe('2026-11-01T09:00:00.000Z');
  });

  it('rounds half away from zero without -0', () => {
    expect(roundTo(1.005 + 1e-12, 2)).toBe(1.01);
    expect(roundTo(-2.345, 2)).toBe(-2.35);
    expect(roundTo(0.1 + 0.2, 2)).toBe(0.3);
    expect(Object.is(roundTo(-0.001, 2), 0)).toBe(true);
  });

  it('keeps the earliest candidate strictly after the start', () => {
    const next = new EarliestAfter(100);
    expect(next.value).toBeUndefined();
    [100, 50, undefined, Number.NaN, 300, 200, Infinity].forEach((c) => next.offer(c));
    expect(next.value).toBe(200);
  });
});
