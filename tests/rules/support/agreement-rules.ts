import {
  DAY_MS,
  toIso,
  validateRule,
  type EventCondition,
  type PropertyFilter,
  type Rule,
  type TraitCondition,
  type ValueTest,
} from '@cdp/domain';
import { randomEventCondition, randomTraitCondition } from '@cdp/domain/rules/random-rule.generator';
import type { SeededRandom } from '@cdp/domain/rules/seeded-random';
import { someInstant, type SeedCase } from './agreement-world';

/**
 * Random valid rules for the agreement test: the domain's random leaves plus leaves over
 * everything the world generator puts in the data (typed identify traits, dotted names,
 * every computed trait with every operator, `where` filters on typed and nested
 * properties, sums of another property, hour windows, exact instants), nested up to
 * three levels with all / any / not.
 */

const ISO_VALUES = ['2026-01-01T00:00:00Z', '2025-12-31', '2026-03-01T02:00:00+08:00', '2026-02-01'];

function valueTest(random: SeededRandom, scalars: readonly (string | number | boolean)[]): ValueTest {
  const v = random.pick(scalars);
  const numbers = scalars.filter((s): s is number => typeof s === 'number');
  const n = numbers.length > 0 ? random.pick(numbers) : random.int(0, 50);
  switch (random.int(0, 12)) {
    case 0:
      return { op: 'eq', value: v };
    case 1:
      return { op: 'neq', value: v };
    case 2:
      return { op: 'in', value: [v, random.pick(scalars)] };
    case 3:
      return { op: 'notIn', value: [v] };
    case 4:
      return { op: 'contains', value: v };
    case 5:
      return { op: 'startsWith', value: typeof v === 'string' ? v.slice(0, random.int(0, 3)) : 'S' };
    case 6:
      return { op: random.pick(['gt', 'gte', 'lt', 'lte'] as const), value: n };
    case 7:
      return { op: random.pick(['gt', 'gte', 'lt', 'lte'] as const), value: random.pick(ISO_VALUES) };
    case 8:
      return { op: 'between', value: [n, n + random.int(0, 20)] };
    case 9:
      return {
        op: 'between',
        value: ['2025-12-01T00:00:00Z', random.pick(['2026-02-01', '2027-01-01T00:00:00Z'])],
      };
    case 10:
      return { op: 'exists' };
    case 11:
      return { op: 'notExists' };
    default:
      return { op: 'eq', value: random.pick(scalars) };
  }
}

const IDENTIFY: Record<string, readonly (string | number | boolean)[]> = {
  country: ['CN', 'SG', 3, "C'N"],
  age: [25, 30, 34, '30', 30.5, true],
  gender: ['female', 'male', ''],
  score: [3, '3', 2.5, 'abc'],
  vip: [true, false, 'true'],
  tags: ['vip', 'a', 3, true],
  'address.city': ['Shanghai', 'Hangzhou', 'Beijing', 'Sh'],
  'address.zip': [200000, '200000'],
  'address.city.name': ['Shanghai'],
  signup: ['2026-01-02T03:04:05.678Z', '2025-12-31', 5],
  nick: [`O'Brien \\ "q"\n\t ä`, "O'B", 'plain', `back\\slash`],
  missing: ['x', 1],
};

const COMPUTED: Record<string, readonly (string | number | boolean)[]> = {
  lifecycleStage: ['prospect', 'new', 'active', 'loyal', 'churned'],
  purchaseFrequency: ['high', 'medium', 'low', 'none'],
  'rfm.r': [1, 2, 3, 4, 5],
  'rfm.f': [1, 2, 3, 5],
  'rfm.m': [1, 2, 3, 4],
  'rfm.segment': ['champions', 'new', 'loyal', 'potential', 'at_risk', 'hibernating', 'lost'],
  acquisitionChannel: ['paid', 'email', 'social', 'organic_search', 'referral', 'direct'],
  acquisitionSource: ['google', 'weibo', 'wechat', 'www.google.com.hk', 'm.facebook.com', 'go'],
  purchaseStage: ['awareness', 'consideration', 'decision', 'purchased'],
  leadScore: [0, 1, 2.5, 5, 10, 20],
  orderCount: [0, 1, 2, 3],
  totalRevenue: [0, 10, 99.99, 120, 300, 1000.01],
};

function traitLeaf(random: SeededRandom, c: SeedCase): TraitCondition {
  const roll = random.next();
  if (roll < 0.3) return randomTraitCondition(random, c.now);
  if (roll < 0.55) {
    const name = random.pick(Object.keys(IDENTIFY));
    return { trait: name, ...valueTest(random, IDENTIFY[name]) };
  }
  if (roll < 0.75) {
    const name = random.pick(['firstSeenAt', 'lastSeenAt']);
    const at = someInstant(random, c);
    const near = toIso(Date.parse(at) + random.pick([-1, 0, 1]));
    switch (random.int(0, 6)) {
      case 0:
        return { trait: name, op: 'eq', value: at };
      case 1:
        return { trait: name, op: random.pick(['gt', 'gte', 'lt', 'lte'] as const), value: near };
      case 2:
        return {
          trait: name,
          op: 'between',
          value: [toIso(Date.parse(at) - random.int(0, 30) * DAY_MS), near],
        };
      case 3:
        return {
          trait: name,
          op: random.pick(['contains', 'startsWith'] as const),
          value: at.slice(0, random.int(4, 12)),
        };
      case 4:
        return { trait: name, op: random.pick(['in', 'notIn'] as const), value: [at, '2026-01-01'] };
      case 5:
        return { trait: name, op: random.pick(['exists', 'notExists'] as const) };
      default:
        return { trait: name, op: 'gt', value: random.int(0, 5) };
    }
  }
  const name = random.pick(Object.keys(COMPUTED));
  return { trait: name, ...valueTest(random, COMPUTED[name]) };
}

function filter(random: SeededRandom): PropertyFilter {
  switch (random.int(0, 8)) {
    case 0:
      return {
        property: 'category',
        ...valueTest(random, ['shoes', 'skincare', 3, '3', '', 'sk"in\\care', true]),
      };
    case 1:
      return { property: 'topics', op: 'contains', value: random.pick(['skincare', 'shoes', 3, 'and']) };
    case 2:
      return { property: 'tags', ...valueTest(random, ['vip', 'x']) };
    case 3:
      return { property: 'amount', ...valueTest(random, [1, 2.5, '3', 10, -4, 0.1]) };
    case 4:
      return { property: 'when', ...valueTest(random, ['2026-03-01T00:00:00Z', 'soon', 5]) };
    case 5:
      return { property: 'revenue', ...valueTest(random, [0, 5, 10, 99.99, 120]) };
    case 6:
      return { property: `it's "odd"`, ...valueTest(random, [`O'Brien \\ "q"\n\t ä`, 'O']) };
    case 7:
      return { property: 'items', op: random.pick(['exists', 'notExists'] as const) };
    default:
      return { property: 'category', op: random.pick(['eq', 'neq'] as const), value: 'shoes' };
  }
}

function eventLeaf(random: SeededRandom, c: SeedCase): EventCondition {
  const condition = randomEventCondition(random, c.now);
  if (random.chance(0.3)) {
    condition.event = random.pick([
      'Screen Viewed',
      'Checkout Started',
      'Social Comment',
      'Ad Impression',
      `Clicked "Buy" it's \\ here`,
      'Order Refunded',
    ]);
    delete condition.source;
  }
  if (random.chance(0.35))
    condition.where = [filter(random), ...(random.chance(0.3) ? [filter(random)] : [])];
  if (random.chance(0.15)) condition.within = { hours: random.pick([1, 12, 36, 0.5]) };
  if (random.chance(0.05)) condition.within = { days: 1.5 };
  if (random.chance(0.1)) {
    const { event, source, where, within } = condition;
    const sum = { property: random.pick(['amount', 'revenue']), gte: random.pick([0, 1, 3.5, 10]) };
    return {
      event,
      ...(source === undefined ? {} : { source }),
      ...(where === undefined ? {} : { where }),
      ...(within === undefined ? {} : { within }),
      sum,
    };
  }
  return condition;
}

function leaf(random: SeededRandom, c: SeedCase): Rule {
  const roll = random.next();
  if (roll < 0.5) return eventLeaf(random, c);
  if (roll < 0.95) return traitLeaf(random, c);
  return { inSegment: random.pick(['vip', 'staff']) };
}

/** A random valid rule for the case, nested at most `depth` levels below the root. */
export function agreementRule(random: SeededRandom, c: SeedCase, depth = 3): Rule {
  for (;;) {
    const rule = build(random, c, depth);
    const checked = validateRule(JSON.parse(JSON.stringify(rule)));
    if (checked.ok) return checked.rule;
  }
}

function build(random: SeededRandom, c: SeedCase, depth: number): Rule {
  const roll = random.next();
  if (depth > 0 && roll < 0.35) {
    const children = Array.from({ length: random.int(1, 3) }, () => build(random, c, depth - 1));
    return random.chance(0.5) ? { all: children } : { any: children };
  }
  if (depth > 0 && roll < 0.45) return { not: build(random, c, depth - 1) };
  return leaf(random, c);
}
