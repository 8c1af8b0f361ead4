import { identifierKey, profileIdForKey, type Identifier } from '@cdp/domain';
import {
  identityConflictRow,
  identityLinkRow,
  identityRows,
  profileMergeRow,
  profileVersion,
} from './identity-rows';
import { factIdOf } from './link-fact.codec';

const id = (kind: Identifier['kind'], value: string): Identifier => ({
  kind,
  value,
  key: identifierKey(kind, value),
});

describe('profileVersion', () => {
  it('is higher for smaller profile ids, so the latest (smallest) survivor wins argMax', () => {
    const ids = ['p-0000000000000001', 'p-7fffffffffffffff', 'p-ffffffffffffffff'];
    const versions = ids.map((p) => BigInt(profileVersion(p)));
    expect(versions[0] > versions[1] && versions[1] > versions[2]).toBe(true);
    expect(profileVersion('p-ffffffffffffffff')).toBe('0');
    expect(profileVersion('p-0000000000000000')).toBe('18446744073709551615');
  });

  it('is 0 for an id that is not shaped like a profile id', () => {
    expect(profileVersion('someone')).toBe('0');
  });
});

describe('identityRows', () => {
  it('one row per identifier with the smallest profile and earliest sighting of the batch', () => {
    const anon = id('anonymousId', 'a-1');
    const user = id('userId', 'u-1');
    const rows = identityRows([
      { identifier: anon, profileId: 'p-00000000000000bb', seenAt: Date.parse('2026-11-01T10:00:00Z') },
      { identifier: anon, profileId: 'p-00000000000000aa', seenAt: Date.parse('2026-11-01T09:00:00Z') },
      { identifier: user, profileId: 'p-00000000000000aa', seenAt: Date.parse('2026-11-01T11:00:00Z') },
    ]);
    expect(rows).toEqual([
      {
        identifier: 'anonymousId:a-1',
        kind: 'anonymousId',
        value: 'a-1',
        profile_id: 'p-00000000000000aa',
        first_seen_at: '2026-11-01 09:00:00',
        version: profileVersion('p-00000000000000aa'),
      },
      expect.objectContaining({ identifier: 'userId:u-1', profile_id: 'p-00000000000000aa' }),
    ]);
  });
});

describe('rows of facts, merges and conflicts', () => {
  const fact = {
    identifiers: [id('anonymousId', 'a-1'), id('userId', 'u-1')],
    eventId: 'm-1',
    occurredAt: Date.parse('2026-11-01T08:00:00Z'),
  };

  it('identity_links row keyed by the fact id', () => {
    expect(identityLinkRow(fact)).toEqual({
      fact_id: factIdOf(fact),
      identifiers: ['anonymousId:a-1', 'userId:u-1'],
      event_id: 'm-1',
      occurred_at: '2026-11-01 08:00:00',
    });
  });

  it('profile_merges row versioned by the survivor', () => {
    const survivor = profileIdForKey('userId:u-1');
    expect(
      profileMergeRow({
        absorbedId: 'p-ffffffffffffff00',
        survivorId: survivor,
        eventId: 'm-1',
        occurredAt: fact.occurredAt,
      }),
    ).toEqual({
      absorbed_id: 'p-ffffffffffffff00',
      survivor_id: survivor,
      merged_at: '2026-11-01 08:00:00',
      event_id: 'm-1',
      version: profileVersion(survivor),
    });
  });

  it('identity_conflicts row', () => {
    expect(
      identityConflictRow(
        {
          reason: 'multiple_user_ids',
          userIds: ['u-1', 'u-2'],
          eventId: 'm-9',
          setAsideKeys: ['anonymousId:a-1'],
        },
        Date.parse('2026-11-01T12:00:00Z'),
      ),
    ).toEqual({
      event_id: 'm-9',
      reason: 'multiple_user_ids',
      user_ids: ['u-1', 'u-2'],
      set_aside: ['anonymousId:a-1'],
      recorded_at: '2026-11-01 12:00:00',
    });
  });
});
