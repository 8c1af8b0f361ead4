import { registerDecorator, ValidationOptions } from 'class-validator';

/**
 * Write keys and the source each one belongs to, configured as `COLLECTOR_WRITE_KEYS`:
 * comma-separated `writeKey:sourceName` pairs, e.g. `wk-3f9a:web,wk-77c1:ios-app`.
 *
 * A write key is the user name of HTTP Basic auth, so it cannot contain `:`; it is
 * printable ASCII without spaces and commas. A source name is letters, digits, `_`, `-`
 * and `.`, starting with a letter or digit. Keys are unique.
 */
export type WriteKeys = ReadonlyMap<string, string>;

export type WriteKeysParse = { ok: true; keys: WriteKeys } | { ok: false; problem: string };

const KEY = /^[\x21-\x2b\x2d-\x39\x3b-\x7e]+$/; // printable ASCII except ',' and ':'
const SOURCE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export const WRITE_KEYS_FORMAT =
  'must be a comma-separated list of writeKey:sourceName pairs such as dev-write-key:web';

/** Parses the configured pairs; the problem names the entry by position, never echoing a key. */
export function parseWriteKeys(value: unknown): WriteKeysParse {
  if (typeof value !== 'string' || value.trim() === '') {
    return { ok: false, problem: `${WRITE_KEYS_FORMAT} (got an empty value)` };
  }
  const keys = new Map<string, string>();
  const firstEntry = new Map<string, number>();
  const entries = value.split(',');
  for (let i = 0; i < entries.length; i++) {
    const n = i + 1;
    const entry = entries[i].trim();
    const fail = (what: string): WriteKeysParse => ({
      ok: false,
      problem: `${WRITE_KEYS_FORMAT} (entry ${n} of ${entries.length} ${what})`,
    });
    if (entry === '') return fail('is empty');
    const parts = entry.split(':');
    if (parts.length !== 2) return fail('must have exactly one ":" between key and source name');
    const [key, source] = parts.map((p) => p.trim());
    if (!KEY.test(key)) return fail('has an empty key or one with spaces or control characters');
    if (!SOURCE.test(source)) {
      return fail('has a source name that is not letters, digits, "_", "-" or "." such as web');
    }
    const earlier = firstEntry.get(key);
    if (earlier !== undefined) return fail(`repeats the key of entry ${earlier}`);
    firstEntry.set(key, n);
    keys.set(key, source);
  }
  return { ok: true, keys };
}

/** class-validator decorator for `COLLECTOR_WRITE_KEYS`: the message says which entry is wrong. */
export function IsWriteKeyList(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isWriteKeyList',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: (args) => {
          const parsed = parseWriteKeys(args.value);
          return parsed.ok ? WRITE_KEYS_FORMAT : parsed.problem;
        },
        ...options,
      },
      validator: { validate: (value: unknown): boolean => parseWriteKeys(value).ok },
    });
  };
}
