import {
  computedTraitNamed,
  durationMs,
  matchesEvent,
  referencedSegmentIds,
  type EventCondition,
  type EventFact,
  type Rule,
} from '@cdp/domain';
import type { AppliedSegment } from './profile-state';

/** One active segment version, ready for evaluation. */
export interface PlannedSegment {
  id: string;
  version: number;
  rule: Rule;
  since: number;
  /** The rule can flip with time alone (event conditions or computed traits). */
  timed: boolean;
  /** It reads a computed trait that may read any event (no `reads` list: lead score, first touch, seen at, ...). */
  readsAnyEvent: boolean;
  /** `inSegment` ids it reads. */
  references: string[];
  /** Event names its event conditions and its computed traits (their `reads`) read. */
  eventNames: ReadonlySet<string>;
  /**
   * Whether a new event can change the rule's result or next change: it matches one of its
   * event conditions (name, source and `where`: a product view of another category does not
   * touch a per-category segment), or a computed trait it uses reads its name. Meaningless
   * for segments that read any event (`readsAnyEvent`).
   */
  affectedBy(event: EventFact): boolean;
  /** It reads identify traits. */
  readsTraits: boolean;
}

/** What event history the active rules need (see `dataNeeds`). */
export interface DataNeeds {
  /** How far back events matter, in ms; null: the whole history (all-time conditions, computed traits). */
  lookbackMs: number | null;
  /** Event names the rules read; null: every event (computed traits read any event). */
  eventNames: string[] | null;
}

/**
 * The active segments of a partition in evaluation order: a segment comes after the segments
 * it references (`inSegment`), so that one evaluation pass sees the referenced memberships as
 * they are after it (the cascade); ties and cycles (the validator prevents them, the topic
 * could still hold one) go by id.
 */
export class SegmentPlan {
  readonly ordered: readonly PlannedSegment[];
  /** Identifies the plan (ids, versions, effective times): memoized next changes are only valid under the same one. */
  readonly key: string;
  /** The latest `since` of the active versions: events are never evaluated before it (see ProfileRun.instantFor). */
  readonly floor: number;
  private readonly byId: ReadonlyMap<string, PlannedSegment>;
  private readonly needs = new Map<number | null, DataNeeds>();
  /** Indices (in `ordered`) of the segments that read each event name (PlannedSegment.eventNames). */
  private readonly readersOf = new Map<string, number[]>();

  constructor(applied: Readonly<Record<string, AppliedSegment>>) {
    const active = Object.entries(applied)
      .filter(([, a]) => a.status === 'active')
      .map(([id, a]) => planned(id, a))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.ordered = topologicalOrder(active);
    this.byId = new Map(active.map((s) => [s.id, s]));
    this.floor = active.reduce((m, s) => Math.max(m, s.since), 0);
    this.key = this.ordered.map((s) => `${s.id}@${s.version}@${s.since}`).join(',');
    this.ordered.forEach((s, i) => {
      for (const name of s.eventNames) {
        const list = this.readersOf.get(name);
        if (list === undefined) this.readersOf.set(name, [i]);
        else list.push(i);
      }
    });
  }

  /**
   * Per segment index, 1 when one of `events` affects the segment (PlannedSegment.affectedBy),
   * else 0: each event is tested only against the segments that read its name. Meaningless, as
   * affectedBy, for segments that read any event.
   */
  affectedBy(events: readonly EventFact[]): Uint8Array {
    const out = new Uint8Array(this.ordered.length);
    for (let k = 0; k < events.length; k++) {
      const readers = this.readersOf.get(events[k].name);
      if (readers === undefined) continue;
      for (let j = 0; j < readers.length; j++) {
        const i = readers[j];
        if (out[i] === 0 && this.ordered[i].affectedBy(events[k])) out[i] = 1;
      }
    }
    return out;
  }

  get(id: string): PlannedSegment | undefined {
    return this.byId.get(id);
  }

  /** `ids` plus every segment that reads one of them through `inSegment`, transitively. */
  withDependents(ids: Iterable<string>): Set<string> {
    const out = new Set(ids);
    let grew = true;
    while (grew) {
      grew = false;
      for (const s of this.ordered) {
        if (!out.has(s.id) && s.references.some((r) => out.has(r))) {
          out.add(s.id);
          grew = true;
        }
      }
    }
    return out;
  }

  /**
   * The history the rules need: the longest rolling window, unless some condition looks at
   * all time (no `within`, a fixed window, `firstSeen`) or a computed trait is used (they read
   * the whole history: first touch, lifecycle, order totals). `capMs` (configured) bounds it
   * anyway, trading exactness for speed.
   */
  dataNeeds(capMs: number | null): DataNeeds {
    // the plan never changes: computed once per cap (asked for every profile of every unit)
    const known = this.needs.get(capMs);
    if (known !== undefined) return known;
    const needs = this.computeNeeds(capMs);
    this.needs.set(capMs, needs);
    return needs;
  }

  private computeNeeds(capMs: number | null): DataNeeds {
    let lookback: number | null = 0;
    let names: Set<string> | null = new Set();
    const visit = (rule: Rule): void => {
      if ('all' in rule) rule.all.forEach(visit);
      else if ('any' in rule) rule.any.forEach(visit);
      else if ('not' in rule) visit(rule.not);
      else if ('trait' in rule) {
        if (computedTraitNamed(rule.trait) !== undefined) {
          lookback = null;
          names = null;
        }
      } else if ('event' in rule) {
        names?.add(rule.event);
        const w = rule.within;
        if (w === undefined || w.from !== undefined || rule.firstSeen !== undefined) lookback = null;
        else if (lookback !== null) {
          let span = durationMs(w);
          const recency = rule.lastSeen ?? rule.firstSeen;
          if (recency !== undefined) {
            const d = recency.olderThan ?? recency.newerThan;
            if (d !== undefined) span = Math.max(span, durationMs(d));
          }
          lookback = Math.max(lookback, span);
        }
      }
    };
    for (const s of this.ordered) visit(s.rule);
    const needed: number | null = lookback;
    const bounded = needed === null ? capMs : capMs === null ? needed : Math.min(needed, capMs);
    const eventNames: Set<string> | null = names;
    return { lookbackMs: bounded, eventNames: eventNames === null ? null : [...eventNames].sort() };
  }
}

function planned(id: string, a: AppliedSegment): PlannedSegment {
  let timed = false;
  let readsAnyEvent = false;
  let readsTraits = false;
  const eventNames = new Set<string>();
  const conditions: EventCondition[] = [];
  const traitReads = new Set<string>();
  const visit = (rule: Rule): void => {
    if ('all' in rule) rule.all.forEach(visit);
    else if ('any' in rule) rule.any.forEach(visit);
    else if ('not' in rule) visit(rule.not);
    else if ('event' in rule) {
      timed = true;
      eventNames.add(rule.event);
      conditions.push(rule);
    } else if ('trait' in rule) {
      const computed = computedTraitNamed(rule.trait);
      if (computed !== undefined) {
        timed = true;
        if (computed.reads === undefined) readsAnyEvent = true;
        else
          for (const name of computed.reads) {
            eventNames.add(name);
            traitReads.add(name);
          }
      } else readsTraits = true;
    }
  };
  visit(a.rule);
  const affectedBy = (event: EventFact): boolean => {
    if (traitReads.has(event.name)) return true;
    for (let i = 0; i < conditions.length; i++) if (matchesEvent(conditions[i], event)) return true;
    return false;
  };
  return {
    id,
    version: a.version,
    rule: a.rule,
    since: a.since,
    timed,
    readsAnyEvent,
    references: referencedSegmentIds(a.rule),
    eventNames,
    affectedBy,
    readsTraits,
  };
}

function topologicalOrder(segments: readonly PlannedSegment[]): PlannedSegment[] {
  const ids = new Set(segments.map((s) => s.id));
  const done = new Set<string>();
  const out: PlannedSegment[] = [];
  let remaining = [...segments];
  while (remaining.length > 0) {
    const ready = remaining.filter((s) =>
      s.references.every((r) => !ids.has(r) || done.has(r) || r === s.id),
    );
    // a cycle: take the first remaining one by id and carry on
    const next = ready.length > 0 ? ready : [remaining[0]];
    for (const s of next) {
      out.push(s);
      done.add(s.id);
    }
    const taken = new Set(next.map((s) => s.id));
    remaining = remaining.filter((s) => !taken.has(s.id));
  }
  return out;
}
