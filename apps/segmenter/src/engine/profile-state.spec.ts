import {
  decodePartitionMeta,
  decodeProfileState,
  encodePartitionMeta,
  encodeProfileState,
  isWorthKeeping,
  emptyProfileState,
  sameSignificantPart,
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
    const member: ProfileState = {
      ...s,
      memberships: { a: { version: 1, enteredAt: 3 }, b: { version: 2, enteredAt: 4 } },
    };
    // [variant of a base, same as the base]: only clock and lastEventId do not count
    const variantsOf = (base: ProfileState): [ProfileState, boolean][] => [
      [{ ...base, clock: 99, lastEventId: 'x' }, true],
      [{ ...base, memberships: Object.fromEntries(Object.entries(base.memberships).reverse()) }, true],
      [{ ...base, next: 5 }, false],
      [{ ...base, seq: base.seq + 1 }, false],
      [{ ...base, horizon: base.horizon + 1 }, false],
      [{ ...base, retiredInto: 'p-9' }, false],
      [{ ...base, memberships: { ...base.memberships, extra: { version: 1, enteredAt: 1 } } }, false],
      [{ ...base, memberships: { ...base.memberships, a: { version: 7, enteredAt: 3 } } }, false],
      [{ ...base, memberships: { ...base.memberships, a: { version: 1, enteredAt: 8 } } }, false],
    ];
    for (const base of [s, member]) {
      for (const [v, same] of variantsOf(base)) {
        expect([v, sameSignificantPart(v, base), sameSignificantPart(base, v)]).toEqual([v, same, same]);
      }
    }
    expect(sameSignificantPart({ ...member, memberships: {} }, member)).toBe(false);
    expect(isWorthKeeping({ ...s, seq: 1 })).toBe(true);
  });
});
