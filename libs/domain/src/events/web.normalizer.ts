import type { EpochMs } from '../brand';
import { ok, type StepResult } from '../step-result';
import type { CanonicalEvent, EventContext, Identifier, KafkaOrigin } from './canonical-event';
import { correctClockSkew } from './clock-skew';
import { makeIdentifier, uniqueIdentifiers } from './identifier';
import {
  compact,
  isAbsent,
  isJsonObject,
  parseAmount,
  Problems,
  textOf,
  type JsonObject,
} from './payload-reader';
import type { TrackingCall, TrackingCallType } from './tracking-call.validator';

/**
 * Web tracking call (contract section 3, already validated) -> CanonicalEvent.
 *
 * | canonical      | from |
 * |----------------|------|
 * | eventId        | `messageId` (set by the collector, or derived by `normalizeRaw`) |
 * | source, type   | `web`, the call's `type` |
 * | name           | track: `event` as sent; page `Page Viewed`; screen `Screen Viewed`; identify `Identify`; group `Group`; alias `Alias` |
 * | occurredAt     | `timestamp`/`originalTimestamp` corrected by `sentAt` and `receivedAt` (`correctClockSkew`) |
 * | receivedAt     | the argument |
 * | identifiers    | `userId`, `anonymousId`, alias `previousId` (kind anonymousId), email of the traits |
 * | traits         | `context.traits`, then identify `traits` over them; `email` normalized (dropped when junk or malformed) |
 * | properties     | `properties` as sent; page/screen add `name`, `category` when not in properties; group adds `groupId`, `groupTraits`; alias adds `previousId` |
 * | revenue        | track only: `properties.revenue`, else `properties.total` (number or numeric string, >= 0) |
 * | currency       | `properties.currency`, trimmed and upper-cased |
 * | context        | `context.campaign` source/medium/name/term/content -> utm*, name also -> campaignName; `context.page` url/path/title/referrer, overridden on page calls by `properties` url/path/title/referrer; utm_* query parameters of the page URL fill missing utm*; pagePath from that URL when no path comes with it; `context.ip`, `context.userAgent`, `context.locale` |
 *
 * Dead-letter reasons: `validation_failed` (no messageId; track without event), `invalid_revenue` (revenue or
 * total present but not a non-negative number; path `properties.revenue` / `properties.total`),
 * `missing_identifier` (every person identifier is a placeholder such as "null").
 */

const NAMES: Record<Exclude<TrackingCallType, 'track'>, string> = {
  page: 'Page Viewed',
  screen: 'Screen Viewed',
  identify: 'Identify',
  group: 'Group',
  alias: 'Alias',
};

/** Track names are kept exactly as sent (only blank names are refused). */
const trackName = (event: unknown): string | undefined =>
  typeof event === 'string' && event.trim() !== '' ? event : undefined;

const objectOr = (value: unknown): JsonObject => (isJsonObject(value) ? value : {});

function readRevenue(properties: JsonObject, problems: Problems): number | undefined {
  const key = !isAbsent(properties.revenue) ? 'revenue' : !isAbsent(properties.total) ? 'total' : undefined;
  if (key === undefined) return undefined;
  const amount = parseAmount(properties[key]);
  if (amount === undefined) {
    problems.add(`properties.${key}`, 'must be a number or a numeric string', 'invalid_revenue');
    return undefined;
  }
  if (amount < 0) {
    problems.add(
      `properties.${key}`,
      'must not be negative (send a refund as its own event with a positive revenue)',
      'invalid_revenue',
    );
    return undefined;
  }
  return amount;
}

function readTraits(call: TrackingCall, context: JsonObject): JsonObject {
  const traits: JsonObject = {
    ...objectOr(context.traits),
    ...(call.type === 'identify' ? objectOr(call.traits) : {}),
  };
  if ('email' in traits) {
    const email = makeIdentifier('email', traits.email);
    if (email === undefined) delete traits.email;
    else traits.email = email.value;
  }
  return traits;
}

function readProperties(call: TrackingCall): JsonObject {
  const properties: JsonObject = { ...objectOr(call.properties) };
  switch (call.type) {
    case 'page':
    case 'screen':
      if (properties.name === undefined && typeof call.name === 'string') properties.name = call.name;
      if (properties.category === undefined && typeof call.category === 'string') {
        properties.category = call.category;
      }
      break;
    case 'group':
      properties.groupId = textOf(call.groupId);
      properties.groupTraits = objectOr(call.traits);
      break;
    case 'alias':
      properties.previousId = textOf(call.previousId);
      break;
    case 'track':
    case 'identify':
      break;
  }
  return properties;
}

function utmFromUrl(url: string | undefined): Partial<EventContext> {
  if (url === undefined) return {};
  try {
    const parsed = new URL(url);
    const q = (name: string) => textOf(parsed.searchParams.get(name));
    return compact({
      utmSource: q('utm_source'),
      utmMedium: q('utm_medium'),
      utmCampaign: q('utm_campaign'),
      utmTerm: q('utm_term'),
      utmContent: q('utm_content'),
      pagePath: textOf(parsed.pathname),
    });
  } catch {
    return {};
  }
}

function readContext(call: TrackingCall, context: JsonObject, properties: JsonObject): EventContext {
  const campaign = objectOr(context.campaign);
  const page = objectOr(context.page);
  const pageProps = call.type === 'page' ? properties : {};
  const pick = (key: string) => textOf(pageProps[key]) ?? textOf(page[key]);
  const pageUrl = pick('url');
  const fromUrl = utmFromUrl(pageUrl);
  const utmCampaign = textOf(campaign.name) ?? fromUrl.utmCampaign;
  return compact({
    utmSource: textOf(campaign.source) ?? fromUrl.utmSource,
    utmMedium: textOf(campaign.medium) ?? fromUrl.utmMedium,
    utmCampaign,
    utmTerm: textOf(campaign.term) ?? fromUrl.utmTerm,
    utmContent: textOf(campaign.content) ?? fromUrl.utmContent,
    pageUrl,
    // the path of the URL in use, unless a path is given next to that URL
    pagePath:
      textOf(pageProps.path) ??
      (textOf(pageProps.url) === undefined ? textOf(page.path) : undefined) ??
      fromUrl.pagePath,
    pageTitle: pick('title'),
    referrer: pick('referrer'),
    ip: textOf(context.ip),
    userAgent: textOf(context.userAgent),
    locale: textOf(context.locale),
    campaignName: utmCampaign,
  });
}

/** Normalizes one validated tracking call; see the mapping above. */
export function normalizeWebCall(
  call: TrackingCall,
  receivedAt: EpochMs,
  origin: KafkaOrigin,
): StepResult<CanonicalEvent> {
  const problems = new Problems();
  const eventId = textOf(call.messageId);
  if (eventId === undefined || typeof call.messageId !== 'string') {
    problems.add('messageId', 'is required (set by the collector, or derived by normalizeRaw)');
  }

  const name = call.type === 'track' ? trackName(call.event) : NAMES[call.type];
  if (name === undefined) problems.add('event', 'must be a non-empty string');

  const context = objectOr(call.context);
  const properties = readProperties(call);
  const revenue = call.type === 'track' ? readRevenue(properties, problems) : undefined;
  const currency =
    typeof properties.currency === 'string' ? textOf(properties.currency)?.toUpperCase() : undefined;
  const traits = readTraits(call, context);

  const email = typeof traits.email === 'string' ? makeIdentifier('email', traits.email) : undefined;
  const identifiers: Identifier[] = uniqueIdentifiers([
    makeIdentifier('userId', call.userId),
    makeIdentifier('anonymousId', call.anonymousId),
    call.type === 'alias' ? makeIdentifier('anonymousId', call.previousId) : undefined,
    email,
  ]);
  if (identifiers.length === 0) {
    problems.add(
      isAbsent(call.userId) ? 'anonymousId' : 'userId',
      'no usable person identifier: userId and anonymousId are empty or placeholders such as "null"',
      'missing_identifier',
    );
  }

  if (!problems.isEmpty || eventId === undefined || name === undefined) return problems.toDlq();

  return ok(
    compact<CanonicalEvent>({
      eventId,
      source: 'web',
      type: call.type,
      name,
      occurredAt: correctClockSkew(call, receivedAt),
      receivedAt,
      identifiers,
      properties,
      traits,
      revenue,
      currency,
      context: readContext(call, context, properties),
      origin,
    }),
  );
}
