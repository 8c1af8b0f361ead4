import { createHash } from 'node:crypto';
import { asProfileId, type ProfileId } from '../brand';

/** Hex characters of the sha256 digest kept per identifier (64 bits). */
export const IDENTIFIER_HASH_LENGTH = 16;

/** First 16 hex characters of sha256(`key`), where `key` is an `Identifier.key` (`kind:value`). */
export function identifierHash(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex').slice(0, IDENTIFIER_HASH_LENGTH);
}

/** Profile id of a component whose smallest identifier hash is `hash`. */
export function profileIdForHash(hash: string): ProfileId {
  return asProfileId(`p-${hash}`);
}

/**
 * Profile id of the one-identifier component `{ key }`: `p-` + the 16-hex-char sha256 prefix of
 * the key. This is also the id an event carrying only that identifier is filed under before any
 * link fact mentions it.
 */
export function profileIdForKey(key: string): ProfileId {
  return profileIdForHash(identifierHash(key));
}

/**
 * Profile id of a whole component: the smallest `profileIdForKey` of its identifier keys (hashes
 * have a fixed length, so string order is numeric order). A pure function of the set of keys:
 * order and duplicates do not matter.
 */
export function profileIdForComponent(keys: Iterable<string>): ProfileId {
  let smallest: string | undefined;
  for (const key of keys) {
    const hash = identifierHash(key);
    if (smallest === undefined || hash < smallest) smallest = hash;
  }
  if (smallest === undefined) throw new Error('a component has at least one identifier');
  return profileIdForHash(smallest);
}

/** The hash inside a profile id (`p-<hash>`), or undefined when `id` is not shaped like one. */
export function hashOfProfileId(id: string): string | undefined {
  return /^p-[0-9a-f]{16}$/.test(id) ? id.slice(2) : undefined;
}
