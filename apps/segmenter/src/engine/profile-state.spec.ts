import {
  decodePartitionMeta,
  decodeProfileState,
  encodePartitionMeta,
  encodeProfileState,
  isWorthKeeping,
  emptyProfileState,
  significantPart,
  type ProfileState,
} from './profile-state';

describe('profile state codec', () => {
  it('round-trips states and the partition meta', () => {
    const s: ProfileState = {
      clock: 1700000000123,
      horizon: 1700000000100,
      seq: 4,
      memberships: { b: { version: 2, enteredAt: 5 }, a: { version: 1, enteredAt: 3 } },
      next: 1700000999000,
      lastEventId: 'e-9',
      retiredInto: null,
    };
    expect(decodeProfileState(encodeProfileState(s))).toEqual(s);
    expect(decodeProfileState('{"v":2}')).toBeUndefined();
    expect(decodeProfileState('nope')).toBeUndefined();
    const meta = {
      applied: {
        a: { version: 1, status: 'active' as const, since: 3, exitOnArchive: true, rule: { event: 'X' } },
      },
      reconciling: { target: { a: '1:active' }, cursor: 'p-1' },
    };
    expect(decodePartitionMeta(encodePartitionMeta(meta))).toEqual(meta);
  });

  it('only significant changes count; empty states are not kept', () => {
    const s = emptyProfileState();
    expect(isWorthKeeping(s)).toBe(false);
    const moved = { ...s, clock: 99, lastEventId: 'x' };
    expect(significantPart(moved)).toBe(significantPart(s));
    expect(significantPart({ ...s, next: 5 })).not.toBe(significantPart(s));
    expect(isWorthKeeping({ ...s, seq: 1 })).toBe(true);
  });
});
