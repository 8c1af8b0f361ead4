import { asEpochMs, type EpochMs } from '../brand';
import { parseIsoTimestamp } from './iso-timestamp';

/** The client-side times of a tracking call (ISO 8601 strings as sent). */
export interface ClientTimes {
  timestamp?: unknown;
  sentAt?: unknown;
  originalTimestamp?: unknown;
}

/**
 * When a tracking call happened, corrected for the client's clock skew as Segment does:
 * the device clock may be wrong, but the interval between the event and the send
 * (`sentAt - timestamp`) measured on that clock is right, so
 * `occurredAt = receivedAt - (sentAt - timestamp)`.
 *
 * - `timestamp` and `sentAt`: corrected as above; `timestamp` alone: taken as is;
 * - no `timestamp`: the same with `originalTimestamp`;
 * - neither: `receivedAt`.
 * Unparsable values count as absent (the validator has already rejected them).
 */
export function correctClockSkew(times: ClientTimes, receivedAt: EpochMs): EpochMs {
  const sentAt = parseIsoTimestamp(times.sentAt);
  const happened = parseIsoTimestamp(times.timestamp) ?? parseIsoTimestamp(times.originalTimestamp);
  if (happened === undefined) return receivedAt;
  if (sentAt === undefined) return happened;
  return asEpochMs(receivedAt - (sentAt - happened));
}
