import { hashOfProfileId, type IdentityConflict, type Identifier, type LinkFact } from '@cdp/domain';
import { dateTimeOf } from './event-rows';
import { factIdOf } from './link-fact.codec';

const MAX_UINT64 = (1n << 64n) - 1n;

/**
 * Version of rows that name a profile (`identities`, `profile_merges`): 2^64-1 minus the profile
 * id's 64-bit hash, as a decimal string (UInt64 does not fit a JS number).
 *
 * A profile id is the smallest identifier hash of its component, and components only ever grow,
 * so an identifier's (or an absorbed id's) profile only ever moves to a smaller id. Deriving the
 * version from the id makes the newest mapping the one with the highest version on every
 * instance, whatever order they wrote in: argMax(..., version) / ReplacingMergeTree(version) pick
 * the current profile without any coordination.
 */
export function profileVersion(profileId: string): string {
  const hash = hashOfProfileId(profileId);
  if (hash === undefined) return '0';
  return (MAX_UINT64 - BigInt(`0x${hash}`)).toString();
}

/** An `identities` row: identifier -> profile, latest (highest version) wins. */
export interface IdentityRow {
  identifier: string;
  kind: string;
  value: string;
  profile_id: string;
  first_seen_at: string;
  version: string;
}

/** An `identity_links` row: the analysts' copy of a link fact. */
export interface IdentityLinkRow {
  fact_id: string;
  identifiers: string[];
  event_id: string;
  occurred_at: string;
}

/** A `profile_merges` row: absorbed -> (final) survivor. */
export interface ProfileMergeRow {
  absorbed_id: string;
  survivor_id: string;
  merged_at: string;
  event_id: string;
  version: string;
}

/** An `identity_conflicts` row. */
export interface IdentityConflictRow {
  event_id: string;
  reason: string;
  user_ids: string[];
  set_aside: string[];
  recorded_at: string;
}

/** Absorbed profile -> the profile it now belongs to, and the event whose fact caused it. */
export interface MergeRecord {
  absorbedId: string;
  survivorId: string;
  eventId: string;
  occurredAt: number;
}

export interface IdentitySighting {
  identifier: Identifier;
  profileId: string;
  seenAt: number;
}

/**
 * `identities` rows for what a batch saw: one per identifier, with the smallest profile id seen
 * (the most recent mapping, see profileVersion) and the earliest time.
 */
export function identityRows(sightings: readonly IdentitySighting[]): IdentityRow[] {
  const byKey = new Map<string, IdentitySighting>();
  for (const s of sightings) {
    const known = byKey.get(s.identifier.key);
    if (known === undefined) {
      byKey.set(s.identifier.key, s);
    } else {
      byKey.set(s.identifier.key, {
        identifier: s.identifier,
        profileId: s.profileId < known.profileId ? s.profileId : known.profileId,
        seenAt: Math.min(s.seenAt, known.seenAt),
      });
    }
  }
  return [...byKey.values()].map((s) => ({
    identifier: s.identifier.key,
    kind: s.identifier.kind,
    value: s.identifier.value,
    profile_id: s.profileId,
    first_seen_at: dateTimeOf(s.seenAt),
    version: profileVersion(s.profileId),
  }));
}

export function identityLinkRow(fact: LinkFact): IdentityLinkRow {
  return {
    fact_id: factIdOf(fact),
    identifiers: fact.identifiers.map((i) => i.key),
    event_id: fact.eventId,
    occurred_at: dateTimeOf(fact.occurredAt),
  };
}

export function profileMergeRow(merge: MergeRecord): ProfileMergeRow {
  return {
    absorbed_id: merge.absorbedId,
    survivor_id: merge.survivorId,
    merged_at: dateTimeOf(merge.occurredAt),
    event_id: merge.eventId,
    version: profileVersion(merge.survivorId),
  };
}

export function identityConflictRow(conflict: IdentityConflict, recordedAt: number): IdentityConflictRow {
  return {
    event_id: conflict.eventId,
    reason: conflict.reason,
    user_ids: [...conflict.userIds],
    set_aside: [...conflict.setAsideKeys],
    recorded_at: dateTimeOf(recordedAt),
  };
}
