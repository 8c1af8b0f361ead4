import type { EpochMs } from '../brand';

/** The four inputs of contract sections 3 and 4. */
export type SourceKind = 'web' | 'social' | 'ad' | 'transaction';

/** Kinds of identifier that can name a person (contract: identity resolution). */
export type IdentifierKind =
  'userId' | 'anonymousId' | 'customerId' | 'email' | 'phone' | 'social' | 'clickId';

/**
 * One normalized identifier. `value` is already normalized (emails trimmed and lower
 * case, social handles lower case without a leading "@" and prefixed by platform:
 * `weibo:lin_mei`). `key` is `${kind}:${value}`, unique across kinds.
 */
export interface Identifier {
  kind: IdentifierKind;
  value: string;
  key: string;
}

/** Marketing context of a web call or a source payload, flattened for columns. */
export interface EventContext {
  utmSource?: string;
  utmMedium?: string;
  utmCampaign?: string;
  utmTerm?: string;
  utmContent?: string;
  pageUrl?: string;
  pagePath?: string;
  pageTitle?: string;
  referrer?: string;
  ip?: string;
  userAgent?: string;
  locale?: string;
  /** Social platform, ad network, or order channel (online | store | app | phone). */
  channel?: string;
  campaignName?: string;
}

/** Where the message came from in Kafka; part of dead letters and segment-event causes. */
export interface KafkaOrigin {
  topic: string;
  partition: number;
  offset: string;
}

/**
 * The one event model every source is normalized into (ingest writes it to ClickHouse
 * and publishes it on `cdp.events`).
 *
 * - `eventId`: web `messageId`; social `${platform}:${id}`; ad `${network}:${id}`;
 *   transaction `${orderId}:${status}`.
 * - `name`: canonical name (contract section 6): web track names as sent, `Page Viewed`,
 *   `Screen Viewed`, `Identify`, `Group`, `Alias`; social `Social <Action>`; ad
 *   `Ad Impression` | `Ad Click` | `Ad Conversion`; transactions `Order Completed` |
 *   `Order Refunded` | `Order Cancelled`.
 * - `revenue`/`currency`: from `properties.revenue` or `properties.total` (+ currency) on
 *   web calls, `total` on transactions (negative is never used: a refund is its own event
 *   name with a positive revenue).
 * - `identifiers`: every identifier the message carries; all of them co-occurring is a
 *   link fact for identity resolution (alias: `previousId` and `userId`).
 * - `traits`: identify traits, plus what source payloads say about the person
 *   (e.g. email from a transaction).
 */
export interface CanonicalEvent {
  eventId: string;
  source: SourceKind;
  type: 'track' | 'identify' | 'page' | 'screen' | 'group' | 'alias' | 'social' | 'ad' | 'transaction';
  name: string;
  occurredAt: EpochMs;
  receivedAt: EpochMs;
  identifiers: Identifier[];
  properties: Record<string, unknown>;
  traits: Record<string, unknown>;
  revenue?: number;
  currency?: string;
  context: EventContext;
  origin: KafkaOrigin;
}
