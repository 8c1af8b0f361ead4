import type { HealthIndicator } from '@cdp/observability';
import type { ClickHouseClient } from './clickhouse.client';

/** Ready when the server answers `SELECT 1`. */
export class ClickHouseHealthIndicator implements HealthIndicator {
  readonly name = 'clickhouse';
  constructor(private readonly client: ClickHouseClient) {}
  check(): Promise<void> {
    return this.client.ping();
  }
}
