import type { Identifier } from '../events/canonical-event';

/**
 * A link fact: identifiers that co-occurred in one message (identify with userId and
 * anonymousId, alias previousId and userId, an order's userId/customerId/email, a social actor's
 * handle and userId, an ad event's anonymousId/clickId/userId), so they name the same person.
 * Identity resolution is the connected components of all link facts.
 *
 * `identifiers` are distinct by key and sorted by key (the canonical form `linkFactsOf` builds),
 * so equal facts serialize equally whatever order the message listed them in.
 */
export interface LinkFact {
  identifiers: Identifier[];
  eventId: string;
  occurredAt: number;
}

/** Identifiers with duplicate keys removed (first occurrence kept), sorted by key. */
export function distinctIdentifiers(identifiers: readonly Identifier[]): Identifier[] {
  const byKey = new Map<string, Identifier>();
  for (const identifier of identifiers) {
    if (!byKey.has(identifier.key)) byKey.set(identifier.key, identifier);
  }
  return [...byKey.values()].sort((a, b) => compareStrings(a.key, b.key));
}

/**
 * The link fact of one message, or undefined when it carries fewer than two distinct identifiers
 * (nothing to link). Input order and duplicates do not matter; the input is not modified.
 */
export function linkFactsOf(
  identifiers: readonly Identifier[],
  eventId: string,
  occurredAt: number,
): LinkFact | undefined {
  const distinct = distinctIdentifiers(identifiers);
  if (distinct.length < 2) return undefined;
  return { identifiers: distinct, eventId, occurredAt };
}

/**
 * Canonical replay order of facts: by `occurredAt`, then `eventId`, then the identifier keys.
 * Sorting by it makes a rebuild from a topic independent of how its partitions interleaved.
 */
export function compareLinkFacts(a: LinkFact, b: LinkFact): number {
  if (a.occurredAt !== b.occurredAt) return a.occurredAt < b.occurredAt ? -1 : 1;
  const byEvent = compareStrings(a.eventId, b.eventId);
  if (byEvent !== 0) return byEvent;
  return compareStrings(keysOf(a), keysOf(b));
}

const keysOf = (fact: LinkFact): string =>
  fact.identifiers
    .map((i) => i.key)
    .sort(compareStrings)
    .join('\n');

/** Code-unit order, independent of locale. */
export const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
