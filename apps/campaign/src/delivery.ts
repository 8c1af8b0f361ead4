import { formatDateTime } from '@cdp/clickhouse';
import type { SourcePosition } from './domain/decide';
import { rowVersion, type DeliveryStatus } from './domain/delivery-record';

/** A delivery the worker holds in memory: what to send, and how far it got. */
export interface Delivery {
  id: string;
  campaignId: string;
  campaignVersion: number;
  profileId: string;
  segmentId: string;
  segmentVersion: number;
  segmentEventId: string;
  eventType: string;
  causeKind: string;
  triggeredAtMs: number;
  decidedAtMs: number;
  source: SourcePosition;
  /** The exact webhook body (the same bytes on every attempt). */
  body: string;
  attempts: number;
  lastStatusCode: number;
  lastError: string;
  nextAttemptAtMs: number;
}

/** One row of `campaign_deliveries` (0005), as inserted (JSONEachRow). */
export interface DeliveryRow {
  delivery_id: string;
  campaign_id: string;
  campaign_version: number;
  profile_id: string;
  segment_id: string;
  segment_version: number;
  segment_event_id: string;
  event_type: string;
  cause_kind: string;
  triggered_at: string;
  triggered_ms: number;
  status: DeliveryStatus;
  attempts: number;
  last_status_code: number;
  last_error: string;
  decided_at: string;
  next_attempt_at: string;
  sent_at: string;
  updated_at: string;
  updated_ms: number;
  source_topic: string;
  source_partition: number;
  source_offset: number;
  payload: string;
  version: number;
}

const EPOCH = formatDateTime(new Date(0));
const dateTime = (ms: number): string => (ms > 0 ? formatDateTime(new Date(ms)) : EPOCH);

/** The delivery's state as a row with `status`, written at `nowMs`. */
export function deliveryRow(d: Delivery, status: DeliveryStatus, nowMs: number): DeliveryRow {
  const keepsPayload =
    status === 'pending' || status === 'sent' || status === 'failed' || status === 'cancelled';
  return {
    delivery_id: d.id,
    campaign_id: d.campaignId,
    campaign_version: d.campaignVersion,
    profile_id: d.profileId,
    segment_id: d.segmentId,
    segment_version: d.segmentVersion,
    segment_event_id: d.segmentEventId,
    event_type: d.eventType,
    cause_kind: d.causeKind,
    triggered_at: dateTime(d.triggeredAtMs),
    triggered_ms: ((d.triggeredAtMs % 1000) + 1000) % 1000,
    status,
    attempts: d.attempts,
    last_status_code: d.lastStatusCode,
    last_error: d.lastError.slice(0, 1000),
    decided_at: dateTime(d.decidedAtMs),
    next_attempt_at: status === 'pending' ? dateTime(d.nextAttemptAtMs) : EPOCH,
    sent_at: status === 'sent' ? dateTime(nowMs) : EPOCH,
    updated_at: dateTime(nowMs),
    updated_ms: nowMs % 1000,
    source_topic: d.source.topic,
    source_partition: d.source.partition,
    source_offset: Number(d.source.offset),
    payload: keepsPayload ? d.body : '',
    version: rowVersion(status, d.attempts),
  };
}
