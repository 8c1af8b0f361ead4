import { readdirSync, readFileSync } from 'node:fs';
import { ClickHouseClient, sql } from '@cdp/clickhouse';
import { identifierKey, profileIdForKey } from '@cdp/domain';
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
  definition,
  definitionsPublisher,
  iso,
  SegmentEventsReader,
  segmenterEnv,
  startSegmenter,
} from './segmenter-harness';

/** Nice value of every thread of a process (Linux /proc; the fields after the command name). */
function threadNiceValues(pid: number): { tid: number; nice: number }[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { tid: Number(tid), nice: Number(fields[16]) };
  });
}

/**
 * The ClickHouse history of transitions, written by its own worker thread at a lower priority
 * (the default), or on the service's thread (SEGMENTER_HISTORY_THREAD=false): every committed
 * transition becomes one `segment_transitions` row, counted by the metric, and a graceful stop
 * ends the worker with the service.
 */
describe('segmenter: the history writer', () => {
  const suffix = uniqueSuffix();
  const env = segmenterEnv(suffix);
  const kafka = new KafkaHarness(env.KAFKA_BROKERS);
  const publisher = definitionsPublisher(env);
  const reader = new SegmentEventsReader(env.TOPIC_SEGMENT_EVENTS, env.KAFKA_BROKERS);
  const anon = (name: string): string => `${name}-${suffix}`;
  const pid = (name: string): string => profileIdForKey(identifierKey('anonymousId', anon(name)));
  let ch: ClickHouseClient;
  let ingest: ServiceProcess;
  let segmenter: ServiceProcess | undefined;

  const add = (id: string, who: string) => ({
    topic: env.TOPIC_RAW_WEB,
    key: anon(who),
    value: raw.track(
      `${id}-${suffix}`,
      { anonymousId: anon(who) },
      'Product Added',
      { sku: 'sk-1' },
      iso(Date.now()),
    ),
  });

  /**
   * Adds to cart for `who`, waits for the entry, its history row and the row counted by `svc`'s
   * metric (once the insert returned; the worker reports it to the service's registry).
   */
  async function entryRecorded(svc: ServiceProcess, who: string): Promise<string> {
    await kafka.send([add(`a-${who}`, who)]);
    const [entry] = await reader.waitFor((e) => e.profileId === pid(who));
    expect(entry).toMatchObject({ type: 'segment.entered', segment: { id: 'adders' } });
    await eventually(
      async () =>
        (
          await ch.query(
            sql`SELECT id FROM segment_transitions FINAL WHERE id = ${entry.id} AND profile_id = ${pid(who)}
                AND type = 'segment.entered' AND cause_event_id = ${`a-${who}-${suffix}`}`,
          )
        ).length === 1,
      30000,
      `the history row of ${who}'s entry`,
    );
    await eventually(
      async () => (await metric(svc, 'cdp_segmenter_history_rows_total')) >= 1,
      10000,
      'the history rows metric',
    );
    return entry.id;
  }

  beforeAll(async () => {
    ch = clickhouseFor(env);
    ingest = await startIngest(env);
    await reader.start();
    await publisher.publish(definition('adders', { event: 'Product Added', within: { days: 1 } }));
  });

  afterAll(async () => {
    await segmenter?.stop('SIGKILL');
    await ingest?.stop('SIGKILL');
    await reader.stop();
    await publisher.close().catch(() => undefined);
    await dropSuiteData(kafka, ch, suffix, env.CLICKHOUSE_DATABASE);
  });

  it('on a worker thread at nice 10: the row, the metric, and a clean graceful stop', async () => {
    segmenter = await startSegmenter(env);
    await entryRecorded(segmenter, 'p1');
    expect(await metric(segmenter, 'cdp_segmenter_history_rows_total')).toBe(1);
    const threads = threadNiceValues(segmenter.pid ?? 0);
    // the service's own thread keeps its priority; the history thread (and only it) yields
    expect(threads.find((t) => t.tid === segmenter?.pid)?.nice).toBe(0);
    expect(threads.filter((t) => t.nice === 10)).toHaveLength(1);
    expect(await segmenter.stop('SIGTERM')).toBe(0);
    expect(segmenter.output()).toContain('shutdown complete');
    segmenter = undefined;
  });

  it('on the service thread: the same rows, nothing written twice', async () => {
    segmenter = await startSegmenter({ ...env, SEGMENTER_HISTORY_THREAD: 'false' });
    await entryRecorded(segmenter, 'p2');
    // the history group resumed after p1's row: only p2's is written by this instance
    expect(await metric(segmenter, 'cdp_segmenter_history_rows_total')).toBe(1);
    expect(threadNiceValues(segmenter.pid ?? 0).every((t) => t.nice === 0)).toBe(true);
    const [{ n }] = await ch.query<{ n: string }>('SELECT count() AS n FROM segment_transitions');
    expect(Number(n)).toBe(2);
  });
});
