import { asEpochMs, type EpochMs } from '../brand';
import type { SourceKind } from '../events/canonical-event';
import type { EventFact } from '../traits/event-fact';
import { DAY_MS, HOUR_MS, toIso } from '../traits/trait-time';
import type {
  Duration,
  EventCondition,
  EventConditionBase,
  NumberComparison,
  PropertyFilter,
  Rule,
  TimeWindow,
  TraitCondition,
} from './rule.model';
import type { SeededRandom } from './seeded-random';

/**
 * Random valid rules and event histories over a small shared vocabulary (so that
 * conditions often match), for property tests of the evaluator, next-change times and,
 * later, the agreement of the SQL compiler with the evaluator. Histories put events on
 * exact window boundaries, at equal instants, and a few after `now`.
 */

const EVENTS: readonly { name: string; source: SourceKind }[] = [
  { name: 'Order Completed', source: 'transaction' },
  { name: 'Order Completed', source: 'transaction' },
  { name: 'Page Viewed', source: 'web' },
  { name: 'Order Refunded', source: 'transaction' },
  { name: 'Product Viewed', source: 'web' },
  { name: 'Product Added', source: 'web' },
  { name: 'Page Viewed', source: 'web' },
  { name: 'Social Like', source: 'social' },
  { name: 'Ad Click', source: 'ad' },
];
const CATEGORIES = ['shoes', 'bags', 'skincare'];
const COUNTRIES = ['CN', 'SG', 'US'];
/** Days that windows, durations and computed traits use, to put events on their edges. */
const EDGE_DAYS = [1, 7, 14, 30, 90, 180, 365];

function duration(random: SeededRandom): Duration {
  return random.chance(0.8)
    ? { days: random.pick([1, 7, 14, 30, 90, 180]) }
    : { hours: random.pick([12, 36]) };
}

function window(random: SeededRandom, now: number): TimeWindow | undefined {
  const roll = random.next();
  if (roll < 0.25) return undefined;
  if (roll < 0.85) return duration(random);
  const from = now + random.int(-200, 20) * DAY_MS;
  return { from: toIso(from), to: toIso(from + random.int(1, 120) * DAY_MS) };
}

function comparison(random: SeededRandom, max: number, step = 1): NumberComparison {
  const n = random.int(0, max) * step;
  switch (random.pick(['eq', 'neq', 'gt', 'gte', 'gte', 'lt', 'lte', 'between'] as const)) {
    case 'eq':
      return { eq: n };
    case 'neq':
      return { neq: n };
    case 'gt':
      return { gt: n };
    case 'gte':
      return { gte: n };
    case 'lt':
      return { lt: n };
    case 'lte':
      return { lte: n };
    case 'between':
      return { between: [n, n + random.int(0, max) * step] };
  }
}

function filter(random: SeededRandom, source: SourceKind): PropertyFilter {
  const roll = random.next();
  if (source === 'social' && roll < 0.5)
    return { property: 'topics', op: 'contains', value: random.pick(CATEGORIES) };
  if (source === 'transaction' && roll < 0.5)
    return { property: 'revenue', op: 'gte', value: random.int(0, 30) * 10 };
  if (roll < 0.85)
    return { property: 'category', op: random.pick(['eq', 'neq'] as const), value: random.pick(CATEGORIES) };
  return { property: 'category', op: random.pick(['exists', 'notExists'] as const) };
}

export function randomEventCondition(random: SeededRandom, now: number): EventCondition {
  const spec = random.pick(EVENTS);
  const base: EventConditionBase = { event: spec.name };
  if (random.chance(0.15)) base.source = random.chance(0.8) ? spec.source : random.pick(EVENTS).source;
  if (random.chance(0.25)) base.where = [filter(random, spec.source)];
  const within = window(random, now);
  if (within !== undefined) base.within = within;
  const roll = random.next();
  if (roll < 0.2) return base;
  if (roll < 0.55) return { ...base, count: comparison(random, 3) };
  if (roll < 0.7 && spec.source === 'transaction') {
    return { ...base, sum: { property: 'revenue', ...comparison(random, 40, 10) } };
  }
  const recency = random.chance(0.5) ? { olderThan: duration(random) } : { newerThan: duration(random) };
  return random.chance(0.7) ? { ...base, lastSeen: recency } : { ...base, firstSeen: recency };
}

export function randomTraitCondition(random: SeededRandom, now: number): TraitCondition {
  switch (random.int(0, 11)) {
    case 0:
      return { trait: 'country', op: random.pick(['eq', 'neq'] as const), value: random.pick(COUNTRIES) };
    case 1:
      return { trait: 'age', op: 'between', value: [random.int(18, 40), random.int(40, 70)] };
    case 2:
      return { trait: 'gender', op: random.pick(['exists', 'notExists'] as const) };
    case 3:
      return {
        trait: 'lifecycleStage',
        op: random.pick(['eq', 'neq'] as const),
        value: random.pick(['prospect', 'new', 'active', 'loyal', 'churned']),
      };
    case 4:
      return {
        trait: 'purchaseFrequency',
        op: 'in',
        value: [random.pick(['high', 'medium', 'low', 'none'])],
      };
    case 5:
      return { trait: 'rfm.r', op: random.pick(['gte', 'lte'] as const), value: random.int(1, 5) };
    case 6:
      return {
        trait: 'rfm.segment',
        op: 'eq',
        value: random.pick(['champions', 'new', 'potential', 'lost']),
      };
    case 7:
      return { trait: 'leadScore', op: random.pick(['gt', 'lt'] as const), value: random.int(0, 12) };
    case 8:
      return {
        trait: 'purchaseStage',
        op: 'eq',
        value: random.pick(['awareness', 'consideration', 'decision']),
      };
    case 9:
      return { trait: 'orderCount', op: 'gte', value: random.int(0, 3) };
    case 10:
      return { trait: 'totalRevenue', op: 'gt', value: random.int(0, 400) };
    default:
      return { trait: 'lastSeenAt', op: 'gte', value: toIso(now - random.int(0, 60) * DAY_MS) };
  }
}

/** A random valid rule nested at most `depth` levels below the root. */
export function randomRule(random: SeededRandom, now: number, depth = 3): Rule {
  const roll = random.next();
  if (depth > 0 && roll < 0.35) {
    const children = Array.from({ length: random.int(1, 3) }, () => randomRule(random, now, depth - 1));
    return random.chance(0.5) ? { all: children } : { any: children };
  }
  if (depth > 0 && roll < 0.45) return { not: randomRule(random, now, depth - 1) };
  const leaf = random.next();
  if (leaf < 0.6) return randomEventCondition(random, now);
  if (leaf < 0.95) return randomTraitCondition(random, now);
  return { inSegment: random.pick(['vip', 'staff']) };
}

/** Identify traits drawn from the vocabulary the random rules use (sometimes missing). */
export function randomTraits(random: SeededRandom): Record<string, unknown> {
  const traits: Record<string, unknown> = {};
  if (random.chance(0.8)) traits.country = random.pick(COUNTRIES);
  if (random.chance(0.7)) traits.age = random.int(18, 70);
  if (random.chance(0.5)) traits.gender = random.pick(['female', 'male']);
  return traits;
}

/**
 * Up to `maxEvents` events around `now`: mostly in the last 120 days, some up to 400
 * days back, some exactly on a
 * window edge (`now - d days` and one ms either side), some sharing an instant, and a
 * few dated after `now`.
 */
export function randomHistory(random: SeededRandom, now: number, maxEvents = 16): EventFact[] {
  const events: EventFact[] = [];
  const count = random.int(0, maxEvents);
  for (let i = 0; i < count; i += 1) {
    const spec = random.pick(EVENTS);
    let at: number;
    const roll = random.next();
    if (roll < 0.25) at = now - random.pick(EDGE_DAYS) * DAY_MS + random.pick([-1, 0, 1]);
    else if (roll < 0.35 && events.length > 0) at = random.pick(events).occurredAt;
    else if (roll < 0.42) at = now + random.int(1, 20 * 24) * HOUR_MS;
    else if (roll < 0.85) at = now - random.int(0, 120 * 24) * HOUR_MS - random.int(0, HOUR_MS);
    else at = now - random.int(0, 400 * 24) * HOUR_MS - random.int(0, HOUR_MS);
    const properties: Record<string, unknown> = {};
    if (random.chance(0.7)) properties.category = random.pick(CATEGORIES);
    if (spec.source === 'social') properties.topics = [random.pick(CATEGORIES)];
    const event: EventFact = { name: spec.name, source: spec.source, occurredAt: asEpochMs(at), properties };
    if (spec.source === 'transaction') event.revenue = random.int(1, 40) * 10;
    if (random.chance(0.3)) {
      event.context = random.pick([
        { utmMedium: 'cpc', utmSource: 'google' },
        { referrer: 'https://www.google.com/' },
        { utmMedium: 'email' },
        { referrer: 'https://weibo.com/x' },
      ]);
    }
    events.push(event);
  }
  return events;
}

/** A random instant in 2026 (whole seconds plus a random ms), as `now` of a case. */
export function randomNow(random: SeededRandom): EpochMs {
  return asEpochMs(Date.UTC(2026, 0, 1) + random.int(0, 364 * 24 * 3600) * 1000 + random.int(0, 999));
}
