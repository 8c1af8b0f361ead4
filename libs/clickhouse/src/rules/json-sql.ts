import { raw, sql } from '../sql';
import { and, jsTrim, or, type Sql } from './sql-expr';

/**
 * JSON in SQL without JSONExtract (which 18.16 lacks) and without `visitParam*` for
 * lookups (those find a key at any depth: the `category` of an order's first item would
 * pass for the order's own `category`). A JSON text is split into tokens (strings,
 * punctuation, other scalars) with `extractAll`; `arrayCumSum` of +1/-1 per bracket gives
 * each token's depth, so a member is found at the top level only. The lambdas capture no
 * column (18.16 cannot), only constants.
 *
 * The texts are what `JSON.stringify` writes (ingest stores `properties` and JSON trait
 * values that way): canonical numbers and string escapes. Whitespace between tokens is
 * ignored.
 */

/** A string token, a bracket or separator, or a run of other characters (number, true, false, null). */
const TOKEN = '"(?:[^"\\\\]|\\\\.)*"|[{}\\[\\]:,]|[^"{}\\[\\]:,\\s]+';

/** A value as the evaluator sees it, in SQL: its JSON-ish type ('' = missing) and text. */
export interface DynamicSql {
  /** '' (missing: absent or null), 'string', 'number', 'boolean' or 'json' (object or array). */
  type: Sql;
  /** string: the decoded string; number: its canonical text; boolean: true/false; json: the JSON text. */
  text: Sql;
  /** When given: the number as Float64, exact (used instead of parsing `text`). */
  number?: Sql;
  /** Where intermediate expressions over this value are named (see Bind). */
  bind?: Bind;
}

/**
 * Names an intermediate expression (a helper column of the SELECT that computes it) so
 * that a long expression is written once; the identity keeps it inline.
 */
export type Bind = (expr: Sql) => Sql;
const inline: Bind = (expr) => expr;

const tokens = (json: Sql, bind: Bind): Sql => bind(sql`extractAll(${json}, ${TOKEN})`);

const depths = (toks: Sql, bind: Bind): Sql =>
  bind(
    raw(
      `arrayCumSum(arrayMap(t -> multiIf(t = '{' OR t = '[', 1, t = '}' OR t = ']', -1, 0), ${toks.text}))`,
    ),
  );

/**
 * The raw JSON text of the top-level member `key` of the JSON object text `json`
 * ('' when `json` is not an object or has no such member): a scalar token as written,
 * or a whole nested object/array (tokens re-joined without whitespace).
 */
export function jsonMember(json: Sql, key: string, bind: Bind = inline): Sql {
  const toks = tokens(json, bind);
  const dep = depths(toks, bind);
  // the token after each token ('' after the last); same length as toks, also when empty
  const next = raw(`arrayPopFront(arrayPushBack(${toks.text}, ''))`);
  const keyToken = JSON.stringify(key);
  const at = bind(
    sql`arrayFirstIndex((t, d, x) -> d = 1 AND x = ':' AND t = ${keyToken}, ${toks}, ${dep}, ${next})`,
  );
  const start = raw(`(${at.text} + 2)`);
  const first = raw(`arrayElement(${toks.text}, ${start.text})`);
  const end = raw(`arrayFirstIndex(d -> d = 1, arraySlice(${dep.text}, ${start.text}))`);
  const container = raw(`arrayStringConcat(arraySlice(${toks.text}, ${start.text}, ${end.text}))`);
  return bind(
    raw(
      `if(substring(${json.text}, 1, 1) != '{' OR ${at.text} = 0, '', if(${first.text} = '{' OR ${first.text} = '[', ${container.text}, ${first.text}))`,
    ),
  );
}

/** The evaluator's view of a raw JSON value text ('' = absent). */
export function dynamicOfJson(rawValue: Sql, bind: Bind = inline): DynamicSql {
  const r = bind(rawValue).text;
  const head = `substring(${r}, 1, 1)`;
  return {
    type: bind(
      raw(
        `multiIf(${r} = '' OR ${r} = 'null', '', ${head} = '"', 'string', ${head} = '{' OR ${head} = '[', 'json', ${r} = 'true' OR ${r} = 'false', 'boolean', 'number')`,
      ),
    ),
    text: bind(raw(`if(${head} = '"', visitParamExtractString(concat('{"v":', ${r}, '}'), 'v'), ${r})`)),
    bind,
  };
}

/**
 * True when the JSON text `json` is an array with a top-level element equal to the
 * scalar `value` (compared as canonical JSON tokens: `"x"`, `3`, `true`).
 */
export function jsonArrayHas(json: Sql, value: string | number | boolean, bind: Bind = inline): Sql {
  const toks = tokens(json, bind);
  const dep = depths(toks, bind);
  return and([
    raw(`substring(${json.text}, 1, 1) = '['`),
    sql`arrayExists((t, d) -> d = 1 AND t = ${JSON.stringify(value)}, ${toks}, ${dep})`,
  ]);
}

/** ISO 8601 as `parseIsoTimestamp` accepts it (after trim). */
const ISO_8601 =
  '^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[Tt ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]+))?)?([Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)?)?$';

/**
 * `parseIsoTimestamp(text)` in SQL: whether the text is an ISO 8601 date-time the domain
 * accepts (calendar checks, 24:00, zones), and its epoch milliseconds (Int64; meaningless
 * when not valid). Same arithmetic as the domain: days from the civil date, then time,
 * fraction truncated to ms, minus the zone offset.
 */
export function isoInstant(text: Sql, bind: Bind = inline): { valid: Sql; ms: Sql } {
  const t = bind(jsTrim(text)).text;
  const int = (e: string): string => `toInt64OrZero(${e})`;
  const y = int(`substring(${t}, 1, 4)`);
  const mo = int(`substring(${t}, 6, 2)`);
  const d = int(`substring(${t}, 9, 2)`);
  const hasTime = `(length(${t}) > 10)`;
  const hh = `if(${hasTime}, ${int(`substring(${t}, 12, 2)`)}, 0)`;
  const mi = `if(${hasTime}, ${int(`substring(${t}, 15, 2)`)}, 0)`;
  const ss = `if(substring(${t}, 17, 1) = ':', ${int(`substring(${t}, 18, 2)`)}, 0)`;
  const frac = `extract(${t}, '^.{19}[.,]([0-9]+)')`;
  const millis = int(`substring(concat(${frac}, '000'), 1, 3)`);
  const zone = `if(${hasTime}, extract(substring(${t}, 17), '([Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)$'), '')`;
  const utc = `has(['', 'Z', 'z'], ${zone})`;
  const zdigits = `replaceOne(substring(${zone}, 2), ':', '')`;
  const zh = int(`substring(${zdigits}, 1, 2)`);
  const zm = `if(length(${zdigits}) > 2, ${int(`substring(${zdigits}, 3, 2)`)}, 0)`;
  const offset = `if(${utc}, 0, if(substring(${zone}, 1, 1) = '-', -1, 1) * (${zh} * 60 + ${zm}))`;
  const leap = `((${y} % 4 = 0 AND ${y} % 100 != 0) OR ${y} % 400 = 0)`;
  const dim = `multiIf(${mo} = 2, if(${leap}, 29, 28), has([4, 6, 9, 11], ${mo}), 30, 31)`;
  const valid = and([
    sql`match(${raw(t)}, ${ISO_8601})`,
    raw(`${mo} >= 1`),
    raw(`${mo} <= 12`),
    raw(`${d} >= 1`),
    raw(`${d} <= ${dim}`),
    raw(`${hh} <= 24`),
    raw(`${mi} <= 59`),
    raw(`${ss} <= 60`),
    raw(`NOT (${hh} = 24 AND (${mi} != 0 OR ${ss} != 0 OR ${millis} != 0))`),
    or([raw(utc), raw(`(${zh} <= 23 AND ${zm} <= 59)`)]),
  ]);
  // days from the civil date (H. Hinnant), for years 0000..9999
  const yy = `(${y} - (${mo} <= 2))`;
  const era = `(intDiv(${yy} + 400, 400) - 1)`;
  const yoe = `(${yy} - ${era} * 400)`;
  const doy = `(intDiv(153 * ((${mo} + 9) % 12) + 2, 5) + ${d} - 1)`;
  const doe = `(${yoe} * 365 + intDiv(${yoe}, 4) - intDiv(${yoe}, 100) + ${doy})`;
  const days = `(${era} * 146097 + ${doe} - 719468)`;
  const ms = raw(
    `(${days} * 86400000 + ${hh} * 3600000 + ${mi} * 60000 + ${ss} * 1000 + ${millis} - ${offset} * 60000)`,
  );
  return { valid, ms };
}

/** The ISO text (`toIso`) of epoch milliseconds (UInt64 expression, 1970..2105). */
export function isoText(ms: Sql): Sql {
  const m = ms.text;
  return raw(
    `concat(replaceOne(toString(toDateTime(intDiv(${m}, 1000), 'UTC')), ' ', 'T'), '.', substring(toString(1000 + ${m} % 1000), 2), 'Z')`,
  );
}
