import { DAY_MS } from '@cdp/domain';
import { identifier, inList, raw, sql } from '../sql';
import { and, FALSE, isIn, num, or, TRUE, type Sql } from './sql-expr';

/**
 * What one segment query reads, collected while a rule is compiled, and the query that
 * reads it.
 *
 * Every per-profile quantity a rule needs (a "probe": an event count or sum over an
 * interval, a first-touch key, a trait) becomes one aggregate over a single stream of
 * fact rows. That stream is a UNION ALL of
 * - `k = 0`: rows of `profile_event_daily` (finalized per row; counts, sums and
 *   minima/maxima of partial states combine exactly) for the whole UTC days of each
 *   probe's interval;
 * - `k = 1`: rows of `events` for what the aggregates cannot answer exactly: the partial
 *   days at the ends of an interval (ms precision), and every event of a probe with a
 *   `where` filter, a sum of another property, or a first-touch key;
 * - `k = 2`: rows of `profile_traits_latest` for the identify traits the rule names
 *   (argMax states, merged across the profiles of a person, so the latest value by
 *   (updated_at, updated_ms) wins exactly as in `profile_traits_current`);
 * - `k = 3`: every profile id (events and traits), only when a profile with no rows at
 *   all could match (`not`, `count eq 0`, `notExists` ...).
 * The stream is joined once to the survivors of `profile_merges` (ANY LEFT JOIN, USING),
 * grouped by the resolved profile, and the rule becomes a WHERE over the probes.
 *
 * Times are inclusive integer ms intervals [from, to] (`from` null: unbounded), always
 * ending at or before `now`.
 */

/** Which events: names (exact), name prefixes (`Social *` -> startsWith), source. Nothing given: every event. */
export interface Selector {
  names?: readonly string[];
  prefixes?: readonly string[];
  source?: string;
}

/** Inclusive ms interval; `from` null = from the beginning. */
export interface Interval {
  from: number | null;
  to: number;
}

export type RawColumnType = 'UInt8' | 'Float64' | 'String';

interface RawColumn {
  alias: string;
  expr: Sql;
  type: RawColumnType;
}

const DEFAULTS: Record<RawColumnType, string> = {
  UInt8: 'toUInt8(0)',
  Float64: 'toFloat64(0)',
  String: "''",
};

interface Helper {
  alias: string;
  expr: Sql;
  /** 1 + the deepest helper it reads: computed in the subquery of that level. */
  level: number;
}

/**
 * ClickHouse substitutes aliases textually, so an alias used many times multiplies the
 * query tree ("AST is too big"). Helpers are therefore real columns: each is computed
 * in a subquery level above the helpers it reads, and later levels read the column.
 */
function helper(helpers: Map<string, Helper>, prefix: string, expr: Sql): Sql {
  if (/^[a-z][a-z0-9_]*$/.test(expr.text)) return expr;
  let found = helpers.get(expr.text);
  if (found === undefined) {
    const reads = [...expr.text.matchAll(new RegExp(`\\b${prefix}(\\d+)\\b`, 'g'))].map((m) => m[0]);
    const level =
      1 + Math.max(0, ...[...helpers.values()].filter((h) => reads.includes(h.alias)).map((h) => h.level));
    found = { alias: `${prefix}${helpers.size}`, expr, level };
    helpers.set(expr.text, found);
  }
  return raw(found.alias);
}

/**
 * `inner` wrapped in one `SELECT <columns>, <helpers> FROM (...)` per helper level;
 * `columns` are passed through every level (`*` when undefined).
 */
function withHelpers(inner: string, helpers: Iterable<Helper>, columns?: readonly string[]): string {
  const byLevel = new Map<number, Helper[]>();
  for (const h of helpers) byLevel.set(h.level, [...(byLevel.get(h.level) ?? []), h]);
  let query = inner;
  const passed = columns === undefined ? ['*'] : [...columns];
  for (const level of [...byLevel.keys()].sort((a, b) => a - b)) {
    const added = byLevel.get(level) ?? [];
    query = `SELECT ${[...passed, ...added.map((h) => `${h.expr.text} AS ${h.alias}`)].join(', ')} FROM (${query})`;
    if (columns !== undefined) passed.push(...added.map((h) => h.alias));
  }
  return query;
}

/** Columns of `events` (migration 0002) that raw expressions may read. */
const EVENT_COLUMNS = [
  'event_id',
  'profile_id',
  'source',
  'type',
  'name',
  'occurred_at',
  'occurred_ms',
  'received_at',
  'ingested_at',
  'revenue',
  'currency',
  'user_id',
  'anonymous_id',
  'email',
  'identifiers',
  'category',
  'categories',
  'topics',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'referrer',
  'page_url',
  'page_path',
  'channel',
  'campaign_name',
  'ip',
  'user_agent',
  'locale',
  'properties',
  'traits',
];
/** What the raw branch itself reads. */
const RAW_BASE_COLUMNS = [
  'profile_id',
  'name',
  'source',
  'currency',
  'occurred_at',
  'occurred_ms',
  'revenue',
];

/** The `events` columns the expressions mention (a name inside a string literal only adds a column). */
function eventColumnsOf(expressions: readonly string[]): string[] {
  const text = expressions.join(' ');
  return EVENT_COLUMNS.filter((c) => RAW_BASE_COLUMNS.includes(c) || new RegExp(`\\b${c}\\b`).test(text));
}

/** UTC day number of an instant. */
const dayOf = (ms: number): number => Math.floor(ms / DAY_MS);
const dateLiteral = (day: number): Sql => sql`toDate(${new Date(day * DAY_MS).toISOString().slice(0, 10)})`;
const seconds = (ms: number): Sql => sql`toDateTime(${num(Math.floor(ms / 1000))}, 'UTC')`;

/** The interval split into whole UTC days (aggregates) and the partial days around them (raw events). */
export interface IntervalSplit {
  /** Whole days [first, last] (day numbers), `first` null = unbounded; undefined when none. */
  days?: { first: number | null; last: number };
  /** ms intervals read from raw events. */
  raw: Interval[];
}

export function splitInterval(interval: Interval): IntervalSplit {
  const { from, to } = interval;
  const firstFull = from === null ? null : dayOf(from) * DAY_MS === from ? dayOf(from) : dayOf(from) + 1;
  const lastFull = (dayOf(to) + 1) * DAY_MS - 1 === to ? dayOf(to) : dayOf(to) - 1;
  if (firstFull !== null && firstFull > lastFull) return { raw: [interval] };
  const rawParts: Interval[] = [];
  if (from !== null && firstFull !== null && from < firstFull * DAY_MS)
    rawParts.push({ from, to: firstFull * DAY_MS - 1 });
  if (to >= (lastFull + 1) * DAY_MS) rawParts.push({ from: (lastFull + 1) * DAY_MS, to });
  return { days: { first: firstFull, last: lastFull }, raw: rawParts };
}

export class QueryPlan {
  private readonly probes = new Map<string, string>();
  private readonly aggSlices = new Map<string, Sql>();
  private readonly rawSlices = new Map<string, Sql>();
  private readonly rawColumns = new Map<string, RawColumn>();
  private readonly rawHelpers = new Map<string, Helper>();
  private readonly groupHelpers = new Map<string, Helper>();
  private readonly traitNames = new Set<string>();
  private readonly traitAliases = new Map<string, { value: string; type: string }>();
  /** Set when a profile without any fact row could match: every profile id is read. */
  universe = false;

  constructor(
    readonly database: string,
    readonly now: number,
  ) {}

  /** The selector as a condition on `name` / `source` (the same columns in every table read). */
  selectorSql(selector: Selector): Sql {
    const names =
      selector.names === undefined && selector.prefixes === undefined
        ? TRUE
        : or([
            isIn(raw('name'), selector.names ?? []),
            ...(selector.prefixes ?? []).map((p) => sql`startsWith(name, ${p})`),
          ]);
    return and([names, selector.source === undefined ? TRUE : sql`source = ${selector.source}`]);
  }

  /** The interval clipped to [0, now]; undefined when empty. */
  clip(interval: Interval): Interval | undefined {
    const to = Math.min(interval.to, this.now);
    const from = interval.from === null || interval.from <= 0 ? null : interval.from;
    if (to < 0 || (from !== null && from > to)) return undefined;
    return { from, to };
  }

  /** Number of matching events in the interval. `rawFilter` (a raw column) forces raw events. */
  count(selector: Selector, interval: Interval, rawFilter?: Sql): Sql {
    return this.sum(selector, interval, raw('n'), rawFilter === undefined, rawFilter);
  }

  /**
   * Sum of `value` (an expression over the fact-row columns) over the matching events in
   * the interval. `aggregatable`: the value is right on aggregate rows too (n, rev and
   * functions of name/day/currency); otherwise only raw events are read.
   */
  sum(selector: Selector, interval: Interval, value: Sql, aggregatable: boolean, rawFilter?: Sql): Sql {
    const clipped = this.clip(interval);
    if (clipped === undefined) return raw('0');
    const sel = this.selectorSql(selector);
    const split: IntervalSplit =
      aggregatable && rawFilter === undefined ? splitInterval(clipped) : { raw: [clipped] };
    const conditions: Sql[] = [];
    if (split.days !== undefined) {
      const { first, last } = split.days;
      const days = and([
        first === null ? TRUE : sql`day >= ${dateLiteral(first)}`,
        sql`day <= ${dateLiteral(last)}`,
      ]);
      this.addSlice(this.aggSlices, and([sel, days]));
      conditions.push(and([raw('k = 0'), sel, days]));
    }
    if (split.raw.length > 0) {
      const ms = or(
        split.raw.map((r) =>
          and([r.from === null ? TRUE : sql`ms >= ${num(r.from)}`, sql`ms <= ${num(r.to)}`]),
        ),
      );
      const at = or(
        split.raw.map((r) =>
          and([
            r.from === null ? TRUE : sql`occurred_at >= ${seconds(r.from)}`,
            sql`occurred_at <= ${seconds(r.to)}`,
          ]),
        ),
      );
      this.addSlice(this.rawSlices, and([sel, at]));
      conditions.push(and([raw('k = 1'), sel, ms, rawFilter ?? TRUE]));
    }
    return this.aggregate(sql`sumIf(${value}, ${or(conditions)})`);
  }

  /** Makes raw events of the selector in the interval part of the stream (for raw-only aggregates). */
  readRaw(selector: Selector, interval: Interval): Sql {
    const clipped = this.clip(interval);
    if (clipped === undefined) return FALSE;
    const sel = this.selectorSql(selector);
    this.addSlice(
      this.rawSlices,
      and([
        sel,
        clipped.from === null ? TRUE : sql`occurred_at >= ${seconds(clipped.from)}`,
        sql`occurred_at <= ${seconds(clipped.to)}`,
      ]),
    );
    return and([
      raw('k = 1'),
      sel,
      clipped.from === null ? TRUE : sql`ms >= ${num(clipped.from)}`,
      sql`ms <= ${num(clipped.to)}`,
    ]);
  }

  /** An aggregate expression over the fact rows (deduplicated), as a column of the grouped level. */
  aggregate(expr: Sql): Sql {
    let alias = this.probes.get(expr.text);
    if (alias === undefined) {
      alias = `p${this.probes.size}`;
      this.probes.set(expr.text, alias);
    }
    return raw(alias);
  }

  /** A column computed on raw event rows (where filters, property values, touch keys); default on other rows. */
  rawColumn(value: Sql, type: RawColumnType): Sql {
    // a constant (a filter folded to 0 or 1) is materialized like the defaults of the other branches
    const expr = /^[0-9]+$/.test(value.text) ? raw(`materialize(to${type}(${value.text}))`) : value;
    const key = `${type}:${expr.text}`;
    let column = this.rawColumns.get(key);
    if (column === undefined) {
      column = { alias: `r${this.rawColumns.size}`, expr, type };
      this.rawColumns.set(key, column);
    }
    return raw(column.alias);
  }

  /**
   * Names an intermediate expression over an `events` row (computed once per row in the
   * raw branch, usable in raw columns). For long JSON / ISO expressions.
   */
  readonly rawHelper = (expr: Sql): Sql => helper(this.rawHelpers, 'h', expr);

  /** Names an intermediate expression over the probe columns of the grouped level. */
  readonly groupHelper = (expr: Sql): Sql => helper(this.groupHelpers, 'g', expr);

  /** The latest value and value_type of an identify trait (argMax over the person's rows), '' when missing. */
  trait(name: string): { value: Sql; type: Sql } {
    let aliases = this.traitAliases.get(name);
    if (aliases === undefined) {
      this.traitNames.add(name);
      const value = this.aggregate(sql`argMaxMergeIf(tv, k = 2 AND trait = ${name})`);
      const type = this.aggregate(sql`argMaxMergeIf(tt, k = 2 AND trait = ${name})`);
      aliases = { value: value.text, type: type.text };
      this.traitAliases.set(name, aliases);
    }
    return { value: raw(aliases.value), type: raw(aliases.type) };
  }

  private addSlice(slices: Map<string, Sql>, condition: Sql): void {
    slices.set(condition.text, condition);
  }

  /**
   * The query: the fact stream, resolved and grouped, filtered by `condition` (over the
   * probe columns and `profile_id`). `profileIds` restricts every base table to those
   * profiles and the profiles they absorbed.
   */
  build(condition: Sql, profileIds: readonly string[] | undefined): Sql {
    const db = identifier(this.database);
    if (profileIds !== undefined && profileIds.length === 0) return raw(`SELECT '' AS profile_id WHERE 0`);
    const ids = profileIds === undefined ? undefined : inList(profileIds);
    const survivors = sql`SELECT absorbed_id AS original_profile_id, survivor_id FROM ${db}.profile_survivors`;
    const idFilter =
      ids === undefined
        ? TRUE
        : sql`(profile_id IN ${ids} OR profile_id IN (SELECT absorbed_id FROM ${db}.profile_survivors WHERE survivor_id IN ${ids}))`;
    const extras = [...this.rawColumns.values()];
    const dummyState = `arrayReduce('argMaxState', [''], [toUInt64(0)])`;
    // The union's columns with their expression per branch; a column no probe reads is left out.
    type Branch = 'agg' | 'raw' | 'trait' | 'ids';
    const all: { name: string; of: Record<Branch, string> }[] = [
      { name: 'name', of: { agg: 'name', raw: 'name', trait: "''", ids: "''" } },
      { name: 'source', of: { agg: 'source', raw: 'source', trait: "''", ids: "''" } },
      { name: 'currency', of: { agg: 'currency', raw: 'currency', trait: "''", ids: "''" } },
      {
        name: 'day',
        of: { agg: 'day', raw: "toDate(occurred_at, 'UTC')", trait: 'toDate(0)', ids: 'toDate(0)' },
      },
      {
        name: 'ms',
        of: {
          agg: 'toUInt64(0)',
          raw: 'toUInt64(occurred_at) * 1000 + occurred_ms',
          trait: 'toUInt64(0)',
          ids: 'toUInt64(0)',
        },
      },
      {
        name: 'n',
        of: {
          agg: 'finalizeAggregation(event_count)',
          raw: 'toUInt64(1)',
          trait: 'toUInt64(0)',
          ids: 'toUInt64(0)',
        },
      },
      {
        name: 'rev',
        of: {
          agg: 'finalizeAggregation(revenue_sum)',
          raw: 'revenue',
          trait: 'toFloat64(0)',
          ids: 'toFloat64(0)',
        },
      },
      ...extras.map((c) => ({
        name: c.alias,
        of: { agg: DEFAULTS[c.type], raw: c.expr.text, trait: DEFAULTS[c.type], ids: DEFAULTS[c.type] },
      })),
      {
        name: 'trait',
        of: { agg: "materialize('')", raw: "materialize('')", trait: 'trait', ids: "materialize('')" },
      },
      { name: 'tv', of: { agg: dummyState, raw: dummyState, trait: 'latest_value', ids: dummyState } },
      { name: 'tt', of: { agg: dummyState, raw: dummyState, trait: 'latest_value_type', ids: dummyState } },
    ];
    const probeText = [...this.probes.keys()].join(' ');
    const columns = all.filter((c) => new RegExp(`\\b${c.name}\\b`).test(probeText));
    const select = (branch: Branch, k: number, id = 'profile_id AS original_profile_id'): string =>
      [
        id,
        `toUInt8(${k}) AS k`,
        ...columns.map((c) => (c.of[branch] === c.name ? c.name : `${c.of[branch]} AS ${c.name}`)),
      ].join(', ');

    const branches: string[] = [];
    if (this.aggSlices.size > 0) {
      branches.push(
        `SELECT ${select('agg', 0)} FROM ${db.text}.profile_event_daily ` +
          `WHERE ${and([idFilter, or([...this.aggSlices.values()])]).text}`,
      );
    }
    const rawSlices = [...this.rawSlices.values()];
    if (rawSlices.length > 0) {
      const events = `${db.text}.events WHERE ${and([idFilter, or(rawSlices)]).text}`;
      const read = eventColumnsOf([...this.rawHelpers.keys(), ...extras.map((c) => c.expr.text)]);
      const source =
        this.rawHelpers.size === 0
          ? events
          : `(${withHelpers(`SELECT ${read.join(', ')} FROM ${events}`, this.rawHelpers.values(), read)})`;
      branches.push(`SELECT ${select('raw', 1)} FROM ${source}`);
    }
    if (this.traitNames.size > 0) {
      branches.push(
        `SELECT ${select('trait', 2)} FROM ${db.text}.profile_traits_latest ` +
          `WHERE ${and([idFilter, sql`trait IN ${inList([...this.traitNames])}`]).text}`,
      );
    }
    if (this.universe) {
      for (const table of ['profile_event_daily', 'profile_traits_latest']) {
        branches.push(
          `SELECT ${select('ids', 3, 'original_profile_id')} FROM ` +
            `(SELECT DISTINCT profile_id AS original_profile_id FROM ${db.text}.${table} WHERE ${idFilter.text})`,
        );
      }
    }
    const finalCondition = and([condition, ids === undefined ? TRUE : sql`profile_id IN ${ids}`]);
    if (branches.length === 0 || finalCondition.text === '0') return raw(`SELECT '' AS profile_id WHERE 0`);

    const survivorFilter =
      ids === undefined ? '' : ` WHERE absorbed_id IN ${ids.text} OR survivor_id IN ${ids.text}`;
    const probes = [...this.probes.entries()].map(([expr, alias]) => `, ${expr} AS ${alias}`).join('');
    const grouped =
      `SELECT if(survivor_id = '', original_profile_id, survivor_id) AS profile_id${probes} ` +
      `FROM (${branches.join(' UNION ALL ')}) AS a ` +
      `ANY LEFT JOIN (${survivors.text}${survivorFilter}) AS s USING original_profile_id ` +
      `GROUP BY profile_id`;
    return raw(
      `SELECT profile_id FROM (${withHelpers(grouped, this.groupHelpers.values())}) WHERE ${finalCondition.text}`,
    );
  }
}
