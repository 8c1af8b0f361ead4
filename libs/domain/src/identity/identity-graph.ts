/**
 * Identity resolution that converges without coordination.
 *
 * Every ingest instance keeps one `IdentityGraph`, rebuilt from the compacted topic of link facts
 * and fed each new fact. A profile is a connected component of identifiers.
 *
 * Rules:
 *
 * 1. Profile id. `p-` + the smallest 16-hex-char sha256 prefix over the identifier keys of the
 *    component (`profileIdForComponent`). It is a pure function of the component, so instances that
 *    have seen the same facts compute the same ids whatever the order. An identifier no fact has
 *    mentioned is its own component: `profileIdForKey(key)`. (Two different keys sharing a 64-bit
 *    prefix would share a profile id; with 10^7 identifiers the chance is about 3 in a million.)
 *
 * 2. Survivor. When a fact joins components, the component with the smallest id survives and
 *    every other one is absorbed into it; one merge `{ absorbed, survivor, via: eventId }` is
 *    reported per absorbed component (a fact joining three components reports two merges, both
 *    into the one survivor), sorted by absorbed id. Components that consist only of identifiers
 *    first seen in this very fact count too: their ids may already be on events (an anonymous
 *    visitor's page views are filed under `profileIdForKey(anonymousId)`). Merges are never
 *    undone, so `survivorOf` maps any id ever handed out to the current profile, and a consumer
 *    that only follows the reported merges reaches the same answer. Re-applying a fact reports
 *    nothing new.
 *
 * 3. Guard rail: at most one userId per profile. A fact whose linking would put two different
 *    userIds into one component is not applied as a whole; one conflict
 *    `{ reason: 'multiple_user_ids', userIds, eventId }` is reported (once per eventId) and the
 *    identifiers that cause it are set aside:
 *    a. If the fact itself names two or more userIds, all its userIds are set aside (the message
 *       cannot say which person it is about) and the rest is treated as a fact without userId.
 *    b. If the fact names exactly one userId, every other identifier of the fact that already
 *       belongs to a profile with a different userId is set aside: it stays where it is. (A shared
 *       device: `{ anonymousId a, userId u2 }` after `{ a, u1 }` leaves `a` with u1; a new email
 *       in the same message still joins u2.)
 *    c. If the fact names no userId (any more), then while the remaining identifiers belong to
 *       profiles of two or more userIds, those of them that belong to a userId's profile and
 *       are of the weakest kind present among those are set aside (priority userId > customerId >
 *       email > phone > social > clickId > anonymousId), all of that kind at once.
 *    The remaining identifiers are linked as a normal fact; set-aside identifiers are only
 *    registered (a new one becomes its own component). The outcome's `profileId` (and `resolve`)
 *    is the profile of the linked identifiers; when nothing is left it is the profile of the
 *    strongest identifier of the fact (priority, then key).
 *
 * Order independence. Every rule above only ever merges, and a component only grows. So if the
 * facts, after rule (a) removed the userIds of the facts that name several, connect at most one
 * userId per component, rules (b) and (c) never fire, every fact is linked, and the final
 * partition and ids are the connected components of those facts in every processing order. When
 * the facts do connect two userIds (one anonymousId seen with two users), no merge-only scheme can
 * be order-independent; the rules keep the guard rail and are deterministic for a given order, and
 * `IdentityGraph.fromFacts` replays facts in the canonical order (`compareLinkFacts`) so that
 * rebuilds from the same fact set agree even then.
 *
 * Implementation: union-find over integer nodes (`DisjointSet`) with path compression and union by
 * id (the root is the node of smallest hash, i.e. the one that names the component), a circular
 * member list per component, and the component's userId kept on its root.
 */
import type { ProfileId } from '../brand';
import type { Identifier } from '../events/canonical-event';
import { DisjointSet } from './disjoint-set';
import { compareByPriority, kindRank } from './identifier-priority';
import { compareLinkFacts, compareStrings, distinctIdentifiers, type LinkFact } from './link-fact';
import { hashOfProfileId, identifierHash, profileIdForHash } from './profile-id';

/** Component `absorbed` became part of component `survivor` because of fact `via` (its eventId). */
export interface IdentityMerge {
  absorbed: ProfileId;
  survivor: ProfileId;
  via: string;
}

/**
 * A fact that would have put several userIds into one profile. `userIds` are the userId values
 * involved, sorted; `setAsideKeys` are the identifier keys of the fact that were not linked.
 */
export interface IdentityConflict {
  reason: 'multiple_user_ids';
  userIds: string[];
  eventId: string;
  setAsideKeys: string[];
}

/** What applying one fact did. */
export interface ApplyOutcome {
  /** Profile of the fact's (linked) identifiers after applying it: the event's profile. */
  profileId: ProfileId;
  merges: IdentityMerge[];
  conflicts: IdentityConflict[];
}

/** Counters of an identity graph. */
export interface IdentityGraphSize {
  /** Distinct identifiers seen. */
  identifiers: number;
  /** Current profiles (components). */
  profiles: number;
  /** Merges reported so far. */
  merges: number;
  /** Conflicts reported so far (distinct eventIds). */
  conflicts: number;
}

/** Which identifiers of a fact are linked and which are set aside (rule 3). */
interface LinkPlan {
  linked: Identifier[];
  setAside: Identifier[];
  /** Sorted userIds of the conflict; empty when there is none. */
  conflictUserIds: string[];
  profileId: ProfileId;
}

/** The component an identifier belongs to now (a never-seen one is its own component). */
interface Placed {
  identifier: Identifier;
  profileId: ProfileId;
  userId: string | undefined;
}

export class IdentityGraph {
  private readonly nodeByKey = new Map<string, number>();
  private readonly nodeByHash = new Map<string, number>();
  private readonly identifiers: Identifier[] = [];
  private readonly hashes: string[] = [];
  /** userId value of the component, valid at roots. */
  private readonly userIds: (string | undefined)[] = [];
  private readonly sets = new DisjointSet((a, b) => this.precedes(a, b));
  private readonly conflictEventIds = new Set<string>();
  private mergeCount = 0;

  /**
   * A graph with `facts` applied in the canonical order (`compareLinkFacts`), so the result does
   * not depend on the order the facts are given in, even when some of them conflict.
   */
  static fromFacts(facts: Iterable<LinkFact>): IdentityGraph {
    const graph = new IdentityGraph();
    for (const fact of [...facts].sort(compareLinkFacts)) graph.apply(fact);
    return graph;
  }

  /** Applies one link fact (see the rules at the top of this file). */
  apply(fact: LinkFact): ApplyOutcome {
    const plan = this.plan(fact.identifiers);
    for (const identifier of distinctIdentifiers(fact.identifiers)) this.register(identifier);

    const roots = [...new Set(plan.linked.map((i) => this.sets.find(this.nodeOf(i))))].sort((a, b) =>
      this.precedes(a, b) ? -1 : 1,
    );
    const merges: IdentityMerge[] = [];
    const [survivorRoot, ...absorbedRoots] = roots;
    for (const absorbedRoot of absorbedRoots) {
      const joined = this.sets.union(survivorRoot, absorbedRoot);
      if (joined === undefined || joined.survivor !== survivorRoot) {
        throw new Error('identity graph invariant broken: survivor is not the smallest root');
      }
      this.userIds[survivorRoot] ??= this.userIds[absorbedRoot];
      merges.push({
        absorbed: this.profileIdOfRoot(absorbedRoot),
        survivor: this.profileIdOfRoot(survivorRoot),
        via: fact.eventId,
      });
    }
    this.mergeCount += merges.length;

    const conflicts: IdentityConflict[] = [];
    if (plan.conflictUserIds.length > 0 && !this.conflictEventIds.has(fact.eventId)) {
      this.conflictEventIds.add(fact.eventId);
      conflicts.push({
        reason: 'multiple_user_ids',
        userIds: plan.conflictUserIds,
        eventId: fact.eventId,
        setAsideKeys: plan.setAside.map((i) => i.key),
      });
    }
    return { profileId: plan.profileId, merges, conflicts };
  }

  /**
   * The current profile of the identifiers of one event, without changing the graph: the profile
   * their components would form, after setting aside what rule 3 sets aside. An identifier never
   * seen is its own component (`profileIdForKey`). When the event's fact was applied without a
   * conflict this is `survivorOf` the profile `apply` returned; for a fact that conflicted, later
   * facts can change which identifiers rule 3 sets aside, so keep the id `apply` returned.
   */
  resolve(identifiers: readonly Identifier[]): ProfileId {
    if (identifiers.length === 0) throw new Error('resolve needs at least one identifier');
    return this.plan(identifiers).profileId;
  }

  /** Current profile of the identifier with this key, or undefined if no fact mentioned it. */
  profileOf(key: string): ProfileId | undefined {
    const node = this.nodeByKey.get(key);
    return node === undefined ? undefined : this.profileIdOfRoot(this.sets.find(node));
  }

  /**
   * Identifiers of the current profile of `profileId` (following merges), sorted by key; empty
   * when the graph does not know the id.
   */
  identifiersOf(profileId: ProfileId): Identifier[] {
    const node = this.nodeOfProfileId(profileId);
    if (node === undefined) return [];
    return this.sets
      .members(node)
      .map((member) => this.identifiers[member])
      .sort((a, b) => compareStrings(a.key, b.key));
  }

  /** The userId of the current profile of `profileId`, if it has one. */
  userIdOf(profileId: ProfileId): string | undefined {
    const node = this.nodeOfProfileId(profileId);
    return node === undefined ? undefined : this.userIds[this.sets.find(node)];
  }

  /**
   * The profile `profileId` has been merged into, following absorbed -> survivor chains to the end
   * (path-compressed). An id that was never absorbed, or that the graph does not know, is its own
   * survivor.
   */
  survivorOf(profileId: ProfileId): ProfileId {
    const node = this.nodeOfProfileId(profileId);
    return node === undefined ? profileId : this.profileIdOfRoot(this.sets.find(node));
  }

  /** Counters for metrics and logs. */
  get size(): IdentityGraphSize {
    return {
      identifiers: this.sets.count,
      profiles: this.sets.componentCount,
      merges: this.mergeCount,
      conflicts: this.conflictEventIds.size,
    };
  }

  /** Rule 3: which identifiers are linked, which are set aside, and the event's profile. */
  private plan(input: readonly Identifier[]): LinkPlan {
    const all = distinctIdentifiers(input).map((i) => this.place(i));
    const conflictUserIds = new Set<string>();
    const setAside: Placed[] = [];
    const setAsideWhere = (drop: (p: Placed) => boolean, from: Placed[]): Placed[] => {
      setAside.push(...from.filter(drop));
      return from.filter((p) => !drop(p));
    };

    const ownUserIds = all.filter((p) => p.identifier.kind === 'userId').map((p) => p.identifier.value);
    let working = all;
    let reference: string | undefined;
    if (ownUserIds.length >= 2) {
      // (a) the message names several people
      ownUserIds.forEach((u) => conflictUserIds.add(u));
      working = setAsideWhere((p) => p.identifier.kind === 'userId', working);
    } else {
      reference = ownUserIds[0];
    }

    for (;;) {
      const anchored = distinctUserIds(working);
      if (anchored.length <= 1) break;
      anchored.forEach((u) => conflictUserIds.add(u));
      if (reference !== undefined) {
        // (b) identifiers of another user's profile stay there
        const own = reference;
        working = setAsideWhere((p) => p.userId !== undefined && p.userId !== own, working);
      } else {
        // (c) set aside the weakest kind among identifiers of userId-carrying profiles
        const weakest = Math.max(
          ...working.filter((p) => p.userId !== undefined).map((p) => kindRank(p.identifier.kind)),
        );
        working = setAsideWhere(
          (p) => p.userId !== undefined && kindRank(p.identifier.kind) === weakest,
          working,
        );
      }
    }

    let profileId: ProfileId;
    if (working.length > 0) {
      profileId = working.map((p) => p.profileId).reduce((a, b) => (b < a ? b : a));
    } else {
      const strongest = [...all].sort((a, b) => compareByPriority(a.identifier, b.identifier))[0];
      profileId = strongest.profileId;
    }
    return {
      linked: working.map((p) => p.identifier),
      setAside: setAside.map((p) => p.identifier),
      conflictUserIds: [...conflictUserIds].sort(compareStrings),
      profileId,
    };
  }

  private place(identifier: Identifier): Placed {
    const node = this.nodeByKey.get(identifier.key);
    if (node === undefined) {
      return {
        identifier,
        profileId: profileIdForHash(identifierHash(identifier.key)),
        userId: identifier.kind === 'userId' ? identifier.value : undefined,
      };
    }
    const root = this.sets.find(node);
    return { identifier, profileId: this.profileIdOfRoot(root), userId: this.userIds[root] };
  }

  private register(identifier: Identifier): number {
    const known = this.nodeByKey.get(identifier.key);
    if (known !== undefined) return known;
    const hash = identifierHash(identifier.key);
    const node = this.sets.add();
    this.identifiers.push({ kind: identifier.kind, value: identifier.value, key: identifier.key });
    this.hashes.push(hash);
    this.userIds.push(identifier.kind === 'userId' ? identifier.value : undefined);
    this.nodeByKey.set(identifier.key, node);
    if (!this.nodeByHash.has(hash)) this.nodeByHash.set(hash, node);
    return node;
  }

  private nodeOf(identifier: Identifier): number {
    const node = this.nodeByKey.get(identifier.key);
    if (node === undefined) throw new Error(`identifier ${identifier.key} is not registered`);
    return node;
  }

  private nodeOfProfileId(profileId: ProfileId): number | undefined {
    const hash = hashOfProfileId(profileId);
    return hash === undefined ? undefined : this.nodeByHash.get(hash);
  }

  private profileIdOfRoot(root: number): ProfileId {
    return profileIdForHash(this.hashes[root]);
  }

  /** Union by id: the node with the smaller hash (then key, should two hashes collide) wins. */
  private precedes(a: number, b: number): boolean {
    const ha = this.hashes[a];
    const hb = this.hashes[b];
    if (ha !== hb) return ha < hb;
    return this.identifiers[a].key < this.identifiers[b].key;
  }
}

function distinctUserIds(placed: readonly Placed[]): string[] {
  const out = new Set<string>();
  for (const p of placed) if (p.userId !== undefined) out.add(p.userId);
  return [...out];
}
