import type { KafkaOrigin, ReasonEntry } from '@cdp/domain';
import { ABSORBED_MESSAGE_TYPE, type AbsorbedMessage, type InputMessage } from './input-message';
import { ProfileData } from './profile-data';
import {
  ProfileRun,
  DEFINITION_CAUSE,
  type Cause,
  type EngineOptions,
  type NextMemo,
  type Transition,
} from './profile-run';
import {
  cloneProfileState,
  emptyProfileState,
  isWorthKeeping,
  sameSignificantPart,
  type ProfileState,
} from './profile-state';
import type { SegmentPlan } from './segment-plan';

/** A message the unit asks to write to the events topic (key = profile id). */
export interface CommandOut {
  key: string;
  value: string;
}

export interface UnitResult {
  /** In the order they happened. */
  transitions: Transition[];
  /**
   * Changed states to write (null: delete the key). Only significant changes count (memberships,
   * transitions, schedule, retirement): a clock that moved alone is neither written nor applied,
   * so the state in memory is always the state in the topic.
   */
  states: Map<string, ProfileState | null>;
  commands: CommandOut[];
  /** Next-change memos of the profiles evaluated (keep them for the next unit once committed). */
  memos: Map<string, NextMemo>;
  /** Messages skipped: not for the segmenter, or for a retired profile. */
  ignored: number;
  retiredSkips: number;
}

/** A segment leaving the partition's plan (archived, deleted, or no longer active). */
export interface RemovedSegment {
  id: string;
  /** Emit exits for the members (exitOnArchive), or drop them silently. */
  exit: boolean;
  version: number;
  status: string;
}

const archiveReason = (s: RemovedSegment): ReasonEntry[] => [
  {
    condition: `segment "${s.id}" ${s.status === 'deleted' ? 'deleted' : `status ${s.status}`}`,
    actual: s.status,
    result: false,
  },
];
const mergeReason = (survivorId: string): ReasonEntry[] => [
  { condition: `profile merged into ${survivorId}`, actual: survivorId, result: false },
];
const DELETION_REASON: ReasonEntry[] = [{ condition: 'profile erased', actual: true, result: false }];

/**
 * One unit of work of a partition (a chunk of consumed messages, a timer round, or a chunk of
 * an initial-membership / edit run), computed on copies of the profiles' states: nothing
 * changes in the partition until the unit's transaction committed and the caller applies
 * `finish()`'s states. Pure: the data comes in as loaded snapshots.
 */
export class WorkUnit {
  private readonly runs = new Map<string, ProfileRun>();
  /** The stored state of each profile run (never changed: the runs work on copies). */
  private readonly before = new Map<string, ProfileState | undefined>();
  private readonly transitions: Transition[] = [];
  private readonly commands: CommandOut[] = [];
  private ignored = 0;
  private retiredSkips = 0;

  constructor(
    private readonly plan: SegmentPlan,
    private readonly states: ReadonlyMap<string, ProfileState>,
    private readonly data: (profileId: string) => ProfileData | undefined,
    private readonly options: EngineOptions,
    private readonly memos: (profileId: string) => NextMemo | undefined = () => undefined,
  ) {}

  run(profileId: string): ProfileRun {
    let r = this.runs.get(profileId);
    if (r === undefined) {
      const stored = this.states.get(profileId);
      this.before.set(profileId, stored);
      r = new ProfileRun(
        profileId,
        stored === undefined ? emptyProfileState() : cloneProfileState(stored),
        this.data(profileId) ?? ProfileData.empty(profileId),
        this.plan,
        this.options,
        (t) => this.transitions.push(t),
        this.memos(profileId),
      );
      this.runs.set(profileId, r);
    }
    return r;
  }

  /** Applies one consumed message; `at` is where it is on the events topic (fallback coordinates of a merge). */
  apply(m: InputMessage, at: KafkaOrigin): void {
    switch (m.kind) {
      case 'event': {
        const r = this.run(m.profileId);
        if (r.retired) {
          this.retiredSkips += 1;
          return;
        }
        const now = r.instantFor(m.occurredAt);
        r.catchUp(now, false);
        r.evaluateAt(now, { kind: 'event', eventId: m.eventId, kafka: m.origin ?? at });
        r.state.lastEventId = m.eventId;
        return;
      }
      case 'merge': {
        if (m.absorbedId !== m.survivorId) {
          const r = this.run(m.survivorId);
          const linking = r.data.findEvent(m.eventId);
          const cause: Cause = { kind: 'merge', eventId: m.eventId || null, kafka: linking?.origin ?? at };
          if (!r.retired) {
            const now = r.instantFor(m.occurredAt);
            r.catchUp(now, false);
            r.evaluateAt(now, cause);
          }
          const command: AbsorbedMessage = {
            type: ABSORBED_MESSAGE_TYPE,
            absorbedId: m.absorbedId,
            survivorId: m.survivorId,
            eventId: m.eventId,
            occurredAt: m.occurredAt,
            kafka: cause.kafka,
          };
          this.commands.push({ key: m.absorbedId, value: JSON.stringify(command) });
        }
        return;
      }
      case 'absorbed': {
        const r = this.run(m.absorbedId);
        if (r.retired) return;
        const now = r.instantFor(m.occurredAt);
        r.catchUp(now, false);
        r.retire(
          m.survivorId,
          now,
          { kind: 'merge', eventId: m.eventId || null, kafka: m.origin ?? at },
          mergeReason(m.survivorId),
        );
        return;
      }
      case 'deleted': {
        const r = this.run(m.profileId);
        if (r.retired) return;
        const now = r.instantFor(m.occurredAt);
        r.catchUp(now, false);
        r.retire('', now, { kind: 'deletion', eventId: m.eventId, kafka: at }, DELETION_REASON);
        return;
      }
      case 'ignored':
        this.ignored += 1;
        return;
    }
  }

  /** Evaluates the scheduled instants of these profiles up to `bound` (inclusive): the scheduler. */
  catchUp(profileIds: Iterable<string>, bound: number): void {
    for (const id of profileIds) this.run(id).catchUp(bound, true);
  }

  /**
   * A definition change for one profile: scheduled instants before `at` under the old plan,
   * then `removed` segments exit (or are forgotten), then the `evaluate` segments of `newPlan`
   * are evaluated at `at` (at least the profile's clock) with cause `definition`.
   */
  applyDefinitions(
    profileId: string,
    newPlan: SegmentPlan,
    removed: readonly RemovedSegment[],
    evaluate: ReadonlySet<string>,
    at: number,
  ): void {
    const r = this.run(profileId);
    if (r.retired) return;
    const t = Math.max(at, r.state.clock);
    r.catchUp(t, false);
    for (const s of removed) {
      if (s.exit) r.exit(s.id, t, DEFINITION_CAUSE, archiveReason(s), s.version);
      else r.forget(s.id);
    }
    r.plan = newPlan;
    r.invalidateNext();
    if (evaluate.size > 0) r.evaluateAt(t, DEFINITION_CAUSE, evaluate);
  }

  finish(): UnitResult {
    const states = new Map<string, ProfileState | null>();
    const memos = new Map<string, NextMemo>();
    for (const [id, r] of this.runs) {
      r.finish();
      if (r.memo !== undefined) memos.set(id, r.memo);
      const before = this.before.get(id);
      const keep = isWorthKeeping(r.state);
      if (!keep) {
        if (before !== undefined) states.set(id, null);
        continue;
      }
      if (before === undefined || !sameSignificantPart(r.state, before)) states.set(id, r.state);
    }
    return {
      transitions: this.transitions,
      states,
      commands: this.commands,
      memos,
      ignored: this.ignored,
      retiredSkips: this.retiredSkips,
    };
  }
}
