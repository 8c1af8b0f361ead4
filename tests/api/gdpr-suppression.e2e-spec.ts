import { ClickHouseClient, inList, sql } from '@cdp/clickhouse';
import { identifierKey, suppressionHashOf } from '@cdp/domain';
import { ADMIN_TOKEN, AdminClient, startApi } from '../support/campaign-harness';
import {
  clickhouseFor,
  dropSuiteData,
  KafkaHarness,
  raw,
  startIngest,
  TopicReader,
} from '../support/ingest-harness';
import type { ServiceProcess } from '../support/service-process';
import { SegmentEventsReader, segmenterEnv, startSegmenter } from '../segmenter/segmenter-harness';
import { eventually, uniqueSuffix } from '../support/test-env';

/**
 * GDPR erasure end to end (issue 6, item 7): the built ingest, segmenter and api on one
 * isolated database and set of topics. A person's events are ingested and put them in a
 * segment, the api erases the person: the segmenter emits the exit (cause deletion), no row
 * with the person's identifiers is left (dead letters included), and new raw events carrying the
 * same userId / email / anonymousId are dropped by ingest (suppression list re-read every
 * 200 ms) while another person's events still land.
 */
describe('api + ingest: an erased person stays erased', () => {
  const suffix = uniqueSuffix();
  const env = segmenterEnv(suffix, {
    INGEST_SUPPRESSION_REFRESH_MS: '200',
    CDP_ADMIN_TOKEN: ADMIN_TOKEN,
    // the history table lags the segment events by up to 1.5 s: the erasure must wait for it
    SEGMENTER_HISTORY_FETCH_MIN_BYTES: '1048576',
    SEGMENTER_HISTORY_MAX_WAIT_MS: '1500',
  });
  const kafka = new KafkaHarness(env.KAFKA_BROKERS);
  const rawTopics = [env.TOPIC_RAW_WEB, env.TOPIC_RAW_SOCIAL, env.TOPIC_RAW_AD, env.TOPIC_RAW_TRANSACTION];
  let ch: ClickHouseClient;
  let ingest: ServiceProcess;
  let segmenter: ServiceProcess;
  let api: ServiceProcess;
  let segmentEvents: SegmentEventsReader;
  let admin: AdminClient;
  let canonical: TopicReader;
  let produced = 0;

  const lin = { user: `u-lin-${suffix}`, anon: `a-lin-${suffix}`, email: `lin.${suffix}@example.com` };
  const mei = { user: `u-mei-${suffix}`, anon: `a-mei-${suffix}`, email: `mei.${suffix}@example.com` };
  const iso = (msAgo: number): string => new Date(Date.now() - msAgo).toISOString();

  const send = async (messages: Parameters<KafkaHarness['send']>[0]): Promise<void> => {
    produced += messages.length;
    await kafka.send(messages);
  };

  const eventIds = async (ids: string[]): Promise<string[]> =>
    (
      await ch.query<{ event_id: string }>(
        sql`SELECT DISTINCT event_id FROM events WHERE event_id IN ${inList(ids)} ORDER BY event_id`,
      )
    ).map((r) => r.event_id);

  /** Rows of `events` carrying any of lin's identifiers. */
  const linRows = async (): Promise<number> => {
    const [row] = await ch.query<{ n: string }>(sql`
      SELECT count() AS n FROM events
      WHERE user_id = ${lin.user} OR anonymous_id = ${lin.anon} OR email = ${lin.email}`);
    return Number(row?.n ?? 0);
  };

  /** The payloads of the dead letters, decoded. */
  const deadLetters = async (): Promise<string[]> =>
    (await ch.query<{ payload_base64: string }>(sql`SELECT payload_base64 FROM dead_letters`)).map((r) =>
      Buffer.from(r.payload_base64, 'base64').toString('utf8'),
    );

  beforeAll(async () => {
    ch = clickhouseFor(env);
    ingest = await startIngest(env);
    api = await startApi(env);
    admin = new AdminClient(api.url(''));
    segmenter = await startSegmenter(env);
    segmentEvents = new SegmentEventsReader(env.TOPIC_SEGMENT_EVENTS, env.KAFKA_BROKERS);
    await segmentEvents.start();
    canonical = await kafka.collect(env.TOPIC_EVENTS);
  });

  afterAll(async () => {
    await segmentEvents?.stop();
    await segmenter?.stop('SIGKILL');
    await api?.stop();
    await ingest?.stop('SIGKILL');
    await dropSuiteData(kafka, ch, suffix, env.CLICKHOUSE_DATABASE);
  });

  it('erases a person: exit from the segmenter, no row left, later events dropped; others still land', async () => {
    // 0. a segment both people will enter with their orders
    const created = await admin.request('POST', '/v1/segments', {
      id: 'buyers',
      name: 'Buyers',
      rule: { event: 'Order Completed', within: { days: 30 }, count: { gte: 1 } },
    });
    expect(created.status).toBe(201);

    // 1. both people are ingested (and a message of lin's is rejected into the dead letters)
    await send([
      {
        topic: env.TOPIC_RAW_WEB,
        key: lin.anon,
        value: JSON.stringify({
          type: 'identify',
          messageId: `m-lin-bad-${suffix}`,
          userId: lin.user,
          traits: { email: lin.email },
          timestamp: 'not a time',
        }),
      },
      {
        topic: env.TOPIC_RAW_WEB,
        key: mei.anon,
        value: JSON.stringify({
          type: 'identify',
          messageId: `m-mei-bad-${suffix}`,
          userId: mei.user,
          traits: { email: mei.email },
          timestamp: 'not a time',
        }),
      },
      {
        topic: env.TOPIC_RAW_WEB,
        key: lin.anon,
        value: raw.identify(`m-lin-1-${suffix}`, lin.user, lin.anon, { email: lin.email }, iso(60000)),
      },
      {
        topic: env.TOPIC_RAW_TRANSACTION,
        key: lin.email,
        value: raw.transaction(
          `o-lin-1-${suffix}`,
          'completed',
          { userId: lin.user, customerId: null, email: lin.email, phone: null },
          120,
          iso(50000),
        ),
      },
      {
        topic: env.TOPIC_RAW_WEB,
        key: mei.anon,
        value: raw.identify(`m-mei-1-${suffix}`, mei.user, mei.anon, { email: mei.email }, iso(60000)),
      },
    ]);
    const before = [`m-lin-1-${suffix}`, `o-lin-1-${suffix}:completed`, `m-mei-1-${suffix}`];
    await eventually(async () => (await eventIds(before)).length === 3, 60000, 'the first events to land');
    await eventually(
      async () =>
        (await deadLetters()).filter((p) => p.includes(lin.email) || p.includes(mei.email)).length === 2,
      60000,
      'the rejected messages in the dead letters',
    );
    const [entered] = await segmentEvents.waitFor(
      (e) => e.type === 'segment.entered' && e.identities.userId === lin.user,
      1,
      60000,
    );
    expect(entered.segment.id).toBe('buyers');

    // 2. the api erases lin (found by userId) and puts the identifiers on the suppression list
    const profileId = await admin.profileIdOfUser(lin.user, "lin's profile");
    const erased = await admin.request<{ suppressed: number; exitsEmitted: number }>(
      'DELETE',
      `/v1/profiles/${encodeURIComponent(profileId)}`,
    );
    expect(erased.status).toBe(200);
    expect(erased.body.exitsEmitted).toBe(1);
    const [exit] = await segmentEvents.waitFor(
      (e) => e.type === 'segment.exited' && e.profileId === profileId,
    );
    expect(exit).toMatchObject({
      segment: { id: 'buyers', version: 1 },
      profileId,
      identities: { userId: lin.user, email: lin.email, anonymousIds: [lin.anon] },
      cause: { kind: 'deletion' },
    });
    expect(segmentEvents.matching((e) => e.profileId === profileId).map((e) => e.type)).toEqual([
      'segment.entered',
      'segment.exited',
    ]);
    const transitions = await ch.query<{ n: string }>(
      sql`SELECT count() AS n FROM segment_transitions WHERE profile_id = ${profileId}`,
    );
    expect(Number(transitions[0].n)).toBe(0);
    expect((await deadLetters()).filter((p) => p.includes(lin.email) || p.includes(lin.user))).toEqual([]);
    expect((await deadLetters()).length).toBeGreaterThan(0);
    const hashes = (
      await ch.query<{ identifier_hash: string }>(sql`SELECT identifier_hash FROM suppressed_identifiers`)
    ).map((r) => r.identifier_hash);
    for (const key of [
      identifierKey('userId', lin.user),
      identifierKey('email', lin.email),
      identifierKey('anonymousId', lin.anon),
    ]) {
      expect([key, hashes.includes(suppressionHashOf(key))]).toEqual([key, true]);
    }
    expect(await linRows()).toBe(0);
    expect(await eventIds(before)).toEqual([`m-mei-1-${suffix}`]);

    // 3. after a suppression-list refresh, lin's identifiers come back on every source
    await new Promise((r) => setTimeout(r, 1000));
    const linAgain = [`m-lin-2-${suffix}`, `o-lin-2-${suffix}:completed`, `m-lin-3-${suffix}`];
    const meiAgain = [`m-mei-2-${suffix}`, `o-mei-2-${suffix}:completed`];
    await send([
      {
        topic: env.TOPIC_RAW_WEB,
        key: lin.user,
        value: raw.track(`m-lin-2-${suffix}`, { userId: lin.user }, 'Product Viewed', {}, iso(2000)),
      },
      {
        topic: env.TOPIC_RAW_TRANSACTION,
        key: lin.email,
        value: raw.transaction(
          `o-lin-2-${suffix}`,
          'completed',
          { userId: null, customerId: null, email: lin.email, phone: null },
          80,
          iso(1500),
        ),
      },
      {
        topic: env.TOPIC_RAW_WEB,
        key: lin.anon,
        value: raw.page(`m-lin-3-${suffix}`, lin.anon, iso(1000)),
      },
      {
        topic: env.TOPIC_RAW_WEB,
        key: mei.user,
        value: raw.track(`m-mei-2-${suffix}`, { userId: mei.user }, 'Product Viewed', {}, iso(2000)),
      },
      {
        topic: env.TOPIC_RAW_TRANSACTION,
        key: mei.email,
        value: raw.transaction(
          `o-mei-2-${suffix}`,
          'completed',
          { userId: null, customerId: null, email: mei.email, phone: null },
          95,
          iso(1500),
        ),
      },
    ]);

    // mei's events land; once ingest has committed every raw message, none of lin's did
    await eventually(
      async () => (await eventIds(meiAgain)).length === meiAgain.length,
      60000,
      "mei's new events",
    );
    await eventually(
      async () => (await kafka.committed(env.INGEST_GROUP_ID, rawTopics)) >= produced,
      60000,
      `ingest to commit all ${produced} raw messages`,
    );
    expect(await eventIds(linAgain)).toEqual([]);
    expect(await linRows()).toBe(0);
    await canonical.waitFor(meiAgain.length, "mei's new events on the events topic", (m) =>
      meiAgain.some((id) => m.value.includes(id)),
    );
    expect(canonical.messages.filter((m) => linAgain.some((id) => m.value.includes(id)))).toEqual([]);
  });

  it('a person erased the moment their entry is emitted leaves no transition behind', async () => {
    const kai = { user: `u-kai-${suffix}`, anon: `a-kai-${suffix}`, email: `kai.${suffix}@example.com` };
    await send([
      {
        topic: env.TOPIC_RAW_WEB,
        key: kai.anon,
        value: raw.identify(`m-kai-1-${suffix}`, kai.user, kai.anon, { email: kai.email }, iso(30000)),
      },
    ]);
    const profileId = await admin.profileIdOfUser(kai.user, "kai's profile");
    await send([
      {
        topic: env.TOPIC_RAW_TRANSACTION,
        key: kai.email,
        value: raw.transaction(
          `o-kai-1-${suffix}`,
          'completed',
          { userId: kai.user, customerId: null, email: kai.email, phone: null },
          70,
          iso(20000),
        ),
      },
    ]);
    // erased as soon as the entry is on the topic: the history writer may not have recorded it yet
    await segmentEvents.waitFor((e) => e.type === 'segment.entered' && e.profileId === profileId, 1, 60000);
    const erased = await admin.request<{ exitsEmitted: number }>(
      'DELETE',
      `/v1/profiles/${encodeURIComponent(profileId)}`,
    );
    expect(erased.status).toBe(200);
    expect(erased.body.exitsEmitted).toBe(1);
    await segmentEvents.waitFor((e) => e.type === 'segment.exited' && e.profileId === profileId);
    // once the history writer has recorded every segment event, none of kai's is left
    await eventually(
      async () => {
        const ends = await kafka.admin.fetchTopicOffsets(env.TOPIC_SEGMENT_EVENTS);
        const end = ends.reduce((n, p) => n + Number(p.high), 0);
        return (
          (await kafka.committed(`${env.SEGMENTER_GROUP_ID}.history`, [env.TOPIC_SEGMENT_EVENTS])) >= end
        );
      },
      30000,
      'the history writer to record every segment event',
    );
    const transitions = await ch.query<{ n: string }>(
      sql`SELECT count() AS n FROM segment_transitions WHERE profile_id = ${profileId}`,
    );
    expect(Number(transitions[0].n)).toBe(0);
  });
});
