import type { KafkaOrigin } from '@cdp/domain';

/**
 * What the segmenter reads from `cdp.events` (one partition, in order):
 * - `event`: a canonical event as ingest publishes it (the CanonicalEvent JSON plus `profileId`;
 *   only its id, time, profile and origin are used, the data comes from ClickHouse);
 * - `merge`: `identity.merged` (ingest, keyed by the survivor);
 * - `absorbed`: `segmenter.profile-absorbed`, written by the segmenter itself, keyed by the
 *   absorbed profile, so that the absorbed profile's partition retires it in order (see README);
 * - `deleted`: `profile.deleted` (erasure: exits with cause `deletion`);
 * - `ignored`: anything else (counted, skipped).
 */
export type InputMessage =
  | { kind: 'event'; profileId: string; eventId: string; occurredAt: number; origin: KafkaOrigin | null }
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
    default:
      return str(v.profileId) && str(v.eventId) && num(v.occurredAt)
        ? {
            kind: 'event',
            profileId: v.profileId,
            eventId: v.eventId,
            occurredAt: v.occurredAt,
            origin: origin(v.origin),
          }
        : { kind: 'ignored', reason: 'not_a_canonical_event' };
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
