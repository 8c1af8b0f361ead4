import { createHash } from 'node:crypto';
import type { KafkaOrigin } from '../events/canonical-event';
import type { ReasonEntry } from '../rules/rule.evaluator';

/** Contract section 7: what `cdp.segment-events` carries (key = profile id). */
export type SegmentEventType = 'segment.entered' | 'segment.exited';

/**
 * Why a transition happened:
 * - `event`: a canonical event of the profile (eventId = its id, kafka = where it entered the
 *   platform: the raw topic coordinates, as in the contract's example);
 * - `time`: a window boundary passed (no event: eventId and kafka are null; occurredAt is the instant);
 * - `definition`: the segment was created, edited or archived (eventId and kafka null);
 * - `merge`: two profiles became one (eventId = the event whose identifiers joined them, kafka its raw coordinates);
 * - `deletion`: the profile was erased (eventId / kafka of the erasure request when there is one).
 */
export const SEGMENT_CAUSE_KINDS = ['event', 'time', 'definition', 'merge', 'deletion'] as const;
export type SegmentCauseKind = (typeof SEGMENT_CAUSE_KINDS)[number];

export interface SegmentEventCause {
  kind: SegmentCauseKind;
  eventId: string | null;
  kafka: KafkaOrigin | null;
}

export interface SegmentEventIdentities {
  userId: string | null;
  anonymousIds: string[];
  email: string | null;
}

/** The payload, exactly as contract section 7 shows it. */
export interface SegmentEvent {
  id: string;
  type: SegmentEventType;
  segment: { id: string; version: number };
  profileId: string;
  identities: SegmentEventIdentities;
  /** ISO 8601 with milliseconds: the instant the membership changed. */
  occurredAt: string;
  /** ISO 8601 with milliseconds: when the segmenter emitted it. */
  emittedAt: string;
  cause: SegmentEventCause;
  reason: ReasonEntry[];
}

/** What identifies one transition (everything the id is computed from). */
export interface TransitionKey {
  segmentId: string;
  version: number;
  profileId: string;
  type: SegmentEventType;
  /** Epoch milliseconds. */
  occurredAt: number;
  cause: Pick<SegmentEventCause, 'kind' | 'eventId'>;
}

/**
 * Deterministic transition id: sha256 (hex) over segment id, version, profile id, type, the
 * instant and the cause (kind and event id). The same transition computed twice (a replay
 * after a crash, another instance) has the same id, so consumers can deduplicate; two
 * different transitions never share one (for one profile and segment, type alternates, and the
 * same type at the same instant with the same cause cannot happen twice).
 */
export function transitionId(key: TransitionKey): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        key.segmentId,
        key.version,
        key.profileId,
        key.type,
        key.occurredAt,
        key.cause.kind,
        key.cause.eventId ?? '',
      ]),
    )
    .digest('hex');
}

export interface SegmentEventInput extends TransitionKey {
  cause: SegmentEventCause;
  identities: SegmentEventIdentities;
  reason: ReasonEntry[];
  /** Epoch milliseconds. */
  emittedAt: number;
}

/** Builds the contract payload (id computed, instants as ISO strings with milliseconds). */
export function buildSegmentEvent(input: SegmentEventInput): SegmentEvent {
  return {
    id: transitionId(input),
    type: input.type,
    segment: { id: input.segmentId, version: input.version },
    profileId: input.profileId,
    identities: {
      userId: input.identities.userId,
      anonymousIds: [...input.identities.anonymousIds],
      email: input.identities.email,
    },
    occurredAt: new Date(input.occurredAt).toISOString(),
    emittedAt: new Date(input.emittedAt).toISOString(),
    cause: {
      kind: input.cause.kind,
      eventId: input.cause.eventId,
      kafka: input.cause.kafka === null ? null : { ...input.cause.kafka },
    },
    reason: input.reason.map((r) => ({ ...r })),
  };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads a segment event back (consumers, the history writer); undefined when it is not one. */
export function parseSegmentEvent(text: string): SegmentEvent | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(v) || !isObject(v.segment) || !isObject(v.cause) || !isObject(v.identities)) return undefined;
  if (v.type !== 'segment.entered' && v.type !== 'segment.exited') return undefined;
  if (typeof v.id !== 'string' || typeof v.profileId !== 'string') return undefined;
  if (typeof v.segment.id !== 'string' || typeof v.segment.version !== 'number') return undefined;
  if (typeof v.occurredAt !== 'string' || typeof v.emittedAt !== 'string') return undefined;
  if (!(SEGMENT_CAUSE_KINDS as readonly unknown[]).includes(v.cause.kind)) return undefined;
  if (!Array.isArray(v.reason)) return undefined;
  return v as unknown as SegmentEvent;
}
