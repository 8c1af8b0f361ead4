import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SegmentEvent } from '@cdp/segment-events';
import type { CampaignDefinition } from './campaign-definition';

export const SIGNATURE_HEADER = 'x-cdp-signature';
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/**
 * Header names the service sets itself; configured headers with these names are ignored (the
 * api refuses them). Lower case.
 */
export const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'content-type',
  'content-length',
  'host',
  'connection',
  'transfer-encoding',
  IDEMPOTENCY_HEADER,
  SIGNATURE_HEADER,
  'x-cdp-campaign-id',
  'x-cdp-delivery-attempt',
  'user-agent',
]);

/** The webhook body: the segment event as received plus `campaignId` and `deliveryId`. */
export function webhookBody(event: SegmentEvent, campaignId: string, deliveryId: string): string {
  return JSON.stringify({ ...event, campaignId, deliveryId });
}

/** `sha256=<hex HMAC-SHA256 of the exact body bytes keyed with the campaign secret>`. */
export function signatureOf(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** What a receiver does: recompute the signature and compare in constant time. */
export function verifySignature(secret: string, body: string, header: string | undefined | null): boolean {
  if (!header) return false;
  const expected = Buffer.from(signatureOf(secret, body));
  const got = Buffer.from(header);
  return expected.length === got.length && timingSafeEqual(expected, got);
}

/** Headers of one attempt: the campaign's own, then the ones the service owns. */
export function webhookHeaders(
  campaign: Pick<CampaignDefinition, 'id' | 'action' | 'secret'>,
  deliveryId: string,
  body: string,
  attempt: number,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(campaign.action.headers)) {
    if (!RESERVED_HEADERS.has(name.toLowerCase())) headers[name] = value;
  }
  headers['content-type'] = 'application/json';
  headers['user-agent'] = 'cdp-campaign/1';
  headers[IDEMPOTENCY_HEADER] = deliveryId;
  headers['x-cdp-campaign-id'] = campaign.id;
  headers['x-cdp-delivery-attempt'] = String(attempt);
  if (campaign.secret) headers[SIGNATURE_HEADER] = signatureOf(campaign.secret, body);
  return headers;
}

/** How one HTTP attempt ended. */
export type AttemptOutcome =
  | { kind: 'delivered'; statusCode: number }
  | { kind: 'retryable'; statusCode: number; error: string; retryAfterMs?: number }
  | { kind: 'permanent'; statusCode: number; error: string };

/**
 * 2xx: delivered. 408, 429 and 5xx: retried. Anything else (other 4xx, 3xx: redirects are not
 * followed) fails at once: the request itself is wrong and sending it again will not help.
 * Network errors and timeouts are retried (statusCode 0).
 */
export function classifyStatus(statusCode: number, retryAfterMs?: number): AttemptOutcome {
  if (statusCode >= 200 && statusCode < 300) return { kind: 'delivered', statusCode };
  const error = `HTTP ${statusCode}`;
  if (statusCode === 408 || statusCode === 429 || statusCode >= 500) {
    return retryAfterMs === undefined
      ? { kind: 'retryable', statusCode, error }
      : { kind: 'retryable', statusCode, error, retryAfterMs };
  }
  return { kind: 'permanent', statusCode, error };
}
