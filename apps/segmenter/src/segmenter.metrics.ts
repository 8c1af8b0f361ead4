import { MetricsService } from '@cdp/observability';
import { Injectable } from '@nestjs/common';
import type { Counter, Gauge, Histogram } from 'prom-client';

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The segmenter's own metrics (prefix `cdp_segmenter_`), in the service's private registry. */
@Injectable()
export class SegmenterMetrics {
  readonly consumerLag: Gauge<'partition'>;
  readonly batchSize: Histogram;
  readonly batchSeconds: Histogram<'kind'>;
  readonly snapshotSeconds: Histogram;
  readonly snapshotsSkipped: Counter;
  readonly evaluationSeconds: Histogram<'kind'>;
  readonly commitSeconds: Histogram;
  readonly transitions: Counter<'segment' | 'type' | 'cause'>;
  readonly messages: Counter<'kind'>;
  readonly schedulerQueue: Gauge<'partition'>;
  readonly schedulerOverdue: Gauge<'partition'>;
  readonly timeTransitionDelay: Histogram;
  readonly backfillTotal: Gauge<'partition'>;
  readonly backfillDone: Gauge<'partition'>;
  readonly partitionsOwned: Gauge;
  readonly profilesInState: Gauge<'partition'>;
  readonly activeSegments: Gauge;
  readonly definitions: Counter<'outcome'>;
  readonly transactions: Counter<'kind' | 'outcome'>;
  readonly partitionResets: Counter<'reason'>;
  readonly historyRows: Counter;
  readonly consuming: Gauge;

  constructor(metrics: MetricsService) {
    this.consumerLag = metrics.gauge(
      'cdp_segmenter_consumer_lag',
      'Messages of cdp.events behind the high watermark after the last batch, by partition',
      ['partition'],
    );
    this.batchSize = metrics.histogram(
      'cdp_segmenter_batch_size',
      'Messages per unit of work (after splitting at SEGMENTER_MAX_BATCH_SIZE)',
      [],
      [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
    );
    this.batchSeconds = metrics.histogram(
      'cdp_segmenter_batch_seconds',
      'Seconds per unit of work from start to commit, by kind (events | time | definitions)',
      ['kind'],
      SECONDS,
    );
    this.snapshotsSkipped = metrics.counter(
      'cdp_segmenter_snapshots_skipped_total',
      'Profiles whose first consumed event needed no ClickHouse read (no history yet)',
      [],
    );
    this.snapshotSeconds = metrics.histogram(
      'cdp_segmenter_snapshot_seconds',
      'Seconds to load the profile snapshots of one unit of work from ClickHouse',
      [],
      SECONDS,
    );
    this.evaluationSeconds = metrics.histogram(
      'cdp_segmenter_evaluation_seconds',
      'Seconds of in-memory rule evaluation per unit of work, by kind',
      ['kind'],
      SECONDS,
    );
    this.commitSeconds = metrics.histogram(
      'cdp_segmenter_commit_seconds',
      'Seconds per Kafka transaction (send, sendOffsets, commit)',
      [],
      SECONDS,
    );
    this.transitions = metrics.counter(
      'cdp_segmenter_transitions_total',
      'Segment events emitted (committed), by segment, type (entered | exited) and cause',
      ['segment', 'type', 'cause'],
    );
    this.messages = metrics.counter(
      'cdp_segmenter_messages_total',
      'Messages of cdp.events processed, by kind (event | merge | absorbed | deleted | ignored | retired)',
      ['kind'],
    );
    this.schedulerQueue = metrics.gauge(
      'cdp_segmenter_scheduler_queue_size',
      'Profiles with a scheduled window boundary, by partition',
      ['partition'],
    );
    this.schedulerOverdue = metrics.gauge(
      'cdp_segmenter_scheduler_overdue_ms',
      'How far the earliest scheduled boundary is in the past (0 when none is), by partition',
      ['partition'],
    );
    this.timeTransitionDelay = metrics.histogram(
      'cdp_segmenter_time_transition_delay_seconds',
      'Seconds from a window boundary to the commit of its time-caused transition',
      [],
      [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30, 60],
    );
    this.backfillTotal = metrics.gauge(
      'cdp_segmenter_backfill_profiles_total',
      'Profiles to evaluate in the running initial-membership / edit / archive run, by partition',
      ['partition'],
    );
    this.backfillDone = metrics.gauge(
      'cdp_segmenter_backfill_profiles_done',
      'Profiles evaluated so far in the running initial-membership / edit / archive run, by partition',
      ['partition'],
    );
    this.partitionsOwned = metrics.gauge(
      'cdp_segmenter_partitions_owned',
      'Input partitions owned and loaded',
    );
    this.profilesInState = metrics.gauge(
      'cdp_segmenter_profiles_in_state',
      'Profiles kept in the state of each owned partition',
      ['partition'],
    );
    this.activeSegments = metrics.gauge('cdp_segmenter_active_segments', 'Active segment definitions known');
    this.definitions = metrics.counter(
      'cdp_segmenter_definitions_total',
      'Records of the definitions topic read, by outcome (definition | deleted | invalid)',
      ['outcome'],
    );
    this.transactions = metrics.counter(
      'cdp_segmenter_transactions_total',
      'Kafka transactions, by kind (events | time | definitions) and outcome (committed | failed)',
      ['kind', 'outcome'],
    );
    this.partitionResets = metrics.counter(
      'cdp_segmenter_partition_resets_total',
      'Partitions whose in-memory state was dropped and reloaded from Kafka, by reason',
      ['reason'],
    );
    this.historyRows = metrics.counter(
      'cdp_segmenter_history_rows_total',
      'Transitions written to ClickHouse segment_transitions (at least once)',
    );
    this.consuming = metrics.gauge(
      'cdp_segmenter_consuming',
      '1 while the cdp.events consumer runs (after start-up and the definitions load)',
    );
  }
}
