import { ProfileData, type LoadedEvent } from './profile-data';

const ev = (id: string, at: number, name = 'Page Viewed'): LoadedEvent =>
  ({ eventId: id, name, source: 'web', occurredAt: at, properties: {}, origin: null }) as LoadedEvent;

describe('ProfileData', () => {
  it('views as of an instant: events, latest traits, identities', () => {
    const d = new ProfileData(
      'p1',
      [ev('b', 20), ev('a', 10), ev('c', 30)],
      [
        { trait: 'country', value: 'CN', at: 10, eventId: 'a' },
        { trait: 'country', value: 'SG', at: 30, eventId: 'c' },
      ],
      [
        { kind: 'anonymousId', value: 'a-2', firstAt: 25 },
        { kind: 'anonymousId', value: 'a-1', firstAt: 5 },
        { kind: 'email', value: 'old@x.com', firstAt: 10 },
        { kind: 'email', value: 'new@x.com', firstAt: 20 },
      ],
    );
    expect(d.eventsUpTo(20).map((e) => e.eventId)).toEqual(['a', 'b']);
    expect(d.traitsAt(29)).toEqual({ country: 'CN' });
    expect(d.traitsAt(30)).toEqual({ country: 'SG' });
    expect(d.identitiesAt(21)).toEqual({ userId: null, anonymousIds: ['a-1'], email: 'new@x.com' });
    expect(d.identitiesAt(99).anonymousIds).toEqual(['a-1', 'a-2']);
  });

  it('absorbs consumed events once, in order, keeping the earliest sighting of an identifier', () => {
    const d = new ProfileData(
      'p1',
      [ev('a', 10), ev('c', 30)],
      [],
      [{ kind: 'email', value: 'x@x.com', firstAt: 10 }],
    );
    expect(d.eventsUpTo(40)).toHaveLength(2);
    d.absorb(
      ev('b', 20),
      [{ trait: 'vip', value: true, at: 20, eventId: 'b' }],
      [{ kind: 'email', value: 'y@x.com', firstAt: 20 }],
    );
    d.absorb(ev('b', 20), [], []); // a redelivery
    d.absorb(ev('d', 40), [], [{ kind: 'email', value: 'x@x.com', firstAt: 40 }]);
    expect(d.eventsUpTo(40).map((e) => e.eventId)).toEqual(['a', 'b', 'c', 'd']);
    expect(d.traitsAt(40)).toEqual({ vip: true });
    expect(d.identitiesAt(40).email).toBe('y@x.com');
    expect(d.findEvent('b')?.occurredAt).toBe(20);
  });
});
