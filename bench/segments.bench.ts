// npm run bench:segments
//
// Open-loop load of realistic web events (page views, product views, cart adds, orders, and a
// few cart adds dated an hour ago whose window closes during the run) from a site's new and
// returning visitors (BENCH_VISITORS, see VISITORS) on the raw web topic, at
// 1 000 and then 5 000 events/s, through the built ingest and segmenter with 50 active
// segments. Per transition: raw produce time -> segment event consumed (read_committed). In the
// same run, a bare Kafka consume -> produce passthrough (R) at the same rates: by default in
// phases of its own before the platform's (BENCH_PASSTHROUGH=separate, the passthrough's own
// input topic), or alongside them on the same raw topic (BENCH_PASSTHROUGH=concurrent). Expected
// transitions come from replaying the consumed cdp.events through the segmenter's engine on the
// ClickHouse data afterwards; received = distinct transitions read back; duplicates = transition
// ids read more than once. The last line is one JSON object:
// {"rates":{"1000":{"p50":..,"p99":..,"passP50":..,"passP99":..,"expected":..,"received":..,"duplicates":..},"5000":{..}},"timeDelayMaxMs":..}
// Needs the local stack (bash deploy/local/stack.sh up) and a build (npm run build).
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClickHouseClient, clickHouseSettingsFromEnv } from '@cdp/clickhouse';
import { BaseEnv, loadConfig } from '@cdp/config';
import { DEFAULT_TRAITS_CONFIG } from '@cdp/domain';
import { encodeSegmentDefinition, parseSegmentEvent, type SegmentEvent } from '@cdp/domain/segments';
import { Kafka, logLevel, Partitioners, type Consumer, type Message, type Producer } from 'kafkajs';
import { parseInputMessage } from '../apps/segmenter/src/engine/input-message';
import type { AppliedSegment, ProfileState } from '../apps/segmenter/src/engine/profile-state';
import { SegmentPlan } from '../apps/segmenter/src/engine/segment-plan';
import { WorkUnit } from '../apps/segmenter/src/engine/work-unit';
import { buildSegmentEvent } from '@cdp/domain/segments';
import { SnapshotRepository } from '../apps/segmenter/src/snapshot.repository';
import { ServiceProcess, ROOT } from '../tests/support/service-process';
import { freePort, isolatedEnv } from '../tests/support/test-env';
import { benchmarkSegments, CATEGORIES } from './segments.catalog';

const RATES = (process.env.BENCH_RATES ?? '1000,5000').split(',').map(Number);
const PHASE_MS = Number(process.env.BENCH_PHASE_MS ?? 15000);
const GRACE_MS = 300;
/** Instances of ingest and of the segmenter (BENCH_INGESTS, BENCH_SEGMENTERS; 1 each by default). */
const INGESTS = Number(process.env.BENCH_INGESTS ?? 1);
const SEGMENTERS = Number(process.env.BENCH_SEGMENTERS ?? 1);
/** With BENCH_DEBUG, the latency is also printed per slice of this many ms of produce time. */
const sliceMs = Number(process.env.BENCH_SLICE_MS ?? 3000);
/** Partitions of every topic of the run (BENCH_PARTITIONS, default 3). */
const PARTITIONS = process.env.BENCH_PARTITIONS ?? '3';
/**
 * When R is measured: `separate` (default) runs the passthrough at each rate in a phase of its own
 * (its own input topic) before the platform's phases and stops it after them, so that neither
 * measurement pays for the other's CPU on a small machine; `concurrent` runs it on the raw web
 * topic during the platform's phases (both share the cores).
 */
const PASSTHROUGH_MODE = process.env.BENCH_PASSTHROUGH ?? 'separate';
if (PASSTHROUGH_MODE !== 'separate' && PASSTHROUGH_MODE !== 'concurrent')
  throw new Error(`BENCH_PASSTHROUGH must be separate or concurrent, not ${PASSTHROUGH_MODE}`);
/**
 * Who sends the events. `fresh` (default, as in every earlier round): every phase has a
 * population of twice the rate of its own, all new when the phase starts (at the 1k -> 5k step
 * ~8 000 never seen profiles within 2 s: a flash crowd). `returning`: a site's visitors: an event
 * is a new visitor's first with probability 1/BENCH_EVENTS_PER_VISITOR (8 by default, a
 * session's worth), else one of the active visitors' (the latest twice-the-rate ones, kept from
 * one phase to the next), so new profiles arrive at a steady rate/8 per second and the returning
 * ones build up histories.
 */
const VISITORS = process.env.BENCH_VISITORS ?? 'fresh';
if (VISITORS !== 'returning' && VISITORS !== 'fresh')
  throw new Error(`BENCH_VISITORS must be returning or fresh, not ${VISITORS}`);
const EVENTS_PER_VISITOR = Number(process.env.BENCH_EVENTS_PER_VISITOR ?? 8);
if (!(EVENTS_PER_VISITOR >= 1)) throw new Error('BENCH_EVENTS_PER_VISITOR must be at least 1');
const HOUR = 3_600_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

async function waitFor(
  what: string,
  timeoutMs: number,
  probe: () => Promise<boolean> | boolean,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function metric(svc: ServiceProcess, name: string): Promise<number> {
  const { body } = await svc.get('/metrics');
  let total = 0;
  for (const line of body.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) total += Number(line.split(' ').pop());
  }
  return total;
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** CPU seconds (user + system) a process has used so far, from /proc (0 when unknown). */
function cpuSecondsOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return 0;
  }
}

/** The local stack's process ids (deploy/local/stack.sh writes them under CDP_STATE_DIR). */
function stackPid(server: 'kafka' | 'clickhouse'): number | undefined {
  const dir = process.env.CDP_STATE_DIR ?? join(ROOT, '.local');
  try {
    return Number(readFileSync(join(dir, server, `${server}.pid`), 'utf8').trim());
  } catch {
    return undefined;
  }
}

/** Which phase a profile belongs to (profiles are named per phase), or undefined (warm-up). */
const phaseOf = (anonymousId: string): string | undefined => /^r(\d+)-/.exec(anonymousId)?.[1];
/** The phase a transition counts for: its cause event's, or (time) its profile's. */
const phaseOfTransition = (e: SegmentEvent): string | undefined =>
  e.cause.kind === 'event'
    ? /^m-(\d+)-/.exec(e.cause.eventId ?? '')?.[1]
    : phaseOf(e.identities.anonymousIds[0] ?? '');

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist', 'apps', 'segmenter', 'src', 'main.js'))) {
    throw new Error('dist/ is missing: run npm run build first');
  }
  const suffix = `bench${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const env: Record<string, string> = {
    ...isolatedEnv(suffix),
    KAFKA_TOPIC_PARTITIONS: PARTITIONS,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    INGEST_GROUP_ID: `b.${suffix}.ingest`,
    // raw fetches gather up to 1 MB within 25 ms: the setting for sustained load (the partitions
    // of a fetch are written as one round, so a short wait costs few ClickHouse statements)
    INGEST_FETCH_MIN_BYTES: '1048576',
    INGEST_MAX_BATCH_WAIT_MS: '25',
    INGEST_PARTITIONS_CONCURRENCY: process.env.BENCH_CONCURRENCY ?? PARTITIONS,
    SEGMENTER_GROUP_ID: `b.${suffix}.segmenter`,
    SEGMENTER_TRANSACTIONAL_ID_PREFIX: `b.${suffix}`,
    SEGMENTER_MAX_BATCH_WAIT_MS: '20',
    SEGMENTER_PARTITIONS_CONCURRENCY: process.env.BENCH_CONCURRENCY ?? PARTITIONS,
    SEGMENTER_TIME_GRACE_MS: String(GRACE_MS),
    ...(process.env.BENCH_SEGMENTER_ENV
      ? (JSON.parse(process.env.BENCH_SEGMENTER_ENV) as Record<string, string>)
      : {}),
  };
  const brokers = env.KAFKA_BROKERS.split(',');
  const kafka = new Kafka({ clientId: `bench-${suffix}`, brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ch = new ClickHouseClient(clickHouseSettingsFromEnv(loadConfig(BaseEnv, env), 'cdp-bench'));
  const services: ServiceProcess[] = [];
  const consumers: Consumer[] = [];
  let passthrough: ChildProcess | undefined;
  const passOut = `t.${suffix}.passthrough`;
  const passIn = PASSTHROUGH_MODE === 'separate' ? `t.${suffix}.passthrough-in` : undefined;

  const cleanup = async (): Promise<void> => {
    passthrough?.kill('SIGKILL');
    // BENCH_CPU_PROF: a graceful stop, so that the segmenter writes its CPU profile
    await Promise.allSettled(services.map((s) => s.stop(process.env.BENCH_CPU_PROF ? 'SIGTERM' : 'SIGKILL')));
    await Promise.allSettled(consumers.map((c) => c.disconnect()));
    const topics = (await admin.listTopics().catch(() => [] as string[])).filter((t) => t.includes(suffix));
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await ch
      .server()
      .command(`DROP DATABASE IF EXISTS ${env.CLICKHOUSE_DATABASE}`)
      .catch(() => undefined);
    await ch.close();
  };

  try {
    // topics (the services would create them too) and the 50 definitions
    await admin.createTopics({
      topics: [
        ...Object.entries(env)
          .filter(([k]) => k.startsWith('TOPIC_'))
          .map(([, topic]) => ({
            topic,
            numPartitions: Number(PARTITIONS),
            configEntries: /segments$|segment-state$|identity-links$|campaigns$/.test(topic)
              ? [{ name: 'cleanup.policy', value: 'compact' }]
              : [],
          })),
        { topic: passOut, numPartitions: Number(PARTITIONS) },
        ...(passIn === undefined ? [] : [{ topic: passIn, numPartitions: Number(PARTITIONS) }]),
      ],
      waitForLeaders: true,
    });
    const producer: Producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const since = new Date(Date.now() - 60_000).toISOString();
    const segments = benchmarkSegments();
    await producer.send({
      topic: env.TOPIC_SEGMENTS,
      acks: -1,
      messages: segments.map((s) => ({
        key: s.id,
        value: encodeSegmentDefinition({
          id: s.id,
          name: s.id,
          status: 'active',
          version: 1,
          rule: s.rule,
          createdAt: since,
          updatedAt: since,
        }),
      })),
    });
    log(`${segments.length} active segments; starting ingest, segmenter and the passthrough`);

    // BENCH_NODE_ARGS: options for node in both services (e.g. --trace-gc, with BENCH_DUMP)
    const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
    // BENCH_INGESTS / BENCH_SEGMENTERS: instances of each service (one consumer group each, the
    // partitions shared among them), 1 by default
    const instances = async (name: 'ingest' | 'segmenter', count: number, args: string[]) => {
      const started: ServiceProcess[] = [];
      for (let i = 0; i < count; i++) started.push(new ServiceProcess(name, await freePort(), env, args));
      return started;
    };
    const ingests = await instances('ingest', INGESTS, nodeArgs);
    // BENCH_CPU_PROF=dir: the segmenters write V8 CPU profiles there (open them in Chrome DevTools)
    const segmenters = await instances('segmenter', SEGMENTERS, [
      ...nodeArgs,
      ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
    ]);
    services.push(...ingests, ...segmenters);
    passthrough = spawn(
      process.execPath,
      ['-r', join(ROOT, 'bench', 'register.js'), join(ROOT, 'bench', 'segments-passthrough.ts')],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          KAFKA_BROKERS: env.KAFKA_BROKERS,
          PASSTHROUGH_IN: passIn ?? env.TOPIC_RAW_WEB,
          PASSTHROUGH_OUT: passOut,
          PASSTHROUGH_GROUP: `b.${suffix}.passthrough`,
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let passReady = false;
    passthrough.stdout?.on('data', () => (passReady = true));
    for (const svc of services) await svc.waitForStatus('/health/ready', 200, 90000);
    await waitFor('the passthrough', 60000, () => passReady);

    // readers: segment events (read_committed) and the passthrough output
    const produced = new Map<string, number>(); // messageId -> produce time
    const transitions: { e: SegmentEvent; at: number }[] = [];
    const passLatency = new Map<string, number[]>();
    const segReader = kafka.consumer({ groupId: `b.${suffix}.reader`, maxWaitTimeInMs: 20, minBytes: 1 });
    const passReader = kafka.consumer({
      groupId: `b.${suffix}.pass-reader`,
      maxWaitTimeInMs: 20,
      minBytes: 1,
    });
    consumers.push(segReader, passReader);
    for (const c of consumers) await c.connect();
    await segReader.subscribe({ topic: env.TOPIC_SEGMENT_EVENTS, fromBeginning: true });
    await passReader.subscribe({ topic: passOut, fromBeginning: true });
    await segReader.run({
      partitionsConsumedConcurrently: 3,
      eachBatch: async ({ batch }) => {
        const at = Date.now();
        for (const m of batch.messages) {
          const e = m.value === null ? undefined : parseSegmentEvent(m.value.toString('utf8'));
          if (e) transitions.push({ e, at });
        }
      },
    });
    await passReader.run({
      partitionsConsumedConcurrently: 3,
      eachBatch: async ({ batch }) => {
        const at = Date.now();
        for (const m of batch.messages) {
          const id = /"messageId":"([^"]+)"/.exec(m.value?.toString('utf8') ?? '')?.[1];
          const sent = id === undefined ? undefined : produced.get(id);
          const phase = /^m-p?(\d+)-/.exec(id ?? '')?.[1];
          if (sent !== undefined && phase !== undefined) {
            const list = passLatency.get(phase) ?? [];
            list.push(at - sent);
            passLatency.set(phase, list);
          }
        }
      },
    });

    // the load: open loop, a batch every few ms with what is due
    let seq = 0;
    let lastLateBoundary = 0;
    const rnd = (() => {
      let s = 12345;
      return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
    })();
    // the active visitors (BENCH_VISITORS=returning): a ring of the latest ones
    const active: string[] = [];
    let oldest = 0;
    let visitors = 0;
    const visitor = (population: number): string => {
      if (active.length > 0 && rnd() >= 1 / EVENTS_PER_VISITOR)
        return active[Math.floor(rnd() * active.length)];
      const id = `v-${visitors++}`;
      if (active.length < population) active.push(id);
      else {
        active[oldest] = id;
        oldest = (oldest + 1) % active.length;
      }
      return id;
    };
    const message = (phase: string, population: number, now: number): { id: string; message: Message } => {
      const id = `m-${phase}-${seq++}`;
      const roll = rnd();
      const category = CATEGORIES[Math.floor(rnd() * CATEGORIES.length)];
      let anon = VISITORS === 'fresh' ? `r${phase}-${Math.floor(rnd() * population)}` : visitor(population);
      let body: Record<string, unknown>;
      const ts = new Date(now).toISOString();
      if (roll < 0.01) {
        // a cart add dated an hour ago: its 1-hour windows close 4-8 s from now
        anon = `r${phase}-late-${seq}`;
        const at = now - HOUR + 4000 + Math.floor(rnd() * 4000);
        lastLateBoundary = Math.max(lastLateBoundary, at + HOUR);
        body = {
          type: 'track',
          event: 'Product Added',
          properties: { category },
          timestamp: new Date(at).toISOString(),
        };
      } else if (roll < 0.36) {
        body = {
          type: 'page',
          name: 'Product list',
          properties: { url: `https://shop.example/${category}?utm_source=google&utm_medium=cpc`, category },
          timestamp: ts,
        };
      } else if (roll < 0.76) {
        body = {
          type: 'track',
          event: 'Product Viewed',
          properties: { category, sku: `sk-${category}` },
          timestamp: ts,
        };
      } else if (roll < 0.91) {
        body = { type: 'track', event: 'Product Added', properties: { category }, timestamp: ts };
      } else {
        body = {
          type: 'track',
          event: 'Order Completed',
          properties: { revenue: 20 + Math.floor(rnd() * 280), category },
          timestamp: ts,
        };
      }
      return {
        id,
        message: { key: anon, value: JSON.stringify({ messageId: id, anonymousId: anon, ...body }) },
      };
    };
    const sendFailures: unknown[] = [];
    const run = async (
      phase: string,
      rate: number,
      durationMs: number,
      population: number,
      topic = env.TOPIC_RAW_WEB,
    ): Promise<number> => {
      const started = Date.now();
      let sent = 0;
      let report = started;
      while (Date.now() - started < durationMs) {
        const now = Date.now();
        const due = Math.floor(((now - started) * rate) / 1000) - sent;
        if (due > 0) {
          const messages: Message[] = [];
          for (let i = 0; i < due; i++) {
            const m = message(phase, population, now);
            produced.set(m.id, now);
            messages.push(m.message);
          }
          producer.send({ topic, acks: 1, messages }).catch((e: unknown) => sendFailures.push(e));
          sent += due;
        }
        if (now - report >= 2000 && phase !== 'warm') {
          report = now;
          const got =
            topic === env.TOPIC_RAW_WEB
              ? `${transitions.filter((t) => t.e.cause.eventId?.startsWith(`m-${phase}-`)).length} transitions`
              : `${passLatency.get(String(rate))?.length ?? 0} passthrough copies`;
          log(`${rate}/s: ${Math.round((now - started) / 1000)} s, ${sent} events sent, ${got} received`);
        }
        await sleep(4);
      }
      return sent;
    };

    log('warm-up: 3 s at 200 events/s');
    await run('0', 200, 3000, 300);
    const sentPerPhase = new Map<string, number>();
    // where the machine's cores go during each phase (cores = CPU seconds / wall seconds)
    const processes: [string, () => number][] = [
      ['kafka', () => cpuSecondsOf(stackPid('kafka'))],
      ['clickhouse', () => cpuSecondsOf(stackPid('clickhouse'))],
      ['ingest', () => sum(ingests.map((p) => cpuSecondsOf(p.pid)))],
      ['segmenter', () => sum(segmenters.map((p) => cpuSecondsOf(p.pid)))],
      ['passthrough', () => cpuSecondsOf(passthrough?.pid)],
      ['load+readers', () => cpuSecondsOf(process.pid)],
    ];
    /** Runs one phase and logs the cores each process used meanwhile; resolves with the events sent. */
    const phase = async (label: string, send: () => Promise<number>): Promise<number> => {
      log(`${label} events/s for ${PHASE_MS / 1000} s`);
      const cpuBefore = processes.map(([, f]) => f());
      const phaseStarted = Date.now();
      const sent = await send();
      const wall = (Date.now() - phaseStarted) / 1000;
      const cores = processes.map(([name, f], i) => `${name} ${((f() - cpuBefore[i]) / wall).toFixed(2)}`);
      log(`${label}: cores used: ${cores.join(', ')}`);
      return sent;
    };
    if (passIn !== undefined) {
      for (const rate of RATES) {
        await phase(`passthrough phase ${rate}`, () => run(`p${rate}`, rate, PHASE_MS, rate * 2, passIn));
        await sleep(1000);
      }
      // R is measured: the passthrough and its reader stop using the cores
      passthrough?.kill('SIGKILL');
      passthrough = undefined;
      await passReader.disconnect();
      consumers.splice(consumers.indexOf(passReader), 1);
    }
    for (const rate of RATES) {
      const sent = await phase(`phase ${rate}`, () => run(String(rate), rate, PHASE_MS, rate * 2));
      sentPerPhase.set(String(rate), sent);
      await sleep(2000);
    }
    const lastSent = Date.now();
    if (sendFailures.length > 0)
      throw new Error(`${sendFailures.length} produce calls failed: ${String(sendFailures[0])}`);

    // drain: everything consumed, the late windows closed, nothing new for 3 s
    log('draining');
    let stableSince = Date.now();
    let lastCount = -1;
    await waitFor('the segmenter to drain', 180000, async () => {
      if (transitions.length !== lastCount) {
        lastCount = transitions.length;
        stableSince = Date.now();
      }
      const lag = sum(await Promise.all(segmenters.map((p) => metric(p, 'cdp_segmenter_consumer_lag'))));
      return (
        lag === 0 &&
        Date.now() - stableSince > 3000 &&
        Date.now() > lastLateBoundary + 3000 &&
        Date.now() > lastSent + 5000
      );
    });
    const cutoff = Date.now() - 2500;
    if (process.env.BENCH_DUMP) {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(process.env.BENCH_DUMP, segmenters.map((p) => p.output()).join(''));
      writeFileSync(`${process.env.BENCH_DUMP}.ingest`, ingests.map((p) => p.output()).join(''));
    }
    if (process.env.BENCH_DEBUG) {
      for (const svc of services) {
        const { body } = await svc.get('/metrics');
        for (const line of body.split('\n')) {
          if (/^cdp_(segmenter|ingest)_[a-z_]+_(sum|count)[{ ]|^cdp_process_cpu_seconds_total/.test(line))
            log(`${svc.name} ${line}`);
        }
      }
    }

    // expected: replay cdp.events through the engine on the ClickHouse data
    log('computing the expected transitions (replaying cdp.events through the engine)');
    const { expected: expectedIds, publishedAt } = await replay(kafka, env, ch, segments, since, cutoff);
    const received = new Map<string, number>();
    for (const t of transitions) received.set(t.e.id, (received.get(t.e.id) ?? 0) + 1);

    const rates: Record<string, Record<string, number>> = {};
    for (const rate of RATES) {
      const phase = String(rate);
      const mine = (e: SegmentEvent): boolean => phaseOfTransition(e) === phase;
      const latencies = transitions
        .filter((t) => t.e.cause.kind === 'event' && mine(t.e))
        .map((t) => t.at - (produced.get(t.e.cause.eventId ?? '') ?? t.at))
        .sort((a, b) => a - b);
      const pass = (passLatency.get(phase) ?? []).sort((a, b) => a - b);
      if (process.env.BENCH_DEBUG) {
        // where the time goes: produce -> the segmenter's commit (emittedAt) -> read back
        const eventCaused = transitions.filter((t) => t.e.cause.kind === 'event' && mine(t.e));
        const producedAt = (t: { e: SegmentEvent; at: number }): number =>
          produced.get(t.e.cause.eventId ?? '') ?? t.at;
        const publishedOf = (t: { e: SegmentEvent; at: number }): number =>
          publishedAt.get(t.e.cause.eventId ?? '') ?? t.at;
        const toEmit = eventCaused.map((t) => Date.parse(t.e.emittedAt) - producedAt(t));
        const toRead = eventCaused.map((t) => t.at - Date.parse(t.e.emittedAt));
        const toPublish = eventCaused.map((t) => publishedOf(t) - producedAt(t));
        const publishToEmit = eventCaused.map((t) => Date.parse(t.e.emittedAt) - publishedOf(t));
        /** p50 and p99 of `xs` (sorted in place). */
        const p = (xs: number[]): string => {
          xs.sort((a, b) => a - b);
          return `p50 ${percentile(xs, 50)} p99 ${percentile(xs, 99)}`;
        };
        // over the phase, per slice of produce time (3 s by default): a backlog shows as a rising latency
        const slices = new Map<number, { total: number[]; ingest: number[]; segmenter: number[] }>();
        for (const t of eventCaused) {
          const id = t.e.cause.eventId ?? '';
          const sent = produced.get(id);
          const published = publishedAt.get(id);
          if (sent === undefined || published === undefined) continue;
          const slice = Math.floor(sent / sliceMs);
          const s = slices.get(slice) ?? { total: [], ingest: [], segmenter: [] };
          s.total.push(t.at - sent);
          s.ingest.push(published - sent);
          s.segmenter.push(t.at - published);
          slices.set(slice, s);
        }
        for (const [slice, s] of [...slices.entries()].sort((a, b) => a[0] - b[0])) {
          log(
            `${phase}/s, ${sliceMs / 1000} s from ${new Date(slice * sliceMs).toISOString().slice(11, 23)}: ` +
              `${s.total.length} transitions, total ${p(s.total)}; ` +
              `to cdp.events ${p(s.ingest)}; cdp.events -> read ${p(s.segmenter)}`,
          );
        }
        log(
          `${phase}/s: produce -> emittedAt ${p(toEmit)} ms (produce -> ingest's cdp.events publish ${p(toPublish)}, ` +
            `publish -> emittedAt ${p(publishToEmit)}); emittedAt -> read ${p(toRead)} ms`,
        );
      }
      const expected = [...expectedIds.values()].filter(mine);
      const got = transitions.filter((t) => mine(t.e) && Date.parse(t.e.occurredAt) <= cutoff);
      const gotIds = new Set(got.map((t) => t.e.id));
      const missingList = expected.filter((e) => !gotIds.has(e.id));
      const missing = missingList.length;
      const unexpectedList = got.filter((t) => !expectedIds.has(t.e.id));
      const unexpected = new Set(unexpectedList.map((t) => t.e.id)).size;
      if (process.env.BENCH_DEBUG) {
        const show = (e: SegmentEvent): string =>
          `${e.profileId} ${e.type === 'segment.entered' ? '+' : '-'}${e.segment.id} ${e.cause.kind}:${e.cause.eventId ?? ''}@${e.occurredAt}`;
        for (const e of missingList.slice(0, 8)) log(`  missing    ${show(e)}`);
        for (const t of unexpectedList.slice(0, 8)) log(`  unexpected ${show(t.e)}`);
      }
      log(
        `${phase}/s: ${sentPerPhase.get(phase)} events, ${latencies.length} event-caused transitions; ` +
          `missing ${missing}, unexpected ${unexpected}, passthrough samples ${pass.length}`,
      );
      rates[phase] = {
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        passP50: percentile(pass, 50),
        passP99: percentile(pass, 99),
        expected: expected.length,
        received: gotIds.size,
        duplicates: [...gotIds].reduce((n, id) => n + ((received.get(id) ?? 1) - 1), 0),
      };
    }
    const timeDelays = transitions
      .filter((t) => t.e.cause.kind === 'time')
      .map((t) => Date.parse(t.e.emittedAt) - Date.parse(t.e.occurredAt));
    log(`${timeDelays.length} time-caused transitions`);
    if (process.env.BENCH_DEBUG) {
      const bySegment = new Map<string, number>();
      for (const t of transitions.filter((x) => x.e.cause.kind === 'time')) {
        bySegment.set(t.e.segment.id, (bySegment.get(t.e.segment.id) ?? 0) + 1);
      }
      log(`time-caused by segment: ${JSON.stringify([...bySegment])}`);
    }
    const result = { rates, timeDelayMaxMs: timeDelays.length === 0 ? 0 : Math.max(...timeDelays) };
    await producer.disconnect();
    await cleanup();
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/**
 * The transitions an undisturbed, single-threaded segmenter emits for the consumed cdp.events:
 * every partition's messages in order through the engine (WorkUnit), with the profiles'
 * snapshots from ClickHouse, then every boundary up to `cutoff`.
 */
async function replay(
  kafka: Kafka,
  env: Record<string, string>,
  ch: ClickHouseClient,
  segments: ReturnType<typeof benchmarkSegments>,
  since: string,
  cutoff: number,
): Promise<{ expected: Map<string, SegmentEvent>; publishedAt: Map<string, number> }> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(env.TOPIC_EVENTS);
  await admin.disconnect();
  const byPartition = new Map<number, { offset: string; value: Buffer | null; timestamp: string }[]>();
  const pending = new Set(ends.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => p.partition));
  const consumer = kafka.consumer({
    groupId: `bench-replay-${randomBytes(4).toString('hex')}`,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  await consumer.subscribe({ topic: env.TOPIC_EVENTS, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const list = byPartition.get(batch.partition) ?? [];
      for (const m of batch.messages) list.push({ offset: m.offset, value: m.value, timestamp: m.timestamp });
      byPartition.set(batch.partition, list);
      const end = ends.find((p) => p.partition === batch.partition);
      if (end && BigInt(batch.lastOffset()) >= BigInt(end.high) - 1n) pending.delete(batch.partition);
    },
  });
  await waitFor('cdp.events to be read', 120000, () => pending.size === 0);
  await consumer.disconnect();

  const applied: Record<string, AppliedSegment> = {};
  for (const s of segments) {
    applied[s.id] = {
      version: 1,
      status: 'active',
      since: Date.parse(since),
      exitOnArchive: true,
      rule: s.rule,
    };
  }
  const plan = new SegmentPlan(applied);
  const repo = new SnapshotRepository(ch);
  const options = { traitsConfig: DEFAULT_TRAITS_CONFIG, maxCatchUpSteps: 1000 };
  const out = new Map<string, SegmentEvent>();
  const publishedAt = new Map<string, number>(); // event id -> ingest's produce time on cdp.events
  for (const [partition, messages] of byPartition) {
    const parsed = messages.map((m) => ({
      m: parseInputMessage(m.value),
      at: { topic: env.TOPIC_EVENTS, partition, offset: m.offset },
      timestamp: Number(m.timestamp),
    }));
    for (const { m, timestamp } of parsed) if (m.kind === 'event') publishedAt.set(m.eventId, timestamp);
    const ids = [...new Set(parsed.flatMap(({ m }) => (m.kind === 'event' ? [m.profileId] : [])))];
    const data = new Map<
      string,
      Awaited<ReturnType<SnapshotRepository['load']>> extends Map<string, infer V> ? V : never
    >();
    for (let i = 0; i < ids.length; i += 1000) {
      for (let attempt = 1; ; attempt++) {
        try {
          for (const [k, v] of await repo.load(ids.slice(i, i + 1000), plan.dataNeeds(null), 0))
            data.set(k, v);
          break;
        } catch (e) {
          if (attempt >= 5) throw e;
          await sleep(500 * attempt);
        }
      }
    }
    const states = new Map<string, ProfileState>();
    const unit = new WorkUnit(plan, states, (id) => data.get(id), options);
    for (const { m, at } of parsed) unit.apply(m, at);
    unit.catchUp(ids, cutoff);
    for (const t of unit.finish().transitions) {
      if (t.occurredAt > cutoff) continue;
      const e = buildSegmentEvent({ ...t, emittedAt: 0 });
      out.set(e.id, e);
    }
  }
  return { expected: out, publishedAt };
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    log(`failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);
