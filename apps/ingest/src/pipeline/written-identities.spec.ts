import type { IdentityRow } from './identity-rows';
import { WrittenIdentities } from './written-identities';

const row = (identifier: string, profileId: string, firstSeenAt: string): IdentityRow => ({
  identifier,
  kind: 'anonymousId',
  value: identifier,
  profile_id: profileId,
  first_seen_at: firstSeenAt,
  version: '1',
});

describe('WrittenIdentities', () => {
  it('skips a row written before with the same profile and an earlier or equal first sighting', () => {
    const w = new WrittenIdentities();
    const first = [row('a', 'p1', '2026-11-01 09:00:00'), row('b', 'p2', '2026-11-01 09:00:00')];
    expect(w.unwritten(first)).toEqual(first);
    w.remember(first);
    expect(
      w.unwritten([row('a', 'p1', '2026-11-01 09:05:00'), row('b', 'p2', '2026-11-01 09:00:00')]),
    ).toEqual([]);
  });

  it('writes again what changes the table: a new identifier, another profile, an earlier sighting', () => {
    const w = new WrittenIdentities();
    w.remember([row('a', 'p1', '2026-11-01 09:00:00'), row('b', 'p2', '2026-11-01 09:00:00')]);
    const changed = [
      row('c', 'p3', '2026-11-01 09:00:00'),
      row('a', 'p9', '2026-11-01 09:10:00'),
      row('b', 'p2', '2026-11-01 08:59:59'),
    ];
    expect(w.unwritten(changed)).toEqual(changed);
  });

  it('remembers only what it is told was written (a failed insert is sent again)', () => {
    const w = new WrittenIdentities();
    const rows = [row('a', 'p1', '2026-11-01 09:00:00')];
    expect(w.unwritten(rows)).toEqual(rows);
    expect(w.unwritten(rows)).toEqual(rows);
  });

  it('keeps the earliest first sighting of a profile when a later one is remembered', () => {
    const w = new WrittenIdentities();
    w.remember([row('a', 'p1', '2026-11-01 09:00:00')]);
    w.remember([row('a', 'p1', '2026-11-01 10:00:00')]);
    expect(w.unwritten([row('a', 'p1', '2026-11-01 09:30:00')])).toEqual([]);
  });

  it('forgets the oldest identifiers beyond its capacity', () => {
    const w = new WrittenIdentities(2);
    w.remember([row('a', 'p1', '2026-11-01 09:00:00'), row('b', 'p2', '2026-11-01 09:00:00')]);
    w.remember([row('c', 'p3', '2026-11-01 09:00:00')]);
    expect(w.unwritten([row('a', 'p1', '2026-11-01 09:00:00')])).toHaveLength(1);
    expect(w.unwritten([row('c', 'p3', '2026-11-01 09:00:00')])).toEqual([]);
  });
});
