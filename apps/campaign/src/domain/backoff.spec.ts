import { retryAfterMs, retryDelayMs } from './backoff';

describe('webhook retry backoff', () => {
  it('doubles from the base up to the maximum, with jitter in the upper half', () => {
    const low = [1, 2, 3, 4, 5, 6, 7].map((a) => retryDelayMs(a, 1000, 30000, () => 0));
    const high = [1, 2, 3, 4, 5, 6, 7].map((a) => retryDelayMs(a, 1000, 30000, () => 0.999999));
    expect(low).toEqual([500, 1000, 2000, 4000, 8000, 15000, 15000]);
    expect(high).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });

  it('stays within [d/2, d] with the real random source and spreads the values', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const v = retryDelayMs(3, 1000, 300000);
      expect(v).toBeGreaterThanOrEqual(2000);
      expect(v).toBeLessThanOrEqual(4000);
      seen.add(v);
    }
    expect(seen.size).toBeGreaterThan(100);
  });

  it('does not overflow for large attempt numbers', () => {
    expect(retryDelayMs(10000, 1000, 300000, () => 0.5)).toBe(225000);
  });

  it('reads Retry-After in seconds or as an HTTP date', () => {
    const now = Date.UTC(2026, 10, 1, 9, 0, 0);
    expect(retryAfterMs('120', now)).toBe(120000);
    expect(retryAfterMs(new Date(now + 5000).toUTCString(), now)).toBe(5000);
    expect(retryAfterMs(new Date(now - 5000).toUTCString(), now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
});
