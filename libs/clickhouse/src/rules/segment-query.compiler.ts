import {
  comparisonOf,
  computedTraitNamed,
  DEFAULT_TRAITS_CONFIG,
  durationMs,
  measureEventCondition,
  measureOf,
  testValue,
  windowSpanOf,
  type EventCondition,
  type NumberComparison,
  type PropertyFilter,
  type Rule,
  type TraitCondition,
  type TraitsConfig,
} from '@cdp/domain';
import { raw, sql, SqlFragment } from '../sql';
import { computedTraitSql, TraitSqlContext } from './computed-trait.sql';
import { dynamicOfJson, jsonMember, type DynamicSql } from './json-sql';
import { QueryPlan, type Interval, type Selector } from './query-plan';
import { and, FALSE, isIn, not, num, or, roundTo, type Sql } from './sql-expr';
import { compileValueTest } from './value-test.sql';

export interface SegmentQueryOptions {
  /** The ClickHouse database holding the schema of libs/clickhouse/migrations. */
  database: string;
  /** The evaluation instant (epoch ms): only events at or before it exist. */
  now: number;
  /** Thresholds of the computed traits; DEFAULT_TRAITS_CONFIG when absent. */
  traitsConfig?: TraitsConfig;
  /**
   * Restricts the query to these (resolved) profiles: every base table is filtered on its
   * leading key `profile_id IN (...)`, including the profiles they absorbed. Members
   * outside the list are never returned; an empty list returns nothing.
   */
  profileIds?: readonly string[];
  /**
   * SQL of a SELECT returning the `profile_id`s of a referenced segment (a membership
   * table, or the compiled query of that segment's rule). Required when the rule has
   * `inSegment`.
   */
  segmentSql?: (segmentId: string) => string | SqlFragment;
}

/**
 * Compiles a validated rule to one ClickHouse SELECT returning the column `profile_id`:
 * the resolved (surviving) profiles that are members at `now`, over all profiles, or over
 * `profileIds`. Same answers as `evaluate` of @cdp/domain on snapshots built from the same
 * rows (see README.md in this folder); runs on ClickHouse 18.16 and current versions.
 * Pure string building: every value is bound through the escaper of ../sql.ts.
 */
export function compileSegmentQuery(rule: Rule, options: SegmentQueryOptions): string {
  if (!Number.isFinite(options.now)) throw new TypeError('now must be a finite epoch ms');
  const now = Math.floor(options.now);
  const config = options.traitsConfig ?? DEFAULT_TRAITS_CONFIG;
  const plan = new QueryPlan(options.database, now);
  const compiler = new RuleCompiler(plan, new TraitSqlContext(plan, now, config), options);
  const condition = compiler.rule(rule);
  plan.universe = emptyProfileMatches(rule, now, config) !== false;
  return plan.build(condition, options.profileIds).text;
}

class RuleCompiler {
  constructor(
    private readonly plan: QueryPlan,
    private readonly traits: TraitSqlContext,
    private readonly options: SegmentQueryOptions,
  ) {}

  rule(rule: Rule): Sql {
    if ('all' in rule) return and(rule.all.map((r) => this.rule(r)));
    if ('any' in rule) return or(rule.any.map((r) => this.rule(r)));
    if ('not' in rule) return not(this.rule(rule.not));
    if ('trait' in rule) return this.trait(rule);
    if ('event' in rule) return this.event(rule);
    const segmentSql = this.options.segmentSql;
    if (segmentSql === undefined)
      throw new Error(`the rule refers to segment ${JSON.stringify(rule.inSegment)}: pass segmentSql`);
    const subquery = segmentSql(rule.inSegment);
    return raw(`(profile_id IN (${typeof subquery === 'string' ? subquery : subquery.text}))`);
  }

  private trait(condition: TraitCondition): Sql {
    const computed = computedTraitSql(condition.trait);
    if (computed !== undefined) return compileValueTest(computed.compile(this.traits), condition);
    return compileValueTest({ kind: 'dynamic', value: this.identifyTrait(condition.trait) }, condition);
  }

  /**
   * `identifyTraitOf`: the exact trait name when the profile has it (even as null), else
   * for a dotted name the path into the JSON object of its first segment.
   */
  private identifyTrait(name: string): DynamicSql {
    const exact = this.plan.trait(name);
    const exactType = raw(
      `if(${exact.type.text} = 'json' AND ${exact.value.text} = 'null', '', ${exact.type.text})`,
    );
    if (!name.includes('.')) return { type: exactType, text: exact.value, bind: this.plan.groupHelper };
    const [root, ...path] = name.split('.');
    const top = this.plan.trait(root);
    const bind = this.plan.groupHelper;
    let json = raw(`if(${top.type.text} = 'json', ${top.value.text}, '')`);
    for (const key of path) json = jsonMember(json, key, bind);
    const nested = dynamicOfJson(json, bind);
    const has = `${exact.type.text} != ''`;
    return {
      type: bind(raw(`if(${has}, ${exactType.text}, ${nested.type.text})`)),
      text: bind(raw(`if(${has}, ${exact.value.text}, ${nested.text.text})`)),
      bind,
    };
  }

  private event(condition: EventCondition): Sql {
    const now = this.plan.now;
    const selector: Selector = { names: [condition.event], source: condition.source };
    const window = this.window(condition);
    if (window === undefined) return this.measureOnNoEvents(condition);
    const filter =
      condition.where === undefined
        ? undefined
        : sql`${this.plan.rawColumn(and(condition.where.map((f) => this.propertyTest(f))), 'UInt8')} = 1`;
    const count = (interval: Interval | undefined): Sql =>
      interval === undefined ? raw('0') : this.plan.count(selector, interval, filter);
    const measure = measureOf(condition);
    switch (measure.kind) {
      case 'count':
        return numberTest(count(window), measure.comparison);
      case 'sum': {
        const revenue = measure.property === 'revenue';
        const value = revenue
          ? raw('rev')
          : this.plan.rawColumn(numberValue(this.property(measure.property)), 'Float64');
        const total = this.plan.sum(selector, window, value, revenue && filter === undefined, filter);
        return numberTest(roundTo(total, 6), measure.comparison);
      }
      case 'lastSeen':
      case 'firstSeen': {
        const threshold = now - durationMs(measure.duration);
        const some = raw(`${count(window).text} >= 1`);
        // lastSeen L <= T iff no event after T; firstSeen F <= T iff an event at or before T
        const after = (): string => count(intersect(window, { from: threshold + 1, to: now })).text;
        const upTo = (): string => count(intersect(window, { from: null, to: threshold })).text;
        if (measure.kind === 'lastSeen') {
          return measure.direction === 'olderThan'
            ? and([some, raw(`${after()} = 0`)])
            : raw(`${after()} >= 1`);
        }
        return measure.direction === 'olderThan' ? raw(`${upTo()} >= 1`) : and([some, raw(`${upTo()} = 0`)]);
      }
    }
  }

  /** The window as an inclusive ms interval ending at or before now; undefined when no event can be in it. */
  private window(condition: EventCondition): Interval | undefined {
    const now = this.plan.now;
    const span = windowSpanOf(condition.within);
    switch (span.kind) {
      case 'all':
        return { from: null, to: now };
      case 'rolling':
        return { from: now - span.lengthMs + 1, to: now };
      case 'fixed':
        if (!Number.isFinite(span.from) || !Number.isFinite(span.to) || span.from >= span.to)
          return undefined;
        return this.plan.clip({ from: span.from, to: span.to - 1 });
    }
  }

  /** A condition whose window holds no event: its value on no events (count 0, sum 0, no lastSeen). */
  private measureOnNoEvents(condition: EventCondition): Sql {
    return measureEventCondition(condition, [], this.plan.now).result ? raw('1') : FALSE;
  }

  /** A `where` filter on an `events` row. */
  private propertyTest(filter: PropertyFilter): Sql {
    const fast = categoryColumnTest(filter);
    if (fast !== undefined) return fast;
    return compileValueTest({ kind: 'dynamic', value: this.property(filter.property) }, filter);
  }

  /** `eventPropertyOf`: `revenue` is the canonical revenue, anything else a top-level key of properties. */
  private property(name: string): DynamicSql {
    const bind = this.plan.rawHelper;
    if (name !== 'revenue') return dynamicOfJson(jsonMember(raw('properties'), name, bind), bind);
    const present = (key: string): string =>
      `NOT has(['', 'null'], ${jsonMember(raw('properties'), key, bind).text})`;
    // ingest sets the canonical revenue on every transaction, and on web track calls with
    // properties.revenue or properties.total; the column holds 0 otherwise
    const has = `(source = 'transaction' OR revenue != 0 OR (source = 'web' AND type = 'track' AND (${present('revenue')} OR ${present('total')})))`;
    return {
      type: bind(raw(`if(${has}, 'number', '')`)),
      text: raw('toString(revenue)'),
      number: raw('revenue'),
      bind,
    };
  }
}

/**
 * The `category` column holds `properties.category` when it is a string ('' otherwise):
 * exact for equality tests against non-empty strings, which are most category filters.
 */
function categoryColumnTest(filter: PropertyFilter): Sql | undefined {
  if (filter.property !== 'category') return undefined;
  const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v !== '';
  switch (filter.op) {
    case 'eq':
      return nonEmpty(filter.value) ? sql`category = ${filter.value}` : undefined;
    case 'neq':
      return nonEmpty(filter.value) ? sql`category != ${filter.value}` : undefined;
    case 'in':
      return filter.value.every(nonEmpty) ? isIn(raw('category'), filter.value) : undefined;
    case 'notIn':
      return filter.value.every(nonEmpty) ? not(isIn(raw('category'), filter.value)) : undefined;
    case 'startsWith':
      return nonEmpty(filter.value) ? sql`startsWith(category, ${filter.value})` : undefined;
    default:
      return undefined;
  }
}

/** A property as a number to sum: finite numbers count, anything else is 0. */
function numberValue(value: DynamicSql): Sql {
  if (value.number !== undefined) return raw(`if(${value.type.text} = 'number', ${value.number.text}, 0)`);
  return raw(`if(${value.type.text} = 'number', toFloat64OrZero(${value.text.text}), 0)`);
}

function numberTest(actual: Sql, comparison: NumberComparison): Sql {
  const c = comparisonOf(comparison);
  const a = actual.text;
  switch (c.op) {
    case 'eq':
      return raw(`(${a} = ${num(c.value).text})`);
    case 'neq':
      return raw(`(${a} != ${num(c.value).text})`);
    case 'gt':
      return raw(`(${a} > ${num(c.value).text})`);
    case 'gte':
      return raw(`(${a} >= ${num(c.value).text})`);
    case 'lt':
      return raw(`(${a} < ${num(c.value).text})`);
    case 'lte':
      return raw(`(${a} <= ${num(c.value).text})`);
    case 'between':
      return raw(`(${a} >= ${num(c.value[0]).text} AND ${a} <= ${num(c.value[1]).text})`);
  }
}

function intersect(a: Interval, b: Interval): Interval | undefined {
  const from = a.from === null ? b.from : b.from === null ? a.from : Math.max(a.from, b.from);
  const to = Math.min(a.to, b.to);
  return from !== null && from > to ? undefined : { from, to };
}

/**
 * Whether a profile with no fact row in the query could be a member: its events are
 * none (for every probe), its identify traits missing, its segments unknown. Kleene
 * logic; `undefined` is unknown. When false, the query reads only the profiles that
 * have rows for the rule; otherwise it also reads every profile id.
 */
export function emptyProfileMatches(rule: Rule, now: number, config: TraitsConfig): boolean | undefined {
  if ('all' in rule) {
    const values = rule.all.map((r) => emptyProfileMatches(r, now, config));
    if (values.includes(false)) return false;
    return values.includes(undefined) ? undefined : true;
  }
  if ('any' in rule) {
    const values = rule.any.map((r) => emptyProfileMatches(r, now, config));
    if (values.includes(true)) return true;
    return values.includes(undefined) ? undefined : false;
  }
  if ('not' in rule) {
    const value = emptyProfileMatches(rule.not, now, config);
    return value === undefined ? undefined : !value;
  }
  if ('trait' in rule) {
    const computed = computedTraitNamed(rule.trait);
    return testValue(computed === undefined ? undefined : computed.compute([], now, config), rule);
  }
  if ('event' in rule) return measureEventCondition(rule, [], now).result;
  return undefined;
}
