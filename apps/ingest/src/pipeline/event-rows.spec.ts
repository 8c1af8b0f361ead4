import { asEpochMs, identifierKey, type CanonicalEvent, type Identifier } from '@cdp/domain';
import { millisOf, toEventIdRow, toEventRow, toTraitRows, traitValue } from './event-rows';

const id = (kind: Identifier['kind'], value: string): Identifier => ({
  kind,
  value,
  key: identifierKey(kind, value),
});

const order: CanonicalEvent = {
  eventId: 'o-3001:completed',
  source: 'transaction',
  type: 'transaction',
  name: 'Order Completed',
  occurredAt: asEpochMs(Date.parse('2026-11-01T09:00:00.042Z')),
  receivedAt: asEpochMs(Date.parse('2026-11-01T09:00:01.500Z')),
  identifiers: [id('userId', 'u-1001'), id('customerId', 'c-55'), id('email', 'lin@example.com')],
  properties: { orderId: 'o-3001', categories: ['skincare', 7, 'beauty'], category: 42, quantity: 1 },
  traits: { email: 'lin@example.com' },
  revenue: 259,
  currency: 'CNY',
  context: { channel: 'online' },
  origin: { topic: 'cdp.raw.transaction', partition: 2, offset: '41' },
};

describe('toEventRow', () => {
  it('maps a canonical event to the events columns', () => {
    const row = toEventRow(order, 'p-00000000000000aa', Date.parse('2026-11-01T09:00:02Z'));
    expect(row).toEqual({
      event_id: 'o-3001:completed',
      profile_id: 'p-00000000000000aa',
      source: 'transaction',
      type: 'transaction',
      name: 'Order Completed',
      occurred_at: '2026-11-01 09:00:00',
      occurred_ms: 42,
      received_at: '2026-11-01 09:00:01',
      ingested_at: '2026-11-01 09:00:02',
      revenue: 259,
      currency: 'CNY',
      user_id: 'u-1001',
      anonymous_id: '',
      email: 'lin@example.com',
      identifiers: ['userId:u-1001', 'customerId:c-55', 'email:lin@example.com'],
      category: '',
      categories: ['skincare', 'beauty'],
      topics: [],
      utm_source: '',
      utm_medium: '',
      utm_campaign: '',
      utm_term: '',
      utm_content: '',
      referrer: '',
      page_url: '',
      page_path: '',
      channel: 'online',
      campaign_name: '',
      ip: '',
      user_agent: '',
      locale: '',
      properties: JSON.stringify(order.properties),
      traits: '{"email":"lin@example.com"}',
      kafka_topic: 'cdp.raw.transaction',
      kafka_partition: 2,
      kafka_offset: 41,
    });
  });

  it('takes category, topics and the web context from a web event; revenue 0 when there is none', () => {
    const page: CanonicalEvent = {
      ...order,
      eventId: 'm-1',
      source: 'web',
      type: 'page',
      name: 'Page Viewed',
      identifiers: [id('anonymousId', 'a-77')],
      properties: { category: 'landing', topics: ['a', 'b'] },
      traits: {},
      revenue: undefined,
      currency: undefined,
      context: {
        utmSource: 'google',
        utmMedium: 'cpc',
        utmCampaign: 'winter',
        utmTerm: 'boots',
        utmContent: 'ad-1',
        pageUrl: 'https://shop.example/p?x=1',
        pagePath: '/p',
        referrer: 'https://google.com',
        ip: '203.0.113.9',
        userAgent: 'UA',
        locale: 'zh-CN',
        campaignName: 'winter',
      },
    };
    expect(toEventRow(page, 'p-1', 0)).toMatchObject({
      anonymous_id: 'a-77',
      user_id: '',
      revenue: 0,
      currency: '',
      category: 'landing',
      topics: ['a', 'b'],
      utm_source: 'google',
      utm_medium: 'cpc',
      utm_campaign: 'winter',
      utm_term: 'boots',
      utm_content: 'ad-1',
      page_url: 'https://shop.example/p?x=1',
      page_path: '/p',
      referrer: 'https://google.com',
      ip: '203.0.113.9',
      user_agent: 'UA',
      locale: 'zh-CN',
      campaign_name: 'winter',
    });
  });
});

describe('trait rows', () => {
  it('stores each trait as text with its type', () => {
    expect(traitValue('CN')).toEqual({ value: 'CN', value_type: 'string' });
    expect(traitValue(31.5)).toEqual({ value: '31.5', value_type: 'number' });
    expect(traitValue(false)).toEqual({ value: 'false', value_type: 'boolean' });
    expect(traitValue({ sms: false })).toEqual({ value: '{"sms":false}', value_type: 'json' });
    expect(traitValue(['a'])).toEqual({ value: '["a"]', value_type: 'json' });
    expect(traitValue(null)).toEqual({ value: 'null', value_type: 'json' });
  });

  it('writes one row per trait key, at the event time', () => {
    const rows = toTraitRows({ ...order, traits: { email: 'lin@example.com', vip: true } }, 'p-1');
    expect(rows).toEqual([
      {
        profile_id: 'p-1',
        trait: 'email',
        value: 'lin@example.com',
        value_type: 'string',
        updated_at: '2026-11-01 09:00:00',
        updated_ms: 42,
        event_id: 'o-3001:completed',
        source: 'transaction',
      },
      expect.objectContaining({ trait: 'vip', value: 'true', value_type: 'boolean' }),
    ]);
    expect(toTraitRows({ ...order, traits: {} }, 'p-1')).toEqual([]);
  });
});

describe('helpers', () => {
  it('millisOf is the millisecond within the second', () => {
    expect(millisOf(1_700_000_000_999)).toBe(999);
    expect(millisOf(0)).toBe(0);
  });

  it('event id rows carry the profile the event was filed under', () => {
    expect(toEventIdRow('m-1', 'p-1', Date.parse('2026-11-01T00:00:00Z'))).toEqual({
      event_id: 'm-1',
      profile_id: 'p-1',
      ingested_at: '2026-11-01 00:00:00',
    });
  });
});
