import {
  decodePartitionMeta,
  decodeProfileState,
  encodePartitionMeta,
  encodeProfileState,
  isWorthKeeping,
  emptyProfileState,
  sameSignificantPart,
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
    // the structural comparison the units use agrees with the strings
    const member = {
      ...s,
      memberships: { a: { version: 1, enteredAt: 3 }, b: { version: 2, enteredAt: 4 } },
    };
    for (const base of [s, member]) {
      const variants: ProfileState[] = [
        { ...base, clock: 99, lastEventId: 'x' },
        { ...base, next: 5 },
        { ...base, seq: base.seq + 1 },
        { ...base, horizon: base.horizon + 1 },
        { ...base, retiredInto: 'p-9' },
        { ...base, memberships: {} },
        { ...base, memberships: { ...base.memberships, extra: { version: 1, enteredAt: 1 } } },
        { ...base, memberships: { ...base.memberships, a: { version: 7, enteredAt: 3 } } },
        { ...base, memberships: { ...base.memberships, a: { version: 1, enteredAt: 8 } } },
        { ...base, memberships: { b: { version: 2, enteredAt: 4 }, a: { version: 1, enteredAt: 3 } } },
      ];
      for (const v of variants) {
        expect(sameSignificantPart(v, base)).toBe(significantPart(v) === significantPart(base));
        expect(sameSignificantPart(base, v)).toBe(significantPart(v) === significantPart(base));
      }
    }
    expect(isWorthKeeping({ ...s, seq: 1 })).toBe(true);
  });
});
