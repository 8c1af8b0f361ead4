import { asEpochMs, asProfileId, type EpochMs } from '../brand';
import type { EventFact } from '../traits/event-fact';
import { DAY_MS, utcDayOf } from '../traits/trait-time';
import { nextChangeAt } from './next-change';
import type { ProfileSnapshot } from './profile-snapshot';
import {
  randomEventCondition,
  randomHistory,
  randomNow,
  randomRule,
  randomTraitCondition,
  randomTraits,
} from './random-rule.generator';
import { isMember } from './rule.evaluator';
import type { Rule } from './rule.model';
import { SeededRandom } from './seeded-random';
import { durationMs } from './time-window';

const NOW = asEpochMs(Date.UTC(2026, 10, 1, 9));
const ev = (name: string, daysAgo: number, revenue?: number): EventFact => {
  const e: EventFact = {
    name,
    source: name.startsWith('Order') ? 'transaction' : 'web',
    occurredAt: asEpochMs(NOW - daysAgo * DAY_MS),
    properties: {},
  };
  if (revenue !== undefined) e.revenue = revenue;
  return e;
};
const snapshot = (events: EventFact[], traits: Record<string, unknown> = {}): ProfileSnapshot => ({
  profileId: asProfileId('p-1'),
  traits,
  events,
});

describe('nextChangeAt', () => {
  it('is undefined for rules that do not depend on time', () => {
    const rule: Rule = { all: [{ trait: 'country', op: 'eq', value: 'CN' }, { inSegment: 'vip' }] };
    expect(nextChangeAt(rule, snapshot([ev('Page Viewed', 1)]), NOW)).toBeUndefined();
    expect(
      nextChangeAt({ event: 'Order Completed' }, snapshot([ev('Order Completed', 3)]), NOW),
    ).toBeUndefined();
  });

  it('churned: the exact instant the last order turns 90 days old', () => {
    const rule: Rule = {
      all: [
        { event: 'Order Completed', count: { gte: 1 } },
        { event: 'Order Completed', lastSeen: { olderThan: { days: 90 } } },
      ],
    };
    const s = snapshot([ev('Order Completed', 200), ev('Order Completed', 10)]);
    const at = nextChangeAt(rule, s, NOW);
    expect(at).toBe(NOW + 80 * DAY_MS);
    expect(isMember(rule, s, asEpochMs(NOW + 80 * DAY_MS - 1))).toBe(false);
    expect(isMember(rule, s, asEpochMs(NOW + 80 * DAY_MS))).toBe(true);
    expect(nextChangeAt(rule, s, asEpochMs(NOW + 80 * DAY_MS))).toBeUndefined();
  });

  it('loyal: skips window exits that do not flip the result', () => {
    const rule: Rule = { event: 'Order Completed', within: { days: 180 }, count: { gte: 3 } };
    const s = snapshot([
      ev('Order Completed', 170),
      ev('Order Completed', 150),
      ev('Order Completed', 20),
      ev('Order Completed', 5),
    ]);
    expect(nextChangeAt(rule, s, NOW)).toBe(NOW + 30 * DAY_MS);
  });

  it('cart abandoners: leave when the cart add is a day old', () => {
    const rule: Rule = {
      all: [
        { event: 'Product Added', within: { days: 1 } },
        { event: 'Order Completed', within: { days: 1 }, count: { eq: 0 } },
      ],
    };
    expect(nextChangeAt(rule, snapshot([ev('Product Added', 0.25)]), NOW)).toBe(NOW + 0.75 * DAY_MS);
  });

  it('a later-dated event flips the result when it becomes due', () => {
    const rule: Rule = { event: 'Page Viewed', within: { hours: 1 } };
    expect(nextChangeAt(rule, snapshot([ev('Page Viewed', -2)]), NOW)).toBe(NOW + 2 * DAY_MS);
  });

  it('computed traits: lifecycle churn and lead score decay', () => {
    const churned: Rule = { trait: 'lifecycleStage', op: 'eq', value: 'churned' };
    expect(nextChangeAt(churned, snapshot([ev('Order Completed', 60)]), NOW)).toBe(NOW + 30 * DAY_MS);
    const hot: Rule = { trait: 'leadScore', op: 'gte', value: 5 };
    const today = utcDayOf(NOW) * DAY_MS;
    // 10 points today, 5 after 30 whole days: the score drops below 5 at the 31st midnight
    const s = snapshot([ev('Product Added', 0), ev('Product Added', 0)]);
    expect(nextChangeAt(hot, s, NOW, { maxSteps: 100 })).toBe(today + 31 * DAY_MS);
  });

  it('settles for an earlier instant when the walks give up, never a later one', () => {
    const spent: Rule = {
      event: 'Order Completed',
      within: { days: 1 },
      sum: { property: 'revenue', gte: 5 },
    };
    const hours = (h: number) => h / 24;
    // five orders 5..1 hours ago: the result flips when the last one leaves the window
    const s = snapshot([5, 4, 3, 2, 1].map((h) => ev('Order Completed', hours(h), 10)));
    expect(nextChangeAt(spent, s, NOW)).toBe(NOW + DAY_MS - 3600000);
    // after 3 of the leaf's change instants the walk gives up: the third exit, still a member
    const at = nextChangeAt(spent, s, NOW, { maxSteps: 1, maxLeafSteps: 3 });
    expect(at).toBe(NOW + DAY_MS - 3 * 3600000);
    expect(isMember(spent, s, at ?? NOW)).toBe(true);
  });

  it('window counts are solved: the first exit after which the comparison differs (random histories)', () => {
    let flips = 0;
    for (let seed = 1; seed <= 400; seed += 1) {
      const random = new SeededRandom(seed);
      const now = randomNow(random);
      const base = randomEventCondition(random, now);
      const within = random.chance(0.5) ? { hours: random.int(1, 48) } : { days: random.int(1, 30) };
      const lengthMs = durationMs(within);
      const count = random.pick([
        { gte: 2 },
        { lt: 3 },
        { eq: 1 },
        { between: [1, 3] as [number, number] },
        { neq: 2 },
      ]);
      const condition: Rule = { event: base.event, within, ...(random.chance(0.8) ? { count } : {}) };
      // some of its events around the window, among a random history
      const own = Array.from({ length: random.int(0, 6) }, () => ({
        ...ev(base.event, 0),
        occurredAt: asEpochMs(now - Math.floor(random.next() * 1.5 * lengthMs)),
      }));
      // events at the same instant leave together
      if (own.length > 2 && random.chance(0.5)) own[1].occurredAt = own[2].occurredAt = own[0].occurredAt;
      const events = [...own, ...randomHistory(random, now)].filter((e) => e.occurredAt <= now);
      const s = snapshot(events);
      // the reference: every instant an event leaves the window, in order
      const exits = [...new Set(events.map((e) => e.occurredAt + lengthMs))]
        .filter((t) => t > now)
        .sort((a, b) => a - b);
      const before = isMember(condition, s, now);
      const expected = exits.find((t) => isMember(condition, s, asEpochMs(t)) !== before);
      expect({ seed, at: nextChangeAt(condition, s, now, { maxLeafSteps: 1 }) }).toEqual({
        seed,
        at: expected,
      });
      if (expected !== undefined) flips += 1;
    }
    expect(flips).toBeGreaterThan(150);
  });

  it('the lead score decay is solved, not walked: the exact midnight however far', () => {
    const hot: Rule = { trait: 'leadScore', op: 'gt', value: 1 };
    const today = utcDayOf(NOW) * DAY_MS;
    // 400 points halve every 30 days: 400 * 0.5^(k/30) <= 1 first at k = 260 (1.0 at 259.3)
    const s = snapshot(Array.from({ length: 80 }, () => ev('Product Added', 0)));
    expect(nextChangeAt(hot, s, NOW, { maxLeafSteps: 3 })).toBe(today + 260 * DAY_MS);
    expect(isMember(hot, s, asEpochMs(today + 259 * DAY_MS))).toBe(true);
    expect(isMember(hot, s, asEpochMs(today + 260 * DAY_MS))).toBe(false);
  });

  it('ignores snapshot.computed and recomputes from events', () => {
    const rule: Rule = { trait: 'lifecycleStage', op: 'eq', value: 'churned' };
    const s: ProfileSnapshot = {
      ...snapshot([ev('Order Completed', 60)]),
      computed: {
        lifecycleStage: 'churned',
        purchaseFrequency: 'none',
        leadScore: 0,
        orderCount: 1,
        totalRevenue: 0,
      },
    };
    expect(nextChangeAt(rule, s, NOW)).toBe(NOW + 30 * DAY_MS);
  });
});

/** Durations a rule or the computed traits can turn on, for probing just around their edges. */
function durationsOf(rule: Rule, into: number[]): number[] {
  if ('all' in rule) rule.all.forEach((r) => durationsOf(r, into));
  else if ('any' in rule) rule.any.forEach((r) => durationsOf(r, into));
  else if ('not' in rule) durationsOf(rule.not, into);
  else if ('event' in rule) {
    const w = rule.within;
    if (w !== undefined && w.from === undefined) into.push(durationMs(w));
    const recency = rule.lastSeen ?? rule.firstSeen;
    const d = recency?.olderThan ?? recency?.newerThan;
    if (d !== undefined) into.push(durationMs(d));
  }
  return into;
}

const TRAIT_DURATIONS = [30, 90, 180, 365].map((d) => d * DAY_MS);

function probesBetween(
  random: SeededRandom,
  rule: Rule,
  s: ProfileSnapshot,
  from: number,
  to: number,
): EpochMs[] {
  const offsets = [0, ...durationsOf(rule, []), ...TRAIT_DURATIONS];
  const edges = new Set<number>();
  for (const e of s.events)
    for (const o of offsets) for (const d of [-1, 0, 1]) edges.add(e.occurredAt + o + d);
  for (let day = utcDayOf(from) + 1; day <= utcDayOf(from) + 3; day += 1) edges.add(day * DAY_MS - 1);
  edges.add(to - 1);
  for (let i = 0; i < 10; i += 1) edges.add(Math.floor(from + random.next() * (to - from)));
  return [...edges].filter((p) => p > from && p < to).map(asEpochMs);
}

describe('nextChangeAt (simulated time)', () => {
  it('no flip happens strictly between now and nextChangeAt, and one happens at it', () => {
    let flips = 0;
    let settled = 0;
    for (let seed = 1; seed <= 300; seed += 1) {
      const random = new SeededRandom(seed);
      let t = randomNow(random);
      const roll = random.next();
      const rule =
        roll < 0.5
          ? randomRule(random, t)
          : roll < 0.8
            ? randomEventCondition(random, t)
            : randomTraitCondition(random, t);
      const s: ProfileSnapshot = {
        profileId: asProfileId(`p-${seed}`),
        traits: randomTraits(random),
        events: randomHistory(random, t),
        segments: new Set(random.chance(0.5) ? ['vip'] : []),
      };
      for (let hop = 0; hop < 4; hop += 1) {
        const member = isMember(rule, s, t);
        const next = nextChangeAt(rule, s, t);
        const end = next ?? t + 800 * DAY_MS;
        for (const probe of probesBetween(random, rule, s, t, end)) {
          expect({ seed, hop, t, next, probe, member: isMember(rule, s, probe) }).toEqual({
            seed,
            hop,
            t,
            next,
            probe,
            member,
          });
        }
        if (next === undefined) break;
        if (isMember(rule, s, next) !== member) flips += 1;
        else settled += 1;
        t = next;
      }
    }
    expect(flips).toBeGreaterThan(40);
    expect(settled).toBeLessThan(flips / 10);
  });
});
