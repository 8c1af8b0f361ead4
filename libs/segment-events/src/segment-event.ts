/**
 * The payload of `cdp.segment-events` (contract section 7): one message per transition of a
 * profile into or out of a segment, keyed by profile id.
 */

/** The default topic name (contract section 2); deployments may rename it (`TOPIC_SEGMENT_EVENTS`). */
export const SEGMENT_EVENTS_TOPIC = 'cdp.segment-events';

export const SEGMENT_EVENT_TYPES = ['segment.entered', 'segment.exited'] as const;
export type SegmentEventType = (typeof SEGMENT_EVENT_TYPES)[number];

/** What caused a transition. */
export const SEGMENT_EVENT_CAUSE_KINDS = ['event', 'time', 'definition', 'merge', 'deletion'] as const;
export type SegmentEventCauseKind = (typeof SEGMENT_EVENT_CAUSE_KINDS)[number];

/** Where a message was read from Kafka. */
export interface KafkaPosition {
  topic: string;
  partition: number;
  offset: string;
}

/** The person's identifiers known when the transition happened. */
export interface SegmentEventIdentities {
  userId?: string | null;
  anonymousIds?: string[];
  email?: string | null;
  [identifier: string]: unknown;
}

interface CauseBase<K extends SegmentEventCauseKind> {
  kind: K;
  /** Extra details the segmenter adds (kept as sent). */
  [detail: string]: unknown;
}

/**
 * What every cause may carry: the canonical event behind it (`eventId`) and where that event
 * entered the platform (`kafka`); null (or absent) when there is none, e.g. for `time`.
 */
interface CauseOrigin {
  eventId?: string | null;
  kafka?: KafkaPosition | null;
}

/** An event made the profile enter or exit: `eventId` is the canonical event id. */
export interface EventCause extends CauseBase<'event'>, CauseOrigin {}
/** A window boundary passed: the event's `occurredAt` is that exact instant. */
export interface TimeCause extends CauseBase<'time'>, CauseOrigin {}
/** The segment was created or its definition changed. */
export interface DefinitionCause extends CauseBase<'definition'>, CauseOrigin {}
/** Two profiles became one (`eventId`: the event whose identifiers joined them). */
export interface MergeCause extends CauseBase<'merge'>, CauseOrigin {}
/** The profile was erased (`eventId`: the erasure request, when there is one). */
export interface DeletionCause extends CauseBase<'deletion'>, CauseOrigin {}

export type SegmentEventCause = EventCause | TimeCause | DefinitionCause | MergeCause | DeletionCause;

/** One evaluated condition of the segment rule, as the segmenter explains the transition. */
export interface SegmentEventReason {
  condition: string;
  actual: unknown;
  result: boolean;
  [detail: string]: unknown;
}

export interface SegmentEvent {
  /** Deterministic for the transition: the same transition always has the same id (dedupe on it). */
  id: string;
  type: SegmentEventType;
  segment: { id: string; version: number };
  profileId: string;
  identities: SegmentEventIdentities;
  /** When the transition happened (ISO 8601). */
  occurredAt: string;
  /** When the segmenter emitted it (ISO 8601). */
  emittedAt: string;
  cause: SegmentEventCause;
  reason: SegmentEventReason[];
  /** Fields added by later versions of the contract are kept. */
  [extension: string]: unknown;
}

/** `entered` for `segment.entered`, `exited` for `segment.exited`. */
export type SegmentTransition = 'entered' | 'exited';

export function transitionOf(type: SegmentEventType): SegmentTransition {
  return type === 'segment.entered' ? 'entered' : 'exited';
}
