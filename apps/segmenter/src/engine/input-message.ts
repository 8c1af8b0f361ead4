import type { KafkaOrigin, SourceKind } from '@cdp/domain';
import type { IdentifierSighting, LoadedEvent, TraitUpdate } from './profile-data';

/**
 * What the segmenter reads from `cdp.events` (one partition, in order):
 * - `event`: a canonical event as ingest publishes it (the CanonicalEvent JSON plus `profileId`;
 *   its facts extend a cached history; a profile not cached is read from ClickHouse);
 * - `merge`: `identity.merged` (ingest, keyed by the survivor);
 * - `absorbed`: `segmenter.profile-absorbed`, written by the segmenter itself, keyed by the
 *   absorbed profile, so that the absorbed profile's partition retires it in order (see README);
 * - `deleted`: `profile.deleted` (erasure: exits with cause `deletion`);
 * - `ignored`: anything else (counted, skipped).
 */
export type InputMessage =
  | {
      kind: 'event';
      profileId: string;
      eventId: string;
      occurredAt: number;
      origin: KafkaOrigin | null;
      /** The event as the rule engine sees it (what ClickHouse holds of it), when the message carries it. */
      facts?: EventFacts;
    }
  | { kind: 'merge'; absorbedId: string; survivorId: string; eventId: string; occurredAt: number }
  | {
      kind: 'absorbed';
      absorbedId: string;
      survivorId: string;
      eventId: string;
      occurredAt: number;
      origin: KafkaOrigin | null;
    }
  | { kind: 'deleted'; profileId: string; eventId: string | null; occurredAt: number }
  | { kind: 'ignored'; reason: string };

/** What one canonical event adds to a profile's history. */
export interface EventFacts {
  event: LoadedEvent;
  traits: TraitUpdate[];
  identifiers: IdentifierSighting[];
}

export const ABSORBED_MESSAGE_TYPE = 'segmenter.profile-absorbed';

/** The `segmenter.profile-absorbed` message value. */
export interface AbsorbedMessage {
  type: typeof ABSORBED_MESSAGE_TYPE;
  absorbedId: string;
  survivorId: string;
  eventId: string;
  occurredAt: number;
  kafka: KafkaOrigin | null;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): v is string => typeof v === 'string' && v !== '';
const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function origin(v: unknown): KafkaOrigin | null {
  if (!isObject(v) || !str(v.topic) || !num(v.partition)) return null;
  const offset = typeof v.offset === 'number' ? String(v.offset) : v.offset;
  return str(offset) ? { topic: v.topic, partition: v.partition, offset } : null;
}

export function parseInputMessage(value: Buffer | string | null): InputMessage {
  if (value === null) return { kind: 'ignored', reason: 'empty' };
  let v: unknown;
  try {
    v = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch {
    return { kind: 'ignored', reason: 'invalid_json' };
  }
  if (!isObject(v)) return { kind: 'ignored', reason: 'not_an_object' };
  switch (v.type) {
    case 'identity.merged':
      return str(v.absorbedId) && str(v.survivorId) && num(v.occurredAt)
        ? {
            kind: 'merge',
            absorbedId: v.absorbedId,
            survivorId: v.survivorId,
            eventId: typeof v.eventId === 'string' ? v.eventId : '',
            occurredAt: v.occurredAt,
          }
        : { kind: 'ignored', reason: 'invalid_merge' };
    case ABSORBED_MESSAGE_TYPE:
      return str(v.absorbedId) && str(v.survivorId) && num(v.occurredAt)
        ? {
            kind: 'absorbed',
            absorbedId: v.absorbedId,
            survivorId: v.survivorId,
            eventId: typeof v.eventId === 'string' ? v.eventId : '',
            occurredAt: v.occurredAt,
            origin: origin(v.kafka),
          }
        : { kind: 'ignored', reason: 'invalid_absorbed' };
    case 'profile.deleted':
      return str(v.profileId) && num(v.occurredAt)
        ? {
            kind: 'deleted',
            profileId: v.profileId,
            eventId: typeof v.eventId === 'string' ? v.eventId : null,
            occurredAt: v.occurredAt,
          }
        : { kind: 'ignored', reason: 'invalid_deletion' };
    default: {
      if (!str(v.profileId) || !str(v.eventId) || !num(v.occurredAt)) {
        return { kind: 'ignored', reason: 'not_a_canonical_event' };
      }
      const at = origin(v.origin);
      const facts = factsOf(v, v.eventId, v.occurredAt, at);
      return {
        kind: 'event',
        profileId: v.profileId,
        eventId: v.eventId,
        occurredAt: v.occurredAt,
        origin: at,
        ...(facts === undefined ? {} : { facts }),
      };
    }
  }
}

/** The profile a message is about (whose partition it is on). */
export function subjectOf(m: InputMessage): string | undefined {
  switch (m.kind) {
    case 'event':
      return m.profileId;
    case 'merge':
      return m.survivorId;
    case 'absorbed':
      return m.absorbedId;
    case 'deleted':
      return m.profileId;
    case 'ignored':
      return undefined;
  }
}

const SOURCES: readonly string[] = ['web', 'social', 'ad', 'transaction'];
const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/** A trait value as ClickHouse gives it back (trait_updates keeps text plus a type). */
function storedTraitValue(v: unknown): unknown {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (v === undefined) return null;
  return v;
}

/**
 * The facts of a canonical event (CanonicalEvent JSON plus profileId), exactly as the snapshot
 * loader builds them from the rows ingest wrote for it (events, trait_updates, identifiers),
 * so that a history extended from the stream equals one read back from ClickHouse.
 */
function factsOf(
  v: Record<string, unknown>,
  eventId: string,
  occurredAt: number,
  at: KafkaOrigin | null,
): EventFacts | undefined {
  if (typeof v.name !== 'string' || typeof v.source !== 'string' || !SOURCES.includes(v.source))
    return undefined;
  const properties = isObject(v.properties) ? v.properties : {};
  const event: LoadedEvent = {
    eventId,
    name: v.name,
    source: v.source as SourceKind,
    occurredAt: occurredAt as LoadedEvent['occurredAt'],
    properties,
    origin: at,
  };
  const revenue = typeof v.revenue === 'number' ? v.revenue : 0;
  const currency = text(v.currency);
  if (currency !== '' || revenue !== 0) {
    event.revenue = revenue;
    if (currency !== '') event.currency = currency;
  }
  const c = isObject(v.context) ? v.context : {};
  const context: NonNullable<LoadedEvent['context']> = {};
  if (text(c.utmSource) !== '') context.utmSource = text(c.utmSource);
  if (text(c.utmMedium) !== '') context.utmMedium = text(c.utmMedium);
  if (text(c.referrer) !== '') context.referrer = text(c.referrer);
  if (text(c.channel) !== '') context.channel = text(c.channel);
  if (Object.keys(context).length > 0) event.context = context;
  const traits: TraitUpdate[] = Object.entries(isObject(v.traits) ? v.traits : {}).map(([trait, value]) => ({
    trait,
    value: storedTraitValue(value),
    at: occurredAt,
    eventId,
  }));
  const identifiers: IdentifierSighting[] = [];
  for (const i of Array.isArray(v.identifiers) ? v.identifiers : []) {
    if (isObject(i) && str(i.kind) && typeof i.value === 'string') {
      identifiers.push({ kind: i.kind, value: i.value, firstAt: occurredAt });
    }
  }
  return { event, traits, identifiers };
}
