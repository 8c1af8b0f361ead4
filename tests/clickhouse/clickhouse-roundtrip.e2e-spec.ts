import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ClickHouseClient,
  defaultMigrationsDir,
  identifier,
  inList,
  literal,
  loadMigrations,
  migrate,
  sql,
} from '@cdp/clickhouse';
import { CLICKHOUSE_URL, uniqueSuffix } from '../support/test-env';

function client(database: string): ClickHouseClient {
  return new ClickHouseClient({
    url: CLICKHOUSE_URL,
    database,
    username: 'default',
    password: '',
    requestTimeoutMs: 30000,
    applicationName: 'cdp-e2e',
  });
}

describe('ClickHouse through the real server', () => {
  const db = `cdp_test_${uniqueSuffix()}`;
  const ch = client(db);

  afterAll(async () => {
    await ch.server().command(sql`DROP DATABASE IF EXISTS ${identifier(db)}`);
    await ch.close();
  });

  it('applies the versioned migrations in order, records them, and a second run applies nothing', async () => {
    const migrations = loadMigrations(defaultMigrationsDir(), db);
    expect(migrations.length).toBeGreaterThan(0);
    const first = await migrate(ch.server(), db, migrations);
    expect(first.applied.map((m) => m.version)).toEqual(migrations.map((m) => m.version));

    const recorded = await ch.query<{ version: number; name: string }>(
      'SELECT version, name FROM schema_migrations FINAL ORDER BY version',
    );
    expect(recorded.map((r) => Number(r.version))).toEqual(migrations.map((m) => m.version));

    const second = await migrate(ch.server(), db, migrations);
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toBe(migrations.length);

    const tables = await ch.query<{ name: string }>(
      sql`SELECT name FROM system.tables WHERE database = ${db}`,
    );
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['schema_migrations', 'dead_letters']));
  });

  it('refuses to run when an applied migration file was edited', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
    for (const f of readdirSync(defaultMigrationsDir())) {
      writeFileSync(join(dir, f), readFileSync(join(defaultMigrationsDir(), f), 'utf8'));
    }
    await migrate(ch.server(), db, loadMigrations(dir, db));
    const first = readdirSync(dir).sort()[0];
    writeFileSync(join(dir, first), `${readFileSync(join(dir, first), 'utf8')}\n-- edited\n`);
    await expect(migrate(ch.server(), db, loadMigrations(dir, db))).rejects.toThrow(
      /was changed after it was applied/,
    );
  });

  it('round-trips rows through a MergeTree table', async () => {
    await migrate(ch.server(), db, loadMigrations(defaultMigrationsDir(), db));
    await ch.command(
      'CREATE TABLE IF NOT EXISTS roundtrip (id String, n UInt32, at DateTime, tags Array(String)) ENGINE = MergeTree ORDER BY id',
    );
    const rows = [
      { id: 'a', n: 1, at: '2026-11-01 09:00:00', tags: ['x'] },
      { id: "b'quote", n: 2, at: '2026-11-02 10:30:00', tags: [] },
      { id: '李梅', n: 3, at: '2026-11-03 11:45:59', tags: ['y', 'z'] },
    ];
    await ch.insert('roundtrip', rows);
    const back = await ch.query<{ id: string; n: number; at: string; tags: string[] }>(
      sql`SELECT id, n, at, tags FROM roundtrip WHERE id IN ${inList(rows.map((r) => r.id))} ORDER BY n`,
    );
    expect(back).toEqual(rows);
  });

  it('writes a streamed insert as one statement with every row, as a plain insert does', async () => {
    await ch.command(
      'CREATE TABLE IF NOT EXISTS streamed (id String, n UInt32, note String) ENGINE = MergeTree ORDER BY id',
    );
    const rows = Array.from({ length: 5000 }, (_, i) => ({
      id: `s-${String(i).padStart(5, '0')}`,
      n: i,
      note: i % 7 === 0 ? `it's "quoted" \\ ${i}` : `row ${i}`,
    }));
    await ch.insertStreamed('streamed', rows);
    const back = await ch.query<{ id: string; n: number; note: string }>(
      'SELECT id, n, note FROM streamed ORDER BY id',
    );
    expect(back).toEqual(rows);
    const parts = await ch.query<{ parts: number }>(
      sql`SELECT count() AS parts FROM system.parts WHERE database = ${db} AND table = 'streamed' AND active`,
    );
    expect(Number(parts[0].parts)).toBe(1);
  });

  it('binds every tricky value through the escaper and reads back exactly the same value', async () => {
    const strings = [
      '',
      "it's",
      "''",
      'back\\slash',
      "\\'",
      'trailing backslash\\',
      'line\nbreak\r\ttab',
      'nul\0byte',
      'bell\u0007 esc\u001b del\u007f',
      'backspace\b formfeed\f',
      'unicode 李梅 🛍️ é Ω',
      '"double" and `back` ticks',
      "'; DROP TABLE roundtrip; --",
      '?{param}:String %s $1',
    ];
    for (const s of strings) {
      const [row] = await ch.query<{ v: string }>(sql`SELECT ${s} AS v`);
      expect(row.v).toBe(s);
    }
    const [nums] = await ch.query<{ a: number; b: number; c: string; t: number; f: number; n: null }>(
      sql`SELECT ${42} AS a, ${-3.5} AS b, toString(${9007199254740993n}) AS c, ${true} AS t, ${false} AS f, ${null} AS n`,
    );
    expect(nums).toEqual({ a: 42, b: -3.5, c: '9007199254740993', t: 1, f: 0, n: null });
    const [arr] = await ch.query<{ v: string[] }>(sql`SELECT ${['CN', "O'Brien", 'a\\b']} AS v`);
    expect(arr.v).toEqual(['CN', "O'Brien", 'a\\b']);
    const [date] = await ch.query<{ v: string }>(
      sql`SELECT toString(${new Date('2026-11-01T09:00:00Z')}) AS v`,
    );
    expect(date.v).toBe('2026-11-01 09:00:00');
    expect(literal(new Date('2026-11-01T09:00:00Z'))).toContain("'UTC'");
  });
});
