import { ClickHouseClient, inList, raw, sql, type SqlFragment } from '@cdp/clickhouse';
import { compileSegmentQuery } from '@cdp/clickhouse/rules';
import type { Rule, SourceKind, TraitsConfig } from '@cdp/domain';
import { Injectable } from '@nestjs/common';
import {
  ProfileData,
  splitIdentifierKey,
  type IdentifierSighting,
  type LoadedEvent,
  type TraitUpdate,
} from './engine/profile-data';
import type { DataNeeds } from './engine/segment-plan';

/** Most profile ids in one `IN` list (a unit of work is split into several parallel queries above it). */
const IDS_PER_QUERY = 2000;

interface EventRowOut {
  profile_id: string;
  event_id: string;
  name: string;
  source: string;
  at: string | number;
  revenue: number;
  currency: string;
  properties: string;
  utm_source: string;
  utm_medium: string;
  referrer: string;
  channel: string;
  identifiers: string[];
  kafka_topic: string;
  kafka_partition: number;
  kafka_offset: string | number;
}

interface TraitRowOut {
  profile_id: string;
  trait: string;
  value: string;
  value_type: string;
  at: string | number;
  event_id: string;
}

interface IdentifierRowOut {
  profile_id: string;
  identifier: string;
  first_at: string | number;
}

interface MergeRowOut {
  absorbed_id: string;
  survivor_id: string;
}

function traitValue(value: string, type: string): unknown {
  switch (type) {
    case 'number':
      return Number(value);
    case 'boolean':
      return value === 'true';
    case 'json':
      try {
        return JSON.parse(value) as unknown;
      } catch {
        return value;
      }
    default:
      return value;
  }
}

function parseProperties(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * Profile snapshots for a unit of work, from ClickHouse, in a constant number of queries
 * whatever the number of profiles (three or four, run in parallel): every read filters
 * `profile_id IN (...)` on the leading key column of its table, with the requested profiles
 * plus every profile they absorbed (`profile_merges`, flattened), so that a merged person's
 * history is whole. Rows of an absorbed profile are counted for its survivor when the survivor
 * was requested, and for itself when it was requested (its own exits after a merge).
 *
 * Only events the rules can read are loaded (`DataNeeds`: names and lookback); identifiers
 * come with the events when the whole history is loaded, else from their own query.
 */
@Injectable()
export class SnapshotRepository {
  constructor(private readonly clickhouse: ClickHouseClient) {}

  /**
   * Snapshots of `profileIds`. `floor` bounds the evaluation instants of the unit from below (the
   * lookback counts from it); `alsoEventIds` are loaded whatever their name (the events that
   * linked merged profiles: their coordinates are the merge's cause).
   */
  async load(
    profileIds: readonly string[],
    needs: DataNeeds,
    floor: number,
    alsoEventIds: readonly string[] = [],
  ): Promise<Map<string, ProfileData>> {
    const out = new Map<string, ProfileData>();
    const ids = [...new Set(profileIds)];
    if (ids.length === 0) return out;
    const parts: string[][] = [];
    for (let i = 0; i < ids.length; i += IDS_PER_QUERY) parts.push(ids.slice(i, i + IDS_PER_QUERY));
    const loaded = await Promise.all(parts.map((part) => this.loadPart(part, needs, floor, alsoEventIds)));
    for (const m of loaded) for (const [k, v] of m) out.set(k, v);
    return out;
  }

  private async loadPart(
    ids: string[],
    needs: DataNeeds,
    floor: number,
    alsoEventIds: readonly string[],
  ): Promise<Map<string, ProfileData>> {
    const requested = new Set(ids);
    const list = inList(ids);
    const absorbed = sql`SELECT absorbed_id FROM profile_merges WHERE survivor_id IN ${list}`;
    const who = sql`(profile_id IN ${list} OR profile_id IN (${absorbed}))`;
    const filters: SqlFragment[] = [];
    const since = needs.lookbackMs === null ? null : Math.max(0, floor - needs.lookbackMs - 86_400_000);
    if (since !== null) {
      // whole seconds: the column is a DateTime
      filters.push(sql`occurred_at >= ${new Date(since)}`);
    }
    if (needs.eventNames !== null) {
      filters.push(needs.eventNames.length === 0 ? raw('0') : sql`name IN ${inList(needs.eventNames)}`);
    }
    let which = filters.length === 0 ? raw('1') : raw(filters.map(String).join(' AND '));
    if (alsoEventIds.length > 0)
      which = sql`((${which}) OR event_id IN ${inList([...new Set(alsoEventIds)])})`;
    const where = sql`${who} AND ${which}`;
    const withIdentifiers = needs.lookbackMs === null && needs.eventNames === null;
    const [merges, events, traits, identifiers] = await Promise.all([
      this.clickhouse.query<MergeRowOut>(
        sql`SELECT absorbed_id, argMax(survivor_id, version) AS survivor_id FROM profile_merges
            WHERE absorbed_id IN ${list} OR absorbed_id IN (${absorbed}) GROUP BY absorbed_id`,
      ),
      this.clickhouse.query<EventRowOut>(
        sql`SELECT profile_id, event_id, name, source, toUInt64(occurred_at) * 1000 + occurred_ms AS at,
              revenue, currency, properties, utm_source, utm_medium, referrer, channel,
              ${raw(withIdentifiers ? 'identifiers' : 'emptyArrayString() AS identifiers')},
              kafka_topic, kafka_partition, kafka_offset
            FROM events WHERE ${where}`,
      ),
      this.clickhouse.query<TraitRowOut>(
        sql`SELECT profile_id, trait, value, value_type, toUInt64(updated_at) * 1000 + updated_ms AS at, event_id
            FROM trait_updates WHERE ${who}`,
      ),
      withIdentifiers
        ? Promise.resolve([] as IdentifierRowOut[])
        : this.clickhouse.query<IdentifierRowOut>(
            sql`SELECT profile_id, identifier, min(toUInt64(occurred_at) * 1000 + occurred_ms) AS first_at
                FROM events ARRAY JOIN identifiers AS identifier WHERE ${who}
                GROUP BY profile_id, identifier`,
          ),
    ]);

    const survivorOf = new Map(merges.map((m) => [m.absorbed_id, m.survivor_id]));
    /** The requested profiles a row of `profileId` belongs to. */
    const owners = (profileId: string): string[] => {
      const o: string[] = [];
      if (requested.has(profileId)) o.push(profileId);
      const s = survivorOf.get(profileId);
      if (s !== undefined && s !== profileId && requested.has(s)) o.push(s);
      return o;
    };

    const eventsOf = new Map<string, Map<string, LoadedEvent>>();
    const identifiersOf = new Map<string, Map<string, IdentifierSighting>>();
    const sight = (owner: string, key: string, at: number): void => {
      const parts = splitIdentifierKey(key);
      if (parts === undefined) return;
      let m = identifiersOf.get(owner);
      if (m === undefined) identifiersOf.set(owner, (m = new Map<string, IdentifierSighting>()));
      const known = m.get(key);
      if (known === undefined || at < known.firstAt)
        m.set(key, { kind: parts.kind, value: parts.value, firstAt: at });
    };
    for (const r of events) {
      const o = owners(r.profile_id);
      if (o.length === 0) continue;
      const at = Number(r.at);
      const fact: LoadedEvent = {
        eventId: r.event_id,
        name: r.name,
        source: r.source as SourceKind,
        occurredAt: at as LoadedEvent['occurredAt'],
        properties: parseProperties(r.properties),
        origin:
          r.kafka_topic === ''
            ? null
            : { topic: r.kafka_topic, partition: Number(r.kafka_partition), offset: String(r.kafka_offset) },
      };
      if (r.currency !== '' || r.revenue !== 0) {
        fact.revenue = Number(r.revenue);
        if (r.currency !== '') fact.currency = r.currency;
      }
      const context: NonNullable<LoadedEvent['context']> = {};
      if (r.utm_source !== '') context.utmSource = r.utm_source;
      if (r.utm_medium !== '') context.utmMedium = r.utm_medium;
      if (r.referrer !== '') context.referrer = r.referrer;
      if (r.channel !== '') context.channel = r.channel;
      if (Object.keys(context).length > 0) fact.context = context;
      for (const owner of o) {
        let m = eventsOf.get(owner);
        if (m === undefined) eventsOf.set(owner, (m = new Map<string, LoadedEvent>()));
        m.set(r.event_id, fact); // a duplicate row (redelivery) collapses on the event id
        for (const key of r.identifiers) sight(owner, key, at);
      }
    }
    for (const r of identifiers)
      for (const owner of owners(r.profile_id)) sight(owner, r.identifier, Number(r.first_at));

    const traitsOf = new Map<string, Map<string, TraitUpdate>>();
    for (const r of traits) {
      const o = owners(r.profile_id);
      if (o.length === 0) continue;
      const update: TraitUpdate = {
        trait: r.trait,
        value: traitValue(r.value, r.value_type),
        at: Number(r.at),
        eventId: r.event_id,
      };
      for (const owner of o) {
        let m = traitsOf.get(owner);
        if (m === undefined) traitsOf.set(owner, (m = new Map<string, TraitUpdate>()));
        m.set(`${r.trait}\u0000${r.event_id}\u0000${update.at}`, update);
      }
    }

    const out = new Map<string, ProfileData>();
    for (const id of ids) {
      const data = new ProfileData(
        id,
        [...(eventsOf.get(id)?.values() ?? [])],
        [...(traitsOf.get(id)?.values() ?? [])],
        [...(identifiersOf.get(id)?.values() ?? [])],
      );
      if (since !== null) data.loadedFrom = since;
      out.set(id, data);
    }
    return out;
  }

  /**
   * Every current profile id (absorbed ids resolved to their survivor) that has events: the
   * candidates of an initial-membership run when every profile must be evaluated.
   */
  async allProfileIds(): Promise<string[]> {
    const rows = await this.clickhouse.query<{ profile_id: string }>(
      `SELECT DISTINCT if(survivor_id = '', original_profile_id, survivor_id) AS profile_id
       FROM (SELECT DISTINCT profile_id AS original_profile_id FROM events) AS e
       ANY LEFT JOIN
       (SELECT absorbed_id AS original_profile_id, argMax(survivor_id, version) AS survivor_id
        FROM profile_merges GROUP BY absorbed_id) AS s USING original_profile_id`,
    );
    return rows.map((r) => r.profile_id);
  }

  /**
   * Every profile id that has a history in ClickHouse under its own id: events, trait values,
   * or profiles it absorbed (survivors). A profile not among them has no history yet.
   */
  async profileIdsWithHistory(): Promise<string[]> {
    const rows = await this.clickhouse.query<{ profile_id: string }>(
      `SELECT DISTINCT profile_id FROM events
       UNION ALL SELECT DISTINCT profile_id FROM trait_updates
       UNION ALL SELECT DISTINCT survivor_id AS profile_id FROM profile_merges`,
    );
    return rows.map((r) => r.profile_id);
  }

  /** The members of `rule` at `at` (resolved profile ids), computed in ClickHouse by the SQL compiler. */
  async membersOf(rule: Rule, at: number, traitsConfig: TraitsConfig): Promise<string[]> {
    const query = compileSegmentQuery(rule, { database: this.clickhouse.database, now: at, traitsConfig });
    const rows = await this.clickhouse.query<{ profile_id: string }>(query);
    return rows.map((r) => r.profile_id);
  }
}
