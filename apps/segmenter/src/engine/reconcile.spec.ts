import type { SegmentDefinition } from '@cdp/domain/segments';
import type { AppliedSegment } from './profile-state';
import { planReconciliation, sameTarget, type TargetEntry } from './reconcile';

const def = (
  id: string,
  version: number,
  status: SegmentDefinition['status'],
  extra: Partial<SegmentDefinition> = {},
) =>
  ({
    kind: 'definition',
    definition: {
      id,
      name: id,
      status,
      version,
      rule: { event: 'Page Viewed' },
      createdAt: '2026-11-01T00:00:00.000Z',
      updatedAt: `2026-11-0${version}T00:00:00.000Z`,
      ...extra,
    },
  }) as TargetEntry;
const applied = (version: number, since = 0): AppliedSegment => ({
  version,
  status: 'active',
  since,
  exitOnArchive: true,
  rule: { event: 'Page Viewed' },
});

describe('planReconciliation', () => {
  it('nothing to do when the applied versions are the registry versions', () => {
    expect(
      planReconciliation({ a: applied(1) }, new Map([['a', def('a', 1, 'active')]]), true, 0),
    ).toBeUndefined();
    expect(planReconciliation({}, new Map([['d', def('d', 1, 'draft')]]), true, 0)).toBeUndefined();
  });

  it('new, edited, archived, deleted, draft segments', () => {
    const registry = new Map<string, TargetEntry>([
      ['new', def('new', 1, 'active')],
      ['edited', def('edited', 2, 'active')],
      ['same', def('same', 1, 'active')],
      ['archived', def('archived', 3, 'archived', { exitOnArchive: false })],
      ['drafted', def('drafted', 2, 'draft')],
      ['deleted', { kind: 'deleted', id: 'deleted' }],
    ]);
    const plan = planReconciliation(
      {
        edited: applied(1),
        same: applied(1, 5),
        archived: applied(2),
        drafted: applied(1),
        deleted: applied(1),
        gone: applied(1),
      },
      registry,
      true,
      Date.parse('2026-11-09T00:00:00.000Z'),
    );
    expect(plan?.changedActive).toEqual(['edited', 'new']);
    expect(plan?.removed).toEqual([
      { id: 'archived', exit: false, version: 3, status: 'archived' },
      { id: 'deleted', exit: true, version: 1, status: 'deleted' },
      { id: 'drafted', exit: true, version: 2, status: 'draft' },
      { id: 'gone', exit: true, version: 1, status: 'deleted' },
    ]);
    expect(Object.keys(plan?.applied ?? {}).sort()).toEqual(['edited', 'new', 'same']);
    expect(plan?.applied.same.since).toBe(5);
    expect(plan?.applied.edited).toMatchObject({ version: 2, since: Date.parse('2026-11-02T00:00:00.000Z') });
    expect(plan?.at).toBe(Date.parse('2026-11-09T00:00:00.000Z'));
    expect(plan?.target).toMatchObject({
      new: '1:active',
      archived: '3:archived',
      deleted: 'deleted',
      gone: 'deleted',
    });
  });

  it('a different rule under the same version counts as an edit', () => {
    const changed = def('a', 1, 'active', { rule: { event: 'Order Completed' } });
    expect(planReconciliation({ a: applied(1) }, new Map([['a', changed]]), true, 0)?.changedActive).toEqual([
      'a',
    ]);
  });

  it('sameTarget compares the targets whatever the key order', () => {
    expect(sameTarget({ a: '1:active', b: 'deleted' }, { b: 'deleted', a: '1:active' })).toBe(true);
    expect(sameTarget({ a: '1:active' }, { a: '2:active' })).toBe(false);
  });
});
