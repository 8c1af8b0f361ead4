import { asEpochMs } from '../brand';
import type { KafkaOrigin } from './canonical-event';
import { normalizeSocial } from './social.normalizer';

const origin: KafkaOrigin = { topic: 'cdp.raw.social', partition: 0, offset: '5' };
const receivedAt = asEpochMs(Date.parse('2026-11-01T08:00:03Z'));

const example = {
  id: 'wb-889120',
  platform: 'weibo',
  action: 'like',
  occurredAt: '2026-11-01T08:00:00Z',
  actor: { handle: '@lin_mei', userId: 'u-1001', email: null },
  target: { type: 'post', id: 'p-77', url: 'https://weibo.com/p/77' },
  content: { topics: ['skincare'], text: 'love it' },
  campaign: { name: 'double11' },
};

const run = (value: unknown) => normalizeSocial(value, receivedAt, origin);
const problemsOf = (value: unknown) => {
  const r = run(value);
  return r.kind === 'dlq' ? r.problems : [];
};

describe('normalizeSocial', () => {
  it('normalizes the contract example', () => {
    expect(run(example)).toEqual({
      kind: 'ok',
      value: {
        eventId: 'weibo:wb-889120',
        source: 'social',
        type: 'social',
        name: 'Social Like',
        occurredAt: Date.parse('2026-11-01T08:00:00Z'),
        receivedAt,
        identifiers: [
          { kind: 'social', value: 'weibo:lin_mei', key: 'social:weibo:lin_mei' },
          { kind: 'userId', value: 'u-1001', key: 'userId:u-1001' },
        ],
        properties: {
          action: 'like',
          platform: 'weibo',
          handle: 'lin_mei',
          target: { type: 'post', id: 'p-77', url: 'https://weibo.com/p/77' },
          targetType: 'post',
          targetId: 'p-77',
          targetUrl: 'https://weibo.com/p/77',
          topics: ['skincare'],
          text: 'love it',
          campaignName: 'double11',
        },
        traits: {},
        context: { channel: 'weibo', campaignName: 'double11' },
        origin,
      },
    });
  });

  it.each([
    ['like', 'Social Like'],
    ['comment', 'Social Comment'],
    ['share', 'Social Share'],
    ['follow', 'Social Follow'],
    ['mention', 'Social Mention'],
    ['message', 'Social Message'],
    ['CLICK', 'Social Click'],
  ])('names action %s %s', (action, name) => {
    expect(run({ ...example, action })).toMatchObject({ kind: 'ok', value: { name } });
  });

  it('lower-cases the platform and handle, links email as identifier and trait', () => {
    const r = run({
      id: 17,
      platform: ' WeChat ',
      action: 'follow',
      occurredAt: '2026-11-01T16:00:00+08:00',
      actor: { handle: 'Lin_Mei', email: 'Lin@Example.com' },
    });
    expect(r).toEqual({
      kind: 'ok',
      value: {
        eventId: 'wechat:17',
        source: 'social',
        type: 'social',
        name: 'Social Follow',
        occurredAt: Date.parse('2026-11-01T08:00:00Z'),
        receivedAt,
        identifiers: [
          { kind: 'social', value: 'wechat:lin_mei', key: 'social:wechat:lin_mei' },
          { kind: 'email', value: 'lin@example.com', key: 'email:lin@example.com' },
        ],
        properties: { action: 'follow', platform: 'wechat', handle: 'lin_mei', topics: [] },
        traits: { email: 'lin@example.com' },
        context: { channel: 'wechat' },
        origin,
      },
    });
  });

  it('reports every problem with its path', () => {
    expect(
      problemsOf({
        platform: 'we ibo',
        action: 'retweet',
        occurredAt: 'last tuesday',
        actor: { handle: 'lin mei', email: 'lin-at-example' },
        target: 'p-77',
        content: { topics: 'skincare', text: 5 },
        campaign: { name: 11 },
      }),
    ).toEqual([
      { path: 'id', message: 'is required' },
      { path: 'platform', message: 'must be a name of letters, digits, "_", "-" or "." such as google_ads' },
      { path: 'action', message: 'must be one of: like, comment, share, follow, mention, message, click' },
      { path: 'occurredAt', message: 'must be an ISO 8601 date-time such as 2026-11-01T08:00:00Z' },
      { path: 'actor.handle', message: 'must be a handle without spaces' },
      {
        path: 'actor.email',
        message: 'must be an email address with exactly one "@" and text on both sides',
      },
      { path: 'actor', message: 'needs at least one usable identifier: handle, userId or email' },
      { path: 'target', message: 'must be an object' },
      { path: 'content.topics', message: 'must be an array' },
      { path: 'content.text', message: 'must be a string' },
      { path: 'campaign.name', message: 'must be a string' },
    ]);
    expect(run({ ...example, id: undefined })).toMatchObject({ reason: 'validation_failed' });
  });

  it('reports bad topics by index', () => {
    expect(problemsOf({ ...example, content: { topics: ['a', null] } })).toEqual([
      { path: 'content.topics[1]', message: 'must be a string' },
    ]);
  });

  it('dead-letters a missing actor or an actor with only placeholders as missing_identifier', () => {
    expect(run({ ...example, actor: undefined })).toEqual({
      kind: 'dlq',
      reason: 'missing_identifier',
      problems: [{ path: 'actor', message: 'is required' }],
    });
    expect(run({ ...example, actor: { handle: '@null', userId: 'undefined', email: 'n/a' } })).toEqual({
      kind: 'dlq',
      reason: 'missing_identifier',
      problems: [{ path: 'actor', message: 'needs at least one usable identifier: handle, userId or email' }],
    });
  });

  it('accepts a known person without a handle', () => {
    const r = run({ ...example, actor: { userId: 'u-1001' } });
    expect(r.kind === 'ok' && r.value.identifiers.map((i) => i.key)).toEqual(['userId:u-1001']);
    expect(r.kind === 'ok' && r.value.properties).not.toHaveProperty('handle');
  });

  it('dead-letters non-objects as not_an_object', () => {
    expect(run('like')).toEqual({
      kind: 'dlq',
      reason: 'not_an_object',
      problems: [{ path: '$', message: 'must be a JSON object' }],
    });
  });
});
