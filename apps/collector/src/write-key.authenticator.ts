import type { WriteKeys } from './write-keys';

export type AuthResult = { ok: true; source: string } | { ok: false; message: string };

const BASIC = /^Basic[ \t]+([A-Za-z0-9+/_-]+={0,2})[ \t]*$/i;

/**
 * The user name of an HTTP Basic `Authorization` header (the write key; the password is
 * ignored, Segment and RudderStack send it empty). Undefined when there is no header, it
 * is not Basic, or the user name is empty; null when it is Basic but malformed.
 */
export function basicAuthUser(header: string | undefined): string | undefined | null {
  if (header === undefined || header.trim() === '') return undefined;
  if (!/^Basic(\s|$)/i.test(header.trim())) return undefined;
  const match = BASIC.exec(header.trim());
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = colon < 0 ? decoded : decoded.slice(0, colon);
  return user === '' ? undefined : user;
}

/**
 * Resolves the source of a request from its write key: the Basic auth user name, or when
 * there is none, `writeKey` in the body. A key in the header that is unknown is refused
 * even when the body names a known one.
 */
export class WriteKeyAuthenticator {
  constructor(private readonly keys: WriteKeys) {}

  /** Checks the header alone; undefined when it carries no write key (the body may). */
  fromHeader(authorization: string | undefined): AuthResult | undefined {
    const user = basicAuthUser(authorization);
    if (user === undefined) return undefined;
    if (user === null) return { ok: false, message: 'malformed Basic Authorization header' };
    return this.lookup(user);
  }

  /** Checks `writeKey` of the body, for requests whose header carried none. */
  fromBody(writeKey: unknown): AuthResult {
    if (typeof writeKey !== 'string' || writeKey === '') {
      return {
        ok: false,
        message: 'missing write key: send it as the Basic auth user name or as writeKey in the body',
      };
    }
    return this.lookup(writeKey);
  }

  private lookup(key: string): AuthResult {
    const source = this.keys.get(key);
    return source === undefined ? { ok: false, message: 'unknown write key' } : { ok: true, source };
  }
}
