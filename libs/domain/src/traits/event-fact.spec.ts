import { asEpochMs } from '../brand';
import type { CanonicalEvent } from '../events/canonical-event';
import { eventFactOf } from './event-fact';

const base: CanonicalEvent = {
  eventId: 'o-1:completed',
  source: 'transaction',
  type: 'transaction',
  name: 'Order Completed',
  occurredAt: asEpochMs(1000),
  receivedAt: asEpochMs(2000),
  identifiers: [],
  properties: { orderId: 'o-1' },
  traits: {},
  context: {},
  origin: { topic: 'cdp.raw.transaction', partition: 0, offset: '1' },
};

describe('eventFactOf', () => {
  it('keeps what rules and traits read, without empty context', () => {
    expect(eventFactOf({ ...base, revenue: 259, currency: 'CNY' })).toEqual({
      name: 'Order Completed',
      source: 'transaction',
      occurredAt: 1000,
      revenue: 259,
      currency: 'CNY',
      properties: { orderId: 'o-1' },
    });
  });

  it('copies the marketing context fields only', () => {
    const fact = eventFactOf({
      ...base,
      context: {
        utmSource: 'weibo',
        utmMedium: 'paid_social',
        referrer: 'https://weibo.com',
        channel: 'online',
        ip: '1.2.3.4',
      },
    });
    expect(fact.context).toEqual({
      utmSource: 'weibo',
      utmMedium: 'paid_social',
      referrer: 'https://weibo.com',
      channel: 'online',
    });
  });
});
