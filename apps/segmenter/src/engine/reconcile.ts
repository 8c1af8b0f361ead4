import type { SegmentDefinition } from '@cdp/domain/segments';
import { definitionEffectiveAt } from '@cdp/domain/segments';
import type { AppliedSegment } from './profile-state';
import type { RemovedSegment } from './work-unit';

/** A registry entry: a definition, or a tombstone. */
export type TargetEntry =
  { kind: 'definition'; definition: SegmentDefinition } | { kind: 'deleted'; id: string };

/** What a partition must do to move from its applied segment versions to the registry's. */
export interface ReconcilePlan {
  /** The applied map once done (active segments only). */
  applied: Record<string, AppliedSegment>;
  /** id -> "version:status" of every registry entry that matters: identifies the target (resume). */
  target: Record<string, string>;
  /** Active segments that are new or have a new version: evaluated for every profile. */
  changedActive: string[];
  /** Segments that stop being active: their members exit (or are forgotten). */
  removed: RemovedSegment[];
  /** The evaluation instant (before each profile's own clock): the latest effective time of the changes. */
  at: number;
}

const sameRule = (a: AppliedSegment, d: SegmentDefinition): boolean =>
  JSON.stringify(a.rule) === JSON.stringify(d.rule);

/**
 * Compares a partition's applied versions with the registry. Undefined when nothing changed.
 * A new or re-activated segment, or a new version (or a different rule), is `changedActive`;
 * an applied segment whose registry entry is archived, draft, deleted or gone is `removed`
 * (exits when `exitOnArchive`, default `defaultExitOnArchive`). `now` dates the changes that
 * carry no time of their own (tombstones).
 */
export function planReconciliation(
  applied: Readonly<Record<string, AppliedSegment>>,
  registry: ReadonlyMap<string, TargetEntry>,
  defaultExitOnArchive: boolean,
  now: number,
): ReconcilePlan | undefined {
  const next: Record<string, AppliedSegment> = {};
  const target: Record<string, string> = {};
  const changedActive: string[] = [];
  const removed: RemovedSegment[] = [];
  let at = 0;
  const ids = [...new Set([...Object.keys(applied), ...registry.keys()])].sort();
  for (const id of ids) {
    const a = applied[id];
    const entry = registry.get(id);
    const d = entry?.kind === 'definition' ? entry.definition : undefined;
    target[id] = d === undefined ? 'deleted' : `${d.version}:${d.status}`;
    if (d !== undefined && d.status === 'active') {
      if (a !== undefined && a.version === d.version && sameRule(a, d)) {
        next[id] = a;
        continue;
      }
      const since = definitionEffectiveAt(d);
      next[id] = {
        version: d.version,
        status: 'active',
        since,
        exitOnArchive: d.exitOnArchive ?? defaultExitOnArchive,
        rule: d.rule,
      };
      changedActive.push(id);
      at = Math.max(at, since);
      continue;
    }
    if (a === undefined) continue;
    const status = d === undefined ? 'deleted' : d.status;
    removed.push({
      id,
      exit: d?.exitOnArchive ?? (d === undefined ? a.exitOnArchive : defaultExitOnArchive),
      version: d?.version ?? a.version,
      status,
    });
    at = Math.max(at, d === undefined ? now : definitionEffectiveAt(d));
  }
  if (changedActive.length === 0 && removed.length === 0) return undefined;
  return { applied: next, target, changedActive, removed, at };
}

export const sameTarget = (
  a: Readonly<Record<string, string>>,
  b: Readonly<Record<string, string>>,
): boolean => {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
};
