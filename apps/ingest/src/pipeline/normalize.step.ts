import {
  asEpochMs,
  dlq,
  drop,
  ok,
  parseAndNormalize,
  pipe,
  type CanonicalEvent,
  type EpochMs,
  type SourceKind,
  type StepResult,
} from '@cdp/domain';
import { errorText } from '@cdp/runtime';
import type { RawMessage } from './raw-message';

/** ClickHouse `DateTime` holds 1970-01-01 .. 2106-02-07; keep a margin at the top. */
export const MIN_STORABLE_MS = 0;
export const MAX_STORABLE_MS = Date.UTC(2105, 11, 31, 23, 59, 59, 999);

const storable = (ms: number): boolean => ms >= MIN_STORABLE_MS && ms <= MAX_STORABLE_MS;

/** When the platform received the message: the Kafka timestamp, or now when it has none usable. */
export function receivedAtOf(message: RawMessage, now: number): EpochMs {
  const ms = Number(message.timestamp);
  return asEpochMs(Number.isFinite(ms) && storable(ms) ? ms : now);
}

/**
 * A canonical event whose instants ClickHouse cannot store (a timestamp in 1900 or 2200) is a
 * dead letter: inserting it would fail (or wrap around) and block the partition.
 */
export function checkStorable(source: SourceKind): (event: CanonicalEvent) => StepResult<CanonicalEvent> {
  return (event) => {
    if (!storable(event.occurredAt)) {
      return dlq('validation_failed', [
        {
          path: source === 'web' ? 'timestamp' : 'occurredAt',
          message: 'must be between 1970-01-01T00:00:00Z and 2105-12-31T23:59:59Z',
        },
      ]);
    }
    if (!storable(event.receivedAt)) {
      return dlq('validation_failed', [
        { path: 'receivedAt', message: 'must be between 1970-01-01T00:00:00Z and 2105-12-31T23:59:59Z' },
      ]);
    }
    return ok(event);
  };
}

/**
 * Raw message -> canonical event: parse, validate and normalize (libs/domain), then check that it
 * can be stored. Never throws: an unexpected exception for one message makes that message a dead
 * letter (`processing_failed`), so a poison message cannot block its partition.
 */
export function normalizeMessage(
  source: SourceKind,
  message: RawMessage,
  now: number,
): StepResult<CanonicalEvent> {
  try {
    const origin = { topic: message.topic, partition: message.partition, offset: message.offset };
    const normalized = parseAndNormalize(source, message.value, origin, receivedAtOf(message, now));
    return pipe(normalized, checkStorable(source));
  } catch (e) {
    return dlq('processing_failed', [{ path: '$', message: `could not be processed: ${errorText(e)}` }]);
  }
}

/** Reason of drops for a second copy of an event id within one batch. */
export const DUPLICATE_IN_BATCH = 'duplicate_in_batch';

/** Keeps the first event of each id within one batch; later copies are dropped as duplicates. */
export function firstOccurrence(seen: Set<string>): (event: CanonicalEvent) => StepResult<CanonicalEvent> {
  return (event) => {
    if (seen.has(event.eventId)) return drop(DUPLICATE_IN_BATCH);
    seen.add(event.eventId);
    return ok(event);
  };
}
