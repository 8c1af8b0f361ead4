import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join as joinPath } from 'node:path';
import type { ClickHouseExecutor } from './clickhouse.client';
import { identifier, sql } from './sql';

export interface Migration {
  version: number;
  name: string;
  checksum: string;
  statements: string[];
}

export interface MigrationLog {
  info(message: string, fields?: Record<string, unknown>): void;
}

const FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;
export const MIGRATIONS_TABLE = 'schema_migrations';

/** Splits a migration file into statements: `;` at the end of a line ends one; `--` lines are comments. */
export function splitStatements(text: string): string[] {
  const statements: string[] = [];
  let current: string[] = [];
  for (const line of text.split('\n')) {
    if (/^\s*--/.test(line)) continue;
    current.push(line);
    if (/;\s*$/.test(line)) {
      const stmt = current.join('\n').trim().replace(/;\s*$/, '').trim();
      if (stmt) statements.push(stmt);
      current = [];
    }
  }
  const rest = current.join('\n').trim();
  if (rest) statements.push(rest);
  return statements;
}

/**
 * Reads `NNNN_name.sql` files in version order. `{db}` in a file stands for the target
 * database, so one set of files serves every database (tests use one per suite).
 */
export function loadMigrations(dir: string, database: string): Migration[] {
  const db = identifier(database).text;
  const migrations = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .map((file) => {
      const m = FILE.exec(file);
      if (!m) throw new Error(`migration file ${file} must be named NNNN_snake_case.sql`);
      const text = readFileSync(joinPath(dir, file), 'utf8');
      return {
        version: Number(m[1]),
        name: m[2],
        checksum: createHash('sha256').update(text).digest('hex').slice(0, 16),
        statements: splitStatements(text.replace(/\{db\}/g, db)),
      };
    })
    .sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i].version === migrations[i - 1].version) {
      throw new Error(`two migrations share version ${migrations[i].version}`);
    }
  }
  return migrations;
}

export interface MigrationResult {
  applied: Migration[];
  alreadyApplied: number;
}

/**
 * Applies pending migrations in order and records each in `{db}.schema_migrations`.
 * Idempotent; refuses to run when an applied file was edited afterwards. Statements
 * should be idempotent themselves (IF NOT EXISTS), so that two services starting at the
 * same moment cannot break each other.
 */
export async function migrate(
  server: ClickHouseExecutor,
  database: string,
  migrations: readonly Migration[],
  log?: MigrationLog,
): Promise<MigrationResult> {
  const db = identifier(database);
  const table = sql`${db}.${identifier(MIGRATIONS_TABLE)}`;
  await server.command(sql`CREATE DATABASE IF NOT EXISTS ${db}`);
  await server.command(
    sql`CREATE TABLE IF NOT EXISTS ${table} (version UInt32, name String, checksum String, applied_at DateTime) ENGINE = ReplacingMergeTree(applied_at) ORDER BY version`,
  );
  const rows = await server.query<{ version: number; checksum: string }>(
    sql`SELECT version, any(checksum) AS checksum FROM ${table} GROUP BY version`,
  );
  const applied = new Map(rows.map((r) => [Number(r.version), r.checksum]));
  for (const m of migrations) {
    const sum = applied.get(m.version);
    if (sum !== undefined && sum !== m.checksum) {
      throw new Error(
        `migration ${String(m.version).padStart(4, '0')}_${m.name} was changed after it was applied (checksum ${sum} -> ${m.checksum}); add a new migration instead`,
      );
    }
  }
  const pending = migrations.filter((m) => !applied.has(m.version));
  for (const m of pending) {
    const started = Date.now();
    for (const statement of m.statements) await server.command(statement);
    await server.insert(`${db.text}.${MIGRATIONS_TABLE}`, [
      { version: m.version, name: m.name, checksum: m.checksum, applied_at: Math.floor(Date.now() / 1000) },
    ]);
    log?.info(`applied migration ${String(m.version).padStart(4, '0')}_${m.name}`, {
      database,
      statements: m.statements.length,
      ms: Date.now() - started,
    });
  }
  return { applied: pending, alreadyApplied: migrations.length - pending.length };
}
