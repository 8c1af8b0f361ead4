import type { Identifier, IdentifierKind } from './canonical-event';

/**
 * Outcome of normalizing one raw identifier value:
 * - `ok`: a usable identifier;
 * - `junk`: absent or a placeholder value (`null`, `undefined`, `n/a`, `0`, `anonymous`,
 *   `[object Object]`, a well-known fake email ...) that must never link two people;
 * - `invalid`: present but malformed (an email without exactly one `@`, a phone with
 *   letters, an object where a string was expected ...), with a message for the caller.
 */
export type IdentifierCheck =
  { status: 'ok'; identifier: Identifier } | { status: 'junk' } | { status: 'invalid'; message: string };

/** Placeholder values (compared trimmed and case-insensitively) that are never identifiers. */
const JUNK_VALUES: ReadonlySet<string> = new Set([
  '',
  'null',
  'undefined',
  'nil',
  'none',
  'n/a',
  '0',
  'anonymous',
  '[object object]',
]);

/** Fake addresses typed into forms; other `@example.com` addresses are kept. */
const JUNK_EMAILS: ReadonlySet<string> = new Set(['test@test.com', 'test@example.com', 'email@example.com']);
/** Local parts of sender-only mailboxes: `noreply@anything` (and `no-reply@anything`). */
const JUNK_EMAIL_LOCAL_PARTS: ReadonlySet<string> = new Set(['noreply', 'no-reply']);

const JUNK: IdentifierCheck = { status: 'junk' };
const invalid = (message: string): IdentifierCheck => ({ status: 'invalid', message });

/** `${kind}:${value}`: unique across kinds. */
export const identifierKey = (kind: IdentifierKind, value: string): string => `${kind}:${value}`;

const identifier = (kind: IdentifierKind, value: string): IdentifierCheck => ({
  status: 'ok',
  identifier: { kind, value, key: identifierKey(kind, value) },
});

const isJunk = (text: string): boolean => JUNK_VALUES.has(text.toLowerCase());

function checkEmail(text: string): IdentifierCheck {
  const email = text.toLowerCase();
  const parts = email.split('@');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '' || /\s/.test(email)) {
    return invalid('must be an email address with exactly one "@" and text on both sides');
  }
  if (JUNK_EMAILS.has(email) || JUNK_EMAIL_LOCAL_PARTS.has(parts[0])) return JUNK;
  return identifier('email', email);
}

/** Keeps digits and one leading `+`; spaces, dashes, dots and parentheses are formatting. */
function checkPhone(text: string): IdentifierCheck {
  const phone = text.replace(/[\s\-.()]/g, '');
  if (!/^\+?\d{5,20}$/.test(phone)) return invalid('must be a phone number (digits, optional leading +)');
  if (/^\+?0+$/.test(phone)) return JUNK;
  return identifier('phone', phone);
}

/** `platform:@Handle` or `@Handle` -> `platform:handle` / `handle`. */
function checkSocial(text: string): IdentifierCheck {
  const lower = text.toLowerCase();
  const colon = lower.indexOf(':');
  const platform = colon >= 0 ? lower.slice(0, colon).trim() : undefined;
  const handle = (colon >= 0 ? lower.slice(colon + 1) : lower).trim().replace(/^@+/, '');
  if (platform === '') return invalid('must name the platform before ":"');
  if (isJunk(handle)) return JUNK;
  if (/\s/.test(handle)) return invalid('must be a handle without spaces');
  return identifier('social', platform === undefined ? handle : `${platform}:${handle}`);
}

/**
 * Normalizes one raw identifier value of the given kind. Strings are trimmed, finite
 * numbers are stringified (numeric user ids are common); emails are lower-cased and need
 * exactly one `@` with text on both sides; social handles are lower-cased without a
 * leading `@` (`weibo:@Lin_Mei` -> `weibo:lin_mei`); phones keep digits and a leading `+`.
 */
export function checkIdentifier(kind: IdentifierKind, raw: unknown): IdentifierCheck {
  let text: string;
  if (raw === undefined || raw === null) return JUNK;
  if (typeof raw === 'string') {
    text = raw.trim();
  } else if (typeof raw === 'number' && kind !== 'email') {
    if (!Number.isFinite(raw)) return invalid('must be a finite number');
    text = String(raw);
  } else {
    return invalid(kind === 'email' ? 'must be a string' : 'must be a string or a number');
  }
  if (isJunk(text)) return JUNK;
  switch (kind) {
    case 'email':
      return checkEmail(text);
    case 'phone':
      return checkPhone(text);
    case 'social':
      return checkSocial(text);
    case 'userId':
    case 'anonymousId':
    case 'customerId':
    case 'clickId':
      return identifier(kind, text);
  }
}

/** The normalized identifier, or undefined for absent, junk and malformed values. */
export function makeIdentifier(kind: IdentifierKind, raw: unknown): Identifier | undefined {
  const check = checkIdentifier(kind, raw);
  return check.status === 'ok' ? check.identifier : undefined;
}

/** A social identifier `${platform}:${handle}` from a platform name and a raw handle. */
export function checkSocialIdentifier(platform: string, handle: unknown): IdentifierCheck {
  if (typeof handle === 'string' || typeof handle === 'number') {
    const text = String(handle).trim();
    if (isJunk(text) || isJunk(text.replace(/^@+/, ''))) return JUNK;
    return checkIdentifier('social', `${platform}:${text}`);
  }
  return checkIdentifier('social', handle);
}

/** The normalized email address, or undefined for absent, junk and malformed values. */
export function normalizeEmail(raw: unknown): string | undefined {
  return makeIdentifier('email', raw)?.value;
}

/** Drops undefined entries and duplicates (same key), keeping the first occurrence. */
export function uniqueIdentifiers(list: readonly (Identifier | undefined)[]): Identifier[] {
  const seen = new Set<string>();
  const out: Identifier[] = [];
  for (const id of list) {
    if (id === undefined || seen.has(id.key)) continue;
    seen.add(id.key);
    out.push(id);
  }
  return out;
}
