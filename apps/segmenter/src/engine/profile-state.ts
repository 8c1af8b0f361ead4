import type { Rule } from '@cdp/domain';

/** A profile's membership of one segment. */
export interface Membership {
  /** The segment version it entered under (updated silently when an edit keeps it in). */
  version: number;
  /** Epoch ms of the entry. */
  enteredAt: number;
}

/**
 * What the segmenter keeps per profile (value of the compacted state topic, key = profile id,
 * on the same partition as the profile's events).
 *
 * - `clock`: the last instant the profile was evaluated at. Evaluations never go back in
 *   time: an event dated before it is evaluated at `clock`.
 * - `horizon`: see below (boundary evaluations read history up to it).
 * - `seq`: transitions emitted so far (per profile, in order; the history table orders by it).
 * - `next`: the next instant at which a membership flips without a new event (the scheduler's
 *   entry), null when none.
 * - `retiredInto`: set when the profile was merged into another one (or erased: `''`): it is
 *   not evaluated any more.
 */
export interface ProfileState {
  clock: number;
  /**
   * The latest instant of an evaluation caused by an input (event, merge, definition): every
   * event of the profile dated up to it has been consumed (in order). Boundary evaluations only
   * see events up to it, so that what ingest wrote to ClickHouse but the segmenter has not
   * consumed yet never counts early.
   */
  horizon: number;
  seq: number;
  memberships: Record<string, Membership>;
  next: number | null;
  lastEventId: string | null;
  retiredInto: string | null;
}

export const emptyProfileState = (): ProfileState => ({
  clock: 0,
  horizon: 0,
  seq: 0,
  memberships: {},
  next: null,
  lastEventId: null,
  retiredInto: null,
});

export function cloneProfileState(s: ProfileState): ProfileState {
  const memberships: Record<string, Membership> = {};
  for (const [id, m] of Object.entries(s.memberships)) memberships[id] = { ...m };
  return { ...s, memberships };
}

/** A state worth keeping: it has emitted something, is in a segment, is scheduled, or is retired. */
export const isWorthKeeping = (s: ProfileState): boolean =>
  s.seq > 0 || s.next !== null || s.retiredInto !== null || Object.keys(s.memberships).length > 0;

/**
 * Whether two states agree on everything but `clock` and `lastEventId`: what makes a change
 * worth writing (a clock that moved alone only matters for late events, and is written with
 * the next significant change). Membership order does not matter.
 */
export function sameSignificantPart(a: ProfileState, b: ProfileState): boolean {
  if (a.seq !== b.seq || a.next !== b.next || a.retiredInto !== b.retiredInto || a.horizon !== b.horizon) {
    return false;
  }
  const ids = Object.keys(a.memberships);
  if (ids.length !== Object.keys(b.memberships).length) return false;
  for (const id of ids) {
    const x = a.memberships[id];
    const y = b.memberships[id];
    if (y === undefined || x.version !== y.version || x.enteredAt !== y.enteredAt) return false;
  }
  return true;
}

function encodeMemberships(memberships: Record<string, Membership>): Record<string, [number, number]> {
  const m: Record<string, [number, number]> = {};
  for (const id of Object.keys(memberships).sort()) {
    const x = memberships[id];
    m[id] = [x.version, x.enteredAt];
  }
  return m;
}

interface StateJson {
  v: 1;
  clock: number;
  h: number;
  seq: number;
  m: Record<string, [number, number]>;
  next: number | null;
  last: string | null;
  retired: string | null;
}

export function encodeProfileState(s: ProfileState): string {
  const json: StateJson = {
    v: 1,
    clock: s.clock,
    h: s.horizon,
    seq: s.seq,
    m: encodeMemberships(s.memberships),
    next: s.next,
    last: s.lastEventId,
    retired: s.retiredInto,
  };
  return JSON.stringify(json);
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function decodeProfileState(text: string): ProfileState | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(v) || v.v !== 1 || !isNum(v.clock) || !isNum(v.seq) || !isObject(v.m)) return undefined;
  const memberships: Record<string, Membership> = {};
  for (const [id, pair] of Object.entries(v.m)) {
    if (!Array.isArray(pair) || !isNum(pair[0]) || !isNum(pair[1])) return undefined;
    memberships[id] = { version: pair[0], enteredAt: pair[1] };
  }
  return {
    clock: v.clock,
    horizon: isNum(v.h) ? v.h : v.clock,
    seq: v.seq,
    memberships,
    next: isNum(v.next) ? v.next : null,
    lastEventId: typeof v.last === 'string' ? v.last : null,
    retiredInto: typeof v.retired === 'string' ? v.retired : null,
  };
}

/** A segment version as a partition applies it. */
export interface AppliedSegment {
  version: number;
  status: 'active' | 'draft' | 'archived';
  /** Epoch ms from which this version is evaluated (its updatedAt). */
  since: number;
  exitOnArchive: boolean;
  rule: Rule;
}

/**
 * Per-partition bookkeeping, stored in the state topic under `PARTITION_META_KEY` on that
 * partition: which segment versions the partition has applied (the stream is evaluated against
 * exactly these), and the progress of an initial-membership / edit / archive run in progress
 * (`reconciling`: the target versions and the last profile id done, so that a restart resumes).
 */
export interface PartitionMeta {
  applied: Record<string, AppliedSegment>;
  reconciling: { target: Record<string, string>; cursor: string | null } | null;
}

export const PARTITION_META_KEY = '__partition';

export const emptyPartitionMeta = (): PartitionMeta => ({ applied: {}, reconciling: null });

export function encodePartitionMeta(meta: PartitionMeta): string {
  return JSON.stringify({ v: 1, ...meta });
}

export function decodePartitionMeta(text: string): PartitionMeta | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    if (!isObject(v) || v.v !== 1 || !isObject(v.applied)) return undefined;
    const reconciling = isObject(v.reconciling)
      ? {
          target: v.reconciling.target as Record<string, string>,
          cursor: typeof v.reconciling.cursor === 'string' ? v.reconciling.cursor : null,
        }
      : null;
    return { applied: v.applied as Record<string, AppliedSegment>, reconciling };
  } catch {
    return undefined;
  }
}
