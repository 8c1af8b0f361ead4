import { writeFileSync } from 'node:fs';
import { ClickHouseClient } from '@cdp/clickhouse';
import type { SegmentEvent } from '@cdp/domain/segments';
import {
  clickhouseFor,
  dropSuiteData,
  KafkaHarness,
  metric,
  raw,
  startIngest,
  type Produced,
} from '../support/ingest-harness';
import { ServiceProcess } from '../support/service-process';
import { eventually, freePort, uniqueSuffix } from '../support/test-env';
import {
  definition,
  definitionsPublisher,
  iso,
  SegmentEventsReader,
  segmenterEnv,
  startSegmenter,
  type ReadSegmentEvent,
} from './segmenter-harness';

const SECOND = 1000;
const HOUR = 3600 * SECOND;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A small deterministic generator (the stream is the same on every run of the test). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What must be equal between two runs: everything but emittedAt. */
const essence = (e: SegmentEvent): string =>
  JSON.stringify([e.id, e.type, e.segment, e.profileId, e.identities, e.occurredAt, e.cause, e.reason]);

function byProfile(events: readonly ReadSegmentEvent[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of events) {
    const list = out.get(r.event.profileId) ?? [];
    list.push(essence(r.event));
    out.set(r.event.profileId, list);
  }
  return out;
}

/**
 * Exactly once: two segmenters consume the same cdp.events (fed by ingest) into their own state
 * and output topics; one runs undisturbed (the reference), the other is killed with SIGKILL at
 * random points (mid-batch, mid-transaction, while reloading) and restarted. Read with
 * read_committed, both must have emitted exactly the same transitions, per profile in the same
 * order: nothing lost, nothing duplicated, entries and exits alternating.
 */
describe('segmenter: exactly once across crashes', () => {
  const suffix = uniqueSuffix();
  const base = segmenterEnv(suffix, { SEGMENTER_MAX_BATCH_SIZE: '8' });
  const referenceEnv: Record<string, string> = {
    ...base,
    SEGMENTER_GROUP_ID: `t.${suffix}.reference`,
    SEGMENTER_TRANSACTIONAL_ID_PREFIX: `t.${suffix}.ref`,
  };
  const crashEnv: Record<string, string> = {
    ...base,
    SEGMENTER_GROUP_ID: `t.${suffix}.crashing`,
    SEGMENTER_TRANSACTIONAL_ID_PREFIX: `t.${suffix}.crash`,
    TOPIC_SEGMENT_EVENTS: `t.${suffix}.crash.segment-events`,
    TOPIC_SEGMENT_STATE: `t.${suffix}.crash.segment-state`,
    SEGMENTER_HISTORY_ENABLED: 'false',
  };
  const kafka = new KafkaHarness(base.KAFKA_BROKERS);
  const publisher = definitionsPublisher(base);
  const reference = new SegmentEventsReader(referenceEnv.TOPIC_SEGMENT_EVENTS, base.KAFKA_BROKERS);
  const crashed = new SegmentEventsReader(crashEnv.TOPIC_SEGMENT_EVENTS, base.KAFKA_BROKERS);
  const random = rng(parseInt(suffix.slice(-6), 16));
  let ch: ClickHouseClient;
  let ingest: ServiceProcess;
  let referenceSvc: ServiceProcess;
  let crashSvc: ServiceProcess | undefined;
  let produced = 0;
  let lateAdds = 0;
  let n = 0; // message ids: unique across streams (ingest drops a repeated messageId)

  beforeAll(async () => {
    ch = clickhouseFor(base);
    ingest = await startIngest(base);
    const since = iso(Date.now() - 2 * HOUR);
    for (const d of [
      definition(
        'viewed-twice',
        { event: 'Product Viewed', within: { days: 1 }, count: { gte: 2 } },
        { updatedAt: since },
      ),
      definition(
        'viewed-3',
        { event: 'Product Viewed', within: { days: 1 }, count: { gte: 3 } },
        { updatedAt: since },
      ),
      definition('added-recently', { event: 'Product Added', within: { hours: 1 } }, { updatedAt: since }),
      definition(
        'cart-open',
        {
          all: [
            { event: 'Product Added', within: { days: 1 } },
            { event: 'Order Completed', within: { days: 1 }, count: { eq: 0 } },
          ],
        },
        { updatedAt: since },
      ),
      definition('buyers', { event: 'Order Completed' }, { updatedAt: since }),
    ]) {
      await publisher.publish(d);
    }
    [referenceSvc, crashSvc] = await Promise.all([startSegmenter(referenceEnv), startSegmenter(crashEnv)]);
    await Promise.all([reference.start(), crashed.start()]);
  });

  afterAll(async () => {
    if (process.env.SEGMENTER_E2E_DUMP) {
      writeFileSync(`${process.env.SEGMENTER_E2E_DUMP}.reference`, referenceSvc?.output() ?? '');
      writeFileSync(`${process.env.SEGMENTER_E2E_DUMP}.crashed`, crashSvc?.output() ?? '');
      writeFileSync(`${process.env.SEGMENTER_E2E_DUMP}.ingest`, ingest?.output() ?? '');
      writeFileSync(
        `${process.env.SEGMENTER_E2E_DUMP}.metrics`,
        `produced ${produced}\n${(await referenceSvc.get('/metrics')).body}\n${(await ingest.get('/metrics')).body}`,
      );
    }
    await crashSvc?.stop('SIGKILL');
    await referenceSvc?.stop('SIGKILL');
    await ingest?.stop('SIGKILL');
    await Promise.all([reference.stop(), crashed.stop()]);
    await publisher.close().catch(() => undefined);
    await dropSuiteData(kafka, ch, suffix, base.CLICKHOUSE_DATABASE);
  });

  /** The stream: per profile, events in time order; "boundary" profiles add to cart dated ~1 h ago and go quiet. */
  async function stream(durationMs: number, onTick: (elapsed: number) => Promise<void>): Promise<void> {
    const regular = Array.from({ length: 24 }, (_, i) => `r${lateAdds + i}`);
    const boundary = Array.from({ length: 10 }, (_, i) => `b${lateAdds + i}`);
    const started = Date.now();
    const plan: { at: number; who: string; kind: 'view' | 'add' | 'order' | 'late-add' }[] = [];
    for (const who of regular) {
      let t = random() * durationMs * 0.3;
      for (const kind of ['view', 'view', 'add', 'view', 'order', 'view'] as const) {
        if (random() < 0.2) continue;
        plan.push({ at: t, who, kind });
        t += 300 + random() * (durationMs / 6);
      }
    }
    for (const who of boundary) plan.push({ at: random() * durationMs * 0.7, who, kind: 'late-add' });
    lateAdds += boundary.length;
    plan.sort((a, b) => a.at - b.at);
    let last = 0;
    for (const p of plan) {
      const wait = started + p.at - Date.now();
      if (wait > 0) await sleep(wait);
      const elapsed = Date.now() - started;
      if (elapsed - last >= 250) {
        await onTick(elapsed);
        last = elapsed;
      }
      const anon = `${p.who}-${suffix}`;
      const now = Date.now();
      const id = `m${n++}-${suffix}`;
      const value =
        p.kind === 'view'
          ? raw.track(
              id,
              { anonymousId: anon },
              'Product Viewed',
              { category: 'skincare' },
              iso(now - SECOND),
            )
          : p.kind === 'order'
            ? raw.track(id, { anonymousId: anon }, 'Order Completed', { revenue: 10 }, iso(now - SECOND))
            : raw.track(
                id,
                { anonymousId: anon },
                'Product Added',
                { sku: 'sk-1' },
                // late-add: the 1-hour window closes 3-10 s from now
                iso(p.kind === 'add' ? now - SECOND : now - HOUR + 3 * SECOND + random() * 7 * SECOND),
              );
      const message: Produced = { topic: base.TOPIC_RAW_WEB, key: anon, value };
      await kafka.send([message]);
      produced += 1;
    }
  }

  it('a run killed at random points emits exactly the transitions of an undisturbed run', async () => {
    const kills = [1500 + random() * 2500, 5000 + random() * 2500, 8500 + random() * 2500];
    let restarts: Promise<void> = Promise.resolve();
    let killed = 0;
    const killAndRestart = async (): Promise<void> => {
      await crashSvc?.stop('SIGKILL');
      killed += 1;
      crashSvc = new ServiceProcess('segmenter', await freePort(), crashEnv);
    };
    await stream(12 * SECOND, async (elapsed) => {
      if (kills.length > 0 && elapsed >= kills[0]) {
        kills.shift();
        restarts = restarts.then(killAndRestart);
        await restarts;
      }
    });
    await restarts;
    for (const _ of kills.splice(0)) await killAndRestart(); // the stream ended before a planned kill
    // one more kill while the last instance is still loading or catching up
    await sleep(1500 + random() * 1500);
    await killAndRestart();
    expect(killed).toBe(4);
    const svc = crashSvc!;
    await svc.waitForStatus('/health/ready', 200, 60000);

    // both have consumed everything and every boundary (3-10 s after production) has passed
    await eventually(
      async () => (await metric(referenceSvc, 'cdp_segmenter_messages_total', { kind: 'event' })) >= produced,
      30000,
      'the reference to consume the stream',
    );
    await eventually(
      async () =>
        reference.events.filter((r) => r.event.cause.kind === 'time').length === lateAdds &&
        crashed.events.length >= reference.events.length,
      40000,
      `the crashed run to catch up (reference ${reference.events.length}, crashed ${crashed.events.length})`,
    );
    await sleep(1500);

    const ref = reference.events;
    const got = crashed.events;
    expect(ref.length).toBeGreaterThan(60);
    expect(new Set(got.map((r) => r.event.id)).size).toBe(got.length); // no duplicates
    expect(got.map((r) => r.event.id).sort()).toEqual(ref.map((r) => r.event.id).sort()); // nothing lost
    expect(byProfile(got)).toEqual(byProfile(ref)); // same order per profile, same content
    const last = new Map<string, string>();
    for (const r of got) {
      const k = `${r.event.profileId}/${r.event.segment.id}`;
      expect(last.get(k) ?? 'segment.exited').not.toBe(r.event.type);
      last.set(k, r.event.type);
    }
    // the last instance resumed from the committed offsets and the state topic, not from the beginning
    expect(await metric(svc, 'cdp_segmenter_messages_total')).toBeLessThan(produced);
  });

  it('a paused instance whose partitions moved (a zombie) is fenced: still exactly the reference', async () => {
    const first = crashSvc!;
    const second = await startSegmenter(crashEnv);
    const pid = (first as unknown as { child: { pid: number } }).child.pid;
    let paused = false;
    try {
      await stream(6 * SECOND, async (elapsed) => {
        if (!paused && elapsed > 1500) {
          process.kill(pid, 'SIGSTOP'); // its partitions move to the second instance after the session timeout
          paused = true;
        }
      });
      await sleep(6500);
    } finally {
      process.kill(pid, 'SIGCONT'); // wakes up with open transactions on partitions it no longer owns
    }
    await eventually(
      async () => (await metric(referenceSvc, 'cdp_segmenter_messages_total', { kind: 'event' })) >= produced,
      30000,
      'the reference to consume the stream',
    );
    await eventually(
      async () =>
        reference.events.filter((r) => r.event.cause.kind === 'time').length === lateAdds &&
        crashed.events.length >= reference.events.length,
      40000,
      `the two instances to catch up (reference ${reference.events.length}, crashed ${crashed.events.length})`,
    );
    await sleep(1500);
    const got = crashed.events;
    expect(new Set(got.map((r) => r.event.id)).size).toBe(got.length);
    expect(byProfile(got)).toEqual(byProfile(reference.events));
    await second.stop('SIGKILL');
  });
});
