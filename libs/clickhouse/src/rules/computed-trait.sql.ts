import {
  ACQUISITION_CHANNELS,
  DAY_MS,
  LIFECYCLE_STAGES,
  ORDER_COMPLETED,
  ORDER_REFUNDED,
  PURCHASE_FREQUENCIES,
  PURCHASE_STAGES,
  RFM_SEGMENTS,
  type TraitsConfig,
} from '@cdp/domain';
import { raw, sql } from '../sql';
import { isoText, type Bind } from './json-sql';
import type { Interval, QueryPlan, Selector } from './query-plan';
import { JS_WHITESPACE_CLASS, and, isIn, jsTrim, num, or, roundTo, type Sql } from './sql-expr';
import type { EnumOption, InstantSql, TypedSql } from './value-test.sql';

/**
 * The computed traits of libs/domain/src/traits (README.md there has the exact
 * definitions) in SQL: one entry per trait name, next to the rule compiler. Each entry
 * turns the trait into per-profile aggregates of a `QueryPlan` and returns the trait's
 * value as `TypedSql`; the rule's test on it is compiled by value-test.sql.ts.
 *
 * Everything is a count or a sum over an interval of events (only events at or before
 * `now`), so the daily aggregates answer whole UTC days and raw events only the partial
 * days at the ends:
 *
 * | trait | SQL |
 * |---|---|
 * | lifecycleStage | O(all) = 0: prospect; O(churn window) = 0: churned; O(loyal window) >= loyalOrders: loyal; O(all) >= 2: active; else new |
 * | purchaseFrequency | O(window) against high / medium / low |
 * | rfm.r | 1 + the number of recency windows (30/90/180/365 d) with an order (the windows are nested); absent when O(all) = 0 |
 * | rfm.f | 1 + the thresholds O(365 d) reaches |
 * | rfm.m | 1 + the thresholds roundTo(R(365 d) - F(365 d), 2) reaches |
 * | rfm.segment | the table of rfm.trait.ts over the three scores |
 * | acquisitionChannel, acquisitionSource | the smallest key `(15-digit ms, channel rank, source)` over every raw event: earliest first, then the channel earliest in the list, then the smallest source; the channel and source are classified in SQL exactly as touchChannelOf / touchSourceOf |
 * | purchaseStage | O(all) >= 1: purchased; a decision event in the decision window: decision; a decision or consideration event ever: consideration; any event: awareness; else absent |
 * | leadScore | roundTo(sum of n * weight(name) * 0.5 ^ ((day(now) - day) / halfLifeDays), 2): whole UTC days, so the daily rows are exact |
 * | orderCount | O(all) |
 * | totalRevenue | roundTo(R(all) - F(all), 2) |
 * | firstSeenAt, lastSeenAt | instants compared through counts: lastSeen >= T iff an event in [T, now]; firstSeen <= T iff an event in (-inf, T]; ... |
 *
 * O = completed orders (`Order Completed`, any source), R = their revenue, F = refunded
 * revenue (`Order Refunded`), both counting only `config.currency` (and events without a
 * currency) when it is set. A window of N days is `(now - N days, now]`.
 *
 * Floating point: sums are added in another order than in JavaScript, so a rounded
 * amount could differ only when the exact sum sits on a half cent (or, for leadScore, a
 * half hundredth); counts and scores are exact.
 */
export interface ComputedTraitSql {
  name: string;
  /** The SQL definition in one line (docs). */
  definition: string;
  compile(ctx: TraitSqlContext): TypedSql;
}

export class TraitSqlContext {
  constructor(
    readonly plan: QueryPlan,
    readonly now: number,
    readonly config: TraitsConfig,
  ) {}

  get all(): Interval {
    return { from: null, to: this.now };
  }

  /** `(now - days, now]` as integer ms: at > now - days * DAY_MS. */
  window(days: number): Interval {
    return { from: Math.floor(this.now - days * DAY_MS) + 1, to: this.now };
  }

  orders(interval: Interval): Sql {
    return this.plan.count({ names: [ORDER_COMPLETED] }, interval);
  }

  /** Counted revenue of orders minus refunds in the interval (not rounded). */
  netRevenue(interval: Interval): Sql {
    const currency = this.config.currency;
    const value =
      currency === undefined ? raw('rev') : sql`if(currency = '' OR currency = ${currency}, rev, 0)`;
    const orders = this.plan.sum({ names: [ORDER_COMPLETED] }, interval, value, true);
    const refunds = this.plan.sum({ names: [ORDER_REFUNDED] }, interval, value, true);
    return raw(`(${orders.text} - ${refunds.text})`);
  }

  /** Events matching any of the configured name patterns (`Social *` = prefix). */
  patterns(patterns: readonly string[]): Selector {
    return {
      names: patterns.filter((p) => !p.endsWith('*')),
      prefixes: patterns.filter((p) => p.endsWith('*')).map((p) => p.slice(0, -1)),
    };
  }

  /** The first-touch key of the person ('' without events): 15-digit ms, channel rank, source. */
  firstTouchKey(): Sql {
    const where = this.plan.readRaw({}, this.all);
    const key = this.plan.rawColumn(touchKey(this.config, this.plan.rawHelper), 'String');
    return this.plan.aggregate(sql`minIf(${key}, ${where})`);
  }
}

const options = (values: readonly (string | number)[]): EnumOption[] =>
  values.map((v) => ({ value: v, sql: v }));

/** `1 + the number of thresholds value reaches`, at most 5 (scoreAtLeast of rfm.trait.ts). */
function scoreAtLeast(value: Sql, thresholds: readonly number[]): Sql {
  const reached = thresholds.map((t) => `(${value.text} >= ${num(t).text})`).join(' + ');
  return raw(`least(5, greatest(1, 1 + ${reached}))`);
}

interface Rfm {
  present: Sql;
  r: Sql;
  f: Sql;
  m: Sql;
}

function rfmOf(ctx: TraitSqlContext): Rfm {
  const { recencyDays, frequencyOrders, monetary, windowDays } = ctx.config.rfm;
  const bind = ctx.plan.groupHelper;
  const present = raw(`${ctx.orders(ctx.all).text} >= 1`);
  const recent = recencyDays.map((d) => `(${ctx.orders(ctx.window(d)).text} >= 1)`).join(' + ');
  const r = bind(raw(`least(5, greatest(1, 1 + ${recent}))`));
  const f = bind(scoreAtLeast(ctx.orders(ctx.window(windowDays)), frequencyOrders));
  const m = bind(scoreAtLeast(bind(roundTo(ctx.netRevenue(ctx.window(windowDays)), 2)), monetary));
  return { present, r, f, m };
}

function rfmSegmentSql(rfm: Rfm): Sql {
  const { r, f, m } = rfm;
  const fm = `intDiv(${f.text} + ${m.text}, 2)`;
  return raw(
    `multiIf(${r.text} >= 4 AND ${fm} >= 4, 'champions', ${r.text} >= 4 AND ${f.text} = 1, 'new', ` +
      `${r.text} >= 3 AND ${fm} >= 3, 'loyal', ${r.text} >= 3, 'potential', ` +
      `${r.text} = 2, if(${fm} >= 3, 'at_risk', 'hibernating'), 'lost')`,
  );
}

/** The lower-case referrer host of `referrerHostOf` ('' when none). */
function referrerHost(bind: Bind): Sql {
  const ws = JS_WHITESPACE_CLASS;
  const notHost = ws.replace(/^\[/, '[^/?#:');
  const pattern = `(?i)^${ws}*(?:[a-z][a-z0-9+.-]*:)?(?://)?(?:[^/?#@]*@)?(${notHost}+)`;
  return bind(sql`replaceRegexpOne(lowerUTF8(extract(referrer, ${pattern})), ${'\\.$'}, '')`);
}

/** The channel rank (index in ACQUISITION_CHANNELS) of one event, as touchChannelOf. */
function touchRank(config: TraitsConfig, bind: Bind): Sql {
  const a = config.acquisition;
  const medium = bind(raw(`lowerUTF8(${jsTrim(raw('utm_medium')).text})`));
  const host = referrerHost(bind);
  const social = or([
    isIn(host, a.socialHosts),
    ...a.socialHosts.map((d) => sql`endsWith(${host}, ${`.${d}`})`),
  ]);
  const search = sql`hasAny(arrayPopBack(splitByChar('.', ${host})), ${a.searchEngines})`;
  const rank = (channel: (typeof ACQUISITION_CHANNELS)[number]): number =>
    ACQUISITION_CHANNELS.indexOf(channel);
  return raw(
    `multiIf(${or([raw(`source = 'ad'`), isIn(medium, a.paidMediums)]).text}, ${rank('paid')}, ` +
      `${isIn(medium, a.emailMediums).text}, ${rank('email')}, ` +
      `${or([raw(`source = 'social'`), isIn(medium, a.socialMediums), and([sql`${host} != ''`, social])]).text}, ${rank('social')}, ` +
      `${and([sql`${host} != ''`, search]).text}, ${rank('organic_search')}, ` +
      `${host.text} != '', ${rank('referral')}, ${rank('direct')})`,
  );
}

/** The source of one touch, as touchSourceOf ('' when none). */
function touchSource(bind: Bind): Sql {
  const utm = bind(raw(`lowerUTF8(${jsTrim(raw('utm_source')).text})`)).text;
  const channel = bind(raw(`lowerUTF8(${jsTrim(raw('channel')).text})`)).text;
  return raw(
    `multiIf(${utm} != '', ${utm}, (source = 'social' OR source = 'ad') AND ${channel} != '', ${channel}, ${referrerHost(bind).text})`,
  );
}

/** Sortable first-touch key of a raw event row (events columns). */
function touchKey(config: TraitsConfig, bind: Bind): Sql {
  return raw(
    `concat(toString(toUInt64(occurred_at) * 1000 + occurred_ms + 100000000000000), toString(${touchRank(config, bind).text}), ${touchSource(bind).text})`,
  );
}

/** Instant of the latest / earliest event (lastSeenAt / firstSeenAt), compared through counts. */
function seenAt(ctx: TraitSqlContext, which: 'first' | 'last'): InstantSql {
  const count = (from: number | null, to: number): Sql =>
    from !== null && from > to ? raw('0') : ctx.plan.count({}, { from, to });
  const now = ctx.now;
  const exists = raw(`${count(null, now).text} >= 1`);
  const atLeast = (n: Sql): Sql => raw(`${n.text} >= 1`);
  const none = (n: Sql): Sql => raw(`${n.text} = 0`);
  // lastSeen: L >= T iff an event in [T, now]; firstSeen: F <= T iff an event in (-inf, T]
  const compare = (op: 'lt' | 'lte' | 'gt' | 'gte' | 'eq', at: number): Sql => {
    if (which === 'last') {
      switch (op) {
        case 'gte':
          return atLeast(count(at, now));
        case 'gt':
          return atLeast(count(at + 1, now));
        case 'lte':
          return and([exists, none(count(at + 1, now))]);
        case 'lt':
          return and([exists, none(count(at, now))]);
        case 'eq':
          return at > now ? raw('0') : and([atLeast(count(at, at)), none(count(at + 1, now))]);
      }
    }
    switch (op) {
      case 'lte':
        return atLeast(count(null, Math.min(at, now)));
      case 'lt':
        return atLeast(count(null, Math.min(at - 1, now)));
      case 'gte':
        return and([exists, none(count(null, Math.min(at - 1, now)))]);
      case 'gt':
        return and([exists, none(count(null, Math.min(at, now)))]);
      case 'eq':
        return at > now ? raw('0') : and([atLeast(count(at, at)), none(count(null, at - 1))]);
    }
  };
  // the exact instant, only for string tests (contains, startsWith): every raw event
  const isoTextOf = (): Sql => {
    const where = ctx.plan.readRaw({}, ctx.all);
    return isoText(
      ctx.plan.aggregate(which === 'last' ? sql`maxIf(ms, ${where})` : sql`minIf(ms, ${where})`),
    );
  };
  return { exists, compare, isoText: isoTextOf };
}

const number = (present: Sql, expr: Sql): TypedSql => ({ kind: 'number', present, expr });

export const COMPUTED_TRAITS_SQL: readonly ComputedTraitSql[] = [
  {
    name: 'lifecycleStage',
    definition:
      'multiIf(O(all) = 0, prospect, O(churnDays) = 0, churned, O(loyalWindowDays) >= loyalOrders, loyal, O(all) >= 2, active, new)',
    compile(ctx) {
      const { churnDays, loyalWindowDays, loyalOrders } = ctx.config.lifecycle;
      const all = ctx.orders(ctx.all).text;
      const expr = raw(
        `multiIf(${all} = 0, 'prospect', ${ctx.orders(ctx.window(churnDays)).text} = 0, 'churned', ` +
          `${ctx.orders(ctx.window(loyalWindowDays)).text} >= ${num(loyalOrders).text}, 'loyal', ${all} >= 2, 'active', 'new')`,
      );
      return { kind: 'enum', present: raw('1'), expr, options: options(LIFECYCLE_STAGES) };
    },
  },
  {
    name: 'purchaseFrequency',
    definition: 'k = O(windowDays); multiIf(k >= high, high, k >= medium, medium, k >= low, low, none)',
    compile(ctx) {
      const { windowDays, high, medium, low } = ctx.config.purchaseFrequency;
      const k = ctx.orders(ctx.window(windowDays)).text;
      const expr = raw(
        `multiIf(${k} >= ${num(high).text}, 'high', ${k} >= ${num(medium).text}, 'medium', ${k} >= ${num(low).text}, 'low', 'none')`,
      );
      return { kind: 'enum', present: raw('1'), expr, options: options(PURCHASE_FREQUENCIES) };
    },
  },
  {
    name: 'rfm.r',
    definition: '1 + #{d in recencyDays: O(d) >= 1}; absent when O(all) = 0',
    compile(ctx) {
      const rfm = rfmOf(ctx);
      return { kind: 'enum', present: rfm.present, expr: rfm.r, options: options([1, 2, 3, 4, 5]) };
    },
  },
  {
    name: 'rfm.f',
    definition: '1 + #{t in frequencyOrders: O(windowDays) >= t}; absent when O(all) = 0',
    compile(ctx) {
      const rfm = rfmOf(ctx);
      return { kind: 'enum', present: rfm.present, expr: rfm.f, options: options([1, 2, 3, 4, 5]) };
    },
  },
  {
    name: 'rfm.m',
    definition:
      '1 + #{t in monetary: roundTo(R(windowDays) - F(windowDays), 2) >= t}; absent when O(all) = 0',
    compile(ctx) {
      const rfm = rfmOf(ctx);
      return { kind: 'enum', present: rfm.present, expr: rfm.m, options: options([1, 2, 3, 4, 5]) };
    },
  },
  {
    name: 'rfm.segment',
    definition: 'rfmSegmentOf(r, f, m) as a multiIf; absent when O(all) = 0',
    compile(ctx) {
      const rfm = rfmOf(ctx);
      return { kind: 'enum', present: rfm.present, expr: rfmSegmentSql(rfm), options: options(RFM_SEGMENTS) };
    },
  },
  {
    name: 'acquisitionChannel',
    definition: 'channel rank digit of min(first-touch key) over raw events; absent without events',
    compile(ctx) {
      const key = ctx.plan.groupHelper(ctx.firstTouchKey());
      return {
        kind: 'enum',
        present: sql`${key} != ''`,
        expr: sql`substring(${key}, 16, 1)`,
        options: ACQUISITION_CHANNELS.map((c, i) => ({ value: c, sql: String(i) })),
      };
    },
  },
  {
    name: 'acquisitionSource',
    definition: 'source part of min(first-touch key) over raw events; absent when empty',
    compile(ctx) {
      const source = sql`substring(${ctx.firstTouchKey()}, 17)`;
      return { kind: 'string', present: sql`${source} != ''`, expr: source };
    },
  },
  {
    name: 'purchaseStage',
    definition:
      'multiIf(O(all) >= 1, purchased, D(decisionWindowDays) >= 1, decision, D(all) + C(all) >= 1, consideration, E(all) >= 1, awareness); absent when E(all) = 0',
    compile(ctx) {
      const { decisionEvents, considerationEvents, decisionWindowDays } = ctx.config.purchaseStage;
      const decision = ctx.patterns(decisionEvents);
      const any = ctx.plan.count({}, ctx.all).text;
      const expr = raw(
        `multiIf(${ctx.orders(ctx.all).text} >= 1, 'purchased', ` +
          `${ctx.plan.count(decision, ctx.window(decisionWindowDays)).text} >= 1, 'decision', ` +
          `${ctx.plan.count(decision, ctx.all).text} + ${ctx.plan.count(ctx.patterns(considerationEvents), ctx.all).text} >= 1, 'consideration', ` +
          `'awareness')`,
      );
      return { kind: 'enum', present: raw(`${any} >= 1`), expr, options: options(PURCHASE_STAGES) };
    },
  },
  {
    name: 'leadScore',
    definition:
      'roundTo(sum(n * weight(name) * pow(0.5, (day(now) - day) / halfLifeDays)), 2) over events <= now',
    compile(ctx) {
      const { weights, halfLifeDays } = ctx.config.leadScore;
      const entries = Object.entries(weights).filter(([, w]) => w !== 0 && Number.isFinite(w));
      const exact = Object.entries(weights).filter(([p]) => !p.endsWith('*'));
      const prefixes = Object.entries(weights)
        .filter(([p]) => p.endsWith('*'))
        .sort((a, b) => b[0].length - a[0].length);
      if (entries.length === 0) return number(raw('1'), raw('0'));
      // exact name first, then the longest prefix (lookupByEventPattern)
      const cases = [
        ...exact.map(([p, w]) => `${sql`name = ${p}`.text}, ${num(w).text}`),
        ...prefixes.map(([p, w]) => `${sql`startsWith(name, ${p.slice(0, -1)})`.text}, ${num(w).text}`),
      ];
      const weight = `multiIf(${cases.join(', ')}, 0)`;
      const today = Math.floor(ctx.now / DAY_MS);
      const value = raw(
        `n * ${weight} * pow(0.5, (${num(today).text} - toUInt16(day)) / ${num(halfLifeDays).text})`,
      );
      const sum = ctx.plan.sum(ctx.patterns(entries.map(([p]) => p)), ctx.all, value, true);
      return number(raw('1'), roundTo(sum, 2));
    },
  },
  {
    name: 'orderCount',
    definition: 'O(all)',
    compile: (ctx) => number(raw('1'), ctx.orders(ctx.all)),
  },
  {
    name: 'totalRevenue',
    definition: 'roundTo(R(all) - F(all), 2)',
    compile: (ctx) => number(raw('1'), roundTo(ctx.netRevenue(ctx.all), 2)),
  },
  {
    name: 'firstSeenAt',
    definition: 'compared through event counts: F <= T iff an event in (-inf, T]; absent without events',
    compile: (ctx) => ({ kind: 'instant', instant: seenAt(ctx, 'first') }),
  },
  {
    name: 'lastSeenAt',
    definition: 'compared through event counts: L >= T iff an event in [T, now]; absent without events',
    compile: (ctx) => ({ kind: 'instant', instant: seenAt(ctx, 'last') }),
  },
];

const BY_NAME = new Map(COMPUTED_TRAITS_SQL.map((t) => [t.name, t]));

/** The SQL definition of a computed trait, or undefined for identify traits. */
export const computedTraitSql = (name: string): ComputedTraitSql | undefined => BY_NAME.get(name);
