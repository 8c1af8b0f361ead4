import type { EpochMs } from '../brand';
import { ok, type StepResult } from '../step-result';
import type { CanonicalEvent, KafkaOrigin } from './canonical-event';
import { uniqueIdentifiers } from './identifier';
import { compact, Problems, readRoot, textOf } from './payload-reader';

/**
 * Ad event (`cdp.raw.ad`, contract 4.2) -> CanonicalEvent.
 *
 * | canonical   | from |
 * |-------------|------|
 * | eventId     | `${network}:${id}` (network lower-cased) |
 * | source/type | `ad` / `ad` |
 * | name        | `Ad Impression` \| `Ad Click` \| `Ad Conversion` |
 * | occurredAt  | `occurredAt` (ISO 8601, required) |
 * | identifiers | `anonymousId`, `userId`, `clickId` (at least one usable) |
 * | traits      | {} |
 * | properties  | `network`, `type`, `campaignId`, `campaignName`, `adGroup`, `creative`, `cost` (`cost.amount`), `currency` (`cost.currency`), `clickId` |
 * | context     | `channel` = network, `campaignName` = `campaign.name` |
 *
 * Validation (every problem reported with its path): `id` (string or number), `network`
 * (a name such as google_ads), `type` (impression | click | conversion, case-insensitive),
 * `occurredAt`, `campaign` object when present with `campaign.id` and `campaign.name`,
 * `adGroup`, `creative` strings or numbers, `cost` object when present with a non-negative
 * `cost.amount` (number or numeric string) and a three-letter `cost.currency`.
 *
 * Dead-letter reasons: `not_an_object`, `missing_identifier` (none of anonymousId, userId,
 * clickId is usable), `validation_failed` (anything else, or a mix).
 */

export const AD_EVENT_TYPES = ['impression', 'click', 'conversion'] as const;
export type AdEventType = (typeof AD_EVENT_TYPES)[number];

const NAMES: Record<AdEventType, string> = {
  impression: 'Ad Impression',
  click: 'Ad Click',
  conversion: 'Ad Conversion',
};

export function normalizeAd(
  value: unknown,
  receivedAt: EpochMs,
  origin: KafkaOrigin,
): StepResult<CanonicalEvent> {
  const problems = new Problems();
  const root = readRoot(value, problems);
  if (root === undefined) return problems.toDlq();

  const id = root.id('id', { required: true });
  const network = root.slug('network', { required: true });
  const type = root.oneOf('type', AD_EVENT_TYPES, { required: true });
  const occurredAt = root.timestamp('occurredAt', { required: true });

  const anonymousId = root.identifier('anonymousId', 'anonymousId');
  const userId = root.identifier('userId', 'userId');
  const clickId = root.identifier('clickId', 'clickId');
  if (!anonymousId && !userId && !clickId) {
    problems.add(
      'anonymousId',
      'at least one usable anonymousId, userId or clickId is required (placeholders such as "null" do not count)',
      'missing_identifier',
    );
  }

  const campaign = root.object('campaign');
  const campaignId = campaign?.id('id');
  const campaignName = campaign?.string('name');
  const adGroup = root.id('adGroup');
  const creative = root.id('creative');
  const cost = root.object('cost');
  const costAmount = cost?.amount('amount', { required: true });
  const currency = cost?.currency('currency', { required: true });

  if (
    !problems.isEmpty ||
    id === undefined ||
    network === undefined ||
    type === undefined ||
    occurredAt === undefined
  ) {
    return problems.toDlq();
  }

  const name = textOf(campaignName);
  return ok({
    eventId: `${network}:${id}`,
    source: 'ad',
    type: 'ad',
    name: NAMES[type],
    occurredAt,
    receivedAt,
    identifiers: uniqueIdentifiers([anonymousId, userId, clickId]),
    properties: compact({
      network,
      type,
      campaignId,
      campaignName: name,
      adGroup,
      creative,
      cost: costAmount,
      currency,
      clickId: clickId?.value,
    }),
    traits: {},
    context: compact({ channel: network, campaignName: name }),
    origin,
  });
}
