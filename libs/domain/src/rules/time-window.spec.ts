import { DAY_MS, HOUR_MS } from '../traits/trait-time';
import { durationLabel, durationMs, inWindow, windowLabel, windowSpanOf } from './time-window';

const NOW = Date.UTC(2026, 10, 1, 9);

describe('time windows', () => {
  it('converts durations to ms', () => {
    expect(durationMs({ days: 180 })).toBe(180 * DAY_MS);
    expect(durationMs({ hours: 24 })).toBe(DAY_MS);
    expect(durationMs({ days: 1.5 })).toBe(36 * HOUR_MS);
  });

  it('rolling windows hold (now - N, now]', () => {
    const span = windowSpanOf({ days: 30 });
    expect(span).toEqual({ kind: 'rolling', lengthMs: 30 * DAY_MS });
    expect(inWindow(NOW, NOW, span)).toBe(true);
    expect(inWindow(NOW - 30 * DAY_MS + 1, NOW, span)).toBe(true);
    expect(inWindow(NOW - 30 * DAY_MS, NOW, span)).toBe(false);
    expect(inWindow(NOW + 1, NOW, span)).toBe(false);
  });

  it('fixed windows hold [from, to), and nothing after now', () => {
    const span = windowSpanOf({ from: '2026-10-01T00:00:00Z', to: '2026-11-01T00:00:00Z' });
    expect(span).toEqual({ kind: 'fixed', from: Date.UTC(2026, 9, 1), to: Date.UTC(2026, 10, 1) });
    expect(inWindow(Date.UTC(2026, 9, 1), NOW, span)).toBe(true);
    expect(inWindow(Date.UTC(2026, 10, 1) - 1, NOW, span)).toBe(true);
    expect(inWindow(Date.UTC(2026, 10, 1), NOW, span)).toBe(false);
    expect(inWindow(Date.UTC(2026, 9, 20), Date.UTC(2026, 9, 10), span)).toBe(false);
  });

  it('no window: everything at or before now', () => {
    const span = windowSpanOf(undefined);
    expect(inWindow(0, NOW, span)).toBe(true);
    expect(inWindow(NOW + 1, NOW, span)).toBe(false);
  });

  it('labels', () => {
    expect(durationLabel({ days: 180 })).toBe('180d');
    expect(durationLabel({ hours: 36 })).toBe('36h');
    expect(windowLabel({ days: 14 })).toBe(' within 14d');
    expect(windowLabel({ from: 'a', to: 'b' })).toBe(' from a to b');
    expect(windowLabel(undefined)).toBe('');
  });
});
