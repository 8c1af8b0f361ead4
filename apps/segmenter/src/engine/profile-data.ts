import type { EventFact, KafkaOrigin } from '@cdp/domain';
import type { SegmentEventIdentities } from '@cdp/domain/segments';

/** An event of the profile (or of a profile it absorbed) as loaded from ClickHouse. */
export interface LoadedEvent extends EventFact {
  eventId: string;
  /** Where it entered the platform (raw topic coordinates). */
  origin: KafkaOrigin | null;
}

/** One value an event set for a trait (trait_updates). */
export interface TraitUpdate {
  trait: string;
  value: unknown;
  /** Epoch ms (the setting event's occurredAt). */
  at: number;
  eventId: string;
}

/** An identifier of the profile and when it was first seen (epoch ms). */
export interface IdentifierSighting {
  kind: string;
  value: string;
  firstAt: number;
}

const byTimeThenId =
  <T extends { eventId: string }>(at: (x: T) => number) =>
  (a: T, b: T): number =>
    at(a) - at(b) || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0);

/**
 * Everything the evaluator knows about one person (their own events plus those of the profiles
 * they absorbed), with views as of an instant `t`: only events, trait values and identifiers
 * dated at or before `t` exist then. Events are ordered by (occurredAt, eventId) so that every
 * view is deterministic.
 */
export class ProfileData {
  /** Never changed in place (absorb replaces it): an array handed out stays a consistent snapshot, safe to memoize by identity. */
  private all: LoadedEvent[];
  private readonly traits: TraitUpdate[];
  private readonly identifiers: IdentifierSighting[];
  private readonly ids: Set<string>;
  private readonly sightings = new Map<string, IdentifierSighting>();
  /**
   * The earliest instant from which this history holds every event the rules read (events
   * before it were not loaded: the rules' lookback); -Infinity when it is whole.
   */
  loadedFrom = Number.NEGATIVE_INFINITY;
  private traitsCache: { t: number; value: Record<string, unknown> } | undefined;
  private upToCache: { t: number; value: readonly LoadedEvent[] } | undefined;

  constructor(
    readonly profileId: string,
    events: readonly LoadedEvent[],
    traits: readonly TraitUpdate[],
    identifiers: readonly IdentifierSighting[],
  ) {
    this.all = [...events].sort(byTimeThenId((e: LoadedEvent) => e.occurredAt));
    this.traits = [...traits].sort(byTimeThenId((u: TraitUpdate) => u.at));
    this.identifiers = [];
    for (const i of identifiers) this.sight(i);
    this.ids = new Set(this.all.map((e) => e.eventId));
  }

  /** Keeps one sighting per identifier: its earliest. */
  private sight(i: IdentifierSighting): void {
    const key = `${i.kind}:${i.value}`;
    const known = this.sightings.get(key);
    if (known !== undefined) {
      if (known.firstAt <= i.firstAt) return;
      this.identifiers.splice(this.identifiers.indexOf(known), 1);
    }
    this.sightings.set(key, i);
    insertSorted(this.identifiers, i, bySighting);
  }

  /** Every event, oldest first. */
  get events(): readonly LoadedEvent[] {
    return this.all;
  }

  /**
   * Adds an event consumed from cdp.events (with the trait values and identifiers it carried)
   * unless the profile has it already: the profile's history stays whole without reading it
   * back from ClickHouse. Keeps every order (time, then id).
   */
  absorb(
    event: LoadedEvent,
    traits: readonly TraitUpdate[],
    identifiers: readonly IdentifierSighting[],
  ): void {
    if (this.ids.has(event.eventId)) return;
    this.ids.add(event.eventId);
    const all = [...this.all];
    insertSorted(
      all,
      event,
      byTimeThenId((e: LoadedEvent) => e.occurredAt),
    );
    this.all = all;
    for (const u of traits)
      insertSorted(
        this.traits,
        u,
        byTimeThenId((x: TraitUpdate) => x.at),
      );
    for (const i of identifiers) this.sight(i);
    this.upToCache = undefined;
    this.traitsCache = undefined;
  }

  static empty(profileId: string): ProfileData {
    return new ProfileData(profileId, [], [], []);
  }

  /** Events with occurredAt <= t, oldest first. */
  eventsUpTo(t: number): readonly LoadedEvent[] {
    if (this.upToCache?.t === t) return this.upToCache.value;
    const value = this.sliceUpTo(t);
    this.upToCache = { t, value };
    return value;
  }

  private sliceUpTo(t: number): readonly LoadedEvent[] {
    const events = this.all;
    let lo = 0;
    let hi = events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (events[mid].occurredAt <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo === events.length ? events : events.slice(0, lo);
  }

  /** Identify / source traits as of t: the latest value of each trait set at or before t. */
  traitsAt(t: number): Record<string, unknown> {
    if (this.traitsCache?.t === t) return this.traitsCache.value;
    const value: Record<string, unknown> = {};
    for (const u of this.traits) {
      if (u.at > t) break;
      value[u.trait] = u.value;
    }
    this.traitsCache = { t, value };
    return value;
  }

  /** How many trait values were set at or before t. */
  traitCountUpTo(t: number): number {
    let n = 0;
    for (const u of this.traits) {
      if (u.at > t) break;
      n++;
    }
    return n;
  }

  /**
   * The identities of contract section 7 as of t: the userId and email first seen most
   * recently (a profile has at most one userId; absorbed profiles may add emails), and every
   * anonymousId, sorted.
   */
  identitiesAt(t: number): SegmentEventIdentities {
    let userId: string | null = null;
    let email: string | null = null;
    const anonymousIds = new Set<string>();
    for (const i of this.identifiers) {
      if (i.firstAt > t) break;
      if (i.kind === 'userId') userId = i.value;
      else if (i.kind === 'email') email = i.value;
      else if (i.kind === 'anonymousId') anonymousIds.add(i.value);
    }
    if (email === null) {
      const fromTraits = this.traitsAt(t).email;
      if (typeof fromTraits === 'string' && fromTraits !== '') email = fromTraits;
    }
    return { userId, anonymousIds: [...anonymousIds].sort(), email };
  }

  findEvent(eventId: string): LoadedEvent | undefined {
    return this.ids.has(eventId) ? this.all.find((e) => e.eventId === eventId) : undefined;
  }
}

const bySighting = (a: IdentifierSighting, b: IdentifierSighting): number =>
  a.firstAt - b.firstAt || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);

/** Inserts `item` into the sorted `list` after every element that does not come after it. */
function insertSorted<T>(list: T[], item: T, compare: (a: T, b: T) => number): void {
  let i = list.length;
  while (i > 0 && compare(list[i - 1], item) > 0) i--;
  list.splice(i, 0, item);
}

/** `userId:u-1` -> { kind: 'userId', value: 'u-1' } (identifier keys of the events table). */
export function splitIdentifierKey(key: string): { kind: string; value: string } | undefined {
  const i = key.indexOf(':');
  if (i <= 0) return undefined;
  return { kind: key.slice(0, i), value: key.slice(i + 1) };
}
