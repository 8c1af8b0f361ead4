import { asEpochMs, asProfileId } from '../brand';
import type { ComputedTraits } from '../traits/computed-traits';
import type { EventFact } from '../traits/event-fact';
import { DAY_MS } from '../traits/trait-time';
import { traitsConfig } from '../traits/traits.config';
import type { ProfileSnapshot } from './profile-snapshot';
import { randomHistory, randomNow, randomRule, randomTraits } from './random-rule.generator';
import { evaluate, isMember } from './rule.evaluator';
import type { Rule } from './rule.model';
import { SeededRandom } from './seeded-random';

const NOW = asEpochMs(Date.UTC(2026, 10, 1, 9));
const order = (daysAgo: number, revenue = 100): EventFact => ({
  name: 'Order Completed',
  source: 'transaction',
  occurredAt: asEpochMs(NOW - daysAgo * DAY_MS),
  revenue,
  properties: {},
});
const snapshot = (over: Partial<ProfileSnapshot> = {}): ProfileSnapshot => ({
  profileId: asProfileId('p-1'),
  traits: { country: 'CN' },
  events: [],
  ...over,
});

describe('evaluate', () => {
  it('explains the contract example with one reason per leaf', () => {
    const rule: Rule = {
      all: [
        { event: 'Order Completed', within: { days: 180 }, count: { gte: 3 } },
        { trait: 'country', op: 'in', value: ['CN', 'SG'] },
      ],
    };
    expect(evaluate(rule, snapshot({ events: [order(1), order(50), order(100)] }), NOW)).toEqual({
      member: true,
      reason: [
        { condition: 'Order Completed count within 180d >= 3', actual: 3, result: true },
        { condition: 'country in ["CN","SG"]', actual: 'CN', result: true },
      ],
    });
  });

  it('evaluates every leaf even when the result is already known', () => {
    const rule: Rule = {
      any: [
        { trait: 'country', op: 'eq', value: 'CN' },
        { all: [{ trait: 'email', op: 'exists' }, { inSegment: 'vip' }] },
      ],
    };
    const result = evaluate(rule, snapshot(), NOW);
    expect(result.member).toBe(true);
    expect(result.reason).toEqual([
      { condition: 'country = "CN"', actual: 'CN', result: true },
      { condition: 'email exists', actual: null, result: false },
      { condition: 'in segment "vip"', actual: false, result: false },
    ]);
  });

  it('reports leaves under not with their own result', () => {
    const result = evaluate({ not: { inSegment: 'vip' } }, snapshot({ segments: new Set(['vip']) }), NOW);
    expect(result).toEqual({
      member: false,
      reason: [{ condition: 'in segment "vip"', actual: true, result: true }],
    });
  });

  it('computes computed traits on demand with the configured thresholds', () => {
    const rule: Rule = { trait: 'lifecycleStage', op: 'eq', value: 'churned' };
    const s = snapshot({ events: [order(40)] });
    expect(evaluate(rule, s, NOW).reason[0]).toEqual({
      condition: 'lifecycleStage = "churned"',
      actual: 'new',
      result: false,
    });
    const config = traitsConfig({ lifecycle: { churnDays: 30 } });
    expect(evaluate(rule, s, NOW, { traitsConfig: config }).member).toBe(true);
  });

  it('prefers snapshot.computed, and computed traits over identify traits of the same name', () => {
    const computed: ComputedTraits = {
      lifecycleStage: 'loyal',
      purchaseFrequency: 'high',
      leadScore: 3,
      orderCount: 9,
      totalRevenue: 10,
      rfm: { r: 5, f: 5, m: 5, segment: 'champions' },
    };
    const s = snapshot({ traits: { orderCount: 1 }, computed });
    expect(isMember({ trait: 'orderCount', op: 'eq', value: 9 }, s, NOW)).toBe(true);
    expect(isMember({ trait: 'rfm.segment', op: 'eq', value: 'champions' }, s, NOW)).toBe(true);
    expect(isMember({ trait: 'acquisitionChannel', op: 'notExists' }, s, NOW)).toBe(true);
  });

  it('treats empty all as true and empty any as false (the validator rejects both)', () => {
    expect(isMember({ all: [] }, snapshot(), NOW)).toBe(true);
    expect(isMember({ any: [] }, snapshot(), NOW)).toBe(false);
  });

  it('agrees with isMember, the short-circuiting fast path (random rules)', () => {
    for (let seed = 1; seed <= 300; seed += 1) {
      const random = new SeededRandom(seed);
      const now = randomNow(random);
      const rule = randomRule(random, now);
      const s = snapshot({
        traits: randomTraits(random),
        events: randomHistory(random, now),
        segments: new Set(random.chance(0.5) ? ['vip'] : []),
      });
      const full = evaluate(rule, s, now);
      expect([seed, isMember(rule, s, now)]).toEqual([seed, full.member]);
      expect(full.reason.length).toBeGreaterThan(0);
      expect(JSON.parse(JSON.stringify(full))).toEqual(full);
    }
  });
});
