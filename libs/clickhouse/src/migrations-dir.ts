import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The folder of versioned migration files, from the sources or from a build (dist). */
export function defaultMigrationsDir(): string {
  const candidates = [
    process.env.CLICKHOUSE_MIGRATIONS_DIR,
    join(__dirname, '..', 'migrations'),
    join(process.cwd(), 'libs', 'clickhouse', 'migrations'),
  ].filter((d): d is string => !!d);
  const found = candidates.find((d) => existsSync(d));
  if (!found) throw new Error(`ClickHouse migrations folder not found (looked in ${candidates.join(', ')})`);
  return found;
}
