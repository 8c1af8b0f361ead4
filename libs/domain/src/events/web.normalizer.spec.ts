import { asEpochMs } from '../brand';
import type { CanonicalEvent, KafkaOrigin } from './canonical-event';
import type { TrackingCall } from './tracking-call.validator';
import { normalizeWebCall } from './web.normalizer';

const origin: KafkaOrigin = { topic: 'cdp.raw.web', partition: 2, offset: '17' };
const receivedAt = asEpochMs(Date.parse('2026-11-01T08:00:10.000Z'));

const okValue = (call: TrackingCall): CanonicalEvent => {
  const r = normalizeWebCall(call, receivedAt, origin);
  if (r.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(r)}`);
  return r.value;
};

describe('normalizeWebCall', () => {
  it('normalizes a track call with revenue, campaign and page context', () => {
    const call: TrackingCall = {
      type: 'track',
      messageId: 'm-1',
      userId: 'u-1001',
      anonymousId: 'a-77',
      event: 'Order Completed',
      properties: { orderId: 'o-1', total: '259.00', currency: 'cny' },
      context: {
        campaign: { source: 'weibo', medium: 'social', name: 'double11', term: 'serum', content: 'banner' },
        page: {
          url: 'https://shop.example.com/checkout?x=1',
          path: '/checkout',
          title: 'Checkout',
          referrer: 'https://weibo.com/',
        },
        ip: '203.0.113.9',
        userAgent: 'Mozilla/5.0',
        locale: 'zh-CN',
        traits: { email: ' Lin@Example.com ', name: 'Lin Mei' },
        library: { name: 'analytics.js' },
      },
      timestamp: '2026-11-01T09:00:05.000Z',
      sentAt: '2026-11-01T09:00:09.000Z',
      receivedAt: '2026-11-01T08:00:10.000Z',
    };
    expect(normalizeWebCall(call, receivedAt, origin)).toEqual({
      kind: 'ok',
      value: {
        eventId: 'm-1',
        source: 'web',
        type: 'track',
        name: 'Order Completed',
        occurredAt: Date.parse('2026-11-01T08:00:06.000Z'),
        receivedAt,
        identifiers: [
          { kind: 'userId', value: 'u-1001', key: 'userId:u-1001' },
          { kind: 'anonymousId', value: 'a-77', key: 'anonymousId:a-77' },
          { kind: 'email', value: 'lin@example.com', key: 'email:lin@example.com' },
        ],
        properties: { orderId: 'o-1', total: '259.00', currency: 'cny' },
        traits: { email: 'lin@example.com', name: 'Lin Mei' },
        revenue: 259,
        currency: 'CNY',
        context: {
          utmSource: 'weibo',
          utmMedium: 'social',
          utmCampaign: 'double11',
          utmTerm: 'serum',
          utmContent: 'banner',
          pageUrl: 'https://shop.example.com/checkout?x=1',
          pagePath: '/checkout',
          pageTitle: 'Checkout',
          referrer: 'https://weibo.com/',
          ip: '203.0.113.9',
          userAgent: 'Mozilla/5.0',
          locale: 'zh-CN',
          campaignName: 'double11',
        },
        origin,
      },
    });
  });

  it('keeps track names exactly as sent', () => {
    expect(okValue({ type: 'track', messageId: 'm', anonymousId: 'a', event: ' added to cart ' }).name).toBe(
      ' added to cart ',
    );
  });

  it('prefers properties.revenue over total and accepts numbers', () => {
    const e = okValue({
      type: 'track',
      messageId: 'm',
      anonymousId: 'a',
      event: 'Order Completed',
      properties: { revenue: 10.5, total: 12, currency: 'usd' },
    });
    expect(e.revenue).toBe(10.5);
    expect(e.currency).toBe('USD');
  });

  it('has no revenue without revenue or total', () => {
    const e = okValue({ type: 'track', messageId: 'm', anonymousId: 'a', event: 'Clicked', properties: {} });
    expect(e).not.toHaveProperty('revenue');
    expect(e).not.toHaveProperty('currency');
    expect(e.context).toEqual({});
    expect(e.traits).toEqual({});
  });

  it('dead-letters non-numeric revenue with path properties.revenue', () => {
    expect(
      normalizeWebCall(
        {
          type: 'track',
          messageId: 'm',
          anonymousId: 'a',
          event: 'X',
          properties: { revenue: 'lots', total: 5 },
        },
        receivedAt,
        origin,
      ),
    ).toEqual({
      kind: 'dlq',
      reason: 'invalid_revenue',
      problems: [{ path: 'properties.revenue', message: 'must be a number or a numeric string' }],
    });
  });

  it('dead-letters non-numeric or negative total with path properties.total', () => {
    const bad = (total: unknown) =>
      normalizeWebCall(
        { type: 'track', messageId: 'm', anonymousId: 'a', event: 'X', properties: { total } },
        receivedAt,
        origin,
      );
    expect(bad('$12')).toMatchObject({ reason: 'invalid_revenue', problems: [{ path: 'properties.total' }] });
    expect(bad(-3)).toMatchObject({ reason: 'invalid_revenue', problems: [{ path: 'properties.total' }] });
    expect(bad(null)).toMatchObject({ kind: 'ok' });
  });

  it('normalizes a page call: Page Viewed, page properties win over context.page, utm from the URL', () => {
    const e = okValue({
      type: 'page',
      messageId: 'm-2',
      anonymousId: 'a-77',
      name: 'Winter sale',
      category: 'Landing',
      properties: {
        url: 'https://shop.example.com/sale?utm_source=google&utm_medium=cpc&utm_campaign=winter-sale',
        title: 'Winter sale',
        referrer: 'https://www.google.com/',
      },
      context: { page: { url: 'https://old.example.com/', title: 'Old', path: '/old' } },
      originalTimestamp: '2026-11-01T08:00:00Z',
    });
    expect(e.name).toBe('Page Viewed');
    expect(e.type).toBe('page');
    expect(e.occurredAt).toBe(Date.parse('2026-11-01T08:00:00Z'));
    expect(e.properties).toEqual({
      url: 'https://shop.example.com/sale?utm_source=google&utm_medium=cpc&utm_campaign=winter-sale',
      title: 'Winter sale',
      referrer: 'https://www.google.com/',
      name: 'Winter sale',
      category: 'Landing',
    });
    expect(e.context).toEqual({
      utmSource: 'google',
      utmMedium: 'cpc',
      utmCampaign: 'winter-sale',
      pageUrl: 'https://shop.example.com/sale?utm_source=google&utm_medium=cpc&utm_campaign=winter-sale',
      pagePath: '/sale',
      pageTitle: 'Winter sale',
      referrer: 'https://www.google.com/',
      campaignName: 'winter-sale',
    });
  });

  it('takes context.page.path when the URL comes from context.page too', () => {
    const e = okValue({
      type: 'page',
      messageId: 'm',
      anonymousId: 'a',
      context: { page: { url: 'https://shop.example.com/a/b', path: '/a' } },
    });
    expect(e.context).toEqual({ pageUrl: 'https://shop.example.com/a/b', pagePath: '/a' });
    const derived = okValue({
      type: 'page',
      messageId: 'm',
      anonymousId: 'a',
      context: { page: { url: 'https://shop.example.com/a/b' } },
    });
    expect(derived.context.pagePath).toBe('/a/b');
  });

  it('context.campaign wins over utm query parameters; bad URLs are ignored', () => {
    const e = okValue({
      type: 'page',
      messageId: 'm',
      anonymousId: 'a',
      context: { campaign: { source: 'newsletter' }, page: { url: '/relative?utm_source=x' } },
    });
    expect(e.context).toEqual({ utmSource: 'newsletter', pageUrl: '/relative?utm_source=x' });
  });

  it('does not take track properties as page context', () => {
    const e = okValue({
      type: 'track',
      messageId: 'm',
      anonymousId: 'a',
      event: 'Shared',
      properties: { url: 'https://product.example.com/' },
    });
    expect(e.context).toEqual({});
  });

  it('names screen, identify, group and alias calls', () => {
    const base = { messageId: 'm', userId: 'u-1' };
    expect(okValue({ ...base, type: 'screen', name: 'Cart' })).toMatchObject({
      name: 'Screen Viewed',
      properties: { name: 'Cart' },
    });
    expect(okValue({ ...base, type: 'identify' }).name).toBe('Identify');
    expect(okValue({ ...base, type: 'group', groupId: 'g-1', traits: { plan: 'pro' } })).toMatchObject({
      name: 'Group',
      properties: { groupId: 'g-1', groupTraits: { plan: 'pro' } },
      traits: {},
    });
    expect(okValue({ ...base, type: 'alias', previousId: 'a-77' }).name).toBe('Alias');
  });

  it('takes identify traits over context.traits and normalizes the email', () => {
    const e = okValue({
      type: 'identify',
      messageId: 'm',
      userId: 42,
      traits: { email: 'LIN@EXAMPLE.COM', country: 'CN' },
      context: { traits: { email: 'old@example.com', country: 'SG', plan: 'free' } },
    });
    expect(e.traits).toEqual({ email: 'lin@example.com', country: 'CN', plan: 'free' });
    expect(e.identifiers).toEqual([
      { kind: 'userId', value: '42', key: 'userId:42' },
      { kind: 'email', value: 'lin@example.com', key: 'email:lin@example.com' },
    ]);
  });

  it('drops junk and malformed trait emails from traits and identifiers', () => {
    for (const email of ['test@test.com', 'not-an-email', 7]) {
      const e = okValue({ type: 'identify', messageId: 'm', userId: 'u', traits: { email, plan: 'pro' } });
      expect(e.traits).toEqual({ plan: 'pro' });
      expect(e.identifiers.map((i) => i.kind)).toEqual(['userId']);
    }
  });

  it('does not take track traits from the call body (only context.traits)', () => {
    const e = okValue({ type: 'track', messageId: 'm', userId: 'u', event: 'X', traits: { plan: 'pro' } });
    expect(e.traits).toEqual({});
  });

  it('links alias previousId as an anonymousId', () => {
    const e = okValue({ type: 'alias', messageId: 'm', userId: 'u-1001', previousId: 'a-77' });
    expect(e.identifiers).toEqual([
      { kind: 'userId', value: 'u-1001', key: 'userId:u-1001' },
      { kind: 'anonymousId', value: 'a-77', key: 'anonymousId:a-77' },
    ]);
    expect(e.properties).toEqual({ previousId: 'a-77' });
  });

  it('skips placeholder ids and dead-letters calls left without any identifier', () => {
    expect(
      okValue({ type: 'track', messageId: 'm', userId: 'null', anonymousId: 'a-1', event: 'X' }).identifiers,
    ).toEqual([{ kind: 'anonymousId', value: 'a-1', key: 'anonymousId:a-1' }]);
    expect(
      normalizeWebCall(
        { type: 'track', messageId: 'm', userId: 'undefined', event: 'X' },
        receivedAt,
        origin,
      ),
    ).toEqual({
      kind: 'dlq',
      reason: 'missing_identifier',
      problems: [
        {
          path: 'userId',
          message:
            'no usable person identifier: userId and anonymousId are empty or placeholders such as "null"',
        },
      ],
    });
    expect(
      normalizeWebCall(
        { type: 'track', messageId: 'm', anonymousId: 'anonymous', event: 'X' },
        receivedAt,
        origin,
      ),
    ).toMatchObject({ reason: 'missing_identifier', problems: [{ path: 'anonymousId' }] });
  });

  it('accepts an email-only identity (placeholder userId, real context email)', () => {
    const e = okValue({
      type: 'track',
      messageId: 'm',
      userId: 'null',
      event: 'X',
      context: { traits: { email: 'lin@example.com' } },
    });
    expect(e.identifiers.map((i) => i.key)).toEqual(['email:lin@example.com']);
  });

  it('dead-letters a call without messageId or event (defensive: callers validate first)', () => {
    expect(
      normalizeWebCall({ type: 'track', anonymousId: 'a', event: 'X' }, receivedAt, origin),
    ).toMatchObject({
      kind: 'dlq',
      reason: 'validation_failed',
      problems: [{ path: 'messageId' }],
    });
    expect(
      normalizeWebCall({ type: 'track', messageId: 'm', anonymousId: 'a' }, receivedAt, origin),
    ).toMatchObject({
      kind: 'dlq',
      problems: [{ path: 'event' }],
    });
  });

  it('uses receivedAt when the call has no client time', () => {
    expect(okValue({ type: 'identify', messageId: 'm', userId: 'u' }).occurredAt).toBe(receivedAt);
  });
});
