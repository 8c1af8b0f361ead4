import { writeFileSync } from 'node:fs';
import { ClickHouseClient, inList, sql } from '@cdp/clickhouse';
import { Kafka, logLevel } from 'kafkajs';
import { identifierKey, profileIdForComponent, profileIdForKey } from '@cdp/domain';
import type { SegmentEvent } from '@cdp/domain/segments';
import {
  clickhouseFor,
  dropSuiteData,
  KafkaHarness,
  metric,
  raw,
  startIngest,
} from '../support/ingest-harness';
import type { ServiceProcess } from '../support/service-process';
import { eventually, uniqueSuffix } from '../support/test-env';
import {
  brief,
  definition,
  definitionsPublisher,
  iso,
  SegmentEventsReader,
  segmenterEnv,
  startSegmenter,
} from './segmenter-harness';

const MIN = 60_000;
const HOUR = 60 * MIN;
const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The segmenter against real Kafka and ClickHouse, fed by the real ingest (raw web calls):
 * initial membership, event entries with their cause, window boundaries, edits, merges,
 * archiving, the ClickHouse history, and a restart that recovers membership from the state topic.
 */
describe('segmenter: definitions, events, time, merges', () => {
  const suffix = uniqueSuffix();
  const env = segmenterEnv(suffix);
  const kafka = new KafkaHarness(env.KAFKA_BROKERS);
  const publisher = definitionsPublisher(env);
  const reader = new SegmentEventsReader(env.TOPIC_SEGMENT_EVENTS, env.KAFKA_BROKERS);
  const T = Date.now();
  const since = iso(T - 90 * MIN);
  const anon = (name: string): string => `${name}-${suffix}`;
  const pid = (name: string): string => profileIdForKey(identifierKey('anonymousId', anon(name)));
  let ch: ClickHouseClient;
  let ingest: ServiceProcess;
  let segmenter: ServiceProcess;

  const view = (id: string, who: string, at: number) => ({
    topic: env.TOPIC_RAW_WEB,
    key: anon(who),
    value: raw.track(
      `${id}-${suffix}`,
      { anonymousId: anon(who) },
      'Product Viewed',
      { category: 'skincare' },
      iso(at),
    ),
  });
  const add = (id: string, who: string, at: number) => ({
    topic: env.TOPIC_RAW_WEB,
    key: anon(who),
    value: raw.track(
      `${id}-${suffix}`,
      { anonymousId: anon(who) },
      'Product Added',
      { sku: 'sk-1' },
      iso(at),
    ),
  });
  const of = (profileId: string) => (e: SegmentEvent) => e.profileId === profileId;

  /** A graceful stop (exit 0), a new instance, both partitions loaded again. */
  async function restartSegmenter(): Promise<void> {
    expect(await segmenter.stop('SIGTERM')).toBe(0);
    segmenter = await startSegmenter(env);
    await eventually(
      async () => (await metric(segmenter, 'cdp_segmenter_partitions_owned')) === 2,
      30000,
      'both partitions loaded',
    );
  }

  async function landed(ids: string[]): Promise<void> {
    const full = ids.map((i) => `${i}-${suffix}`);
    await eventually(
      async () =>
        (await ch.query(sql`SELECT event_id FROM events WHERE event_id IN ${inList(full)}`)).length ===
        full.length,
      30000,
      `events ${ids.join(', ')} in ClickHouse`,
    );
  }

  beforeAll(async () => {
    ch = clickhouseFor(env);
    ingest = await startIngest(env);
    segmenter = await startSegmenter(env);
    await reader.start();
  });

  afterAll(async () => {
    if (process.env.SEGMENTER_E2E_DUMP) {
      writeFileSync(process.env.SEGMENTER_E2E_DUMP, segmenter?.output() ?? '');
    }
    await segmenter?.stop('SIGKILL');
    await ingest?.stop('SIGKILL');
    await reader.stop();
    await publisher.close().catch(() => undefined);
    await dropSuiteData(kafka, ch, suffix, env.CLICKHOUSE_DATABASE);
  });

  it('a new segment over existing data: one entry per qualifying profile (SQL-compiled candidates), nothing else', async () => {
    await kafka.send([
      view('v1', 'p1', T - 110 * MIN),
      view('v2', 'p1', T - 109 * MIN),
      view('v3', 'p1', T - 108 * MIN),
      view('v4', 'p2', T - 115 * MIN),
    ]);
    await landed(['v1', 'v2', 'v3', 'v4']);
    await publisher.publish(
      definition(
        'viewers',
        { event: 'Product Viewed', within: { days: 30 }, count: { gte: 2 } },
        { updatedAt: since },
      ),
    );
    const [entry] = await reader.waitFor(of(pid('p1')));
    expect(entry).toMatchObject({
      type: 'segment.entered',
      segment: { id: 'viewers', version: 1 },
      profileId: pid('p1'),
      identities: { userId: null, anonymousIds: [anon('p1')], email: null },
      occurredAt: since,
      cause: { kind: 'definition', eventId: null, kafka: null },
      reason: [{ condition: 'Product Viewed count within 30d >= 2', actual: 3, result: true }],
    });
    expect(entry.id).toMatch(/^[0-9a-f]{64}$/);
    await settle(1500);
    expect(reader.events.map((r) => brief(r.event))).toEqual([`${pid('p1')} +viewers@v1 definition`]);
    expect(reader.events[0].key).toBe(pid('p1'));
  });

  it('a segment that can be entered by time alone schedules every profile; boundaries fire at their exact instants', async () => {
    await publisher.publish(
      definition(
        'lapsed',
        { event: 'Product Viewed', lastSeen: { olderThan: { hours: 1 } } },
        { updatedAt: since },
      ),
    );
    await publisher.publish(
      definition('recent-adders', { event: 'Product Added', within: { hours: 1 } }, { updatedAt: since }),
    );
    const lapsed = (e: SegmentEvent) => e.segment.id === 'lapsed';
    const entries = await reader.waitFor(lapsed, 2);
    expect(entries.map((e) => [e.profileId, e.type, e.cause.kind, e.occurredAt]).sort()).toEqual(
      [
        [pid('p1'), 'segment.entered', 'time', iso(T - 108 * MIN + HOUR)],
        [pid('p2'), 'segment.entered', 'time', iso(T - 115 * MIN + HOUR)],
      ].sort(),
    );
    expect(entries[0].reason[0]).toMatchObject({
      condition: 'Product Viewed last seen older than 1h',
      result: true,
    });
    await settle(1000);
    expect(reader.events).toHaveLength(3);
  });

  it('an event makes a profile enter, with the reason and the raw Kafka coordinates of the event', async () => {
    await kafka.send([view('v5', 'p3', T - 80 * MIN), view('v6', 'p3', T - 79 * MIN)]);
    const events = await reader.waitFor(of(pid('p3')), 2);
    const [row] = await ch.query<{ kafka_topic: string; kafka_partition: number; kafka_offset: string }>(
      sql`SELECT kafka_topic, kafka_partition, toString(kafka_offset) AS kafka_offset FROM events WHERE event_id = ${`v6-${suffix}`}`,
    );
    expect(events[0]).toMatchObject({
      type: 'segment.entered',
      segment: { id: 'viewers', version: 1 },
      occurredAt: iso(T - 79 * MIN),
      cause: {
        kind: 'event',
        eventId: `v6-${suffix}`,
        kafka: { topic: env.TOPIC_RAW_WEB, partition: Number(row.kafka_partition), offset: row.kafka_offset },
      },
      reason: [{ condition: 'Product Viewed count within 30d >= 2', actual: 2, result: true }],
    });
    expect(row.kafka_topic).toBe(env.TOPIC_RAW_WEB);
    expect(events[1]).toMatchObject({
      type: 'segment.entered',
      segment: { id: 'lapsed' },
      occurredAt: iso(T - 79 * MIN + HOUR),
      cause: { kind: 'time' },
    });
  });

  it('a window boundary passes: exit with cause time at the exact instant, emitted within 2 s', async () => {
    const at = Date.now() - HOUR + 5000;
    await kafka.send([add('a1', 'p4', at)]);
    const [entered, exited] = await reader.waitFor(of(pid('p4')), 2, 20000);
    expect(entered).toMatchObject({
      type: 'segment.entered',
      segment: { id: 'recent-adders' },
      occurredAt: iso(at),
    });
    expect(entered.cause).toMatchObject({ kind: 'event', eventId: `a1-${suffix}` });
    expect(exited).toMatchObject({
      type: 'segment.exited',
      segment: { id: 'recent-adders', version: 1 },
      occurredAt: iso(at + HOUR),
      cause: { kind: 'time', eventId: null, kafka: null },
      reason: [{ condition: 'Product Added count within 1h >= 1', actual: 0, result: false }],
    });
    const delay = Date.parse(exited.emittedAt) - (at + HOUR);
    expect(delay).toBeGreaterThanOrEqual(0);
    expect(delay).toBeLessThan(2000);
  });

  it('an edit emits only the differences, under the new version', async () => {
    const before = reader.events.length;
    await publisher.publish(
      definition(
        'viewers',
        { event: 'Product Viewed', within: { days: 30 }, count: { gte: 3 } },
        { version: 2, updatedAt: iso(T - 70 * MIN), createdAt: since },
      ),
    );
    const [exit] = await reader.waitFor((e) => e.segment.id === 'viewers' && e.segment.version === 2);
    expect(exit).toMatchObject({
      type: 'segment.exited',
      profileId: pid('p3'),
      cause: { kind: 'definition' },
      reason: [{ condition: 'Product Viewed count within 30d >= 3', actual: 2, result: false }],
    });
    await settle(1500);
    expect(reader.events.slice(before).map((r) => brief(r.event))).toEqual([
      `${pid('p3')} -viewers@v2 definition`,
    ]);
  });

  it('merge: the absorbed profile exits its segments and the survivor enters what it now qualifies for', async () => {
    const now = Date.now();
    const userB = `u-b-${suffix}`;
    const idA = pid('pa');
    const idB = profileIdForComponent([
      identifierKey('anonymousId', anon('pb')),
      identifierKey('userId', userB),
    ]);
    await kafka.send([
      add('m1', 'pa', now - 10 * MIN),
      {
        topic: env.TOPIC_RAW_WEB,
        key: anon('pb'),
        value: raw.identify(`m2-${suffix}`, userB, anon('pb'), { plan: 'gold' }, iso(now - 12 * MIN)),
      },
      view('m3', 'pb', now - 11 * MIN),
      view('m4', 'pb', now - 11 * MIN + 1000),
      view('m5', 'pb', now - 11 * MIN + 2000),
    ]);
    await reader.waitFor(of(idA), 1);
    await reader.waitFor(of(idB), 1);
    const memberships = (id: string): string[] => {
      const inside = new Set<string>();
      for (const e of reader.matching(of(id))) {
        if (e.type === 'segment.entered') inside.add(e.segment.id);
        else inside.delete(e.segment.id);
      }
      return [...inside].sort();
    };
    expect(memberships(idA)).toEqual(['recent-adders']);
    expect(memberships(idB)).toEqual(['viewers']);

    const survivor = idA < idB ? idA : idB;
    const absorbed = survivor === idA ? idB : idA;
    const beforeSurvivor = memberships(survivor);
    const beforeAbsorbed = memberships(absorbed);
    const link = `m6-${suffix}`;
    await kafka.send([
      {
        topic: env.TOPIC_RAW_WEB,
        key: anon('pa'),
        value: raw.identify(link, userB, anon('pa'), {}, iso(now - 5 * MIN)),
      },
    ]);
    const merged = (e: SegmentEvent) => e.cause.kind === 'merge';
    const expectedEntries = ['recent-adders', 'viewers'].filter((s) => !beforeSurvivor.includes(s));
    const events = await reader.waitFor(merged, beforeAbsorbed.length + expectedEntries.length);
    expect(events.filter(of(absorbed)).map((e) => [e.type, e.segment.id])).toEqual(
      beforeAbsorbed.map((s) => ['segment.exited', s]),
    );
    expect(events.filter(of(survivor)).map((e) => [e.type, e.segment.id])).toEqual(
      expectedEntries.map((s) => ['segment.entered', s]),
    );
    for (const e of events)
      expect(e.cause).toMatchObject({ kind: 'merge', eventId: link, kafka: { topic: env.TOPIC_RAW_WEB } });
    expect(events.find(of(absorbed))?.reason).toEqual([
      { condition: `profile merged into ${survivor}`, actual: survivor, result: false },
    ]);
    expect(events.find(of(survivor))?.identities.userId).toBe(userB);
    expect(memberships(survivor)).toEqual(['recent-adders', 'viewers']);
    expect(memberships(absorbed)).toEqual([]);
    // the segmenter's own profile-absorbed command and its transaction's marker close a
    // partition of cdp.events: the segmenter commits past the marker, leaving no lag behind
    await eventually(
      async () => {
        const ends = await kafka.admin.fetchTopicOffsets(env.TOPIC_EVENTS);
        const end = ends.reduce((n, p) => n + Number(p.high), 0);
        return (await kafka.committed(env.SEGMENTER_GROUP_ID, [env.TOPIC_EVENTS])) === end;
      },
      20000,
      'the segmenter to commit cdp.events up to its end',
    );
  });

  it('archiving a segment exits its members', async () => {
    const members = new Set<string>();
    for (const r of reader.events) {
      if (r.event.segment.id !== 'recent-adders') continue;
      if (r.event.type === 'segment.entered') members.add(r.event.profileId);
      else members.delete(r.event.profileId);
    }
    expect(members.size).toBe(1);
    await publisher.publish(
      definition(
        'recent-adders',
        { event: 'Product Added', within: { hours: 1 } },
        { version: 2, status: 'archived', createdAt: since },
      ),
    );
    const exits = await reader.waitFor(
      (e) => e.segment.id === 'recent-adders' && e.cause.kind === 'definition',
    );
    expect(exits.map((e) => [e.profileId, e.type, e.segment.version])).toEqual([
      [[...members][0], 'segment.exited', 2],
    ]);
    expect(exits[0].reason).toEqual([
      { condition: 'segment "recent-adders" status archived', actual: 'archived', result: false },
    ]);
  });

  it('every transition is in ClickHouse: history table, membership intervals, size over time', async () => {
    const ids = reader.events.map((r) => r.event.id);
    expect(new Set(ids).size).toBe(ids.length);
    await eventually(
      async () => {
        const [{ n }] = await ch.query<{ n: string }>('SELECT count() AS n FROM segment_transitions FINAL');
        return Number(n) === ids.length;
      },
      30000,
      'the history to hold every transition',
    );
    const rows = await ch.query<{ id: string; type: string; cause_kind: string; sequence: string }>(
      sql`SELECT id, type, cause_kind, toString(sequence) AS sequence FROM segment_transitions FINAL WHERE id IN ${inList(ids)}`,
    );
    expect(rows.map((r) => r.id).sort()).toEqual([...ids].sort());
    const intervals = await ch.query<{ profile_id: string; entered_at_ms: string; exited_at_ms: string }>(
      sql`SELECT profile_id, toString(entered_at_ms) AS entered_at_ms, toString(exited_at_ms) AS exited_at_ms
          FROM segment_membership_intervals WHERE segment_id = 'lapsed' ORDER BY profile_id`,
    );
    expect(intervals).toContainEqual({
      profile_id: pid('p1'),
      entered_at_ms: String(T - 108 * MIN + HOUR),
      exited_at_ms: '18446744073709551615',
    });
    const sizes = await ch.query<{ size: string }>(
      "SELECT toString(size) AS size FROM segment_size_daily WHERE segment_id = 'lapsed' ORDER BY day DESC LIMIT 1",
    );
    expect(Number(sizes[0]?.size)).toBe(3);
    const [defs] = await ch.query<{ version: number; status: string }>(
      "SELECT version, status FROM segment_definitions_current WHERE segment_id = 'recent-adders'",
    );
    expect(defs).toEqual({ version: 2, status: 'archived' });
  });

  it('a fenced partition (its transactional id taken over) reloads from Kafka and carries on, exactly once', async () => {
    // what a zombie experiences: another producer initialises the partitions' transactional ids
    const thief = new Kafka({
      clientId: `thief-${suffix}`,
      brokers: env.KAFKA_BROKERS.split(','),
      logLevel: logLevel.NOTHING,
    });
    const producers = [0, 1].map((p) =>
      thief.producer({
        transactionalId: `${env.SEGMENTER_TRANSACTIONAL_ID_PREFIX}-${env.TOPIC_EVENTS}-${p}`,
        idempotent: true,
        maxInFlightRequests: 1,
      }),
    );
    // the transactional id is initialised (and the segmenter's producer fenced) on the first transaction
    await Promise.all(
      producers.map(async (p) => {
        await p.connect();
        await (await p.transaction()).abort();
      }),
    );
    const before = await metric(segmenter, 'cdp_segmenter_partition_resets_total');
    const at = Date.now() - 2000;
    await kafka.send([view('v8a', 'p5', at - 2000), view('v8', 'p5', at - 1000), view('v9', 'p5', at)]);
    const [entry] = await reader.waitFor((e) => e.profileId === pid('p5'));
    expect(entry).toMatchObject({
      segment: { id: 'viewers', version: 2 },
      cause: { eventId: `v9-${suffix}` },
    });
    expect(await metric(segmenter, 'cdp_segmenter_partition_resets_total')).toBeGreaterThan(before);
    await Promise.all(producers.map((p) => p.disconnect()));
    await settle(1000);
    expect(reader.matching((e) => e.profileId === pid('p5'))).toHaveLength(1);
  });

  it('a restart recovers membership from the state topic without replaying cdp.events', async () => {
    await restartSegmenter();
    expect(await metric(segmenter, 'cdp_segmenter_messages_total')).toBe(0);
    // p1 is in "lapsed" (known only from the state topic): a new view makes it exit
    const at = Date.now() - 1000;
    await kafka.send([view('v7', 'p1', at)]);
    const [exit] = await reader.waitFor((e) => e.profileId === pid('p1') && e.type === 'segment.exited');
    expect(exit).toMatchObject({
      segment: { id: 'lapsed' },
      cause: { kind: 'event', eventId: `v7-${suffix}` },
      occurredAt: iso(at),
    });
    expect(await metric(segmenter, 'cdp_segmenter_messages_total')).toBe(1);
    // entries and exits alternate per profile and segment, and keys are profile ids
    const last = new Map<string, string>();
    for (const r of reader.events) {
      const k = `${r.event.profileId}/${r.event.segment.id}`;
      expect(last.get(k)).not.toBe(r.event.type);
      if (!last.has(k)) expect(r.event.type).toBe('segment.entered');
      last.set(k, r.event.type);
      expect(r.key).toBe(r.event.profileId);
    }
  });
  it('a profile first seen since the start is evaluated without a ClickHouse read; one with history from before is read', async () => {
    await publisher.publish(
      definition('adders-twice', { event: 'Product Added', within: { days: 30 }, count: { gte: 2 } }),
    );
    await eventually(
      async () => (await metric(segmenter, 'cdp_segmenter_active_segments')) === 3,
      20000,
      'adders-twice active',
    );
    // q1's first add: a new profile (no read), no membership, nothing scheduled, so no state record
    const skippedBefore = await metric(segmenter, 'cdp_segmenter_snapshots_skipped_total');
    await kafka.send([add('q1a', 'q1', Date.now() - 3000)]);
    await eventually(
      async () => (await metric(segmenter, 'cdp_segmenter_snapshots_skipped_total')) === skippedBefore + 1,
      20000,
      "q1's first add consumed without a read",
    );
    await settle(500);
    await restartSegmenter();
    // q1 is known only from ClickHouse now: its second add counts the first one
    await kafka.send([add('q1b', 'q1', Date.now() - 2000), add('q2a', 'q2', Date.now() - 2000)]);
    const [entry] = await reader.waitFor((e) => e.profileId === pid('q1') && e.segment.id === 'adders-twice');
    expect(entry).toMatchObject({
      type: 'segment.entered',
      cause: { kind: 'event', eventId: `q1b-${suffix}` },
      reason: [{ condition: 'Product Added count within 30d >= 2', actual: 2, result: true }],
    });
    await eventually(
      async () => (await metric(segmenter, 'cdp_segmenter_messages_total')) === 2,
      20000,
      'both adds consumed',
    );
    // q2 was new: evaluated without a read (and, with one add, not a member)
    expect(await metric(segmenter, 'cdp_segmenter_snapshots_skipped_total')).toBe(1);
    await settle(1000);
    expect(reader.events.filter((r) => r.event.profileId === pid('q2'))).toEqual([]);
  });

  it("a profile's events in chunks one after another read its history from ClickHouse once, not per chunk", async () => {
    // one message per chunk: the later chunks are submitted while the first is still on its way
    env.SEGMENTER_MAX_BATCH_SIZE = '1';
    await restartSegmenter();
    // q1 has history in ClickHouse (two adds) and none in the new instance's cache
    const loadsBefore = await metric(segmenter, 'cdp_segmenter_snapshot_seconds_count');
    const at = Date.now() - 1000;
    await kafka.send([add('q1c', 'q1', at - 300), add('q1d', 'q1', at - 200), add('q1e', 'q1', at - 100)]);
    await landed(['q1c', 'q1d', 'q1e']);
    await eventually(
      async () => (await metric(segmenter, 'cdp_segmenter_messages_total')) === 3,
      20000,
      "q1's three adds consumed",
    );
    expect(await metric(segmenter, 'cdp_segmenter_snapshot_seconds_count')).toBe(loadsBefore + 1);
    // and the history read once is the one every chunk evaluated: still a member, no transition
    await settle(1000);
    expect(reader.matching((e) => e.profileId === pid('q1') && e.segment.id === 'adders-twice')).toHaveLength(
      1,
    );
  });
});
