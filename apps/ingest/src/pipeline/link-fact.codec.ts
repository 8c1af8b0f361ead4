import { createHash } from 'node:crypto';
import {
  distinctIdentifiers,
  identifierKey,
  isJsonObject,
  type Identifier,
  type IdentifierKind,
  type LinkFact,
} from '@cdp/domain';
import { MAX_STORABLE_MS, MIN_STORABLE_MS } from './normalize.step';

const KINDS: ReadonlySet<string> = new Set<IdentifierKind>([
  'userId',
  'anonymousId',
  'customerId',
  'email',
  'phone',
  'social',
  'clickId',
]);

/**
 * Id of a link fact: sha256 (hex) of its sorted identifier keys joined by newlines. The key of
 * the fact on the compacted links topic, so the topic keeps one record per identifier set.
 */
export function factIdOf(fact: LinkFact): string {
  const keys = fact.identifiers.map((i) => i.key).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(keys.join('\n'), 'utf8').digest('hex');
}

/** Kafka key and value of a fact on the links topic (the value is the LinkFact as JSON). */
export function encodeLinkFact(fact: LinkFact): { key: string; value: string } {
  const value: LinkFact = {
    identifiers: fact.identifiers.map((i) => ({ kind: i.kind, value: i.value, key: i.key })),
    eventId: fact.eventId,
    occurredAt: fact.occurredAt,
  };
  return { key: factIdOf(fact), value: JSON.stringify(value) };
}

function decodeIdentifier(raw: unknown): Identifier | undefined {
  if (!isJsonObject(raw)) return undefined;
  const { kind, value } = raw;
  if (typeof kind !== 'string' || !KINDS.has(kind) || typeof value !== 'string' || value === '') {
    return undefined;
  }
  const key = identifierKey(kind as IdentifierKind, value);
  return { kind: kind as IdentifierKind, value, key };
}

/**
 * A links-topic value back to a LinkFact (canonical form: distinct identifiers sorted by key), or
 * undefined when it is not one (never applied: a bad record must not corrupt the graph).
 */
export function decodeLinkFact(bytes: Buffer | null): LinkFact | undefined {
  if (bytes === null || bytes.length === 0) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isJsonObject(parsed)) return undefined;
  const { identifiers, eventId, occurredAt } = parsed;
  if (!Array.isArray(identifiers) || typeof eventId !== 'string') return undefined;
  if (typeof occurredAt !== 'number' || !(occurredAt >= MIN_STORABLE_MS && occurredAt <= MAX_STORABLE_MS)) {
    return undefined;
  }
  const decoded = identifiers.map(decodeIdentifier);
  if (decoded.some((i) => i === undefined)) return undefined;
  const distinct = distinctIdentifiers(decoded as Identifier[]);
  if (distinct.length < 2) return undefined;
  return { identifiers: distinct, eventId, occurredAt };
}
