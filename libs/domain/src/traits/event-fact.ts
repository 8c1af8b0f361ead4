import type { EpochMs } from '../brand';
import type { CanonicalEvent, SourceKind } from '../events/canonical-event';

/** The marketing context of an event that computed traits read (first-touch attribution). */
export interface EventFactContext {
  utmSource?: string;
  utmMedium?: string;
  referrer?: string;
  /** Social platform, ad network, or order channel. */
  channel?: string;
}

/**
 * One event of a profile as the rule engine and computed traits see it: the slice of a
 * `CanonicalEvent` they need. `revenue` is the canonical revenue (transactions: the order
 * total; refunds carry a positive amount), `currency` its currency.
 */
export interface EventFact {
  name: string;
  source: SourceKind;
  occurredAt: EpochMs;
  revenue?: number;
  currency?: string;
  properties: Record<string, unknown>;
  context?: EventFactContext;
}

/** The `EventFact` of a canonical event (drops identifiers, traits, origin). */
export function eventFactOf(event: CanonicalEvent): EventFact {
  const fact: EventFact = {
    name: event.name,
    source: event.source,
    occurredAt: event.occurredAt,
    properties: event.properties,
  };
  if (event.revenue !== undefined) fact.revenue = event.revenue;
  if (event.currency !== undefined) fact.currency = event.currency;
  const { utmSource, utmMedium, referrer, channel } = event.context;
  const context: EventFactContext = {};
  if (utmSource !== undefined) context.utmSource = utmSource;
  if (utmMedium !== undefined) context.utmMedium = utmMedium;
  if (referrer !== undefined) context.referrer = referrer;
  if (channel !== undefined) context.channel = channel;
  if (Object.keys(context).length > 0) fact.context = context;
  return fact;
}
