import type { CanonicalEvent } from '@cdp/domain';
import { DUPLICATE_IN_BATCH, firstOccurrence, normalizeMessage } from './normalize.step';
import type { RawMessage } from './raw-message';
import { nextOffset, rawTopicSources } from './raw-message';

const now = Date.parse('2026-11-01T12:00:00Z');
const msg = (topic: string, value: string | null, offset = '5'): RawMessage => ({
  topic,
  partition: 0,
  offset,
  key: null,
  value: value === null ? null : Buffer.from(value),
  timestamp: String(Date.parse('2026-11-01T11:59:59Z')),
});

describe('normalizeMessage', () => {
  it('normalizes a raw transaction with its Kafka origin', () => {
    const r = normalizeMessage(
      'transaction',
      msg(
        'cdp.raw.transaction',
        JSON.stringify({
          orderId: 'o-1',
          status: 'completed',
          occurredAt: '2026-11-01T09:00:00Z',
          customer: { userId: 'u-1' },
          total: { amount: 10, currency: 'cny' },
        }),
      ),
      now,
    );
    expect(r.kind).toBe('ok');
    const event = (r as { value: CanonicalEvent }).value;
    expect(event).toMatchObject({
      eventId: 'o-1:completed',
      name: 'Order Completed',
      revenue: 10,
      currency: 'CNY',
    });
    expect(event.origin).toEqual({ topic: 'cdp.raw.transaction', partition: 0, offset: '5' });
    expect(event.receivedAt).toBe(Date.parse('2026-11-01T11:59:59Z'));
  });

  it('dead-letters invalid JSON and unknown enum values with the field path', () => {
    expect(normalizeMessage('web', msg('cdp.raw.web', '{"type":'), now)).toMatchObject({
      kind: 'dlq',
      reason: 'invalid_json',
      problems: [{ path: '$' }],
    });
    const social = normalizeMessage(
      'social',
      msg(
        'cdp.raw.social',
        JSON.stringify({
          id: 1,
          platform: 'weibo',
          action: 'poke',
          occurredAt: '2026-11-01T08:00:00Z',
          actor: { handle: '@x' },
        }),
      ),
      now,
    );
    expect(social).toMatchObject({ kind: 'dlq', problems: [{ path: 'action' }] });
  });

  it('dead-letters an event whose time ClickHouse cannot store', () => {
    const r = normalizeMessage(
      'ad',
      msg(
        'cdp.raw.ad',
        JSON.stringify({
          id: 1,
          network: 'google_ads',
          type: 'click',
          occurredAt: '1900-01-01T00:00:00Z',
          anonymousId: 'a',
        }),
      ),
      now,
    );
    expect(r).toMatchObject({ kind: 'dlq', reason: 'validation_failed', problems: [{ path: 'occurredAt' }] });
    const web = normalizeMessage(
      'web',
      msg(
        'cdp.raw.web',
        JSON.stringify({
          type: 'track',
          event: 'X',
          anonymousId: 'a',
          messageId: 'm',
          timestamp: '2200-01-01T00:00:00Z',
        }),
      ),
      now,
    );
    expect(web).toMatchObject({ kind: 'dlq', problems: [{ path: 'timestamp' }] });
  });

  it('falls back to now for a message without a usable Kafka timestamp', () => {
    const r = normalizeMessage(
      'web',
      {
        ...msg(
          'cdp.raw.web',
          JSON.stringify({ type: 'track', event: 'X', anonymousId: 'a', messageId: 'm' }),
        ),
        timestamp: 'x',
      },
      now,
    );
    expect(r.kind === 'ok' && r.value.receivedAt).toBe(now);
  });
});

describe('firstOccurrence', () => {
  it('drops later copies of an event id within one batch', () => {
    const seen = new Set<string>();
    const step = firstOccurrence(seen);
    const e = { eventId: 'm-1' } as CanonicalEvent;
    expect(step(e).kind).toBe('ok');
    expect(step(e)).toEqual({ kind: 'drop', reason: DUPLICATE_IN_BATCH });
    expect(step({ eventId: 'm-2' } as CanonicalEvent).kind).toBe('ok');
  });
});

describe('raw topics', () => {
  it('maps each raw topic to its source', () => {
    const sources = rawTopicSources({
      rawWeb: 'w',
      rawSocial: 's',
      rawAd: 'a',
      rawTransaction: 't',
      events: 'e',
      eventsDlq: 'd',
      segmentEvents: 'g',
      identityLinks: 'l',
      segments: 'segments',
      segmentState: 'segment-state',
      campaigns: 'campaigns',
      campaignDlq: 'campaign.dlq',
    });
    expect([...sources]).toEqual([
      ['w', 'web'],
      ['s', 'social'],
      ['a', 'ad'],
      ['t', 'transaction'],
    ]);
  });

  it('commits the offset after the last one processed', () => {
    expect(nextOffset('41')).toBe('42');
    expect(nextOffset('9007199254740993')).toBe('9007199254740994');
  });
});
