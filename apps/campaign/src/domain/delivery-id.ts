import { createHash } from 'node:crypto';

/**
 * The delivery id of a campaign's action for one segment event: the first 32 hex digits of
 * sha256("<campaign id>\n<segment event id>"). Deterministic, so a redelivered segment event,
 * a restart or a second instance computes the same id, which is the dedupe key of the delivery
 * log and the `Idempotency-Key` the endpoint receives.
 */
export function deliveryIdOf(campaignId: string, segmentEventId: string): string {
  return createHash('sha256').update(`${campaignId}\n${segmentEventId}`).digest('hex').slice(0, 32);
}
