import { asEpochMs } from '../brand';
import type { KafkaOrigin } from './canonical-event';
import { deriveMessageId, normalizeRaw, parseAndNormalize, parseJson } from './parse-raw';

const receivedAt = asEpochMs(Date.parse('2026-11-01T10:00:00Z'));
const webOrigin: KafkaOrigin = { topic: 'cdp.raw.web', partition: 3, offset: '1200' };

describe('parseJson', () => {
  it('parses UTF-8 JSON objects from buffers and strings (BOM tolerated)', () => {
    expect(parseJson(Buffer.from('{"a":"林"}', 'utf8'))).toEqual({ kind: 'ok', value: { a: '林' } });
    expect(parseJson('\uFEFF{"a":1}')).toEqual({ kind: 'ok', value: { a: 1 } });
  });

  it('dead-letters invalid JSON and empty values as invalid_json', () => {
    const r = parseJson('{"a":');
    expect(r).toMatchObject({ kind: 'dlq', reason: 'invalid_json', problems: [{ path: '$' }] });
    expect(r.kind === 'dlq' && r.problems[0]?.message).toMatch(/^not valid JSON: /);
    expect(parseJson(Buffer.alloc(0))).toMatchObject({ reason: 'invalid_json' });
    expect(parseJson(null)).toEqual({
      kind: 'dlq',
      reason: 'invalid_json',
      problems: [{ path: '$', message: 'message has no value' }],
    });
  });

  it.each([
    ['[1,2]', 'an array'],
    ['null', 'null'],
    ['"track"', 'a string'],
    ['42', 'a number'],
  ])('dead-letters %s as not_an_object', (text, kind) => {
    expect(parseJson(text)).toEqual({
      kind: 'dlq',
      reason: 'not_an_object',
      problems: [{ path: '$', message: `must be a JSON object, got ${kind}` }],
    });
  });
});

describe('deriveMessageId', () => {
  it('is a deterministic UUID-shaped id per Kafka position', () => {
    const id = deriveMessageId(webOrigin);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deriveMessageId({ ...webOrigin })).toBe(id);
    expect(deriveMessageId({ ...webOrigin, offset: '1201' })).not.toBe(id);
    expect(deriveMessageId({ ...webOrigin, partition: 4 })).not.toBe(id);
  });
});

describe('normalizeRaw', () => {
  const collected = {
    type: 'track',
    messageId: 'ajs-1',
    anonymousId: 'a-77',
    event: 'Product Viewed',
    properties: { sku: 'sk-1' },
    timestamp: '2026-11-01T07:59:58Z',
    sentAt: '2026-11-01T08:00:00Z',
    receivedAt: '2026-11-01T08:00:01Z',
  };

  it('normalizes a collector-written web call using its receivedAt', () => {
    expect(normalizeRaw('web', collected, webOrigin, receivedAt)).toEqual({
      kind: 'ok',
      value: {
        eventId: 'ajs-1',
        source: 'web',
        type: 'track',
        name: 'Product Viewed',
        occurredAt: Date.parse('2026-11-01T07:59:59Z'),
        receivedAt: Date.parse('2026-11-01T08:00:01Z'),
        identifiers: [{ kind: 'anonymousId', value: 'a-77', key: 'anonymousId:a-77' }],
        properties: { sku: 'sk-1' },
        traits: {},
        context: {},
        origin: webOrigin,
      },
    });
  });

  it('derives a stable messageId and uses the given receivedAt when the call has none', () => {
    const call = { type: 'identify', userId: 'u-1', traits: { plan: 'pro' } };
    const first = normalizeRaw('web', call, webOrigin, receivedAt);
    const again = normalizeRaw('web', call, webOrigin, receivedAt);
    expect(first).toMatchObject({
      kind: 'ok',
      value: { eventId: deriveMessageId(webOrigin), receivedAt, occurredAt: receivedAt, name: 'Identify' },
    });
    expect(again).toEqual(first);
  });

  it('dead-letters invalid web calls with every problem', () => {
    expect(normalizeRaw('web', { type: 'track', timestamp: 'x' }, webOrigin, receivedAt)).toEqual({
      kind: 'dlq',
      reason: 'validation_failed',
      problems: [
        { path: 'userId', message: 'userId or anonymousId is required' },
        { path: 'event', message: 'is required' },
        { path: 'timestamp', message: 'must be an ISO 8601 date-time such as 2026-11-01T08:00:00Z' },
      ],
    });
    expect(normalizeRaw('web', [collected], webOrigin, receivedAt)).toMatchObject({
      reason: 'not_an_object',
    });
    expect(
      normalizeRaw('web', { ...collected, properties: { revenue: 'x' } }, webOrigin, receivedAt),
    ).toMatchObject({ reason: 'invalid_revenue', problems: [{ path: 'properties.revenue' }] });
  });

  it('dispatches social, ad and transaction payloads', () => {
    const origin: KafkaOrigin = { topic: 'cdp.raw.x', partition: 0, offset: '1' };
    expect(
      normalizeRaw(
        'social',
        {
          id: 'wb-1',
          platform: 'weibo',
          action: 'share',
          occurredAt: '2026-11-01T08:00:00Z',
          actor: { handle: 'x' },
        },
        origin,
        receivedAt,
      ),
    ).toMatchObject({
      kind: 'ok',
      value: { source: 'social', name: 'Social Share', eventId: 'weibo:wb-1', receivedAt },
    });
    expect(
      normalizeRaw(
        'ad',
        {
          id: 'g-1',
          network: 'google_ads',
          type: 'impression',
          occurredAt: '2026-11-01T08:00:00Z',
          anonymousId: 'a',
        },
        origin,
        receivedAt,
      ),
    ).toMatchObject({
      kind: 'ok',
      value: { source: 'ad', name: 'Ad Impression', eventId: 'google_ads:g-1' },
    });
    expect(
      normalizeRaw(
        'transaction',
        {
          orderId: 'o-1',
          status: 'refunded',
          occurredAt: '2026-11-01T08:00:00Z',
          customer: { customerId: 'c-1' },
          total: { amount: 10, currency: 'EUR' },
        },
        origin,
        receivedAt,
      ),
    ).toMatchObject({
      kind: 'ok',
      value: { source: 'transaction', name: 'Order Refunded', eventId: 'o-1:refunded' },
    });
  });
});

describe('parseAndNormalize', () => {
  it('parses and normalizes raw bytes', () => {
    const bytes = Buffer.from(
      JSON.stringify({ type: 'page', messageId: 'm-9', anonymousId: 'a', name: 'Home' }),
    );
    expect(parseAndNormalize('web', bytes, webOrigin, receivedAt)).toMatchObject({
      kind: 'ok',
      value: { eventId: 'm-9', name: 'Page Viewed', properties: { name: 'Home' } },
    });
  });

  it('stops at a parse failure', () => {
    expect(parseAndNormalize('transaction', 'not json', webOrigin, receivedAt)).toMatchObject({
      kind: 'dlq',
      reason: 'invalid_json',
    });
  });
});
