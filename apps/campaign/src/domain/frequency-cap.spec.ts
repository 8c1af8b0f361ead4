import { countTowardsCap, isCapped, type PriorDecision } from './frequency-cap';

const DAY = 86400_000;
const t0 = Date.UTC(2026, 10, 1);
const d = (id: string, status: string, at: number): PriorDecision => ({
  deliveryId: id,
  status,
  triggeredAtMs: at,
});

describe('frequency caps', () => {
  const monthly = { max: 1, per: { days: 30 } };

  it('caps a second delivery within the window, not one after it', () => {
    const prior = [d('a', 'sent', t0)];
    expect(isCapped(prior, t0 + 29 * DAY, monthly)).toBe(true);
    expect(isCapped(prior, t0 + 30 * DAY, monthly)).toBe(false);
    expect(isCapped(prior, t0 + 31 * DAY, monthly)).toBe(false);
  });

  it('counts pending and sent deliveries, not holdouts, capped, failed or cancelled ones', () => {
    const prior = [
      d('h', 'held_out', t0),
      d('c', 'capped', t0),
      d('f', 'failed', t0),
      d('x', 'cancelled', t0),
    ];
    expect(isCapped(prior, t0 + DAY, monthly)).toBe(false);
    expect(isCapped([...prior, d('p', 'pending', t0)], t0 + DAY, monthly)).toBe(true);
  });

  it('allows `max` deliveries per window', () => {
    const cap = { max: 3, per: { hours: 24 } };
    const prior = [d('a', 'sent', t0), d('b', 'sent', t0 + 3600_000)];
    expect(countTowardsCap(prior, t0 + 2 * 3600_000, cap)).toBe(2);
    expect(isCapped(prior, t0 + 2 * 3600_000, cap)).toBe(false);
    expect(isCapped([...prior, d('c', 'pending', t0 + 2 * 3600_000)], t0 + 3 * 3600_000, cap)).toBe(true);
    expect(isCapped(prior, t0 + 25 * 3600_000, cap)).toBe(false);
  });

  it('looks both ways: an older transition arriving late cannot slip in next to a sent one', () => {
    expect(isCapped([d('a', 'sent', t0 + 10 * DAY)], t0, monthly)).toBe(true);
    expect(isCapped([d('a', 'sent', t0 + 40 * DAY)], t0, monthly)).toBe(false);
  });

  it('no cap never caps', () => {
    expect(isCapped([d('a', 'sent', t0)], t0, null)).toBe(false);
  });
});
