import type { EpochMs } from '../brand';
import { dlq, type FieldProblem, type StepResult } from '../step-result';
import type { Identifier, IdentifierKind } from './canonical-event';
import { checkIdentifier, type IdentifierCheck } from './identifier';
import { parseIsoTimestamp } from './iso-timestamp';

/** A JSON object as produced by `JSON.parse`. */
export type JsonObject = Record<string, unknown>;

/** Dead-letter reason used when problems of different kinds are found together. */
export const VALIDATION_FAILED = 'validation_failed';

/** True for plain JSON objects (not arrays, not null). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True for undefined and null: both mean "absent" in every payload we read. */
export const isAbsent = (value: unknown): value is undefined | null => value === undefined || value === null;

/** `joinPath('batch[3]', 'event')` -> `batch[3].event`; `joinPath('items', 0)` -> `items[0]`. */
export function joinPath(prefix: string, key: string | number): string {
  if (typeof key === 'number') return `${prefix}[${key}]`;
  return prefix === '' ? key : `${prefix}.${key}`;
}

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** A finite number, or a string holding one (`"259.00"`); undefined for anything else. */
export function parseAmount(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || !DECIMAL.test(value.trim())) return undefined;
  const n = Number(value.trim());
  return Number.isFinite(n) ? n : undefined;
}

/** A trimmed non-empty string, or a finite number as a string; undefined otherwise. */
export function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const t = value.trim();
    return t === '' ? undefined : t;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** Copies an object without its undefined-valued keys (keeps canonical events JSON-clean). */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Collects field problems, each tagged with a dead-letter reason code. The reason of the
 * whole message is the shared code when all problems agree (e.g. `missing_identifier`),
 * else `validation_failed`.
 */
export class Problems {
  private readonly entries: { problem: FieldProblem; code: string }[] = [];

  add(path: string, message: string, code: string = VALIDATION_FAILED): void {
    this.entries.push({ problem: { path, message }, code });
  }

  get list(): FieldProblem[] {
    return this.entries.map((e) => e.problem);
  }

  get isEmpty(): boolean {
    return this.entries.length === 0;
  }

  get reason(): string {
    const codes = new Set(this.entries.map((e) => e.code));
    const [only] = codes;
    return codes.size === 1 && only !== undefined ? only : VALIDATION_FAILED;
  }

  toDlq<T>(): StepResult<T> {
    return dlq<T>(this.reason, this.list);
  }
}

interface Required {
  required?: boolean;
}

/**
 * Reads typed fields of one JSON object, recording a problem (with the field's JSON path)
 * for every field that is missing when required or has the wrong shape. Absent means
 * undefined or null. Every getter returns undefined when the field is absent or bad, so a
 * normalizer reads everything first and then checks `problems.isEmpty`.
 */
export class FieldReader {
  constructor(
    readonly value: JsonObject,
    readonly path: string,
    readonly problems: Problems,
  ) {}

  pathOf(key: string): string {
    return joinPath(this.path, key);
  }

  raw(key: string): unknown {
    return this.value[key];
  }

  has(key: string): boolean {
    return !isAbsent(this.value[key]);
  }

  private missing(key: string, required: boolean | undefined, code?: string): undefined {
    if (required) this.problems.add(this.pathOf(key), 'is required', code);
    return undefined;
  }

  /** An id: a non-empty string (trimmed) or a finite number (stringified). */
  id(key: string, opts: Required = {}): string | undefined {
    const v = this.value[key];
    if (isAbsent(v)) return this.missing(key, opts.required);
    const text = textOf(v);
    if (text === undefined) this.problems.add(this.pathOf(key), 'must be a non-empty string or a number');
    return text;
  }

  /** A string; `nonEmpty` also rejects blank strings. Returned as sent (not trimmed). */
  string(key: string, opts: Required & { nonEmpty?: boolean } = {}): string | undefined {
    const v = this.value[key];
    if (isAbsent(v)) return this.missing(key, opts.required);
    if (typeof v !== 'string') {
      this.problems.add(this.pathOf(key), opts.nonEmpty ? 'must be a non-empty string' : 'must be a string');
      return undefined;
    }
    if (opts.nonEmpty && v.trim() === '') {
      this.problems.add(this.pathOf(key), 'must be a non-empty string');
      return undefined;
    }
    return v;
  }

  /**
   * A machine name such as a platform or network (`weibo`, `google_ads`): returned trimmed
   * and lower-cased; letters, digits, `_`, `-` and `.` only (it becomes part of ids).
   */
  slug(key: string, opts: Required = {}): string | undefined {
    const v = this.value[key];
    if (isAbsent(v)) return this.missing(key, opts.required);
    const slug = typeof v === 'string' ? v.trim().toLowerCase() : '';
    if (!/^[a-z0-9][a-z0-9_.-]*$/.test(slug)) {
      this.problems.add(
        this.pathOf(key),
        'must be a name of letters, digits, "_", "-" or "." such as google_ads',
      );
      return undefined;
    }
    return slug;
  }

  /** One of `allowed`, compared trimmed and case-insensitively; returned as in `allowed`. */
  oneOf<T extends string>(key: string, allowed: readonly T[], opts: Required = {}): T | undefined {
    const v = this.value[key];
    if (isAbsent(v)) return this.missing(key, opts.required);
    const found =
      typeof v === 'string' ? allowed.find((a) => a.toLowerCase() === v.trim().toLowerCase()) : undefined;
    if (found === undefined) this.problems.add(this.pathOf(key), `must be one of: ${allowed.join(', ')}`);
    return found;
  }

  /** An ISO 8601 date-time string (see `parseIsoTimestamp`). */
  timestamp(key: string, opts: Required = {}): EpochMs | undefined {
    const v = this.value[key];
    if (isAbsent(v)) return this.missing(key, opts.required);
    const ms = parseIsoTimestamp(v);
    if (ms === undefined) {
      this.problems.add(this.pathOf(key), 'must be an ISO 8601 date-time such as 2026-11-01T08:00:00Z');
    }
    return ms;
  }

  /** A nested object, as a reader with the nested path. */
  object(key: string, opts: Required & { code?: string } = {}): FieldReader | undefined {
    const v = this.value[key];
    if (isAbsent(v)) return this.missing(key, opts.required, opts.code);
    if (!isJsonObject(v)) {
      this.problems.add(this.pathOf(key), 'must be an object');
      return undefined;
    }
    return new FieldReader(v, this.pathOf(key), this.problems);
  }

  /** An array (elements unchecked). */
  array(key: string, opts: Required = {}): unknown[] | undefined {
    const v = this.value[key];
    if (isAbsent(v)) return this.missing(key, opts.required);
    if (!Array.isArray(v)) {
      this.problems.add(this.pathOf(key), 'must be an array');
      return undefined;
    }
    return v as unknown[];
  }

  /** An array of strings; each bad element is reported with its index. */
  stringArray(key: string, opts: Required = {}): string[] | undefined {
    const list = this.array(key, opts);
    if (list === undefined) return undefined;
    let bad = false;
    list.forEach((item, i) => {
      if (typeof item !== 'string') {
        this.problems.add(`${this.pathOf(key)}[${i}]`, 'must be a string');
        bad = true;
      }
    });
    return bad ? undefined : (list as string[]);
  }

  /** A number >= 0, given as a number or a numeric string. */
  amount(key: string, opts: Required & { code?: string } = {}): number | undefined {
    const v = this.value[key];
    if (isAbsent(v)) return this.missing(key, opts.required, opts.code);
    const n = parseAmount(v);
    if (n === undefined) {
      this.problems.add(this.pathOf(key), 'must be a number', opts.code);
      return undefined;
    }
    if (n < 0) {
      this.problems.add(this.pathOf(key), 'must not be negative', opts.code);
      return undefined;
    }
    return n;
  }

  /** A three-letter ISO 4217 currency code, returned upper-cased. */
  currency(key: string, opts: Required = {}): string | undefined {
    const v = this.value[key];
    if (isAbsent(v)) return this.missing(key, opts.required);
    if (typeof v !== 'string' || !/^[A-Za-z]{3}$/.test(v.trim())) {
      this.problems.add(this.pathOf(key), 'must be a three-letter currency code such as USD');
      return undefined;
    }
    return v.trim().toUpperCase();
  }

  /**
   * An identifier of the given kind: junk values (placeholders such as "null") count as
   * absent, malformed values are problems.
   */
  identifier(
    kind: IdentifierKind,
    key: string,
    check?: (raw: unknown) => IdentifierCheck,
  ): Identifier | undefined {
    const v = this.value[key];
    if (isAbsent(v)) return undefined;
    const result = check ? check(v) : checkIdentifier(kind, v);
    if (result.status === 'invalid') this.problems.add(this.pathOf(key), result.message);
    return result.status === 'ok' ? result.identifier : undefined;
  }
}

/** A reader for a payload root, or undefined (with a `$` problem) when it is not an object. */
export function readRoot(value: unknown, problems: Problems, path = ''): FieldReader | undefined {
  if (!isJsonObject(value)) {
    problems.add(path === '' ? '$' : path, 'must be a JSON object', 'not_an_object');
    return undefined;
  }
  return new FieldReader(value, path, problems);
}
