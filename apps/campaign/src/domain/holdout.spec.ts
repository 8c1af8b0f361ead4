import { HOLDOUT_BUCKETS, holdoutBucket, isHeldOut } from './holdout';

const profiles = (n: number, prefix = 'p'): string[] =>
  Array.from({ length: n }, (_, i) => `${prefix}-${i.toString(36)}-${(i * 7919) % 10007}`);

describe('holdout assignment', () => {
  it.each([10, 2.5, 25, 50, 0.5])(
    'holds out %p %% of 10,000 profiles within 1 percentage point',
    (percent) => {
      const held = profiles(10000).filter((p) => isHeldOut('winback', p, percent)).length;
      expect(Math.abs((held / 10000) * 100 - percent)).toBeLessThanOrEqual(1);
    },
  );

  it('is deterministic: the same person is always in the same group of a campaign', () => {
    for (const p of profiles(500)) {
      expect(isHeldOut('winback', p, 10)).toBe(isHeldOut('winback', p, 10));
      expect(holdoutBucket('winback', p)).toBe(holdoutBucket('winback', p));
    }
  });

  it('is independent across campaigns', () => {
    const ps = profiles(10000);
    const a = new Set(ps.filter((p) => isHeldOut('winback', p, 10)));
    const both = ps.filter((p) => a.has(p) && isHeldOut('welcome', p, 10)).length;
    // independent 10 % draws overlap on about 1 % of the profiles
    expect(both / 10000).toBeGreaterThan(0.005);
    expect(both / 10000).toBeLessThan(0.015);
  });

  it('raising the percentage only adds people to the holdout (nested groups)', () => {
    const ps = profiles(2000);
    for (const p of ps) if (isHeldOut('winback', p, 5)) expect(isHeldOut('winback', p, 10)).toBe(true);
  });

  it('0 holds out nobody and 100 everybody; buckets are 0..9999', () => {
    const ps = profiles(1000);
    expect(ps.some((p) => isHeldOut('c', p, 0))).toBe(false);
    expect(ps.every((p) => isHeldOut('c', p, 100))).toBe(true);
    for (const p of ps) {
      const b = holdoutBucket('c', p);
      expect(Number.isInteger(b) && b >= 0 && b < HOLDOUT_BUCKETS).toBe(true);
    }
  });
});
