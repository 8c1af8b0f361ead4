import {
  asEpochMs,
  asProfileId,
  evaluate,
  isMember,
  nextChangeAt,
  TraitMemo,
  type KafkaOrigin,
  type ProfileSnapshot,
  type ReasonEntry,
  type TraitsConfig,
} from '@cdp/domain';
import type { SegmentCauseKind, SegmentEventIdentities, SegmentEventType } from '@cdp/domain/segments';
import { nextFlipAt } from './next-flip';
import type { ProfileData } from './profile-data';
import type { ProfileState } from './profile-state';
import type { SegmentPlan } from './segment-plan';

export interface Cause {
  kind: SegmentCauseKind;
  eventId: string | null;
  kafka: KafkaOrigin | null;
}

export const TIME_CAUSE: Cause = { kind: 'time', eventId: null, kafka: null };
export const DEFINITION_CAUSE: Cause = { kind: 'definition', eventId: null, kafka: null };

/** One membership change, before it becomes a contract payload. */
export interface Transition {
  segmentId: string;
  version: number;
  profileId: string;
  type: SegmentEventType;
  /** Epoch ms: the evaluation instant. */
  occurredAt: number;
  cause: Cause;
  reason: ReasonEntry[];
  identities: SegmentEventIdentities;
  /** The profile's transition counter after this one (1, 2, ...). */
  seq: number;
}

/**
 * The next change of each segment of the plan for one profile, as last computed (in memory
 * only, an optimisation: see `ProfileRun.unchanged`). `next[i]` belongs to `plan.ordered[i]`.
 */
export interface NextMemo {
  planKey: string;
  /** History was visible up to this instant (NaN in `next`: not computed) ... */
  visible: number;
  /** ... and held this many events and trait values. */
  count: number;
  traits: number;
  next: (number | null)[];
}

export interface EngineOptions {
  traitsConfig: TraitsConfig;
  /** Most time instants one catch-up walks before it leaves the rest for later. */
  maxCatchUpSteps: number;
  /**
   * false: evaluate every segment at every evaluation (no memo, no empty-history shortcut, no
   * reuse of the evaluation's memberships in the next-change search): the reference the
   * shortcuts are tested against. Default true.
   */
  skipUnchanged?: boolean;
}

/** Far in the future, for the time-invariance check of the empty history. */
const YEAR_2100 = Date.UTC(2100, 0, 1);
const emptyResults = new WeakMap<SegmentPlan, Map<TraitsConfig, readonly (boolean | null)[]>>();

/**
 * Per segment of the plan (in its order): the rule's result for a profile without any event or
 * trait value, when that result is the same at every instant (no next change); null when it
 * is not, or when the segment reads any event or other segments (never skipped this way).
 * Memoized per plan and traits configuration.
 */
function emptyHistoryResults(plan: SegmentPlan, config: TraitsConfig): readonly (boolean | null)[] {
  let byConfig = emptyResults.get(plan);
  if (byConfig === undefined) {
    byConfig = new Map();
    emptyResults.set(plan, byConfig);
  }
  let results = byConfig.get(config);
  if (results === undefined) {
    const empty: ProfileSnapshot = {
      profileId: asProfileId('-'),
      traits: {},
      events: [],
      segments: new Set(),
    };
    const ctx = { traitsConfig: config };
    results = plan.ordered.map((s) => {
      if (s.readsAnyEvent || s.references.length > 0) return null;
      const early = isMember(s.rule, empty, asEpochMs(0), ctx);
      const late = isMember(s.rule, empty, asEpochMs(YEAR_2100), ctx);
      const moves = nextChangeAt(s.rule, empty, asEpochMs(0), ctx) !== undefined;
      return early === late && !moves ? early : null;
    });
    byConfig.set(config, results);
  }
  return results;
}

/**
 * The evaluation of one profile within one unit of work, on a private copy of its state.
 *
 * Time is the profile's own: every evaluation happens at an instant `t` that never goes back
 * (`clock`), sees exactly the events, trait values and identifiers dated at or before `t`, and
 * dates its transitions `t`. Before an evaluation at `t`, the window boundaries that pass
 * before `t` are evaluated first, each at its exact instant (`catchUp`), so a profile's
 * transition sequence is a function of its history and the segment versions, whatever the
 * batching, the wall clock or the number of restarts.
 */
export class ProfileRun {
  private nextDirty = false;
  /** The instant up to which history is visible in the running evaluation (see ProfileState.horizon). */
  private view = 0;
  private identitiesCache: { t: number; value: SegmentEventIdentities } | undefined;
  /** Computed traits at the instants the next-change searches visit (shared by the segments). */
  private readonly traitMemo = new TraitMemo();
  /**
   * The memberships the latest evaluation computed (per segment index; undefined: not evaluated)
   * and what they were computed on: the next-change search at the same instant over the same
   * history does not compute them again.
   */
  private computed:
    | {
        t: number;
        plan: SegmentPlan;
        events: readonly unknown[];
        traits: object;
        member: (boolean | undefined)[];
      }
    | undefined;

  constructor(
    readonly profileId: string,
    readonly state: ProfileState,
    readonly data: ProfileData,
    public plan: SegmentPlan,
    private readonly options: EngineOptions,
    private readonly emit: (t: Transition) => void,
    public memo: NextMemo | undefined = undefined,
  ) {}

  get retired(): boolean {
    return this.state.retiredInto !== null;
  }

  /**
   * The instant an event-like input (event, merge, erasure) is evaluated at: its own time, but
   * never before the profile's clock, nor before the latest segment version took effect (an
   * event dated before a segment existed, processed after, counts from the segment's start).
   */
  instantFor(t: number): number {
    return Math.max(t, this.state.clock, this.plan.floor);
  }

  /** Marks the scheduled instant as stale (the plan changed under it). */
  invalidateNext(): void {
    this.nextDirty = true;
  }

  /**
   * Evaluates every scheduled instant before `until` (or up to it when `inclusive`), in order,
   * with cause `time` and occurredAt = the instant. Stops after `maxCatchUpSteps` instants.
   */
  catchUp(until: number, inclusive: boolean): void {
    if (this.retired) return;
    for (let step = 0; step < this.options.maxCatchUpSteps; step++) {
      if (this.nextDirty) this.refreshNext();
      const n = this.state.next;
      if (n === null || (inclusive ? n > until : n >= until)) return;
      this.evaluateAt(n, TIME_CAUSE);
    }
  }

  /**
   * Evaluates the plan's segments (or only those in `only`) at `t`; a segment version not yet in
   * effect at `t` (since > t) is skipped. Segments are evaluated in reference order, so an
   * `inSegment` condition sees the membership as changed by this very evaluation.
   */
  evaluateAt(t: number, cause: Cause, only?: ReadonlySet<string>): void {
    if (this.retired) return;
    const at = Math.max(t, this.state.clock);
    // a boundary sees the history consumed so far; an input moves the horizon to its instant
    if (cause.kind === 'time') {
      this.view = Math.min(at, this.state.horizon);
    } else {
      this.state.horizon = Math.max(this.state.horizon, at);
      this.view = at;
    }
    const events = this.data.eventsUpTo(this.view);
    const traits = this.data.traitsAt(this.view);
    // computed traits are computed when a rule reads them, once per instant (the memo)
    const ctx = { traitsConfig: this.options.traitsConfig, traitMemo: this.traitMemo };
    const memberships = this.state.memberships;
    const segments = new Set(Object.keys(memberships));
    const snapshot: ProfileSnapshot = { profileId: asProfileId(this.profileId), traits, events, segments };
    const unchanged = this.unchanged(at, this.view);
    const ordered = this.plan.ordered;
    const computed: (boolean | undefined)[] = new Array<boolean | undefined>(ordered.length);
    this.computed = { t: at, plan: this.plan, events, traits, member: computed };
    for (let i = 0; i < ordered.length; i++) {
      const s = ordered[i];
      if (only !== undefined && !only.has(s.id)) continue;
      if (s.since > at) continue;
      if (unchanged(i) !== undefined) continue;
      const member = isMember(s.rule, snapshot, asEpochMs(at), ctx);
      computed[i] = member;
      const current = memberships[s.id];
      if (member === (current !== undefined)) {
        if (current !== undefined && current.version !== s.version) current.version = s.version;
        continue;
      }
      const { reason } = evaluate(s.rule, snapshot, asEpochMs(at), ctx);
      if (member) {
        memberships[s.id] = { version: s.version, enteredAt: at };
        segments.add(s.id);
      } else {
        delete memberships[s.id];
        segments.delete(s.id);
      }
      this.push(s.id, s.version, member ? 'segment.entered' : 'segment.exited', at, cause, reason);
    }
    this.state.clock = at;
    this.nextDirty = true;
  }

  /** Exits segment `id` at `t` (archive, merge, erasure) with the given reason; no-op when not a member. */
  exit(id: string, t: number, cause: Cause, reason: ReasonEntry[], version?: number): void {
    const current = this.state.memberships[id];
    if (current === undefined) return;
    const at = Math.max(t, this.state.clock);
    this.state.horizon = Math.max(this.state.horizon, at);
    this.view = at;
    delete this.state.memberships[id];
    this.push(
      id,
      version ?? this.plan.get(id)?.version ?? current.version,
      'segment.exited',
      at,
      cause,
      reason,
    );
    this.state.clock = at;
    this.nextDirty = true;
  }

  /** Drops a membership without an event (archive with exitOnArchive false). */
  forget(id: string): void {
    if (this.state.memberships[id] === undefined) return;
    delete this.state.memberships[id];
    this.nextDirty = true;
  }

  /** Exits every segment, then stops evaluating the profile for good (merged into `into`, or erased: ''). */
  retire(into: string, t: number, cause: Cause, reason: ReasonEntry[]): void {
    if (this.retired) return;
    for (const id of Object.keys(this.state.memberships).sort()) this.exit(id, t, cause, reason);
    this.state.clock = Math.max(t, this.state.clock);
    this.state.retiredInto = into;
    this.state.next = null;
    this.nextDirty = false;
  }

  /** Brings the scheduled instant up to date (call once the unit of work is done with the profile). */
  finish(): void {
    if (this.nextDirty && !this.retired) this.refreshNext();
  }

  private refreshNext(): void {
    this.nextDirty = false;
    const t = this.state.clock;
    const visible = Math.min(t, this.state.horizon);
    const events = this.data.eventsUpTo(visible);
    const traits = this.data.traitsAt(visible);
    const snapshot: ProfileSnapshot = {
      profileId: asProfileId(this.profileId),
      traits,
      events,
      segments: new Set(Object.keys(this.state.memberships)),
    };
    const ctx = { traitsConfig: this.options.traitsConfig, traitMemo: this.traitMemo };
    const unchanged = this.unchanged(t, visible);
    // memberships the evaluation at this instant computed on this very history (a segment that
    // reads others could have seen them before their change in the pass: computed again)
    const c = this.computed;
    const known =
      this.options.skipUnchanged !== false &&
      c !== undefined &&
      c.t === t &&
      c.plan === this.plan &&
      c.events === events &&
      c.traits === traits
        ? c.member
        : undefined;
    const next: (number | null)[] = [];
    let best: number | null = null;
    const ordered = this.plan.ordered;
    for (let i = 0; i < ordered.length; i++) {
      const s = ordered[i];
      let n: number | null;
      if (s.since > t) {
        next.push(Number.NaN); // not in effect yet: nothing known
        continue;
      }
      if (!s.timed) n = null;
      else {
        const kept = unchanged(i);
        const member = s.references.length === 0 ? known?.[i] : undefined;
        n = kept !== undefined ? kept : (nextFlipAt(s.rule, snapshot, t, ctx, member) ?? null);
      }
      if (n !== null && n <= t) n = null;
      next.push(n);
      if (n !== null && (best === null || n < best)) best = n;
    }
    this.state.next = best;
    this.memo = {
      planKey: this.plan.key,
      visible,
      count: events.length,
      traits: this.data.traitCountUpTo(visible),
      next,
    };
  }

  /**
   * Which segments certainly keep both their membership and their next change at `t` (history
   * visible up to `visible`) since the memo was computed: same plan, no event inserted before
   * the memo's horizon, no new visible event the segment reads (PlannedSegment.affectedBy: one
   * of its event conditions matches it, or a computed trait it uses reads it), no new trait value
   * when it reads identify traits, its memoized change still ahead, and no `inSegment` nor a
   * computed trait that may read any event in its rule (those are always evaluated; order-based
   * traits only read orders and refunds, see ComputedTraitDefinition.reads). Returns, per
   * segment index, the kept next change (null: none), or undefined when it must be evaluated.
   * Without a usable memo, see unchangedFromEmpty.
   */
  private unchanged(t: number, visible: number): (i: number) => number | null | undefined {
    if (this.options.skipUnchanged === false) return () => undefined;
    const memo = this.memo;
    if (
      memo === undefined ||
      memo.planKey !== this.plan.key ||
      visible < memo.visible ||
      this.data.eventsUpTo(memo.visible).length !== memo.count ||
      this.data.traitCountUpTo(memo.visible) !== memo.traits
    ) {
      return this.unchangedFromEmpty(visible);
    }
    const affected = this.plan.affectedBy(this.data.eventsUpTo(visible).slice(memo.count));
    const traitsMoved = this.data.traitCountUpTo(visible) !== memo.traits;
    return (i) => {
      const s = this.plan.ordered[i];
      const n = memo.next[i];
      if (
        s === undefined ||
        n === undefined ||
        Number.isNaN(n) ||
        s.readsAnyEvent ||
        s.references.length > 0
      ) {
        return undefined;
      }
      if (n !== null && n <= t) return undefined;
      if (s.readsTraits && traitsMoved) return undefined;
      return affected[i] === 1 ? undefined : n;
    };
  }

  /**
   * Without a usable memo (a profile evaluated for the first time, or since a restart): the
   * segments whose result on an empty history never changes with time (emptyHistoryResults),
   * that no visible event affects, that read no trait when the profile has trait values, and
   * whose recorded membership is that result, certainly have that membership and no next change
   * (their matching events are the empty history's: none). A new profile's first event then
   * evaluates only the segments it touches instead of all of them.
   */
  private unchangedFromEmpty(visible: number): (i: number) => number | null | undefined {
    const results = emptyHistoryResults(this.plan, this.options.traitsConfig);
    const affected = this.plan.affectedBy(this.data.eventsUpTo(visible));
    const hasTraits = this.data.traitCountUpTo(visible) > 0;
    const memberships = this.state.memberships;
    return (i) => {
      const s = this.plan.ordered[i];
      const empty = results[i];
      if (s === undefined || empty === null || empty === undefined) return undefined;
      if ((memberships[s.id] !== undefined) !== empty) return undefined;
      if (s.readsTraits && hasTraits) return undefined;
      return affected[i] === 1 ? undefined : null;
    };
  }

  private push(
    segmentId: string,
    version: number,
    type: Transition['type'],
    at: number,
    cause: Cause,
    reason: ReasonEntry[],
  ): void {
    this.state.seq += 1;
    this.emit({
      segmentId,
      version,
      profileId: this.profileId,
      type,
      occurredAt: at,
      cause,
      reason,
      identities: this.identitiesAt(this.view),
      seq: this.state.seq,
    });
  }

  private identitiesAt(t: number): SegmentEventIdentities {
    if (this.identitiesCache?.t !== t) this.identitiesCache = { t, value: this.data.identitiesAt(t) };
    return this.identitiesCache.value;
  }
}
