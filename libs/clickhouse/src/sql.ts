/**
 * The one place where values become ClickHouse SQL. 18.16 has no server-side query
 * parameters, so every value is bound client-side through `literal`, and statements are
 * built with the `sql` tagged template, which binds each interpolation as a literal
 * unless it is itself a fragment built here.
 *
 * Works the same on ClickHouse 18.16 and current versions.
 */

export class SqlFragment {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export type SqlValue = string | number | bigint | boolean | null | Date | SqlFragment | readonly SqlValue[];

const ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\0': '\\0',
  '\b': '\\b',
  '\f': '\\f',
};

// backslash, quote, and every C0 control character plus DEL
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /[\\'\u0000-\u001f\u007f]/g;

/** A quoted ClickHouse string literal: `'it\'s'`. */
export function quoteString(value: string): string {
  return `'${value.replace(NEEDS_ESCAPE, (ch) => ESCAPES[ch] ?? `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`)}'`;
}

/** `YYYY-MM-DD hh:mm:ss` in UTC, the text form of a ClickHouse DateTime. */
export function formatDateTime(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new TypeError('cannot bind an invalid Date');
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** A DateTime literal in UTC (seconds precision). */
export function dateTimeLiteral(date: Date): string {
  return `toDateTime(${quoteString(formatDateTime(date))}, 'UTC')`;
}

/** Any supported value as a SQL literal. Throws TypeError for values that have none. */
export function literal(value: SqlValue): string {
  if (value === null) return 'NULL';
  if (value instanceof SqlFragment) return value.text;
  if (value instanceof Date) return dateTimeLiteral(value);
  if (Array.isArray(value)) return `[${value.map((v: SqlValue) => literal(v)).join(', ')}]`;
  switch (typeof value) {
    case 'string':
      return quoteString(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`cannot bind non-finite number ${value}`);
      return Object.is(value, -0) ? '0' : String(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? '1' : '0';
    default:
      throw new TypeError(`cannot bind value of type ${typeof value}`);
  }
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A database, table or column name: plain when simple, back-quoted otherwise. */
export function identifier(name: string): SqlFragment {
  if (name === '') throw new TypeError('empty identifier');
  if (IDENTIFIER.test(name)) return new SqlFragment(name);
  return new SqlFragment(`\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``);
}

/**
 * A parenthesised list for `IN`: `(1, 2, 3)`. ClickHouse 18.16 does not accept an array
 * literal after IN. An empty list has no valid form, so it throws: handle "nothing to
 * match" before building the statement.
 */
export function inList(values: readonly SqlValue[]): SqlFragment {
  if (values.length === 0) throw new TypeError('inList needs at least one value');
  return new SqlFragment(`(${values.map((v) => literal(v)).join(', ')})`);
}

/** Trusted SQL text (never user input). */
export function raw(text: string): SqlFragment {
  return new SqlFragment(text);
}

/** Fragments joined by a separator, e.g. conditions with ' AND '. */
export function join(parts: readonly SqlValue[], separator = ', '): SqlFragment {
  return new SqlFragment(parts.map((p) => literal(p)).join(separator));
}

/** Tagged template: `sql\`SELECT * FROM t WHERE id = ${id}\`` with `id` bound as a literal. */
export function sql(strings: TemplateStringsArray, ...values: SqlValue[]): SqlFragment {
  let text = strings[0];
  for (let i = 0; i < values.length; i++) text += literal(values[i]) + strings[i + 1];
  return new SqlFragment(text);
}
