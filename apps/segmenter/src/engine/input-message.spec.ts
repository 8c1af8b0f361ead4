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
