import { literal, raw, SqlFragment, sql, type SqlValue } from '../sql';

/**
 * Small building blocks of the rule compiler's SQL: every value goes through `literal`
 * (via the `sql` tag or `num`), trusted SQL text through `raw`; nothing else is spliced.
 * All of it runs on ClickHouse 18.16 and current versions.
 */

export type Sql = SqlFragment;

export const TRUE: Sql = raw('1');
export const FALSE: Sql = raw('0');

const isTrue = (s: Sql): boolean => s.text === '1';
const isFalse = (s: Sql): boolean => s.text === '0';

/** The smallest positive normal double; ClickHouse 18.16 cannot parse literals below it. */
const MIN_NORMAL = 2.2250738585072014e-308;

/**
 * A Float64/integer literal that ClickHouse reads back as exactly this double: the SQL
 * parser is exact for normal numbers (the string-to-float functions are not). Subnormal
 * numbers, which 18.16 refuses as literals, are bound through their IEEE bytes.
 * Parenthesised when negative, so that `a - ${num(-1)}` never becomes a comment.
 */
export function num(value: number): Sql {
  if (!Number.isFinite(value)) throw new TypeError(`cannot bind non-finite number ${value}`);
  if (value !== 0 && Math.abs(value) < MIN_NORMAL) {
    const bytes = Buffer.alloc(8);
    bytes.writeDoubleLE(value);
    return sql`reinterpretAsFloat64(unhex(${bytes.toString('hex').toUpperCase()}))`;
  }
  const text = literal(value);
  return raw(text.startsWith('-') ? `(${text})` : text);
}

/** `a AND b AND ...`, folding the constants 1 and 0. */
export function and(parts: readonly Sql[]): Sql {
  const kept = parts.filter((p) => !isTrue(p));
  if (kept.some(isFalse)) return FALSE;
  if (kept.length === 0) return TRUE;
  if (kept.length === 1) return kept[0];
  return raw(`(${kept.map((p) => p.text).join(' AND ')})`);
}

/** `a OR b OR ...`, folding the constants 1 and 0. */
export function or(parts: readonly Sql[]): Sql {
  const kept = parts.filter((p) => !isFalse(p));
  if (kept.some(isTrue)) return TRUE;
  if (kept.length === 0) return FALSE;
  if (kept.length === 1) return kept[0];
  return raw(`(${kept.map((p) => p.text).join(' OR ')})`);
}

export function not(part: Sql): Sql {
  if (isTrue(part)) return FALSE;
  if (isFalse(part)) return TRUE;
  return raw(`(NOT ${part.text})`);
}

/** A boolean constant as SQL. */
export const bool = (value: boolean): Sql => (value ? TRUE : FALSE);

const valueSql = (v: SqlValue): string => (typeof v === 'number' ? num(v).text : literal(v));

/**
 * `expr` equal to one of the values (all of one type), or 0 for none. Written as
 * `has([...], expr)`: 18.16 mis-handles `col IN (...)` inside a subquery's select list
 * ("non constant in source stream but must be constant in result").
 */
export function isIn(expr: Sql, values: readonly SqlValue[]): Sql {
  if (values.length === 0) return FALSE;
  if (values.length === 1) return raw(`(${expr.text} = ${valueSql(values[0])})`);
  return raw(`has([${values.map(valueSql).join(', ')}], ${expr.text})`);
}

/**
 * JavaScript's `String.prototype.trim` whitespace (WhiteSpace and LineTerminator) as an
 * RE2 class, so that SQL trims exactly what the domain code trims.
 */
export const JS_WHITESPACE_CLASS =
  '[\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}]';

/** `value.trim()` of JavaScript. */
export function jsTrim(expr: Sql): Sql {
  return sql`replaceRegexpAll(${expr}, ${`^${JS_WHITESPACE_CLASS}+|${JS_WHITESPACE_CLASS}+$`}, '')`;
}

/**
 * `roundTo(value, decimals)` of the domain (half away from zero): sign times
 * Math.round(|v| * 10^d) / 10^d, where Math.round(y) = floor(y) + (y - floor(y) >= 0.5)
 * (exact in floating point, unlike floor(y + 0.5)).
 */
export function roundTo(expr: Sql, decimals: number): Sql {
  const factor = num(10 ** decimals);
  const y = raw(`(abs(${expr.text}) * ${factor.text})`);
  return raw(
    `((if(${expr.text} < 0, -1, 1) * (floor(${y.text}) + (${y.text} - floor(${y.text}) >= 0.5))) / ${factor.text})`,
  );
}
