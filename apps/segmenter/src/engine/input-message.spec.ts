import { parseInputMessage, subjectOf } from './input-message';

describe('parseInputMessage', () => {
  it('reads canonical events, merges, absorbed commands and erasures', () => {
    const event = parseInputMessage(
      JSON.stringify({
        eventId: 'o-1:completed',
        profileId: 'p-1',
        occurredAt: 5,
        name: 'Order Completed',
        origin: { topic: 'cdp.raw.transaction', partition: 0, offset: '41' },
      }),
    );
    expect(event).toEqual({
      kind: 'event',
      profileId: 'p-1',
      eventId: 'o-1:completed',
      occurredAt: 5,
      origin: { topic: 'cdp.raw.transaction', partition: 0, offset: '41' },
    });
    const merge = parseInputMessage(
      Buffer.from(
        JSON.stringify({
          type: 'identity.merged',
          absorbedId: 'p-9',
          survivorId: 'p-1',
          eventId: 'e',
          occurredAt: 7,
        }),
      ),
    );
    expect(merge).toEqual({
      kind: 'merge',
      absorbedId: 'p-9',
      survivorId: 'p-1',
      eventId: 'e',
      occurredAt: 7,
    });
    expect(subjectOf(merge)).toBe('p-1');
    const absorbed = parseInputMessage(
      JSON.stringify({
        type: 'segmenter.profile-absorbed',
        absorbedId: 'p-9',
        survivorId: 'p-1',
        eventId: 'e',
        occurredAt: 7,
        kafka: null,
      }),
    );
    expect(subjectOf(absorbed)).toBe('p-9');
    expect(
      parseInputMessage(JSON.stringify({ type: 'profile.deleted', profileId: 'p-3', occurredAt: 1 })),
    ).toEqual({
      kind: 'deleted',
      profileId: 'p-3',
      eventId: null,
      occurredAt: 1,
    });
  });

  it('ignores anything else', () => {
    expect(parseInputMessage(null).kind).toBe('ignored');
    expect(parseInputMessage('{').kind).toBe('ignored');
    expect(parseInputMessage('[1]').kind).toBe('ignored');
    expect(parseInputMessage('{"type":"identity.merged"}').kind).toBe('ignored');
  });
});

describe('facts of a canonical event', () => {
  it('are what the snapshot loader reads back from ClickHouse for it', () => {
    const m = parseInputMessage(
      JSON.stringify({
        eventId: 'o-1:completed',
        source: 'transaction',
        type: 'transaction',
        name: 'Order Completed',
        occurredAt: 1000,
        receivedAt: 1100,
        identifiers: [
          { kind: 'userId', value: 'u-1', key: 'userId:u-1' },
          { kind: 'email', value: 'a:b@example.com', key: 'email:a:b@example.com' },
        ],
        properties: { items: [{ sku: 'sk-1' }] },
        traits: { email: 'a:b@example.com', age: 30, vip: true, address: { city: 'SH' }, bad: null },
        revenue: 259,
        currency: 'CNY',
        context: { channel: 'online', utmSource: '', ip: '1.2.3.4' },
        origin: { topic: 'cdp.raw.transaction', partition: 0, offset: '41' },
        profileId: 'p-1',
      }),
    );
    expect(m.kind === 'event' ? m.facts : undefined).toEqual({
      event: {
        eventId: 'o-1:completed',
        name: 'Order Completed',
        source: 'transaction',
        occurredAt: 1000,
        properties: { items: [{ sku: 'sk-1' }] },
        origin: { topic: 'cdp.raw.transaction', partition: 0, offset: '41' },
        revenue: 259,
        currency: 'CNY',
        context: { channel: 'online' },
      },
      traits: [
        { trait: 'email', value: 'a:b@example.com', at: 1000, eventId: 'o-1:completed' },
        { trait: 'age', value: 30, at: 1000, eventId: 'o-1:completed' },
        { trait: 'vip', value: true, at: 1000, eventId: 'o-1:completed' },
        { trait: 'address', value: { city: 'SH' }, at: 1000, eventId: 'o-1:completed' },
        { trait: 'bad', value: null, at: 1000, eventId: 'o-1:completed' },
      ],
      identifiers: [
        { kind: 'userId', value: 'u-1', firstAt: 1000 },
        { kind: 'email', value: 'a:b@example.com', firstAt: 1000 },
      ],
    });
  });
});
