import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ClickHouseClient } from '@cdp/clickhouse';
import { asEpochMs, SEED_SEGMENTS } from '@cdp/domain';
import { counts, isLoaded, load, PROFILES } from './rules-data';

/**
 * `npm run bench:preview` (issue 6): `POST /v1/segments/preview` of the BUILT api
 * (dist/apps/api/src/main.js; `npm run build` first) over the 1,000,000-profile bench
 * database of `npm run bench:rules` (bench/rules-data.ts: loaded once, reused while its
 * row counts are right). The api runs on its own port with isolated topic names, so it
 * touches no shared topic (a preview emits nothing anyway). Two seed rules are timed
 * end to end over HTTP (count, explained sample of 10, no edit): a warm-up, then the
 * median of 3 each. Progress on stdout; the last line is one JSON object
 * {"previewMillionMs":..,"previewMillionMs2":..}.
 *
 * Environment: CLICKHOUSE_URL (http://127.0.0.1:8123), KAFKA_BROKERS (127.0.0.1:9092),
 * BENCH_DATABASE (cdp_bench_rules), BENCH_SEGMENT (loyal-buyers), BENCH_SEGMENT2
 * (interested-in-skincare).
 */

const TARGET_MS = 2000;
/** The bench data's "now" (bench/rules.bench.ts): the previews are evaluated at this instant. */
const NOW = asEpochMs(Date.UTC(2026, 11, 1, 9, 30, 0, 250));
const DATABASE = process.env.BENCH_DATABASE ?? 'cdp_bench_rules';
const SEGMENTS = [
  process.env.BENCH_SEGMENT ?? 'loyal-buyers',
  process.env.BENCH_SEGMENT2 ?? 'interested-in-skincare',
];
const CLICKHOUSE_URL = process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123';
const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const ROOT = join(__dirname, '..');
const MAIN = join(ROOT, 'dist', 'apps', 'api', 'src', 'main.js');
const TOKEN = `bench-${randomBytes(12).toString('hex')}`;

const log = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const round = (ms: number): number => Math.round(ms * 10) / 10;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** The bench database of bench:rules, loaded through its own loader when missing or incomplete. */
async function ensureData(): Promise<void> {
  const ch = new ClickHouseClient({
    url: CLICKHOUSE_URL,
    database: DATABASE,
    username: process.env.CLICKHOUSE_USER ?? 'default',
    password: process.env.CLICKHOUSE_PASSWORD ?? '',
    requestTimeoutMs: 900_000,
    applicationName: 'cdp-bench-preview',
  });
  try {
    const before = await counts(ch, DATABASE);
    if (isLoaded(before)) {
      log(`  reusing ${DATABASE}: ${JSON.stringify(before)}`);
      return;
    }
    log(`  loading ${DATABASE} (found ${JSON.stringify(before ?? null)})`);
    const started = Date.now();
    await load(ch, DATABASE, NOW, log);
    const after = await counts(ch, DATABASE);
    if (!isLoaded(after)) throw new Error(`bench data incomplete after loading: ${JSON.stringify(after)}`);
    log(`  loaded in ${((Date.now() - started) / 1000).toFixed(1)} s: ${JSON.stringify(after)}`);
  } finally {
    await ch.close();
  }
}

/** The built api on a free port, on the bench database and topics of its own. */
async function startApi(): Promise<{ child: ChildProcess; base: string; output: string[] }> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
  const port = await freePort();
  const suffix = `bench${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const topics = Object.fromEntries(
    [
      ['TOPIC_RAW_WEB', 'raw.web'],
      ['TOPIC_RAW_SOCIAL', 'raw.social'],
      ['TOPIC_RAW_AD', 'raw.ad'],
      ['TOPIC_RAW_TRANSACTION', 'raw.transaction'],
      ['TOPIC_EVENTS', 'events'],
      ['TOPIC_EVENTS_DLQ', 'events.dlq'],
      ['TOPIC_SEGMENT_EVENTS', 'segment-events'],
      ['TOPIC_IDENTITY_LINKS', 'identity-links'],
      ['TOPIC_SEGMENTS', 'segments'],
      ['TOPIC_SEGMENT_STATE', 'segment-state'],
      ['TOPIC_CAMPAIGNS', 'campaigns'],
      ['TOPIC_CAMPAIGN_DLQ', 'campaign.dlq'],
    ].map(([k, v]) => [k, `t.${suffix}.${v}`]),
  );
  const output: string[] = [];
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HTTP_HOST: '127.0.0.1',
      API_PORT: String(port),
      CDP_ADMIN_TOKEN: TOKEN,
      KAFKA_BROKERS,
      CLICKHOUSE_URL,
      CLICKHOUSE_DATABASE: DATABASE,
      KAFKA_TOPIC_PARTITIONS: '1',
      LOG_LEVEL: 'warn',
      ...topics,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (c: Buffer) => output.push(c.toString('utf8')));
  child.stderr?.on('data', (c: Buffer) => output.push(c.toString('utf8')));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`api exited (${child.exitCode}):\n${output.join('')}`);
    try {
      const res = await fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`api not ready after 90 s:\n${output.join('')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  log(`  api ready on port ${port} (topics t.${suffix}.*)`);
  return { child, base, output };
}

interface Preview {
  count: number;
  sample: { profileId: string; member: boolean }[];
}

async function preview(base: string, rule: unknown): Promise<{ ms: number; body: Preview }> {
  const started = performance.now();
  const res = await fetch(`${base}/v1/segments/preview`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ rule, at: new Date(NOW).toISOString(), sampleSize: 10 }),
    signal: AbortSignal.timeout(120_000),
  });
  const text = await res.text();
  const ms = performance.now() - started;
  if (res.status !== 200) throw new Error(`preview answered ${res.status}: ${text}`);
  return { ms, body: JSON.parse(text) as Preview };
}

async function timeSegment(base: string, id: string): Promise<number> {
  const segment = SEED_SEGMENTS.find((s) => s.id === id);
  if (segment === undefined) throw new Error(`no seed segment ${id}`);
  log(`  segment ${id}: ${JSON.stringify(segment.rule)}`);
  const warm = await preview(base, segment.rule);
  log(`    warm-up: ${warm.ms.toFixed(0)} ms, count ${warm.body.count}, sample ${warm.body.sample.length}`);
  if (warm.body.count > 0 && warm.body.sample.length === 0) throw new Error('members found but no sample');
  if (warm.body.sample.some((s) => !s.member))
    throw new Error(
      `a sampled profile is not a member by the evaluator: ${JSON.stringify(warm.body.sample)}`,
    );
  const runs: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    const run = await preview(base, segment.rule);
    if (run.body.count !== warm.body.count) throw new Error(`count changed: ${run.body.count}`);
    runs.push(run.ms);
    log(`    run ${i + 1}: ${run.ms.toFixed(0)} ms`);
  }
  const result = median(runs);
  log(`    median ${result.toFixed(0)} ms (target < ${TARGET_MS})`);
  return result;
}

async function main(): Promise<void> {
  log(`POST /v1/segments/preview over ${PROFILES.toLocaleString('en')} profiles (built api, ClickHouse)`);
  await ensureData();
  const api = await startApi();
  try {
    const results: number[] = [];
    for (const id of SEGMENTS) results.push(await timeSegment(api.base, id));
    const missed = results
      .map((ms, i) => (ms >= TARGET_MS ? `${SEGMENTS[i]} ${round(ms)} >= ${TARGET_MS}` : ''))
      .filter((m) => m !== '');
    log(missed.length === 0 ? 'targets met' : `targets missed: ${missed.join(', ')}`);
    log(JSON.stringify({ previewMillionMs: round(results[0]), previewMillionMs2: round(results[1]) }));
  } finally {
    api.child.kill('SIGTERM');
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
