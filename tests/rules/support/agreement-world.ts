import {
  asEpochMs,
  asProfileId,
  DAY_MS,
  HOUR_MS,
  toIso,
  traitsConfig,
  type EventFact,
  type ProfileSnapshot,
  type SourceKind,
  type TraitsConfig,
} from '@cdp/domain';
import { randomHistory, randomNow } from '@cdp/domain/rules/random-rule.generator';
import { SeededRandom } from '@cdp/domain/rules/seeded-random';
import { epochMsOfRow, eventFactFromRow, traitValueFromRow } from '@cdp/clickhouse/rules';
import { formatDateTime } from '@cdp/clickhouse';

/**
 * Random worlds for the SQL / evaluator agreement test: per seed, a `now`, a traits
 * configuration and 20-50 profiles with random histories (the domain's randomHistory,
 * with window edges +-1 ms, ties, later-dated events) decorated with the value traps the
 * SQL has to get right: typed properties ("3" vs 3, null, nested order items with their
 * own `category`, arrays and strings for `topics`), revenue on web track calls,
 * currencies, refunds, marketing context for first touch, midnight and same-second
 * instants; identify traits of every JSON type with numeric-string traps, nested objects
 * for dotted names, quotes and backslashes; merged profiles (including re-pointed
 * chains). Everything becomes rows of `events`, `trait_updates` and `profile_merges`,
 * and the snapshots are built back from those rows (the mapping in row-facts.ts), after
 * merge resolution.
 */

export interface EventRow {
  event_id: string;
  profile_id: string;
  source: string;
  type: string;
  name: string;
  occurred_at: string;
  occurred_ms: number;
  received_at: string;
  ingested_at: string;
  revenue: number;
  currency: string;
  category: string;
  categories: string[];
  topics: string[];
  utm_source: string;
  utm_medium: string;
  referrer: string;
  channel: string;
  properties: string;
  traits: string;
}

export interface TraitRow {
  profile_id: string;
  trait: string;
  value: string;
  value_type: string;
  updated_at: string;
  updated_ms: number;
  event_id: string;
  source: string;
}

export interface MergeRow {
  absorbed_id: string;
  survivor_id: string;
  merged_at: string;
  event_id: string;
  version: number;
}

export interface SeedCase {
  seed: number;
  now: number;
  config: TraitsConfig;
  /** Resolved profile ids of this seed (survivors and never-merged profiles). */
  people: string[];
  /** Ids absorbed into another profile of this seed. */
  absorbed: string[];
  /** Events of this seed's people, to pick exact instants for rules. */
  instants: number[];
}

export interface World {
  cases: SeedCase[];
  events: EventRow[];
  traits: TraitRow[];
  merges: MergeRow[];
  /** Resolved profile id -> snapshot (events and traits of every profile merged into it). */
  snapshots: Map<string, ProfileSnapshot>;
  /** Segment id -> member ids (resolved), for `inSegment`. */
  segments: Record<string, string[]>;
}

/** Event names beyond the domain generator's: screen views, checkout, email, social and ad variants, a tricky name. */
const EXTRA_EVENTS: readonly { name: string; source: SourceKind }[] = [
  { name: 'Screen Viewed', source: 'web' },
  { name: 'Checkout Started', source: 'web' },
  { name: 'Email Opened', source: 'web' },
  { name: 'Social Comment', source: 'social' },
  { name: 'Ad Impression', source: 'ad' },
  { name: `Clicked "Buy" it's \\ here`, source: 'web' },
];

const CATEGORY_VALUES: readonly unknown[] = [
  'shoes',
  'bags',
  'skincare',
  3,
  '3',
  null,
  '',
  'sk"in\\care',
  true,
];
const TOPIC_VALUES: readonly unknown[] = [
  ['skincare'],
  ['shoes', 'bags'],
  'skincare and shoes',
  [['skincare']],
  [3, 'bags'],
  [],
];
const MEDIUMS = ['cpc', ' CPC ', 'paid_social', 'email', 'Newsletter', 'social', 'organic', ''];
const REFERRERS = [
  'https://www.google.com/',
  'https://www.Google.com.hk/search?q=x',
  'https://notgoogle.com/',
  'weibo.com/x',
  'https://user:pw@m.facebook.com:443/p',
  'https://blog.example.org/a',
  'https://t.co',
  '  https://so.com/s ',
  '//',
  '',
];
const UTM_SOURCES = ['google', ' Weibo ', 'newsletter', 'WeChat', ''];
const CHANNELS: Partial<Record<SourceKind, string[]>> = {
  social: ['weibo', 'WeChat', 'xiaohongshu', ''],
  ad: ['google_ads', 'Meta_Ads', ''],
  transaction: ['online', 'store', ''],
};
const TRICKY_TEXT = `O'Brien \\ "q"\n\t ä`;

function decorate(random: SeededRandom, event: EventFact): EventFact {
  const properties: Record<string, unknown> = {};
  if (random.chance(0.75)) properties.category = random.pick(CATEGORY_VALUES);
  if (event.source === 'social' || random.chance(0.1)) properties.topics = random.pick(TOPIC_VALUES);
  if (random.chance(0.3)) properties.amount = random.pick([1, 2.5, '3', 10, -4, null, 0.1]);
  if (random.chance(0.25)) properties.tags = random.pick([['vip'], ['vip', ['x']], [['vip']], 'vip', []]);
  if (random.chance(0.2)) properties.when = random.pick(['2026-03-01T00:00:00Z', '2025-12-31', 'soon', 5]);
  if (random.chance(0.1)) properties[`it's "odd"`] = TRICKY_TEXT;
  const decorated: EventFact = { ...event, properties };
  delete decorated.revenue;
  if (event.source === 'transaction') {
    // orders carry their items, whose own `category` must not pass for the order's
    properties.items = [{ sku: 'x-1', category: random.pick(['shoes', 'skincare']), price: 10 }];
    properties.categories = random.chance(0.5) ? ['shoes'] : [];
    decorated.revenue = random.pick([0, 10, 25.5, 99.99, 120, 300, 1000.01]);
    properties.revenue = decorated.revenue;
    if (random.chance(0.8)) decorated.currency = random.pick(['CNY', 'CNY', 'USD']);
  } else if (event.source === 'web' && event.name !== 'Page Viewed' && event.name !== 'Screen Viewed') {
    if (random.chance(0.25)) {
      decorated.revenue = random.pick([0, 5, 40]);
      properties[random.chance(0.5) ? 'revenue' : 'total'] = decorated.revenue;
    }
  }
  const context: Record<string, string> = {};
  if (random.chance(0.35)) context.utmMedium = random.pick(MEDIUMS);
  if (random.chance(0.3)) context.utmSource = random.pick(UTM_SOURCES);
  if (random.chance(0.35)) context.referrer = random.pick(REFERRERS);
  const channels = CHANNELS[event.source];
  if (channels !== undefined && random.chance(0.8)) context.channel = random.pick(channels);
  for (const [k, v] of Object.entries(context)) if (v === '') delete context[k];
  if (Object.keys(context).length > 0) decorated.context = context;
  return decorated;
}

/** A few more events at instants the SQL splits on: UTC midnight, the ms before it, hour windows, same second as now. */
function extraEvents(random: SeededRandom, now: number): EventFact[] {
  const out: EventFact[] = [];
  const n = random.int(0, 4);
  for (let i = 0; i < n; i += 1) {
    const spec = random.chance(0.5) ? random.pick(EXTRA_EVENTS) : random.pick(BASE_EVENTS);
    const day = Math.floor(now / DAY_MS) - random.int(0, 200);
    const at = random.pick([
      day * DAY_MS,
      day * DAY_MS - 1,
      now - random.pick([12, 36]) * HOUR_MS + random.pick([-1, 0, 1]),
      now - (now % 1000) + random.int(0, 999),
      now + random.pick([-1, 1]),
      now - random.int(1, 90) * DAY_MS,
    ]);
    out.push({ name: spec.name, source: spec.source, occurredAt: asEpochMs(at), properties: {} });
  }
  return out;
}

const BASE_EVENTS: readonly { name: string; source: SourceKind }[] = [
  { name: 'Order Completed', source: 'transaction' },
  { name: 'Order Refunded', source: 'transaction' },
  { name: 'Product Viewed', source: 'web' },
  { name: 'Product Added', source: 'web' },
  { name: 'Page Viewed', source: 'web' },
  { name: 'Social Like', source: 'social' },
  { name: 'Ad Click', source: 'ad' },
];

function typeOf(event: EventFact): string {
  if (event.source !== 'web') return event.source;
  if (event.name === 'Page Viewed') return 'page';
  if (event.name === 'Screen Viewed') return 'screen';
  return 'track';
}

let eventSeq = 0;

export function eventRow(profileId: string, event: EventFact): EventRow {
  eventSeq += 1;
  const p = event.properties;
  const strings = (v: unknown): string[] =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  const at = event.occurredAt;
  return {
    event_id: `e-${eventSeq}`,
    profile_id: profileId,
    source: event.source,
    type: typeOf(event),
    name: event.name,
    occurred_at: formatDateTime(new Date(at - (at % 1000))),
    occurred_ms: at % 1000,
    received_at: formatDateTime(new Date(at - (at % 1000))),
    ingested_at: formatDateTime(new Date(at - (at % 1000))),
    revenue: event.revenue ?? 0,
    currency: event.currency ?? '',
    category: typeof p.category === 'string' ? p.category : '',
    categories: strings(p.categories),
    topics: strings(p.topics),
    utm_source: event.context?.utmSource ?? '',
    utm_medium: event.context?.utmMedium ?? '',
    referrer: event.context?.referrer ?? '',
    channel: event.context?.channel ?? '',
    properties: JSON.stringify(p),
    traits: '{}',
  };
}

/** Identify trait values of every JSON type, with the traps of no-coercion semantics. */
const TRAIT_VALUES: Record<string, readonly unknown[]> = {
  country: ['CN', 'SG', 'US', 3, null, "C'N"],
  age: [18, 25, 30, 34, 35, 70, '30', 30.5, true],
  gender: ['female', 'male', null, ''],
  score: [3, '3', 2.5, 'abc', -1],
  vip: [true, false, 'true'],
  tags: [['a', 'vip'], ['vip', ['x']], [['vip']], [], 'vip,a', [3, true]],
  address: [
    { city: 'Shanghai', zip: 200000 },
    { city: { name: 'Shanghai' } },
    { town: 'x', city: 'Beijing' },
    null,
    'Shanghai',
  ],
  'address.city': ['Hangzhou'],
  signup: [
    '2026-01-02T03:04:05.678Z',
    '2025-12-31',
    '2026-03-01T10:00:00+08:00',
    ' 2026-02-01T00:00:00Z ',
    'not a date',
    5,
  ],
  nick: [TRICKY_TEXT, 'plain', `back\\slash`],
};

function traitValue(value: unknown): { value: string; value_type: string } {
  switch (typeof value) {
    case 'string':
      return { value, value_type: 'string' };
    case 'number':
      return { value: String(value), value_type: 'number' };
    case 'boolean':
      return { value: value ? 'true' : 'false', value_type: 'boolean' };
    default:
      return { value: JSON.stringify(value ?? null), value_type: 'json' };
  }
}

/** Builds a world of `seeds.length` seeds with `profilesPerSeed(seed)` profiles each. */
export function buildWorld(
  seeds: readonly number[],
  profilesPerSeed: (seed: number) => number = () => 30,
): World {
  const events: EventRow[] = [];
  const traits: TraitRow[] = [];
  const merges: MergeRow[] = [];
  const cases: SeedCase[] = [];
  let traitSeq = 0;
  for (const seed of seeds) {
    const random = new SeededRandom(seed);
    const now = randomNow(random);
    const config = random.chance(0.3)
      ? traitsConfig({ currency: 'CNY', lifecycle: { churnDays: 30 }, leadScore: { halfLifeDays: 7 } })
      : traitsConfig();
    const count = profilesPerSeed(seed);
    const ids = Array.from({ length: count }, (_, i) =>
      i === 1 && seed % 3 === 0 ? `s${seed}-p'${i}\\x` : `s${seed}-p${i}`,
    );
    const instants: number[] = [];
    for (const id of ids) {
      const history = random.chance(0.1)
        ? []
        : [...randomHistory(random, now, 14), ...extraEvents(random, now)].map((e) => decorate(random, e));
      for (const e of history) {
        events.push(eventRow(id, e));
        instants.push(e.occurredAt);
      }
      // traits-only and events-only profiles both happen
      if (random.chance(0.75)) {
        for (const [trait, values] of Object.entries(TRAIT_VALUES)) {
          if (!random.chance(trait === 'address.city' ? 0.15 : 0.5)) continue;
          for (let u = random.int(1, 2); u > 0; u -= 1) {
            traitSeq += 1;
            const at = now + random.int(-400, 30) * DAY_MS + traitSeq;
            traits.push({
              profile_id: id,
              trait,
              ...traitValue(random.pick(values)),
              updated_at: formatDateTime(new Date(at - (at % 1000))),
              updated_ms: at % 1000,
              event_id: `t-${traitSeq}`,
              source: 'web',
            });
          }
        }
      }
    }
    // merges: some profiles absorbed into another; sometimes a chain re-pointed later
    const absorbed: string[] = [];
    const survivorOf = new Map<string, string>();
    for (const id of ids) {
      if (!random.chance(0.2)) continue;
      const candidates = ids.filter(
        (x) => x !== id && !survivorOf.has(x) && ![...survivorOf.values()].includes(id),
      );
      if (candidates.length === 0) continue;
      const survivor = random.pick(candidates);
      survivorOf.set(id, survivor);
      absorbed.push(id);
      merges.push({
        absorbed_id: id,
        survivor_id: survivor,
        merged_at: '2026-01-01 00:00:00',
        event_id: `m-${id}`,
        version: 1,
      });
    }
    // a chain: x -> y at v1, then y -> z and x -> z at v2 (flattened, latest version wins)
    const free = ids.filter((x) => !survivorOf.has(x) && ![...survivorOf.values()].includes(x));
    if (free.length >= 3) {
      const [x, y, z] = free;
      merges.push({
        absorbed_id: x,
        survivor_id: y,
        merged_at: '2026-01-01 00:00:00',
        event_id: `m-${x}`,
        version: 1,
      });
      merges.push({
        absorbed_id: y,
        survivor_id: z,
        merged_at: '2026-01-02 00:00:00',
        event_id: `m-${y}`,
        version: 2,
      });
      merges.push({
        absorbed_id: x,
        survivor_id: z,
        merged_at: '2026-01-02 00:00:00',
        event_id: `m-${x}2`,
        version: 2,
      });
      survivorOf.set(x, z);
      survivorOf.set(y, z);
      absorbed.push(x, y);
    }
    const people = ids.filter((x) => !survivorOf.has(x));
    cases.push({ seed, now, config, people, absorbed, instants });
  }
  const snapshots = snapshotsOf(events, traits, merges);
  const random = new SeededRandom(seeds[0] ?? 1);
  const segments: Record<string, string[]> = { vip: [], staff: [] };
  for (const id of snapshots.keys()) {
    if (random.chance(0.3)) segments.vip.push(id);
    if (random.chance(0.2)) segments.staff.push(id);
  }
  for (const [id, snapshot] of snapshots) {
    snapshot.segments = new Set(Object.keys(segments).filter((s) => segments[s].includes(id)));
  }
  return { cases, events, traits, merges, snapshots, segments };
}

/**
 * Snapshots from rows, the way a reader of ClickHouse builds them: profile ids resolved
 * through the latest merge version, events mapped by eventFactFromRow, each trait's
 * latest value by (updated_at, updated_ms) over every profile of the person.
 */
export function snapshotsOf(
  events: readonly EventRow[],
  traits: readonly TraitRow[],
  merges: readonly MergeRow[],
): Map<string, ProfileSnapshot> {
  const latestMerge = new Map<string, MergeRow>();
  for (const m of merges) {
    const seen = latestMerge.get(m.absorbed_id);
    if (seen === undefined || m.version > seen.version) latestMerge.set(m.absorbed_id, m);
  }
  const resolve = (id: string): string => latestMerge.get(id)?.survivor_id ?? id;
  const out = new Map<string, ProfileSnapshot & { events: EventFact[] }>();
  const get = (id: string): ProfileSnapshot & { events: EventFact[] } => {
    let s = out.get(id);
    if (s === undefined) {
      s = { profileId: asProfileId(id), traits: {}, events: [] };
      out.set(id, s);
    }
    return s;
  };
  for (const row of events) get(resolve(row.profile_id)).events.push(eventFactFromRow(row));
  const latest = new Map<string, { at: number; row: TraitRow }>();
  for (const row of traits) {
    const person = resolve(row.profile_id);
    get(person);
    const key = `${person}\u0000${row.trait}`;
    const at = epochMsOfRow(row.updated_at, row.updated_ms);
    const seen = latest.get(key);
    if (seen === undefined || at > seen.at) latest.set(key, { at, row });
  }
  for (const [key, { row }] of latest) {
    const person = key.slice(0, key.indexOf('\u0000'));
    const snapshot = get(person);
    (snapshot.traits as Record<string, unknown>)[row.trait] = traitValueFromRow(row.value, row.value_type);
  }
  return out;
}

/** The ISO instants of some events of a case, for rules that compare exact instants. */
export function someInstant(random: SeededRandom, c: SeedCase): string {
  return c.instants.length > 0 && random.chance(0.8) ? toIso(random.pick(c.instants)) : toIso(c.now - DAY_MS);
}
