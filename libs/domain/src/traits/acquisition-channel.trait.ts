import type { EpochMs } from '../brand';
import type { EventFact } from './event-fact';
import { EarliestAfter } from './trait-time';
import type { TraitsConfig } from './traits.config';

/** In precedence order: when two touches are equally early, the earlier entry here wins. */
export const ACQUISITION_CHANNELS = [
  'paid',
  'email',
  'social',
  'organic_search',
  'referral',
  'direct',
] as const;
export type AcquisitionChannel = (typeof ACQUISITION_CHANNELS)[number];

/** The first touch of a profile: its channel and source. */
export interface FirstTouch {
  channel: AcquisitionChannel;
  /** utm_source (lower case), else the social platform / ad network, else the referrer host. */
  source?: string;
}

/** The lower-case host of a referrer (`https://www.Google.com/search?q=x` -> `www.google.com`), or undefined. */
export function referrerHostOf(referrer: string | undefined): string | undefined {
  if (referrer === undefined) return undefined;
  const match = /^\s*(?:[a-z][a-z0-9+.-]*:)?(?:\/\/)?(?:[^/?#@]*@)?([^/?#:\s]+)/i.exec(referrer);
  const host = match?.[1]?.toLowerCase().replace(/\.$/, '');
  return host === undefined || host === '' ? undefined : host;
}

const hostIs = (host: string, domains: readonly string[]): boolean =>
  domains.some((d) => host === d || host.endsWith(`.${d}`));

const isSearchEngine = (host: string, engines: readonly string[]): boolean => {
  const labels = host.split('.');
  return labels.slice(0, -1).some((label) => engines.includes(label));
};

/**
 * The channel of one touch, first match wins:
 * paid (an ad event, or utm_medium in paidMediums), email (utm_medium in emailMediums),
 * social (a social event, utm_medium in socialMediums, or a social network referrer),
 * organic_search (a search engine referrer), referral (any other referrer), direct.
 * utm_medium is compared in lower case.
 */
export function touchChannelOf(event: EventFact, config: TraitsConfig): AcquisitionChannel {
  const a = config.acquisition;
  const medium = event.context?.utmMedium?.trim().toLowerCase();
  const host = referrerHostOf(event.context?.referrer);
  if (event.source === 'ad' || (medium !== undefined && a.paidMediums.includes(medium))) return 'paid';
  if (medium !== undefined && a.emailMediums.includes(medium)) return 'email';
  if (
    event.source === 'social' ||
    (medium !== undefined && a.socialMediums.includes(medium)) ||
    (host !== undefined && hostIs(host, a.socialHosts))
  ) {
    return 'social';
  }
  if (host !== undefined && isSearchEngine(host, a.searchEngines)) return 'organic_search';
  if (host !== undefined) return 'referral';
  return 'direct';
}

function touchSourceOf(event: EventFact): string | undefined {
  const utm = event.context?.utmSource?.trim().toLowerCase();
  if (utm !== undefined && utm !== '') return utm;
  const channel = event.context?.channel?.trim().toLowerCase();
  if ((event.source === 'social' || event.source === 'ad') && channel !== undefined && channel !== '')
    return channel;
  return referrerHostOf(event.context?.referrer);
}

/**
 * First touch as of `now`: the earliest event at or before `now` (any event: a typed-in
 * visit or a store order is a direct touch), classified by `touchChannelOf`; among equally
 * early events the channel earliest in ACQUISITION_CHANNELS wins, then the smallest source
 * (deterministic whatever the input order). Undefined without events.
 */
export function firstTouchOf(
  events: readonly EventFact[],
  now: number,
  config: TraitsConfig,
): FirstTouch | undefined {
  let best: { at: number; rank: number; source: string | undefined; channel: AcquisitionChannel } | undefined;
  for (const event of events) {
    if (event.occurredAt > now) continue;
    if (best !== undefined && event.occurredAt > best.at) continue;
    const channel = touchChannelOf(event, config);
    const rank = ACQUISITION_CHANNELS.indexOf(channel);
    const source = touchSourceOf(event);
    if (
      best === undefined ||
      event.occurredAt < best.at ||
      rank < best.rank ||
      (rank === best.rank && (source ?? '') < (best.source ?? ''))
    ) {
      best = { at: event.occurredAt, rank, source, channel };
    }
  }
  if (best === undefined) return undefined;
  return best.source === undefined
    ? { channel: best.channel }
    : { channel: best.channel, source: best.source };
}

/** The first touch only changes when a profile without events so far gets its first one. */
export function nextFirstTouchChangeAt(events: readonly EventFact[], now: number): EpochMs | undefined {
  if (events.some((e) => e.occurredAt <= now)) return undefined;
  const next = new EarliestAfter(now);
  for (const e of events) next.offer(e.occurredAt);
  return next.value;
}
