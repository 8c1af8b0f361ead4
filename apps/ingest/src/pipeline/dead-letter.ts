import type { FieldProblem } from '@cdp/domain';
import { formatDateTime } from '@cdp/clickhouse';
import type { IHeaders } from 'kafkajs';
import type { RawMessage } from './raw-message';

/**
 * The value of a `cdp.events.dlq` message (contract section 5). The Kafka key is the original
 * message's key, as received; the original headers are passed through.
 */
export interface DeadLetterPayload {
  /** Why, as one code: invalid_json, not_an_object, validation_failed, missing_identifier, ... */
  reason: string;
  /** Each problem with the JSON path of the field (`$` for the whole message). */
  reasons: FieldProblem[];
  source: {
    topic: string;
    partition: number;
    offset: string;
    /** Kafka timestamp of the original message (ISO 8601). */
    timestamp: string;
  };
  /** The original key, base64 (null when it had none). */
  keyBase64: string | null;
  /** The original value bytes, base64 (empty string for a message without value). */
  payloadBase64: string;
  /** When ingest rejected it (ISO 8601). */
  rejectedAt: string;
}

/** A `dead_letters` row (migration 0001). */
export interface DeadLetterRow {
  source_topic: string;
  source_partition: number;
  source_offset: number;
  received_at: string;
  reasons: string;
  reason_codes: string[];
  payload_base64: string;
}

/** A rejected message: what goes to the DLQ topic and to the dead_letters table. */
export interface DeadLetter {
  key: Buffer | null;
  headers?: IHeaders;
  payload: DeadLetterPayload;
  row: DeadLetterRow;
}

function isoOf(ms: number): string {
  return new Date(Number.isFinite(ms) ? ms : 0).toISOString();
}

export function buildDeadLetter(
  message: RawMessage,
  reason: string,
  problems: readonly FieldProblem[],
  now: number,
): DeadLetter {
  const reasons =
    problems.length > 0
      ? problems.map((p) => ({ path: p.path, message: p.message }))
      : [{ path: '$', message: reason }];
  const payloadBase64 = message.value ? message.value.toString('base64') : '';
  const kafkaMs = Number(message.timestamp);
  const receivedMs = Number.isFinite(kafkaMs) && kafkaMs >= 0 && kafkaMs < 4102444800000 ? kafkaMs : now;
  return {
    key: message.key,
    headers: message.headers,
    payload: {
      reason,
      reasons,
      source: {
        topic: message.topic,
        partition: message.partition,
        offset: message.offset,
        timestamp: isoOf(receivedMs),
      },
      keyBase64: message.key ? message.key.toString('base64') : null,
      payloadBase64,
      rejectedAt: isoOf(now),
    },
    row: {
      source_topic: message.topic,
      source_partition: message.partition,
      source_offset: Number(message.offset),
      received_at: formatDateTime(new Date(receivedMs)),
      reasons: JSON.stringify(reasons),
      reason_codes: [reason],
      payload_base64: payloadBase64,
    },
  };
}
