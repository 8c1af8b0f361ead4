import { formatDateTime } from '@cdp/clickhouse';
import type { CanonicalEvent, IdentifierKind } from '@cdp/domain';

/** An `events` row (migration 0002); column names as in the table. */
export interface EventRow {
  event_id: string;
  profile_id: string;
  source: string;
  type: string;
  name: string;
  occurred_at: string;
  occurred_ms: number;
  received_at: string;
  ingested_at: string;
  revenue: number;
  currency: string;
  user_id: string;
  anonymous_id: string;
  email: string;
  identifiers: string[];
  category: string;
  categories: string[];
  topics: string[];
  utm_source: string;
  utm_medium: string;
  utm_campaign: string;
  utm_term: string;
  utm_content: string;
  referrer: string;
  page_url: string;
  page_path: string;
  channel: string;
  campaign_name: string;
  ip: string;
  user_agent: string;
  locale: string;
  properties: string;
  traits: string;
  kafka_topic: string;
  kafka_partition: number;
  kafka_offset: number;
}

export type TraitValueType = 'string' | 'number' | 'boolean' | 'json';

/** A `trait_updates` row: one per trait key an event sets. */
export interface TraitUpdateRow {
  profile_id: string;
  trait: string;
  value: string;
  value_type: TraitValueType;
  updated_at: string;
  updated_ms: number;
  event_id: string;
  source: string;
}

/** An `event_ids` row: written last, checked before every insert (redelivery). */
export interface EventIdRow {
  event_id: string;
  profile_id: string;
  ingested_at: string;
}

/** `YYYY-MM-DD hh:mm:ss` (UTC) of epoch milliseconds. */
export const dateTimeOf = (ms: number): string => formatDateTime(new Date(ms));

/** Milliseconds within the second (0..999) of epoch milliseconds. */
export const millisOf = (ms: number): number => ((Math.trunc(ms) % 1000) + 1000) % 1000;

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

function firstOfKind(event: CanonicalEvent, kind: IdentifierKind): string {
  return event.identifiers.find((i) => i.kind === kind)?.value ?? '';
}

/** Canonical event + the profile it was filed under -> `events` row. */
export function toEventRow(event: CanonicalEvent, profileId: string, ingestedAt: number): EventRow {
  const c = event.context;
  return {
    event_id: event.eventId,
    profile_id: profileId,
    source: event.source,
    type: event.type,
    name: event.name,
    occurred_at: dateTimeOf(event.occurredAt),
    occurred_ms: millisOf(event.occurredAt),
    received_at: dateTimeOf(event.receivedAt),
    ingested_at: dateTimeOf(ingestedAt),
    revenue: event.revenue ?? 0,
    currency: event.currency ?? '',
    user_id: firstOfKind(event, 'userId'),
    anonymous_id: firstOfKind(event, 'anonymousId'),
    email: firstOfKind(event, 'email'),
    identifiers: event.identifiers.map((i) => i.key),
    category: text(event.properties.category),
    categories: strings(event.properties.categories),
    topics: strings(event.properties.topics),
    utm_source: c.utmSource ?? '',
    utm_medium: c.utmMedium ?? '',
    utm_campaign: c.utmCampaign ?? '',
    utm_term: c.utmTerm ?? '',
    utm_content: c.utmContent ?? '',
    referrer: c.referrer ?? '',
    page_url: c.pageUrl ?? '',
    page_path: c.pagePath ?? '',
    channel: c.channel ?? '',
    campaign_name: c.campaignName ?? '',
    ip: c.ip ?? '',
    user_agent: c.userAgent ?? '',
    locale: c.locale ?? '',
    properties: JSON.stringify(event.properties),
    traits: JSON.stringify(event.traits),
    kafka_topic: event.origin.topic,
    kafka_partition: event.origin.partition,
    kafka_offset: Number(event.origin.offset),
  };
}

/** A trait value as text plus its type: strings as they are, numbers and booleans as JSON, the rest as JSON. */
export function traitValue(value: unknown): { value: string; value_type: TraitValueType } {
  switch (typeof value) {
    case 'string':
      return { value, value_type: 'string' };
    case 'number':
      return Number.isFinite(value)
        ? { value: String(value), value_type: 'number' }
        : { value: 'null', value_type: 'json' };
    case 'boolean':
      return { value: value ? 'true' : 'false', value_type: 'boolean' };
    default:
      return { value: JSON.stringify(value ?? null) ?? 'null', value_type: 'json' };
  }
}

/** One `trait_updates` row per key of `event.traits`. */
export function toTraitRows(event: CanonicalEvent, profileId: string): TraitUpdateRow[] {
  return Object.entries(event.traits).map(([trait, raw]) => ({
    profile_id: profileId,
    trait,
    ...traitValue(raw),
    updated_at: dateTimeOf(event.occurredAt),
    updated_ms: millisOf(event.occurredAt),
    event_id: event.eventId,
    source: event.source,
  }));
}

export function toEventIdRow(eventId: string, profileId: string, ingestedAt: number): EventIdRow {
  return { event_id: eventId, profile_id: profileId, ingested_at: dateTimeOf(ingestedAt) };
}
