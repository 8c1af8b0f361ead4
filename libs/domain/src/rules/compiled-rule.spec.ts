import { asEpochMs, asProfileId } from '../brand';
import { computeTraits } from '../traits/computed-traits';
import type { EventFact } from '../traits/event-fact';
import { DAY_MS } from '../traits/trait-time';
import { traitsConfig, type TraitsConfig } from '../traits/traits.config';
import { compileRule, compileRules } from './compiled-rule';
import type { ProfileSnapshot } from './profile-snapshot';
import { randomHistory, randomNow, randomRule, randomTraits } from './random-rule.generator';
import { evaluate, isMember } from './rule.evaluator';
import type { Rule } from './rule.model';
import { SEED_SEGMENTS } from './seed-segments';
import { SeededRandom } from './seeded-random';

const CONFIGS: TraitsConfig[] = [
  traitsConfig(),
  traitsConfig({
    currency: 'CNY',
    lifecycle: { churnDays: 30, loyalOrders: 2 },
    leadScore: { halfLifeDays: 7 },
  }),
  traitsConfig({ leadScore: { weights: { 'Order *': 4, 'Order Refunded': 0, 'Page Viewed': 1.5 } } }),
];

function shuffled<T>(random: SeededRandom, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = random.int(0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Random profiles: time-ordered or shuffled histories, some with currencies and other event names. */
function randomSnapshot(random: SeededRandom, now: number, id: number): ProfileSnapshot {
  const events: EventFact[] = randomHistory(random, now, 24).map((e) => {
    const copy: EventFact = { ...e };
    if (copy.revenue !== undefined && random.chance(0.5)) copy.currency = random.pick(['CNY', 'USD']);
    if (random.chance(0.1)) copy.name = random.pick(['Checkout Started', 'Social Comment', 'Email Opened']);
    return copy;
  });
  const ordered = random.chance(0.5)
    ? [...events].sort((a, b) => a.occurredAt - b.occurredAt)
    : shuffled(random, events);
  return {
    profileId: asProfileId(`p-${id}`),
    traits: randomTraits(random),
    events: ordered,
    segments: new Set(['vip', 'staff'].filter(() => random.chance(0.4))),
  };
}

describe('compiled rules', () => {
  it('give the same membership as evaluate for random rules, histories and configurations', () => {
    let members = 0;
    let checks = 0;
    for (let seed = 1; seed <= 150; seed += 1) {
      const random = new SeededRandom(seed);
      const now = randomNow(random);
      const config = CONFIGS[seed % CONFIGS.length];
      const rules: Rule[] = Array.from({ length: 12 }, () => randomRule(random, now));
      const compiled = compileRules(rules, { traitsConfig: config });
      for (let p = 0; p < 12; p += 1) {
        const snapshot = randomSnapshot(random, now, p);
        const at = asEpochMs(random.chance(0.2) ? now + random.int(-3, 3) * DAY_MS : now);
        const got = compiled.evaluate(snapshot, at);
        rules.forEach((rule, i) => {
          const expected = evaluate(rule, snapshot, at, { traitsConfig: config }).member;
          if (got[i] !== expected) {
            throw new Error(
              `seed ${seed} rule ${JSON.stringify(rule)} at ${new Date(at).toISOString()}: compiled ${got[i]}, evaluate ${expected}\n${JSON.stringify(snapshot.events)}`,
            );
          }
          checks += 1;
          if (expected) members += 1;
        });
      }
    }
    expect(checks).toBe(150 * 12 * 12);
    expect(members).toBeGreaterThan(checks / 10);
    expect(members).toBeLessThan(checks * 0.9);
  });

  it('compute every computed trait exactly as computeTraits does', () => {
    const names = [
      'lifecycleStage',
      'purchaseFrequency',
      'rfm.r',
      'rfm.f',
      'rfm.m',
      'rfm.segment',
      'acquisitionChannel',
      'acquisitionSource',
      'purchaseStage',
      'leadScore',
      'orderCount',
      'totalRevenue',
      'firstSeenAt',
      'lastSeenAt',
    ];
    for (let seed = 1; seed <= 200; seed += 1) {
      const random = new SeededRandom(seed * 31);
      const now = randomNow(random);
      const config = CONFIGS[seed % CONFIGS.length];
      const snapshot = randomSnapshot(random, now, seed);
      const expected = computeTraits(snapshot.events, snapshot.traits, now, config);
      const flat: Record<string, unknown> = {
        ...expected,
        'rfm.r': expected.rfm?.r,
        'rfm.f': expected.rfm?.f,
        'rfm.m': expected.rfm?.m,
        'rfm.segment': expected.rfm?.segment,
      };
      for (const name of names) {
        const value = flat[name];
        // `eq` with the expected value (or notExists when absent) must hold
        const rule: Rule =
          value === undefined
            ? { trait: name, op: 'notExists' }
            : { trait: name, op: 'eq', value: value as string | number };
        expect({ seed, name, member: compileRule(rule, { traitsConfig: config })(snapshot, now) }).toEqual({
          seed,
          name,
          member: true,
        });
      }
    }
  });

  it('evaluate the seed segments like isMember, and read snapshot.computed when given', () => {
    const random = new SeededRandom(7);
    const now = asEpochMs(Date.UTC(2026, 10, 1, 9));
    const compiled = compileRules(SEED_SEGMENTS.map((s) => s.rule));
    for (let p = 0; p < 200; p += 1) {
      const snapshot = randomSnapshot(random, now, p);
      expect(compiled.evaluate(snapshot, now)).toEqual(
        SEED_SEGMENTS.map((s) => isMember(s.rule, snapshot, now)),
      );
      const withComputed = { ...snapshot, computed: computeTraits([], {}, now) }; // a stale snapshot: prospect
      expect(compiled.evaluate(withComputed, now)).toEqual(
        SEED_SEGMENTS.map((s) => isMember(s.rule, withComputed, now)),
      );
    }
    const members: number[] = [];
    compiled.forEachMember(randomSnapshot(new SeededRandom(3), now, 1), now, (i) => members.push(i));
    expect(members.every((i) => i >= 0 && i < SEED_SEGMENTS.length)).toBe(true);
  });
});
