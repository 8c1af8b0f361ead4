import { ClickHouseClient, inList, sql } from '@cdp/clickhouse';
import { eventFactFromRow, traitValueFromRow, type EventFactRow } from '@cdp/clickhouse/rules';
import { asEpochMs, type EventFact, type ProfileId, type ProfileSnapshot } from '@cdp/domain';
import { Injectable } from '@nestjs/common';

export interface EventRow extends EventFactRow {
  event_id: string;
  profile_id: string;
  user_id: string;
  anonymous_id: string;
  email: string;
  identifiers: string[];
  kafka_topic: string;
  kafka_partition: number;
  kafka_offset: string;
}

export interface IdentityRow {
  identifier: string;
  kind: string;
  value: string;
  profile_id: string;
  first_seen_at: string;
}

export interface TraitRow {
  profile_id: string;
  trait: string;
  value: string;
  value_type: string;
  updated_at: string;
  updated_ms: number;
  source: string;
}

/** A person: the surviving profile id and every profile id merged into it. */
export interface Person {
  profileId: string;
  profileIds: string[];
}

/** Reads everything ClickHouse holds about a few profiles (base tables, filtered on their leading key). */
@Injectable()
export class ProfileDataRepository {
  constructor(private readonly clickhouse: ClickHouseClient) {}

  /** The person a profile id belongs to (following merges), or undefined when nothing is known about it. */
  async person(profileId: string): Promise<Person | undefined> {
    const survivor = await this.clickhouse.query<{ survivor_id: string }>(
      sql`SELECT survivor_id FROM profile_survivors WHERE absorbed_id = ${profileId}`,
    );
    const id = survivor[0]?.survivor_id || profileId;
    const persons = await this.persons([id]);
    const person = persons.get(id);
    if (!person) return undefined;
    const known = await this.clickhouse.query<{ n: string }>(sql`
      SELECT count() AS n FROM (
        SELECT profile_id FROM identities WHERE profile_id IN ${inList(person.profileIds)}
        UNION ALL SELECT profile_id FROM events WHERE profile_id IN ${inList(person.profileIds)}
        UNION ALL SELECT profile_id FROM trait_updates WHERE profile_id IN ${inList(person.profileIds)}
        UNION ALL SELECT profile_id FROM segment_transitions WHERE profile_id IN ${inList(person.profileIds)}
      )`);
    return Number(known[0]?.n ?? 0) > 0 ? person : undefined;
  }

  /** Survivor ids -> the profile ids of each person (the survivor plus the profiles it absorbed). */
  async persons(survivorIds: readonly string[]): Promise<Map<string, Person>> {
    const out = new Map<string, Person>(survivorIds.map((id) => [id, { profileId: id, profileIds: [id] }]));
    if (survivorIds.length === 0) return out;
    const rows = await this.clickhouse.query<{ absorbed_id: string; survivor_id: string }>(
      sql`SELECT absorbed_id, survivor_id FROM profile_survivors WHERE survivor_id IN ${inList(survivorIds)}`,
    );
    for (const r of rows) out.get(r.survivor_id)?.profileIds.push(r.absorbed_id);
    return out;
  }

  /** The profile an identifier (`kind:value`) points at now. */
  async profileOfIdentifier(identifier: string): Promise<string | undefined> {
    const rows = await this.clickhouse.query<{ profile_id: string }>(sql`
      SELECT argMax(profile_id, version) AS profile_id FROM identities
      WHERE identifier = ${identifier} GROUP BY identifier`);
    return rows[0]?.profile_id;
  }

  async identities(profileIds: readonly string[]): Promise<IdentityRow[]> {
    return this.clickhouse.query<IdentityRow>(sql`
      SELECT identifier, kind, value, profile_id, first_seen_at FROM (
        SELECT identifier, argMax(kind, version) AS kind, argMax(value, version) AS value,
               argMax(profile_id, version) AS profile_id, min(first_seen_at) AS first_seen_at
        FROM identities
        WHERE identifier IN (SELECT identifier FROM identities WHERE profile_id IN ${inList(profileIds)})
        GROUP BY identifier
      ) WHERE profile_id IN ${inList(profileIds)}
      ORDER BY identifier`);
  }

  /** Events of the profiles, newest first (`limit` rows at most). */
  async events(profileIds: readonly string[], limit?: number): Promise<EventRow[]> {
    const rows = await this.clickhouse.query<EventRow>(sql`
      SELECT event_id, profile_id, name, source, type, occurred_at, occurred_ms, revenue, currency, properties,
             utm_source, utm_medium, referrer, channel, user_id, anonymous_id, email, identifiers,
             kafka_topic, kafka_partition, toString(kafka_offset) AS kafka_offset
      FROM events FINAL
      WHERE profile_id IN ${inList(profileIds)}
      ORDER BY occurred_at DESC, occurred_ms DESC, event_id
      ${limit === undefined ? sql`` : sql`LIMIT ${limit}`}`);
    return rows;
  }

  /**
   * The events of the profiles for a snapshot, without FINAL (which merges single-threaded
   * and made a 10-profile preview sample cost over a second on 1M profiles): duplicates of
   * an event id not merged yet are collapsed like ReplacingMergeTree(ingested_at) would.
   */
  private snapshotEvents(profileIds: readonly string[]): Promise<(EventFactRow & { profile_id: string })[]> {
    return this.clickhouse.query<EventFactRow & { profile_id: string }>(sql`
      SELECT profile_id, name, source, type, occurred_at, occurred_ms, revenue, currency, properties,
             utm_source, utm_medium, referrer, channel
      FROM events
      WHERE profile_id IN ${inList(profileIds)}
      ORDER BY ingested_at DESC
      LIMIT 1 BY event_id`);
  }

  /** Trait updates for a snapshot, without FINAL: an unmerged duplicate row carries the same value and instant. */
  private snapshotTraits(profileIds: readonly string[]): Promise<TraitRow[]> {
    return this.clickhouse.query<TraitRow>(sql`
      SELECT profile_id, trait, value, value_type, updated_at, updated_ms, source
      FROM trait_updates
      WHERE profile_id IN ${inList(profileIds)}`);
  }

  /** Every trait update of the profiles (latest first). */
  async traitUpdates(profileIds: readonly string[]): Promise<TraitRow[]> {
    return this.clickhouse.query<TraitRow>(sql`
      SELECT profile_id, trait, value, value_type, updated_at, updated_ms, source
      FROM trait_updates FINAL
      WHERE profile_id IN ${inList(profileIds)}
      ORDER BY updated_at DESC, updated_ms DESC`);
  }

  /** All-time totals per event name x source x currency. */
  async aggregates(profileIds: readonly string[]): Promise<
    {
      name: string;
      source: string;
      currency: string;
      events: number;
      revenue: number;
      firstSeenAt: string;
      lastSeenAt: string;
    }[]
  > {
    const rows = await this.clickhouse.query<{
      name: string;
      source: string;
      currency: string;
      events: string;
      revenue: number;
      first_at: string;
      last_at: string;
    }>(sql`
      SELECT name, source, currency, countMerge(event_count) AS events, sumMerge(revenue_sum) AS revenue,
             minMerge(first_at) AS first_at, maxMerge(last_at) AS last_at
      FROM profile_event_daily
      WHERE profile_id IN ${inList(profileIds)}
      GROUP BY name, source, currency
      ORDER BY name, source, currency`);
    return rows.map((r) => ({
      name: r.name,
      source: r.source,
      currency: r.currency,
      events: Number(r.events),
      revenue: Number(r.revenue),
      firstSeenAt: `${r.first_at.replace(' ', 'T')}Z`,
      lastSeenAt: `${r.last_at.replace(' ', 'T')}Z`,
    }));
  }

  /** Latest value per trait (over every profile of the person), typed as sent. */
  static latestTraits(rows: readonly TraitRow[]): Record<string, unknown> {
    const best = new Map<string, { at: number; value: unknown }>();
    for (const r of rows) {
      const at = Date.parse(`${r.updated_at.replace(' ', 'T')}Z`) + Number(r.updated_ms);
      const prev = best.get(r.trait);
      if (prev === undefined || at > prev.at) {
        let value: unknown;
        try {
          value = traitValueFromRow(r.value, r.value_type);
        } catch {
          value = r.value;
        }
        best.set(r.trait, { at, value });
      }
    }
    return Object.fromEntries(
      [...best.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, v.value]),
    );
  }

  /** Snapshots of persons for the rule evaluator (events at or before `now`). */
  async snapshots(survivorIds: readonly string[], now: number): Promise<Map<string, ProfileSnapshot>> {
    const persons = await this.persons(survivorIds);
    const owner = new Map<string, string>();
    for (const p of persons.values()) for (const id of p.profileIds) owner.set(id, p.profileId);
    const all = [...owner.keys()];
    const out = new Map<string, ProfileSnapshot>();
    if (all.length === 0) return out;
    const [events, traits] = await Promise.all([this.snapshotEvents(all), this.snapshotTraits(all)]);
    const eventsOf = new Map<string, EventFact[]>();
    for (const e of events) {
      const fact = eventFactFromRow(e);
      if (fact.occurredAt > now) continue;
      const id = owner.get(e.profile_id) ?? e.profile_id;
      const list = eventsOf.get(id) ?? [];
      list.push(fact);
      eventsOf.set(id, list);
    }
    const traitsOf = new Map<string, TraitRow[]>();
    for (const t of traits) {
      const id = owner.get(t.profile_id) ?? t.profile_id;
      const list = traitsOf.get(id) ?? [];
      list.push(t);
      traitsOf.set(id, list);
    }
    for (const id of survivorIds) {
      out.set(id, {
        profileId: id as ProfileId,
        traits: ProfileDataRepository.latestTraits(traitsOf.get(id) ?? []),
        events: (eventsOf.get(id) ?? []).sort((a, b) => a.occurredAt - b.occurredAt),
      });
    }
    return out;
  }
}

export const nowMs = (): number => asEpochMs(Date.now());
