import { asEpochMs } from '../brand';
import type { EventFact } from './event-fact';
import { SeededRandom } from '../rules/seeded-random';
import { testValue } from '../rules/value-test';
import { leadScoreFlipAfter, leadScoreOf, nextLeadScoreChangeAt } from './lead-score.trait';
import { DAY_MS } from './trait-time';
import { traitsConfig } from './traits.config';

const NOW = Date.UTC(2026, 10, 1, 9);
const MIDNIGHT = Date.UTC(2026, 10, 1);
const config = traitsConfig();
const ev = (name: string, at: number): EventFact => ({
  name,
  source: 'web',
  occurredAt: asEpochMs(at),
  properties: {},
});

describe('leadScore', () => {
  it('sums configured weights of events of today', () => {
    const events = [
      ev('Page Viewed', NOW - 1000),
      ev('Product Viewed', MIDNIGHT),
      ev('Product Added', NOW),
      ev('Social Like', NOW),
      ev('Ad Click', NOW),
      ev('Email Opened', NOW),
      ev('Identify', NOW),
    ];
    expect(leadScoreOf(events, NOW, config)).toBe(1 + 3 + 5 + 2 + 2 + 1);
  });

  it('halves every 30 whole UTC days of age (step decay), 2 decimals', () => {
    expect(leadScoreOf([ev('Product Added', MIDNIGHT - 30 * DAY_MS)], NOW, config)).toBe(2.5);
    expect(leadScoreOf([ev('Product Added', MIDNIGHT - 1)], NOW, config)).toBe(4.89);
    expect(leadScoreOf([ev('Product Added', MIDNIGHT - 60 * DAY_MS + 1)], NOW, config)).toBe(1.25);
    expect(leadScoreOf([ev('Product Added', NOW + 1)], NOW, config)).toBe(0);
  });

  it('uses configured weights and half-life', () => {
    const c = traitsConfig({ leadScore: { weights: { 'Page Viewed': 10 }, halfLifeDays: 1 } });
    expect(leadScoreOf([ev('Page Viewed', MIDNIGHT - DAY_MS), ev('Product Added', NOW)], NOW, c)).toBe(5);
  });

  it('changes at the next UTC midnight, or when a weighted event arrives', () => {
    expect(nextLeadScoreChangeAt([ev('Page Viewed', NOW - 5 * DAY_MS)], NOW, config)).toBe(MIDNIGHT + DAY_MS);
    expect(nextLeadScoreChangeAt([ev('Page Viewed', NOW + 1000)], NOW, config)).toBe(NOW + 1000);
    expect(nextLeadScoreChangeAt([ev('Identify', NOW - 5)], NOW, config)).toBeUndefined();
  });

  it('stops changing once the decayed score rounds to 0 for good', () => {
    const old = ev('Page Viewed', MIDNIGHT - 300 * DAY_MS);
    expect(leadScoreOf([old], NOW, config)).toBe(0);
    expect(nextLeadScoreChangeAt([old], NOW, config)).toBeUndefined();
    const older = ev('Product Added', MIDNIGHT - 250 * DAY_MS);
    expect(leadScoreOf([older], NOW, config)).toBe(0.02);
    expect(nextLeadScoreChangeAt([older], NOW, config)).toBe(MIDNIGHT + DAY_MS);
  });
});

describe('leadScoreFlipAfter', () => {
  const NAMES = ['Page Viewed', 'Product Added', 'Refund Asked', 'Social Like', 'Identify'];
  const OPS = ['gt', 'gte', 'lt', 'lte'] as const;

  /** The reference: every change instant of nextLeadScoreChangeAt, one by one. */
  function walked(
    test: (s: number) => boolean,
    events: EventFact[],
    from: number,
    c: ReturnType<typeof traitsConfig>,
  ): number | undefined {
    const before = test(leadScoreOf(events, from, c));
    let t = from;
    for (let step = 0; step < 20000; step++) {
      const next = nextLeadScoreChangeAt(events, t, c);
      if (next === undefined || test(leadScoreOf(events, next, c)) !== before) return next;
      t = next;
    }
    throw new Error('walk did not end');
  }

  it('finds the instant a walk over every change instant finds (random histories, weights, thresholds)', () => {
    const random = new SeededRandom(7);
    let flips = 0;
    let unsure = 0;
    for (let i = 0; i < 500; i++) {
      const c = traitsConfig({
        leadScore: {
          weights: {
            'Page Viewed': 1,
            'Product Added': 5,
            'Refund Asked': random.chance(0.5) ? -4 : 0,
            'Social *': 2,
          },
          halfLifeDays: random.pick([1, 3, 7, 30]),
        },
      });
      const from = NOW + Math.floor(random.next() * DAY_MS);
      const events = Array.from({ length: Math.floor(random.next() * 25) }, () =>
        ev(random.pick(NAMES), from + Math.floor((random.next() - 0.8) * 40 * DAY_MS)),
      );
      // mostly near the current score (so that decay crosses it), sometimes anywhere
      const now = leadScoreOf(events, from, c);
      const raw = random.chance(0.8) ? now * (random.next() * 1.4 - 0.2) : random.next() * 70 - 10;
      const threshold = Math.round(raw * 100) / 100;
      const op = random.pick(OPS);
      const test = (s: number): boolean => testValue(s, { op, value: threshold });
      const expected = walked(test, events, from, c);
      const got = leadScoreFlipAfter(test, events, from, c);
      if (got === null) unsure += 1;
      else expect({ i, got }).toEqual({ i, got: expected });
      if (expected !== undefined) flips += 1;
    }
    expect(flips).toBeGreaterThan(250);
    expect(unsure).toBeLessThan(5);
  });
});
