import { asEpochMs, type EventFact, type EventFactContext, type SourceKind } from '@cdp/domain';

/**
 * The facts the rule engine sees, read back from ClickHouse rows: the mapping the SQL
 * compiler assumes between the `events` / `trait_updates` columns and the in-memory
 * `EventFact` / identify traits (the inverse of what ingest writes, see
 * apps/ingest/src/pipeline/event-rows.ts). A snapshot built with these functions gets the
 * same membership from `evaluate` as the compiled SQL from the same rows.
 */

/** The `events` columns an `EventFact` is made of. */
export interface EventFactRow {
  name: string;
  source: string;
  type: string;
  occurred_at: string;
  occurred_ms: number;
  revenue: number;
  currency: string;
  properties: string;
  utm_source: string;
  utm_medium: string;
  referrer: string;
  channel: string;
}

/** `YYYY-MM-DD hh:mm:ss` (UTC) plus milliseconds -> epoch ms. */
export function epochMsOfRow(dateTime: string, ms: number): number {
  return Date.parse(`${dateTime.replace(' ', 'T')}Z`) + ms;
}

const has = (properties: Record<string, unknown>, key: string): boolean =>
  Object.prototype.hasOwnProperty.call(properties, key) &&
  properties[key] !== null &&
  properties[key] !== undefined;

/**
 * An `EventFact` from its row. The canonical revenue exists on every transaction and on
 * web track calls that carried `properties.revenue` or `properties.total` (the column is
 * 0 otherwise); '' strings are absent values.
 */
export function eventFactFromRow(row: EventFactRow): EventFact {
  const properties = JSON.parse(row.properties) as Record<string, unknown>;
  const fact: EventFact = {
    name: row.name,
    source: row.source as SourceKind,
    occurredAt: asEpochMs(epochMsOfRow(row.occurred_at, Number(row.occurred_ms))),
    properties,
  };
  const revenue = Number(row.revenue);
  const hasRevenue =
    row.source === 'transaction' ||
    revenue !== 0 ||
    (row.source === 'web' &&
      row.type === 'track' &&
      (has(properties, 'revenue') || has(properties, 'total')));
  if (hasRevenue) fact.revenue = revenue;
  if (row.currency !== '') fact.currency = row.currency;
  const context: EventFactContext = {};
  if (row.utm_source !== '') context.utmSource = row.utm_source;
  if (row.utm_medium !== '') context.utmMedium = row.utm_medium;
  if (row.referrer !== '') context.referrer = row.referrer;
  if (row.channel !== '') context.channel = row.channel;
  if (Object.keys(context).length > 0) fact.context = context;
  return fact;
}

/** A trait value from `trait_updates.value` / `value_type` (ingest's `traitValue`, reversed). */
export function traitValueFromRow(value: string, valueType: string): unknown {
  switch (valueType) {
    case 'string':
      return value;
    case 'number':
      return Number(value);
    case 'boolean':
      return value === 'true';
    default:
      return JSON.parse(value) as unknown;
  }
}
