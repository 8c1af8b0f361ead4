import { formatDateTime } from '@cdp/clickhouse';
import { parseSegmentEvent } from '@cdp/domain/segments';

/** A `segment_transitions` row (migration 0004). */
export interface TransitionRow {
  id: string;
  segment_id: string;
  segment_version: number;
  profile_id: string;
  type: string;
  sequence: number;
  occurred_at: string;
  occurred_ms: number;
  emitted_at: string;
  emitted_ms: number;
  cause_kind: string;
  cause_event_id: string;
  cause_topic: string;
  cause_partition: number;
  cause_offset: string;
  reason: string;
  user_id: string;
  email: string;
  anonymous_ids: string[];
  recorded_at: string;
}

const ms = (iso: string): number => Date.parse(iso);
const millis = (t: number): number => ((t % 1000) + 1000) % 1000;

/** A segment event (value of cdp.segment-events) and its sequence header -> a history row. */
export function transitionRow(
  value: string,
  sequence: number,
  recordedAt: number,
): TransitionRow | undefined {
  const e = parseSegmentEvent(value);
  if (e === undefined) return undefined;
  const occurred = ms(e.occurredAt);
  const emitted = ms(e.emittedAt);
  if (!Number.isFinite(occurred) || !Number.isFinite(emitted)) return undefined;
  return {
    id: e.id,
    segment_id: e.segment.id,
    segment_version: e.segment.version,
    profile_id: e.profileId,
    type: e.type,
    sequence,
    occurred_at: formatDateTime(new Date(occurred)),
    occurred_ms: millis(occurred),
    emitted_at: formatDateTime(new Date(emitted)),
    emitted_ms: millis(emitted),
    cause_kind: e.cause.kind,
    cause_event_id: e.cause.eventId ?? '',
    cause_topic: e.cause.kafka?.topic ?? '',
    cause_partition: e.cause.kafka?.partition ?? -1,
    cause_offset: e.cause.kafka?.offset ?? '',
    reason: JSON.stringify(e.reason),
    user_id: e.identities.userId ?? '',
    email: e.identities.email ?? '',
    anonymous_ids: e.identities.anonymousIds,
    recorded_at: formatDateTime(new Date(recordedAt)),
  };
}
