import type { EpochMs } from '../brand';
import type { EventCondition } from '../rules/rule.model';
import type { ComputedTraitDefinition, ComputedTraitValue } from './computed-trait.registry';
import type { EventFact } from './event-fact';
import type { TraitsConfig } from './traits.config';

/**
 * Computed-trait values and next-change instants of one history, memoized by (trait, instant).
 *
 * Evaluating many segments of one profile at one instant (and searching their next flips)
 * asks for the same trait at the same instants over and over (eleven seed segments read the
 * lifecycle, frequency, RFM and lead score traits). The answers are pure functions of the
 * events, the instant and the configuration, so one memo serves them all; it forgets everything
 * when it is asked about a different events array or configuration (a history that changed).
 * The events arrays given to it must not be changed in place.
 *
 * It also keeps, per event condition, the events that match it (name, source, `where`): a
 * next-change search measures one condition at many instants, each then over its few matching
 * events instead of the whole history.
 */
export class TraitMemo {
  private events: readonly EventFact[] | undefined;
  private config: TraitsConfig | undefined;
  /** By trait, then instant (no key strings to build at every question). */
  private readonly values = new Map<ComputedTraitDefinition, Map<number, ComputedTraitValue>>();
  private readonly nexts = new Map<ComputedTraitDefinition, Map<number, EpochMs | undefined>>();
  /** null: asked once, not filtered yet. */
  private readonly matches = new Map<EventCondition, readonly EventFact[] | null>();

  value(
    trait: ComputedTraitDefinition,
    events: readonly EventFact[],
    at: number,
    config: TraitsConfig,
  ): ComputedTraitValue {
    this.use(events, config);
    let byInstant = this.values.get(trait);
    if (byInstant === undefined) {
      byInstant = new Map();
      this.values.set(trait, byInstant);
    } else if (byInstant.has(at)) return byInstant.get(at);
    const value = trait.compute(events, at, config);
    byInstant.set(at, value);
    return value;
  }

  nextChangeAt(
    trait: ComputedTraitDefinition,
    events: readonly EventFact[],
    at: number,
    config: TraitsConfig,
  ): EpochMs | undefined {
    this.use(events, config);
    let byInstant = this.nexts.get(trait);
    if (byInstant === undefined) {
      byInstant = new Map();
      this.nexts.set(trait, byInstant);
    } else if (byInstant.has(at)) return byInstant.get(at);
    const next = trait.nextChangeAt(events, at, config);
    byInstant.set(at, next);
    return next;
  }

  /**
   * The events of `events` that `match` accepts for `condition` (memoized by condition object),
   * or undefined the first time a condition is asked about: most conditions are measured once
   * per history (a plain evaluation), and filtering those would only cost allocations; the
   * second request (a next-change search) gets the filtered list.
   */
  matching(
    condition: EventCondition,
    events: readonly EventFact[],
    match: (condition: EventCondition, event: EventFact) => boolean,
  ): readonly EventFact[] | undefined {
    if (events !== this.events) this.use(events, this.config);
    const found = this.matches.get(condition);
    if (found === null) {
      const list: EventFact[] = [];
      for (let i = 0; i < events.length; i++) if (match(condition, events[i])) list.push(events[i]);
      this.matches.set(condition, list);
      return list;
    }
    if (found === undefined) this.matches.set(condition, null);
    return found ?? undefined;
  }

  private use(events: readonly EventFact[], config: TraitsConfig | undefined): void {
    if (events === this.events && config === this.config) return;
    if (events !== this.events) this.matches.clear();
    this.events = events;
    this.config = config;
    this.values.clear();
    this.nexts.clear();
  }
}
