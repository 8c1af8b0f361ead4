import { ClickHouseClient } from '@cdp/clickhouse';
import { Injectable } from '@nestjs/common';
import { IngestMetrics } from './ingest.metrics';
import { InsertCombiner } from './pipeline/insert-combiner';

/**
 * Every INSERT ingest makes: timed per table, and combined with the concurrent inserts of the
 * other partitions into the same table (InsertCombiner: one part per statement instead of one
 * per partition batch). `cdp_ingest_clickhouse_statements_total{table}` counts the statements.
 */
@Injectable()
export class TableInsertsWriter {
  private readonly combiner: InsertCombiner;

  constructor(
    clickhouse: ClickHouseClient,
    private readonly metrics: IngestMetrics,
  ) {
    this.combiner = new InsertCombiner((table, rows) => {
      metrics.insertStatements.inc({ table });
      return clickhouse.insert(table, rows);
    });
  }

  /** Resolves once `rows` are written to `table` (no-op for none). */
  insert(table: string, rows: readonly object[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    return this.metrics.timeInsert(table, () => this.combiner.insert(table, rows));
  }
}
