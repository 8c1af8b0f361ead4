import { Readable } from 'node:stream';
import { ClickHouseClient as DriverClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { SqlFragment } from './sql';
import { ClickHouseSettings } from './clickhouse.settings';

type Statement = string | SqlFragment;

/** What the migrator and repositories need from ClickHouse (small on purpose). */
export interface ClickHouseExecutor {
  query<T = Record<string, unknown>>(statement: Statement): Promise<T[]>;
  command(statement: Statement): Promise<void>;
  insert<T extends object>(table: string, rows: readonly T[]): Promise<void>;
}

/**
 * Thin adapter over @clickhouse/client (HTTP). Statements are plain SQL text whose values
 * were bound with `sql`/`literal`; no server-side parameters, so 18.16 and current
 * ClickHouse read the same text. `server()` gives an executor not bound to the database
 * (for CREATE DATABASE).
 */
export class ClickHouseClient implements ClickHouseExecutor {
  private readonly db: DriverClient;
  private readonly root: DriverClient;

  constructor(readonly settings: ClickHouseSettings) {
    const base = {
      url: settings.url,
      username: settings.username,
      password: settings.password,
      request_timeout: settings.requestTimeoutMs,
      application: settings.applicationName,
      compression: { request: false, response: false },
      // errors reach the caller (and its JSON log); the driver's own console logging stays off
      log: { level: ClickHouseLogLevel.OFF },
    };
    this.db = createClient({ ...base, database: settings.database });
    this.root = createClient({ ...base, database: 'default' });
  }

  get database(): string {
    return this.settings.database;
  }

  async query<T = Record<string, unknown>>(statement: Statement): Promise<T[]> {
    return runQuery<T>(this.db, statement);
  }

  async command(statement: Statement): Promise<void> {
    await this.db.command({ query: String(statement) });
  }

  async insert<T extends object>(table: string, rows: readonly T[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.insert({ table, values: [...rows], format: 'JSONEachRow' });
  }

  /**
   * Like `insert`, but the rows are encoded while the request body is sent (a stream) instead of
   * all at once before it: a large insert does not hold the event loop for its whole encoding
   * (the segmenter's history writer shares its process with the evaluation).
   */
  async insertStreamed<T extends object>(table: string, rows: readonly T[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.insert({ table, values: Readable.from(rows), format: 'JSONEachRow' });
  }

  /** Executor on the server's default database. */
  server(): ClickHouseExecutor {
    const root = this.root;
    return {
      query: <T>(statement: Statement) => runQuery<T>(root, statement),
      command: async (statement: Statement) => {
        await root.command({ query: String(statement) });
      },
      insert: async <T extends object>(table: string, rows: readonly T[]) => {
        if (rows.length > 0) await root.insert({ table, values: [...rows], format: 'JSONEachRow' });
      },
    };
  }

  /** Resolves when the server answers `SELECT 1`. */
  async ping(): Promise<void> {
    const rows = await runQuery<{ ok: number }>(this.root, 'SELECT 1 AS ok');
    if (rows[0]?.ok !== 1) throw new Error('unexpected answer to SELECT 1');
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.db.close(), this.root.close()]);
  }
}

async function runQuery<T>(client: DriverClient, statement: Statement): Promise<T[]> {
  const result = await client.query({ query: String(statement), format: 'JSONEachRow' });
  return result.json<T>();
}
