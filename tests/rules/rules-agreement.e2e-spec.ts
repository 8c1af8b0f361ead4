import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ClickHouseClient,
  defaultMigrationsDir,
  identifier,
  loadMigrations,
  migrate,
  sql,
} from '@cdp/clickhouse';
import { compileSegmentQuery } from '@cdp/clickhouse/rules';
import {
  asEpochMs,
  computeTraits,
  evaluate,
  SEED_SEGMENTS,
  type ProfileSnapshot,
  type Rule,
} from '@cdp/domain';
import { SeededRandom } from '@cdp/domain/rules/seeded-random';
import { CLICKHOUSE_URL, uniqueSuffix } from '../support/test-env';
import { agreementRule } from './support/agreement-rules';
import { buildWorld, type SeedCase } from './support/agreement-world';

/**
 * The SQL compiler and the in-memory evaluator give the same membership.
 *
 * One database holds the world of every seed (events, trait_updates, profile_merges;
 * the materialized views fill the aggregates). For each seed, random valid rules are
 * compiled at that seed's `now` and run over all profiles and over a list of ids (with
 * absorbed and unknown ids in it); the answer must equal `evaluate` on the snapshots
 * built from the same rows after merge resolution, for every profile of every seed.
 * Every seed segment is checked the same way at every seed's `now`. Then every compiled
 * query runs again on current ClickHouse (chdb, tests/rules/chdb-rules.py) and must give
 * the same answer. A mismatch prints the seed, rule, profile, explanation and SQL.
 */

// RULES_AGREEMENT_SEEDS / RULES_AGREEMENT_RULES raise the volume (the defaults fit the CI budget)
const SEEDS = Array.from(
  { length: Number(process.env.RULES_AGREEMENT_SEEDS ?? 14) },
  (_, i) => 1000 + i * 7919,
);
const RULES_PER_SEED = Number(process.env.RULES_AGREEMENT_RULES ?? 12);
/** Seeds at whose `now` every seed segment is checked. */
const SEED_SEGMENT_SEEDS = 4;
const PYTHON = process.env.CHDB_PYTHON ?? 'python3';
const chdbAvailable = spawnSync(PYTHON, ['-c', 'import chdb'], { encoding: 'utf8' }).status === 0;

interface ChdbResult {
  version: string;
  results: Record<string, string[]>;
  errors: Record<string, string>;
}

interface Check {
  id: string;
  seed: number;
  now: number;
  rule: Rule;
  sql: string;
  expected: string[];
  profileIds?: string[];
  c: SeedCase;
}

describe('segment rules: SQL compiler vs in-memory evaluator, on ClickHouse', () => {
  const db = `cdp_test_${uniqueSuffix()}`;
  const ch = new ClickHouseClient({
    url: CLICKHOUSE_URL,
    database: db,
    username: 'default',
    password: '',
    requestTimeoutMs: 60000,
    applicationName: 'cdp-e2e-rules',
  });
  const world = buildWorld(SEEDS, (seed) => 20 + (seed % 31));
  const everyone = [...world.snapshots.keys()].sort();
  const segmentSql = (id: string): string => {
    const members = world.segments[id] ?? [];
    return sql`SELECT profile_id FROM (SELECT arrayJoin(${['', ...members]}) AS profile_id) WHERE profile_id != ''`
      .text;
  };
  const checks: Check[] = [];
  const bySeed = new Map<number, Check[]>();
  let chdbRun: Promise<{
    version: string;
    results: Record<string, string[]>;
    errors: Record<string, string>;
  }>;
  const tmp = mkdtempSync(join(tmpdir(), 'rules-agreement-'));

  /** The snapshots as of a case's `now`, with their computed traits computed once (evaluate reads them). */
  const snapshotsAt = new Map<number, Map<string, ProfileSnapshot>>();
  function snapshotsOf(c: SeedCase): Map<string, ProfileSnapshot> {
    let at = snapshotsAt.get(c.seed);
    if (at === undefined) {
      at = new Map(
        [...world.snapshots].map(([id, s]) => [
          id,
          { ...s, computed: computeTraits(s.events, s.traits, c.now, c.config) },
        ]),
      );
      snapshotsAt.set(c.seed, at);
    }
    return at;
  }

  function membersOf(rule: Rule, c: SeedCase, ids?: readonly string[]): string[] {
    const pool = ids === undefined ? everyone : everyone.filter((p) => ids.includes(p));
    const snapshots = snapshotsOf(c);
    return pool.filter(
      (p) => evaluate(rule, snapshots.get(p)!, asEpochMs(c.now), { traitsConfig: c.config }).member,
    );
  }

  function addCheck(id: string, rule: Rule, c: SeedCase, profileIds?: string[]): void {
    const compiled = compileSegmentQuery(rule, {
      database: db,
      now: c.now,
      traitsConfig: c.config,
      segmentSql,
      profileIds,
    });
    const check: Check = {
      id,
      seed: c.seed,
      now: c.now,
      rule,
      sql: compiled,
      expected: membersOf(rule, c, profileIds),
      profileIds,
      c,
    };
    checks.push(check);
    bySeed.set(c.seed, [...(bySeed.get(c.seed) ?? []), check]);
  }

  function mismatch(check: Check, actual: readonly string[], engine: string): string {
    const expected = new Set(check.expected);
    const got = new Set(actual);
    const wrong = [...new Set([...expected, ...got])]
      .filter((p) => expected.has(p) !== got.has(p))
      .slice(0, 3);
    const details = wrong.map((p) => {
      const snapshot = snapshotsOf(check.c).get(p);
      const explanation =
        snapshot === undefined
          ? 'no such profile'
          : JSON.stringify(
              evaluate(check.rule, snapshot, asEpochMs(check.now), { traitsConfig: check.c.config }).reason,
            );
      return `  profile ${p}: evaluator ${expected.has(p)}, ${engine} ${got.has(p)}\n    reason: ${explanation}\n    events: ${JSON.stringify(snapshot?.events)}\n    traits: ${JSON.stringify(snapshot?.traits)}`;
    });
    return [
      `${engine} disagrees with evaluate: seed ${check.seed}, check ${check.id}, now ${new Date(check.now).toISOString()}`,
      `  rule: ${JSON.stringify(check.rule)}`,
      `  config: ${JSON.stringify(check.c.config === undefined ? {} : { currency: check.c.config.currency, lifecycle: check.c.config.lifecycle })}`,
      ...(check.profileIds === undefined ? [] : [`  profileIds: ${JSON.stringify(check.profileIds)}`]),
      ...details,
      `  sql: ${check.sql}`,
    ].join('\n');
  }

  async function runOn18(check: Check): Promise<string[]> {
    try {
      const rows = await ch.query<{ profile_id: string }>(check.sql);
      return rows.map((r) => r.profile_id).sort();
    } catch (e) {
      throw new Error(
        `ClickHouse 18.16 failed on seed ${check.seed}, check ${check.id}: ${e instanceof Error ? e.message : String(e)}\n  rule: ${JSON.stringify(check.rule)}\n  sql: ${check.sql}`,
      );
    }
  }

  async function inParallel<T>(
    items: readonly T[],
    width: number,
    run: (item: T) => Promise<void>,
  ): Promise<void> {
    let next = 0;
    await Promise.all(
      Array.from({ length: width }, async () => {
        while (next < items.length) await run(items[next++]);
      }),
    );
  }

  beforeAll(async () => {
    const started = Date.now();
    await migrate(ch.server(), db, loadMigrations(defaultMigrationsDir(), db));
    for (let i = 0; i < world.events.length; i += 5000)
      await ch.insert('events', world.events.slice(i, i + 5000));
    await ch.insert('trait_updates', world.traits);
    await ch.insert('profile_merges', world.merges);

    for (const c of world.cases) {
      const random = new SeededRandom(c.seed ^ 0x5eed);
      for (let i = 0; i < RULES_PER_SEED; i += 1) {
        const rule = agreementRule(random, c);
        addCheck(`s${c.seed}-r${i}`, rule, c);
        if (i % 2 === 0) {
          const ids = [
            ...everyone.filter(() => random.chance(0.25)),
            ...c.absorbed.slice(0, 2),
            'nobody',
            ...c.people.filter((p) => p.includes("'")),
          ];
          addCheck(`s${c.seed}-r${i}-ids`, rule, c, ids);
        }
      }
      for (const segment of world.cases.indexOf(c) < SEED_SEGMENT_SEEDS ? SEED_SEGMENTS : []) {
        addCheck(`s${c.seed}-${segment.id}`, segment.rule, c);
        if (c === world.cases[0])
          addCheck(`s${c.seed}-${segment.id}-ids`, segment.rule, c, c.people.slice(0, 10));
      }
    }

    console.log(`${checks.length} checks compiled and evaluated in ${Date.now() - started} ms`);
    if (chdbAvailable) {
      const input = join(tmp, 'input.json');
      writeFileSync(
        input,
        JSON.stringify({
          database: db,
          batches: [
            { table: 'events', rows: world.events },
            { table: 'trait_updates', rows: world.traits },
            { table: 'profile_merges', rows: world.merges },
          ],
          queries: checks.map((c) => ({ id: c.id, sql: c.sql })),
        }),
      );
      // runs while the 18.16 checks run, in two processes (each loads the data into its own chdb)
      const shard = (k: number, n: number): Promise<ChdbResult> =>
        new Promise((resolve, reject) => {
          const out = join(tmp, `out-${k}.json`);
          const child = spawn(
            PYTHON,
            [join(__dirname, 'chdb-rules.py'), '--input', input, '--out', out, '--shard', `${k}/${n}`],
            { stdio: ['ignore', 'pipe', 'pipe'] },
          );
          let output = '';
          child.stdout.on('data', (d: Buffer) => (output += d.toString()));
          child.stderr.on('data', (d: Buffer) => (output += d.toString()));
          child.on('error', reject);
          child.on('close', (code) => {
            if (code !== 0) reject(new Error(`chdb-rules.py exited ${code}:\n${output}`));
            else resolve(JSON.parse(readFileSync(out, 'utf8')) as ChdbResult);
          });
        });
      chdbRun = Promise.all([shard(0, 2), shard(1, 2)]).then(([a, b]) => ({
        version: a.version,
        results: { ...a.results, ...b.results },
        errors: { ...a.errors, ...b.errors },
      }));
      chdbRun.catch(() => undefined);
    }
  });

  afterAll(async () => {
    if (chdbAvailable) await chdbRun?.catch(() => undefined);
    if (process.env.RULES_AGREEMENT_KEEP !== '1')
      await ch.server().command(sql`DROP DATABASE IF EXISTS ${identifier(db)}`);
    await ch.close();
    if (process.env.RULES_AGREEMENT_KEEP === '1') console.log(`kept ${tmp} and database ${db}`);
    else rmSync(tmp, { recursive: true, force: true });
  });

  it('builds a world with every kind of profile the SQL must cover', () => {
    const snapshots = [...world.snapshots.values()];
    expect(snapshots.length).toBeGreaterThan(SEEDS.length * 10);
    expect(snapshots.some((s) => s.events.length === 0)).toBe(true); // traits only
    expect(snapshots.some((s) => Object.keys(s.traits).length === 0 && s.events.length > 0)).toBe(true);
    expect(world.merges.length).toBeGreaterThan(SEEDS.length);
    expect(world.events.some((e) => e.name === 'Order Refunded')).toBe(true);
    expect(checks.length).toBeGreaterThan(SEEDS.length * RULES_PER_SEED);
    // the rules are not trivial: some match nobody, some match many
    const sizes = checks.map((c) => c.expected.length);
    expect(sizes.filter((n) => n > 0).length).toBeGreaterThan(checks.length / 3);
  });

  it.each(SEEDS)(
    'seed %i: the compiled SQL on ClickHouse 18.16 returns exactly the evaluator members',
    async (seed) => {
      const failures: string[] = [];
      await inParallel(bySeed.get(seed) ?? [], 3, async (check) => {
        const actual = await runOn18(check);
        if (JSON.stringify(actual) !== JSON.stringify(check.expected))
          failures.push(mismatch(check, actual, 'ClickHouse 18.16'));
      });
      if (failures.length > 0) throw new Error(`${failures.length} mismatches\n${failures.join('\n\n')}`);
    },
  );

  (chdbAvailable ? it : it.skip)(
    'every compiled query gives the same members on current ClickHouse (chdb)',
    async () => {
      const current = await chdbRun;
      expect(current.version).not.toMatch(/^18\./);
      const failures: string[] = [];
      for (const check of checks) {
        const error = current.errors[check.id];
        if (error !== undefined) {
          failures.push(`chdb failed on ${check.id}: ${error}\n  sql: ${check.sql}`);
          continue;
        }
        const actual = current.results[check.id] ?? [];
        if (JSON.stringify(actual) !== JSON.stringify(check.expected))
          failures.push(mismatch(check, actual, `ClickHouse ${current.version}`));
      }
      if (failures.length > 0)
        throw new Error(`${failures.length} mismatches\n${failures.slice(0, 5).join('\n\n')}`);
    },
  );
});
