import { randomUUID } from 'node:crypto';
import { ClickHouseClient, inList, raw, sql, type SqlFragment } from '@cdp/clickhouse';
import { eventFactFromRow } from '@cdp/clickhouse/rules';
import { asEpochMs, computeTraits, evaluate, suppressionHashOf, type TraitsConfig } from '@cdp/domain';
import { KafkaClient } from '@cdp/kafka';
import { HttpStatus, Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-errors';
import { invalid, isoOfRow, notFound } from '../common/http';
import {
  ConsumerProgressRepository,
  reaches,
  type PartitionOffsets,
} from '../messaging/consumer-progress.repository';
import { TopicPublisher } from '../messaging/topic.publisher';
import { SegmentsRepository } from '../segments/segments.repository';
import { ApiEnv } from '../api.env';
import { base64Needles } from './base64-needles';
import { ProfileDataRepository, type EventRow, type Person } from './profile-data.repository';

const RECENT_EVENTS = 50;
const MUTATION_TIMEOUT_MS = 120000;

export const LOOKUP_KINDS = { userId: 'userId', anonymousId: 'anonymousId', email: 'email' } as const;

@Injectable()
export class ProfilesService {
  constructor(
    private readonly data: ProfileDataRepository,
    private readonly segments: SegmentsRepository,
    private readonly clickhouse: ClickHouseClient,
    private readonly kafka: KafkaClient,
    private readonly publisher: TopicPublisher,
    private readonly progress: ConsumerProgressRepository,
    private readonly env: ApiEnv,
  ) {
    this.traitsConfig = env.traitsConfig();
  }

  /** TRAITS_CONFIG: the thresholds the segmenter evaluates with. */
  private readonly traitsConfig: TraitsConfig;

  /** The person of a profile id, or of `userId` / `anonymousId` / `email` (through identities). */
  async find(
    id: string | undefined,
    lookup: Partial<Record<keyof typeof LOOKUP_KINDS, string>>,
  ): Promise<Person> {
    const given = Object.entries(lookup).filter(([, v]) => v !== undefined && v !== '');
    if (id === undefined && given.length !== 1) {
      throw invalid([
        {
          path: 'query',
          message: 'give exactly one of userId, anonymousId, email (or a profile id in the path)',
        },
      ]);
    }
    let profileId = id;
    if (profileId === undefined) {
      const [kind, value] = given[0] as [keyof typeof LOOKUP_KINDS, string];
      const key = `${LOOKUP_KINDS[kind]}:${kind === 'email' ? value.trim().toLowerCase() : value}`;
      profileId = await this.data.profileOfIdentifier(key);
      if (profileId === undefined) throw notFound(`no profile has ${kind} ${JSON.stringify(value)}`);
    }
    const person = await this.data.person(profileId);
    if (!person) throw notFound(`profile ${JSON.stringify(profileId)} does not exist`);
    return person;
  }

  /** Profile 360. */
  async view(person: Person) {
    const now = Date.now();
    const ids = person.profileIds;
    const [identities, events, traitRows, aggregates, current, definitions] = await Promise.all([
      this.data.identities(ids),
      this.data.events(ids),
      this.data.traitUpdates(ids),
      this.data.aggregates(ids),
      this.segments.currentSegmentsOf(ids),
      this.segments.list(),
    ]);
    const traits = ProfileDataRepository.latestTraits(traitRows);
    const facts = events.map(eventFactFromRow).sort((a, b) => a.occurredAt - b.occurredAt);
    const computedTraits = computeTraits(facts, traits, now, this.traitsConfig);
    const memberOf = new Set(current.map((c) => c.segmentId));
    const snapshot = {
      profileId: person.profileId as never,
      traits,
      events: facts,
      computed: computedTraits,
      segments: memberOf,
    };
    const byId = new Map(definitions.map((d) => [d.id, d]));
    const segments = current
      .filter((c, i, all) => all.findIndex((x) => x.segmentId === c.segmentId) === i)
      .map((c) => {
        const def = byId.get(c.segmentId);
        const ev = def
          ? evaluate(def.rule, snapshot, asEpochMs(now), { traitsConfig: this.traitsConfig })
          : undefined;
        return {
          segmentId: c.segmentId,
          name: def?.name ?? null,
          version: c.version,
          enteredAt: new Date(c.enteredMs).toISOString(),
          qualifiesNow: ev?.member ?? null,
          reason: ev?.reason ?? [],
        };
      });
    return {
      profileId: person.profileId,
      mergedProfileIds: ids.filter((p) => p !== person.profileId),
      identities: identities.map((i) => ({
        identifier: i.identifier,
        kind: i.kind,
        value: i.value,
        profileId: i.profile_id,
        firstSeenAt: isoOfRow(i.first_seen_at),
      })),
      traits,
      computedTraits,
      aggregates,
      segments,
      recentEvents: events.slice(0, RECENT_EVENTS).map(eventView),
    };
  }

  /** Everything held about the person (GDPR access request). */
  async export(person: Person) {
    const ids = person.profileIds;
    const [view, events, traitUpdates, transitions] = await Promise.all([
      this.view(person),
      this.data.events(ids),
      this.data.traitUpdates(ids),
      this.clickhouse.query(
        sql`SELECT * FROM segment_transitions FINAL WHERE profile_id IN ${inList(ids)} ORDER BY occurred_at, occurred_ms`,
      ),
    ]);
    const deliveries = (await this.tableExists('campaign_deliveries'))
      ? await this.clickhouse.query(
          sql`SELECT delivery_id, campaign_id, segment_id, event_type, status, triggered_at, sent_at FROM campaign_deliveries FINAL WHERE profile_id IN ${inList(ids)}`,
        )
      : [];
    return {
      exportedAt: new Date().toISOString(),
      profileId: person.profileId,
      mergedProfileIds: view.mergedProfileIds,
      identities: view.identities,
      traits: view.traits,
      traitUpdates: traitUpdates.map((t) => ({
        trait: t.trait,
        value: t.value,
        valueType: t.value_type,
        updatedAt: isoOfRow(t.updated_at, t.updated_ms),
        source: t.source,
        profileId: t.profile_id,
      })),
      computedTraits: view.computedTraits,
      aggregates: view.aggregates,
      segments: view.segments,
      segmentTransitions: transitions,
      campaignDeliveries: deliveries,
      events: events.map((e) => ({ ...eventView(e), properties: safeJson(e.properties) })),
    };
  }

  /**
   * GDPR erasure. 1. The identifiers' hashes go on the suppression list (ingest drops their
   * future events). 2. A `profile.deleted` message per profile id goes on `cdp.events`, on the
   * profile's partition: the segmenter emits the exits (cause deletion) in its own transactions,
   * in order with the person's other transitions, and retires the profile in its saved state
   * (memberships and schedule cleared). 3. Once the segmenter has committed the request and its
   * history writer has recorded every transition up to there (so no entry still on its way can
   * land in `segment_transitions` after the deletion: the retired profile has none after it), ALTER TABLE
   * ... DELETE mutations on every table holding the person's profile ids or identifiers
   * (dead letters included), waiting until ClickHouse finished them.
   *
   * Safe to repeat: a request that timed out (503) can be sent again.
   */
  async erase(person: Person) {
    const ids = person.profileIds;
    const [identityRows, events, current] = await Promise.all([
      this.data.identities(ids),
      this.data.events(ids),
      this.segments.currentSegmentsOf(ids),
    ]);
    const identifiers = new Set(identityRows.map((i) => i.identifier));
    for (const e of events) for (const i of e.identifiers) identifiers.add(i);

    // 1. suppress first: nothing new arrives while the rows are being deleted
    const now = Date.now();
    const keys = [...identifiers].sort();
    await this.clickhouse.insert(
      'suppressed_identifiers',
      keys.map((k) => ({ identifier_hash: suppressionHashOf(k), requested_at: formatSeconds(now) })),
    );

    // 2. the segmenter emits the exits of the current memberships
    const erasureId = `erasure-${randomUUID()}`;
    const eventsTopic = this.kafka.settings.topics.events;
    let requested: PartitionOffsets;
    try {
      const sent = await this.publisher.send(
        this.kafka.settings.topics.events,
        ids.map((id) => ({
          key: id,
          value: JSON.stringify({
            type: 'profile.deleted',
            profileId: id,
            eventId: erasureId,
            occurredAt: now,
          }),
        })),
      );
      // the requests are committed by the segmenter once its committed offsets reach the ends
      // of their partitions as they are now
      const ends = await this.progress.ends(eventsTopic);
      requested = new Map(
        sent.map((r) => [r.partition, ends.get(r.partition) ?? BigInt(r.baseOffset ?? '0') + 1n]),
      );
    } catch (e) {
      throw new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'kafka_unavailable',
        `could not request the exits: ${String(e)}`,
      );
    }
    await this.waitForSegmenter(requested, current.length > 0);
    // the exits this request caused, as recorded (memberships entered just before included)
    const [exits] = await this.clickhouse.query<{ n: string }>(sql`
      SELECT count() AS n FROM segment_transitions FINAL
      WHERE cause_event_id = ${erasureId} AND profile_id IN ${inList(ids)}`);
    const exitsEmitted = Number(exits?.n ?? 0);

    // 3. delete every row
    const p = inList(ids);
    const statements: [string, SqlFragment][] = [
      ['events', sql`profile_id IN ${p}${keys.length ? sql` OR hasAny(identifiers, ${keys})` : sql``}`],
      ['event_ids', sql`profile_id IN ${p}`],
      ['trait_updates', sql`profile_id IN ${p}`],
      ['profile_event_daily', sql`profile_id IN ${p}`],
      ['profile_channel_daily', sql`profile_id IN ${p}`],
      ['profile_category_daily', sql`profile_id IN ${p}`],
      ['profile_traits_latest', sql`profile_id IN ${p}`],
      ['profile_merges', sql`absorbed_id IN ${p} OR survivor_id IN ${p}`],
      [
        'identities',
        keys.length ? sql`profile_id IN ${p} OR identifier IN ${inList(keys)}` : sql`profile_id IN ${p}`,
      ],
      ['segment_transitions', sql`profile_id IN ${p}`],
    ];
    if (keys.length > 0) {
      statements.push(['identity_links', sql`hasAny(identifiers, ${keys})`]);
      const userIds = keys.filter((k) => k.startsWith('userId:')).map((k) => k.slice('userId:'.length));
      if (userIds.length > 0) {
        statements.push([
          'identity_conflicts',
          sql`hasAny(user_ids, ${userIds}) OR hasAny(set_aside, ${userIds}) OR hasAny(set_aside, ${keys})`,
        ]);
      }
    }
    const b64 = [...new Set(keys.flatMap((k) => base64Needles(k.slice(k.indexOf(':') + 1))))];
    if (b64.length > 0) {
      statements.push([
        'dead_letters',
        raw(b64.map((n) => String(sql`position(payload_base64, ${n}) > 0`)).join(' OR ')),
      ]);
    }
    if (await this.tableExists('campaign_deliveries'))
      statements.push(['campaign_deliveries', sql`profile_id IN ${p}`]);
    for (const [table, where] of statements) {
      await this.clickhouse.command(sql`ALTER TABLE ${raw(table)} DELETE WHERE ${where}`);
    }
    await this.waitForMutations(statements.map(([t]) => t));
    return {
      profileId: person.profileId,
      profileIds: ids,
      identifiers: keys.length,
      tables: statements.map(([t]) => t),
      exitsEmitted,
      suppressed: keys.length,
    };
  }

  /**
   * Until the segmenter has committed the deletion requests (offsets `requested` on the events
   * topic) and its history writer has recorded every transition committed up to then. Without a
   * segmenter ever having consumed the events topic, only a person with memberships waits (none
   * can appear without one). 503 after API_ERASURE_EXITS_TIMEOUT_MS.
   */
  private async waitForSegmenter(requested: PartitionOffsets, hasMemberships: boolean): Promise<void> {
    const deadline = Date.now() + this.env.API_ERASURE_EXITS_TIMEOUT_MS;
    const group = this.env.SEGMENTER_GROUP_ID;
    const eventsTopic = this.kafka.settings.topics.events;
    const segmentEventsTopic = this.kafka.settings.topics.segmentEvents;
    const until = async (done: () => Promise<boolean>, what: string): Promise<void> => {
      for (;;) {
        if (await done()) return;
        if (Date.now() > deadline) {
          throw new ApiError(
            HttpStatus.SERVICE_UNAVAILABLE,
            'segmenter_unavailable',
            `${what} within ${this.env.API_ERASURE_EXITS_TIMEOUT_MS} ms (is the segmenter running?); ` +
              'suppression is in effect and the exits are requested: retry the request to finish',
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    try {
      const first = await this.progress.committed(group, eventsTopic);
      if (first.size === 0 && !hasMemberships) return;
      await until(
        async () => reaches(await this.progress.committed(group, eventsTopic), requested),
        'the segmenter has not processed the erasure request',
      );
      const emitted = new Map(
        [...(await this.progress.ends(segmentEventsTopic))].filter(([, end]) => end > 0n),
      );
      await until(
        async () => reaches(await this.progress.committed(`${group}.history`, segmentEventsTopic), emitted),
        "the segmenter's history writer has not recorded the exits",
      );
    } catch (e) {
      if (e instanceof ApiError) throw e;
      throw new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'kafka_unavailable',
        `could not follow the segmenter's progress: ${String(e)}`,
      );
    }
  }

  private async waitForMutations(tables: string[]): Promise<void> {
    const deadline = Date.now() + MUTATION_TIMEOUT_MS;
    for (;;) {
      const rows = await this.clickhouse.query<{ n: string }>(sql`
        SELECT count() AS n FROM system.mutations
        WHERE database = ${this.clickhouse.database} AND table IN ${inList(tables)} AND is_done = 0`);
      if (Number(rows[0]?.n ?? 0) === 0) return;
      if (Date.now() > deadline) {
        throw new ApiError(
          HttpStatus.SERVICE_UNAVAILABLE,
          'storage_unavailable',
          'ClickHouse did not finish the deletions in time; retry the request',
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  private async tableExists(name: string): Promise<boolean> {
    const rows = await this.clickhouse.query(
      sql`SELECT name FROM system.tables WHERE database = ${this.clickhouse.database} AND name = ${name}`,
    );
    return rows.length > 0;
  }
}

function eventView(e: EventRow) {
  return {
    eventId: e.event_id,
    name: e.name,
    source: e.source,
    type: e.type,
    occurredAt: isoOfRow(e.occurred_at, e.occurred_ms),
    revenue: Number(e.revenue),
    currency: e.currency,
    profileId: e.profile_id,
    kafka: { topic: e.kafka_topic, partition: Number(e.kafka_partition), offset: String(e.kafka_offset) },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const formatSeconds = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
