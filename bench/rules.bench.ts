import { ClickHouseClient, identifier, inList, sql } from '@cdp/clickhouse';
import {
  compileSegmentQuery,
  eventFactFromRow,
  traitValueFromRow,
  type EventFactRow,
} from '@cdp/clickhouse/rules';
import {
  asEpochMs,
  asProfileId,
  DEFAULT_TRAITS_CONFIG,
  isMember,
  SEED_SEGMENTS,
  type EventFact,
  type Rule,
} from '@cdp/domain';
import { compileRules } from '@cdp/domain/rules/compiled-rule';
import { counts, isLoaded, load, PROFILES } from './rules-data';
import { benchSnapshots } from './rules-histories';
import { BENCH_SEGMENTS } from './rules-segments';

/**
 * `npm run bench:rules` (issue 4):
 * (a) 50 active segments evaluated in memory against a batch of 5,000 profile snapshots
 *     with realistic histories (rules compiled once, libs/domain/src/rules/compiled-rule.ts;
 *     membership checked against isMember), warm-up, then the median of several runs;
 * (b) the compiled SQL of one realistic segment over 1,000,000 profiles in the local
 *     ClickHouse (bench database loaded once, reused while its row counts are right),
 *     median of 3.
 * Progress on stdout; the last line is one JSON object {"memoryBatchMs":..,"sqlMillionMs":..}.
 *
 * Environment: CLICKHOUSE_URL (http://127.0.0.1:8123), BENCH_DATABASE (cdp_bench_rules),
 * BENCH_SEGMENT (the seed segment timed in SQL, loyal-buyers).
 */

const TARGETS = { memoryBatchMs: 50, sqlMillionMs: 2000 };
const NOW = asEpochMs(Date.UTC(2026, 11, 1, 9, 30, 0, 250));
const DATABASE = process.env.BENCH_DATABASE ?? 'cdp_bench_rules';
const SQL_SEGMENT = process.env.BENCH_SEGMENT ?? 'loyal-buyers';

const log = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const round = (ms: number): number => Math.round(ms * 10) / 10;

function memoryBench(): number {
  log(`(a) ${BENCH_SEGMENTS.length} segments x 5,000 profile snapshots, in memory`);
  const snapshots = benchSnapshots(5000, NOW);
  const events = snapshots.reduce((n, s) => n + s.events.length, 0);
  log(
    `  ${snapshots.length} snapshots, ${events} events (${(events / snapshots.length).toFixed(1)} per profile)`,
  );
  const rules = BENCH_SEGMENTS.map((s) => s.rule);

  // the compiled rules must give isMember's answer for every profile and segment
  const compiled = compileRules(rules, { traitsConfig: DEFAULT_TRAITS_CONFIG });
  let members = 0;
  for (const snapshot of snapshots) {
    const got = compiled.evaluate(snapshot, NOW);
    rules.forEach((rule, i) => {
      if (got[i] !== isMember(rule, snapshot, NOW)) {
        throw new Error(
          `compiled rule ${BENCH_SEGMENTS[i].id} disagrees with isMember for ${snapshot.profileId}`,
        );
      }
      if (got[i]) members += 1;
    });
  }
  log(`  checked against isMember: ${members} memberships`);

  const batch = (): number => {
    const started = performance.now();
    const batchRules = compileRules(rules, { traitsConfig: DEFAULT_TRAITS_CONFIG });
    let n = 0;
    for (const snapshot of snapshots) batchRules.forEachMember(snapshot, NOW, () => (n += 1));
    const ms = performance.now() - started;
    if (n !== members) throw new Error(`batch found ${n} memberships, expected ${members}`);
    return ms;
  };
  for (let i = 0; i < 5; i += 1) batch(); // warm-up
  const runs = Array.from({ length: 9 }, batch);
  const result = median(runs);
  log(`  runs (ms): ${runs.map((r) => r.toFixed(1)).join(' ')}`);
  log(`  memoryBatchMs = ${result.toFixed(1)} (median of ${runs.length}; target < ${TARGETS.memoryBatchMs})`);
  return result;
}

async function sqlBench(): Promise<number> {
  log(`(b) compiled SQL of one segment over ${PROFILES.toLocaleString('en')} profiles, ClickHouse`);
  const ch = new ClickHouseClient({
    url: process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123',
    database: DATABASE,
    username: process.env.CLICKHOUSE_USER ?? 'default',
    password: process.env.CLICKHOUSE_PASSWORD ?? '',
    requestTimeoutMs: 900_000,
    applicationName: 'cdp-bench-rules',
  });
  try {
    const [version] = await ch.server().query<{ v: string }>('SELECT version() AS v');
    log(`  ClickHouse ${version.v}, database ${DATABASE}`);
    const before = await counts(ch, DATABASE);
    if (isLoaded(before)) {
      log(`  reusing the loaded data: ${JSON.stringify(before)}`);
    } else {
      log(`  loading (found ${JSON.stringify(before ?? null)})`);
      const started = Date.now();
      await load(ch, DATABASE, NOW, log);
      const after = await counts(ch, DATABASE);
      if (!isLoaded(after)) throw new Error(`bench data incomplete after loading: ${JSON.stringify(after)}`);
      log(`  loaded in ${((Date.now() - started) / 1000).toFixed(1)} s: ${JSON.stringify(after)}`);
    }

    const segment = SEED_SEGMENTS.find((s) => s.id === SQL_SEGMENT);
    if (segment === undefined) throw new Error(`no seed segment ${SQL_SEGMENT}`);
    const query = compileSegmentQuery(segment.rule, { database: DATABASE, now: NOW });
    log(`  segment ${segment.id}: ${JSON.stringify(segment.rule)}`);
    const run = async (): Promise<{ ms: number; members: number }> => {
      const started = performance.now();
      const rows = await ch.query<{ n: number | string }>(`SELECT count() AS n FROM (${query})`);
      return { ms: performance.now() - started, members: Number(rows[0]?.n ?? 0) };
    };
    await run(); // warm-up (file cache)
    const runs: { ms: number; members: number }[] = [];
    for (let i = 0; i < 3; i += 1) {
      runs.push(await run());
      log(`  run ${i + 1}: ${runs[i].ms.toFixed(0)} ms, ${runs[i].members} members`);
    }
    const result = median(runs.map((r) => r.ms));
    log(`  sqlMillionMs = ${result.toFixed(0)} (median of 3; target < ${TARGETS.sqlMillionMs})`);
    await spotCheck(ch, segment.rule);
    return result;
  } finally {
    await ch.close();
  }
}

/**
 * The SQL answer on the big data is the evaluator's: for 2,000 profiles (merged ones
 * included), the restricted query against `isMember` on snapshots read from the same rows.
 */
async function spotCheck(ch: ClickHouseClient, rule: Rule): Promise<void> {
  const ids = Array.from({ length: 2000 }, (_, i) => `bp-${i}`);
  const members = new Set(
    (
      await ch.query<{ profile_id: string }>(
        compileSegmentQuery(rule, { database: DATABASE, now: NOW, profileIds: ids }),
      )
    ).map((r) => r.profile_id),
  );
  const db = identifier(DATABASE);
  const merges = await ch.query<{ absorbed_id: string; survivor_id: string }>(
    sql`SELECT absorbed_id, survivor_id FROM ${db}.profile_survivors`,
  );
  const survivor = new Map(merges.map((m) => [m.absorbed_id, m.survivor_id]));
  const owned = [...ids, ...merges.filter((m) => ids.includes(m.survivor_id)).map((m) => m.absorbed_id)];
  const rows = await ch.query<EventFactRow & { profile_id: string }>(
    sql`SELECT profile_id, name, source, type, toString(occurred_at) AS occurred_at, occurred_ms, revenue, currency,
      properties, utm_source, utm_medium, referrer, channel FROM ${db}.events WHERE profile_id IN ${inList(owned)}`,
  );
  const events = new Map<string, EventFact[]>(ids.map((id) => [id, []]));
  for (const row of rows)
    events.get(survivor.get(row.profile_id) ?? row.profile_id)?.push(eventFactFromRow(row));
  const traitRows = await ch.query<{
    profile_id: string;
    trait: string;
    value: string;
    value_type: string;
    at: string;
  }>(
    sql`SELECT profile_id, trait, value, value_type, toString(toUInt64(updated_at) * 1000 + updated_ms) AS at
      FROM ${db}.trait_updates WHERE profile_id IN ${inList(owned)}`,
  );
  const traits = new Map<string, Map<string, { at: number; value: unknown }>>(
    ids.map((id) => [id, new Map()]),
  );
  for (const t of traitRows) {
    const person = traits.get(survivor.get(t.profile_id) ?? t.profile_id);
    const seen = person?.get(t.trait);
    if (person !== undefined && (seen === undefined || Number(t.at) > seen.at))
      person.set(t.trait, { at: Number(t.at), value: traitValueFromRow(t.value, t.value_type) });
  }
  let expected = 0;
  for (const id of ids) {
    if (survivor.has(id)) continue;
    const snapshot = {
      profileId: asProfileId(id),
      traits: Object.fromEntries([...(traits.get(id) ?? [])].map(([k, v]) => [k, v.value])),
      events: events.get(id) ?? [],
    };
    const member = isMember(rule, snapshot, NOW);
    if (member) expected += 1;
    if (member !== members.has(id))
      throw new Error(`SQL and evaluator disagree on ${id}: evaluator ${member}`);
  }
  log(`  spot check: ${ids.length} profiles restricted by id, SQL = evaluator (${expected} members)`);
}

async function main(): Promise<void> {
  const memoryBatchMs = memoryBench();
  const sqlMillionMs = await sqlBench();
  const missed = [
    memoryBatchMs >= TARGETS.memoryBatchMs
      ? `memoryBatchMs ${round(memoryBatchMs)} >= ${TARGETS.memoryBatchMs}`
      : '',
    sqlMillionMs >= TARGETS.sqlMillionMs
      ? `sqlMillionMs ${round(sqlMillionMs)} >= ${TARGETS.sqlMillionMs}`
      : '',
  ].filter((m) => m !== '');
  log(missed.length === 0 ? 'targets met' : `targets missed: ${missed.join(', ')}`);
  log(JSON.stringify({ memoryBatchMs: round(memoryBatchMs), sqlMillionMs: round(sqlMillionMs) }));
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
