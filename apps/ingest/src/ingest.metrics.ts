import { MetricsService } from '@cdp/observability';
import { Injectable } from '@nestjs/common';
import type { Counter, Gauge, Histogram } from 'prom-client';

export type MessageOutcome = 'ok' | 'dlq' | 'drop' | 'duplicate';

/** The ingest service's own metrics (prefix `cdp_ingest_`), in the service's private registry. */
@Injectable()
export class IngestMetrics {
  readonly messages: Counter<'topic' | 'outcome'>;
  readonly deadLetters: Counter<'reason'>;
  readonly batchSize: Histogram;
  readonly batchSeconds: Histogram;
  readonly insertSeconds: Histogram<'table'>;
  readonly insertStatements: Counter<'table'>;
  readonly stageSeconds: Histogram<'stage'>;
  readonly retries: Counter<'stage'>;
  readonly published: Counter<'topic'>;
  readonly linkFacts: Counter<'origin'>;
  readonly graphSize: Gauge<'kind'>;
  readonly pendingIdentityOutcomes: Gauge;
  readonly catchUpSeconds: Histogram;
  readonly consumerLag: Gauge<'topic' | 'partition'>;
  readonly consuming: Gauge;

  constructor(metrics: MetricsService) {
    this.messages = metrics.counter(
      'cdp_ingest_messages_total',
      'Raw messages processed, by topic and outcome (ok | dlq | drop | duplicate)',
      ['topic', 'outcome'],
    );
    this.deadLetters = metrics.counter(
      'cdp_ingest_dead_letters_total',
      'Messages sent to the dead-letter topic, by reason',
      ['reason'],
    );
    this.batchSize = metrics.histogram(
      'cdp_ingest_batch_size',
      'Messages per processed batch (after splitting at INGEST_MAX_BATCH_SIZE)',
      [],
      [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
    );
    this.batchSeconds = metrics.histogram(
      'cdp_ingest_batch_seconds',
      'Seconds from taking a batch to committing it, retries included',
      [],
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    );
    this.insertStatements = metrics.counter(
      'cdp_ingest_clickhouse_statements_total',
      'INSERT statements sent to ClickHouse, by table (concurrent inserts into a table are combined)',
      ['table'],
    );
    this.insertSeconds = metrics.histogram(
      'cdp_ingest_clickhouse_insert_seconds',
      'Seconds per successful ClickHouse insert, by table',
      ['table'],
    );
    this.stageSeconds = metrics.histogram(
      'cdp_ingest_stage_seconds',
      'Seconds per batch stage (ClickHouse writes, Kafka publishes, identity catch-up), retries included',
      ['stage'],
      [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    );
    this.retries = metrics.counter(
      'cdp_ingest_retries_total',
      'Retries of a batch stage after a ClickHouse or Kafka failure, by stage',
      ['stage'],
    );
    this.published = metrics.counter('cdp_ingest_published_total', 'Messages produced, by topic', ['topic']);
    this.linkFacts = metrics.counter(
      'cdp_ingest_link_facts_total',
      'Identity link facts applied to the graph, by origin (own | topic | invalid)',
      ['origin'],
    );
    this.graphSize = metrics.gauge(
      'cdp_ingest_identity_graph_size',
      'Identity graph size, by kind (identifiers | profiles | merges | conflicts)',
      ['kind'],
    );
    this.pendingIdentityOutcomes = metrics.gauge(
      'cdp_ingest_identity_pending_outcomes',
      'Merges and conflicts found but not yet written and published',
    );
    this.catchUpSeconds = metrics.histogram(
      'cdp_ingest_links_catch_up_seconds',
      'Seconds a batch waited for the identity-links topic to be read up to its end',
    );
    this.consumerLag = metrics.gauge(
      'cdp_ingest_consumer_lag',
      'Messages behind the high watermark after the last batch, by raw topic and partition',
      ['topic', 'partition'],
    );
    this.consuming = metrics.gauge(
      'cdp_ingest_consuming',
      '1 while the raw-topic consumer runs (after start-up and the identity graph load)',
    );
  }

  /** Times a ClickHouse insert into `table` (successful ones only). */
  async timeInsert(table: string, insert: () => Promise<void>): Promise<void> {
    const end = this.insertSeconds.startTimer({ table });
    await insert();
    end();
  }
}
