import type { EpochMs } from '../brand';
import { ok, type StepResult } from '../step-result';
import type { CanonicalEvent, KafkaOrigin } from './canonical-event';
import { checkSocialIdentifier, uniqueIdentifiers } from './identifier';
import { compact, Problems, readRoot, textOf } from './payload-reader';

/**
 * Social interaction (`cdp.raw.social`, contract 4.1) -> CanonicalEvent.
 *
 * | canonical   | from |
 * |-------------|------|
 * | eventId     | `${platform}:${id}` (platform lower-cased) |
 * | source/type | `social` / `social` |
 * | name        | `Social <Action>`: `Social Like`, `Social Comment`, ... |
 * | occurredAt  | `occurredAt` (ISO 8601, required) |
 * | identifiers | `social` `${platform}:${handle}` (lower case, no leading @), `userId` `actor.userId`, `email` `actor.email` |
 * | traits      | `email` when `actor.email` is usable |
 * | properties  | `action`, `platform`, `handle` (normalized), `target` (as sent), `targetType`, `targetId`, `targetUrl`, `topics` (`content.topics`, default []), `text` (`content.text`), `campaignName` |
 * | context     | `channel` = platform, `campaignName` = `campaign.name` |
 *
 * Validation (every problem reported with its path): `id` (string or number), `platform`
 * (a name such as weibo), `action` (like | comment | share | follow | mention | message |
 * click, case-insensitive), `occurredAt`, `actor` object with at least one usable
 * identifier, `target`/`content`/`campaign` objects when present, `content.topics` an
 * array of strings, `content.text`, `target.type`, `target.url` and `campaign.name` strings.
 *
 * Dead-letter reasons: `not_an_object`, `missing_identifier` (no actor or no usable
 * handle/userId/email), `validation_failed` (anything else, or a mix).
 */

export const SOCIAL_ACTIONS = ['like', 'comment', 'share', 'follow', 'mention', 'message', 'click'] as const;
export type SocialAction = (typeof SOCIAL_ACTIONS)[number];

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

export function normalizeSocial(
  value: unknown,
  receivedAt: EpochMs,
  origin: KafkaOrigin,
): StepResult<CanonicalEvent> {
  const problems = new Problems();
  const root = readRoot(value, problems);
  if (root === undefined) return problems.toDlq();

  const id = root.id('id', { required: true });
  const platform = root.slug('platform', { required: true });
  const action = root.oneOf('action', SOCIAL_ACTIONS, { required: true });
  const occurredAt = root.timestamp('occurredAt', { required: true });

  const actor = root.object('actor', { required: true, code: 'missing_identifier' });
  const handle = actor?.identifier('social', 'handle', (raw) =>
    checkSocialIdentifier(platform ?? 'unknown', raw),
  );
  const userId = actor?.identifier('userId', 'userId');
  const email = actor?.identifier('email', 'email');
  if (actor !== undefined && !handle && !userId && !email) {
    problems.add(
      'actor',
      'needs at least one usable identifier: handle, userId or email',
      'missing_identifier',
    );
  }

  const target = root.object('target');
  const targetType = target?.string('type');
  const targetId = target?.id('id');
  const targetUrl = target?.string('url');
  const content = root.object('content');
  const topics = content?.stringArray('topics');
  const text = content?.string('text');
  const campaignName = root.object('campaign')?.string('name');

  if (
    !problems.isEmpty ||
    id === undefined ||
    platform === undefined ||
    action === undefined ||
    occurredAt === undefined
  ) {
    return problems.toDlq();
  }

  const campaign = textOf(campaignName);
  return ok({
    eventId: `${platform}:${id}`,
    source: 'social',
    type: 'social',
    name: `Social ${capitalize(action)}`,
    occurredAt,
    receivedAt,
    identifiers: uniqueIdentifiers([handle, userId, email]),
    properties: compact({
      action,
      platform,
      handle: handle?.value.slice(platform.length + 1),
      target: target?.value,
      targetType,
      targetId,
      targetUrl,
      topics: topics ?? [],
      text,
      campaignName: campaign,
    }),
    traits: email ? { email: email.value } : {},
    context: compact({ channel: platform, campaignName: campaign }),
    origin,
  });
}
