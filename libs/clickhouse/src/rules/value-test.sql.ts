import { parseIsoTimestamp, testValue, toIso, type Scalar, type ValueTest } from '@cdp/domain';
import { raw, sql } from '../sql';
import { isoInstant, jsonArrayHas, type DynamicSql } from './json-sql';
import { and, bool, FALSE, isIn, not, num, or, type Sql } from './sql-expr';

/**
 * The semantics of value-test.ts (`testValue`) in SQL, for each way the compiler knows a
 * value:
 * - `dynamic`: identify traits and event properties, whose JSON type is only known at
 *   run time (`type` '' = missing, 'string', 'number', 'boolean', 'json');
 * - `string` / `number`: a computed value of a fixed type, or missing;
 * - `enum`: a computed value out of a known finite set: the test is run by `testValue`
 *   itself on every possible value at compile time, so SQL only checks set membership;
 * - `instant`: firstSeenAt / lastSeenAt, compared through event counts (see
 *   computed-trait.sql.ts), never through a formatted string unless the test needs one.
 *
 * No coercion anywhere: a string "3" is not the number 3, ordering needs two numbers or
 * two ISO instants, missing is only `exists`-false and `neq`-true.
 */
export type TypedSql =
  | { kind: 'dynamic'; value: DynamicSql }
  | { kind: 'string'; present: Sql; expr: Sql }
  | { kind: 'number'; present: Sql; expr: Sql }
  | { kind: 'enum'; present: Sql; expr: Sql; options: readonly EnumOption[] }
  | { kind: 'instant'; instant: InstantSql };

/** One possible value of an enumerated computed trait: its value in the domain, and in SQL. */
export interface EnumOption {
  value: string | number;
  sql: string | number;
}

/** An instant (ms) that may be missing, compared without computing it where possible. */
export interface InstantSql {
  exists: Sql;
  /** The instant compared with `at`: < <= > >= =. False when missing. */
  compare(op: 'lt' | 'lte' | 'gt' | 'gte' | 'eq', at: number): Sql;
  /** The instant as its ISO text (for string tests), '' when missing. */
  isoText(): Sql;
}

type OrderOp = 'gt' | 'gte' | 'lt' | 'lte';

export function compileValueTest(typed: TypedSql, test: ValueTest): Sql {
  switch (typed.kind) {
    case 'dynamic':
      return dynamicTest(typed.value, test);
    case 'string':
      return dynamicTest({ type: raw(`if(${typed.present.text}, 'string', '')`), text: typed.expr }, test);
    case 'number':
      return dynamicTest(
        { type: raw(`if(${typed.present.text}, 'number', '')`), text: raw("''"), number: typed.expr },
        test,
      );
    case 'enum': {
      const accepted = typed.options.filter((o) => testValue(o.value, test)).map((o) => o.sql);
      return or([
        and([typed.present, isIn(typed.expr, accepted)]),
        and([not(typed.present), bool(testValue(undefined, test))]),
      ]);
    }
    case 'instant':
      return instantTest(typed.instant, test);
  }
}

// ---------------------------------------------------------------------------------------

function dynamicTest(d: DynamicSql, test: ValueTest): Sql {
  switch (test.op) {
    case 'eq':
      return same(d, test.value);
    case 'neq':
      return not(same(d, test.value));
    case 'in':
      return or(test.value.map((v) => same(d, v)));
    case 'notIn':
      return not(or(test.value.map((v) => same(d, v))));
    case 'contains':
      return contains(d, test.value);
    case 'startsWith':
      return typeof test.value === 'string'
        ? and([sql`${d.type} = 'string'`, sql`startsWith(${d.text}, ${test.value})`])
        : FALSE;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return ordered(d, test.op, test.value);
    case 'between':
      return and([ordered(d, 'gte', test.value[0]), ordered(d, 'lte', test.value[1])]);
    case 'exists':
      return sql`${d.type} != ''`;
    case 'notExists':
      return sql`${d.type} = ''`;
  }
}

/** `sameScalar(actual, value)`: same JSON type and same value. */
function same(d: DynamicSql, value: Scalar): Sql {
  if (typeof value === 'string') return and([sql`${d.type} = 'string'`, sql`${d.text} = ${value}`]);
  if (typeof value === 'number') {
    return and([
      sql`${d.type} = 'number'`,
      d.number !== undefined ? sql`${d.number} = ${num(value)}` : sql`${d.text} = ${String(value)}`,
    ]);
  }
  return and([sql`${d.type} = 'boolean'`, sql`${d.text} = ${value ? 'true' : 'false'}`]);
}

/** A string containing the string value, or a JSON array with an element equal to the value. */
function contains(d: DynamicSql, value: Scalar): Sql {
  const inArray = and([sql`${d.type} = 'json'`, jsonArrayHas(d.text, value, d.bind)]);
  if (typeof value !== 'string') return inArray;
  return or([and([sql`${d.type} = 'string'`, sql`position(${d.text}, ${value}) > 0`]), inArray]);
}

const SQL_OP: Record<OrderOp, string> = { gt: '>', gte: '>=', lt: '<', lte: '<=' };

/**
 * Two numbers, or two ISO instants. A number held as text is parsed by ClickHouse (whose
 * float parser may be one ulp off for long fractions); equal texts are caught first, so
 * `gte 2.5` holds for "2.5" whatever the parser does.
 */
function ordered(d: DynamicSql, op: OrderOp, expected: Scalar): Sql {
  if (typeof expected === 'number') {
    const isNumber = sql`${d.type} = 'number'`;
    if (d.number !== undefined)
      return and([isNumber, raw(`${d.number.text} ${SQL_OP[op]} ${num(expected).text}`)]);
    const parsed = raw(`toFloat64OrZero(${d.text.text}) ${SQL_OP[op]} ${num(expected).text}`);
    const equalText = sql`${d.text} = ${String(expected)}`;
    const compare = op === 'gte' || op === 'lte' ? or([equalText, parsed]) : and([not(equalText), parsed]);
    return and([isNumber, compare]);
  }
  if (typeof expected !== 'string') return FALSE;
  const at = parseIsoTimestamp(expected);
  if (at === undefined) return FALSE;
  const iso = isoInstant(d.text, d.bind);
  return and([sql`${d.type} = 'string'`, iso.valid, raw(`${iso.ms.text} ${SQL_OP[op]} ${num(at).text}`)]);
}

// ---------------------------------------------------------------------------------------

function instantTest(i: InstantSql, test: ValueTest): Sql {
  const eq = (value: Scalar): Sql => {
    if (typeof value !== 'string') return FALSE;
    const at = parseIsoTimestamp(value);
    // the trait's value is toIso(ms): only that exact text is equal to it
    return at !== undefined && toIso(at) === value ? i.compare('eq', at) : FALSE;
  };
  const ordered = (op: OrderOp, value: Scalar): Sql => {
    if (typeof value !== 'string') return FALSE;
    const at = parseIsoTimestamp(value);
    return at === undefined ? FALSE : i.compare(op, at);
  };
  switch (test.op) {
    case 'eq':
      return eq(test.value);
    case 'neq':
      return not(eq(test.value));
    case 'in':
      return or(test.value.map(eq));
    case 'notIn':
      return not(or(test.value.map(eq)));
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return ordered(test.op, test.value);
    case 'between':
      return and([ordered('gte', test.value[0]), ordered('lte', test.value[1])]);
    case 'contains':
      return typeof test.value === 'string'
        ? and([i.exists, sql`position(${i.isoText()}, ${test.value}) > 0`])
        : FALSE;
    case 'startsWith':
      return typeof test.value === 'string'
        ? and([i.exists, sql`startsWith(${i.isoText()}, ${test.value})`])
        : FALSE;
    case 'exists':
      return i.exists;
    case 'notExists':
      return not(i.exists);
  }
}
