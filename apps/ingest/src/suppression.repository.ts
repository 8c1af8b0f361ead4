import { ClickHouseClient } from '@cdp/clickhouse';
import { Injectable } from '@nestjs/common';
import { IngestEnv } from './ingest.env';

/**
 * The GDPR suppression list (hashes of erased identifiers, written by the api), cached and
 * re-read at most every INGEST_SUPPRESSION_REFRESH_MS, so an erasure takes effect within that
 * time on every ingest instance.
 */
@Injectable()
export class SuppressionRepository {
  private hashes: ReadonlySet<string> = new Set();
  private loadedAt = 0;

  constructor(
    private readonly clickhouse: ClickHouseClient,
    private readonly env: IngestEnv,
  ) {}

  async current(): Promise<ReadonlySet<string>> {
    if (Date.now() - this.loadedAt >= this.env.INGEST_SUPPRESSION_REFRESH_MS) {
      const rows = await this.clickhouse.query<{ identifier_hash: string }>(
        'SELECT DISTINCT identifier_hash FROM suppressed_identifiers',
      );
      this.hashes = new Set(rows.map((r) => r.identifier_hash));
      this.loadedAt = Date.now();
    }
    return this.hashes;
  }
}
