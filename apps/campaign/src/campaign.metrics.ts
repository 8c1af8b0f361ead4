import { MetricsService } from '@cdp/observability';
import { Injectable } from '@nestjs/common';
import type { Counter, Gauge, Histogram } from 'prom-client';

/** What happened to a segment event read from the topic. */
export type IntakeOutcome =
  'triggered' | 'no_campaign' | 'paused' | 'before_campaign' | 'deletion' | 'invalid' | 'dead_letter';

/** The campaign service's own metrics (prefix `cdp_campaign_`), in the service's private registry. */
@Injectable()
export class CampaignMetrics {
  readonly segmentEvents: Counter<'outcome'>;
  readonly decisions: Counter<'campaign' | 'status'>;
  readonly duplicates: Counter<'campaign'>;
  readonly deliveries: Counter<'campaign' | 'status'>;
  readonly attempts: Counter<'campaign' | 'outcome'>;
  readonly attemptSeconds: Histogram<'campaign'>;
  readonly queued: Gauge<'campaign'>;
  readonly inFlight: Gauge<'campaign'>;
  readonly deadLetters: Counter<'reason'>;
  readonly flushSeconds: Histogram;
  readonly writeRetries: Counter<'stage'>;
  readonly definitionVersion: Gauge<'campaign' | 'status'>;
  readonly invalidDefinitions: Counter;
  readonly consuming: Gauge;
  readonly resumed: Counter;

  constructor(metrics: MetricsService) {
    this.segmentEvents = metrics.counter(
      'cdp_campaign_segment_events_total',
      'Segment events read, by outcome (triggered | no_campaign | paused | before_campaign | deletion | invalid | dead_letter)',
      ['outcome'],
    );
    this.decisions = metrics.counter(
      'cdp_campaign_decisions_total',
      'Decisions recorded, by campaign and status (pending | held_out | capped)',
      ['campaign', 'status'],
    );
    this.duplicates = metrics.counter(
      'cdp_campaign_duplicate_decisions_total',
      'Triggered segment events whose delivery id was already decided (redelivery), by campaign',
      ['campaign'],
    );
    this.deliveries = metrics.counter(
      'cdp_campaign_deliveries_total',
      'Deliveries finished, by campaign and status (sent | failed | cancelled)',
      ['campaign', 'status'],
    );
    this.attempts = metrics.counter(
      'cdp_campaign_webhook_attempts_total',
      'Webhook requests, by campaign and outcome (delivered | retryable | permanent)',
      ['campaign', 'outcome'],
    );
    this.attemptSeconds = metrics.histogram(
      'cdp_campaign_webhook_seconds',
      'Seconds per webhook request, by campaign',
      ['campaign'],
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    );
    this.queued = metrics.gauge(
      'cdp_campaign_pending_deliveries',
      'Deliveries waiting for their next attempt in this process, by campaign',
      ['campaign'],
    );
    this.inFlight = metrics.gauge(
      'cdp_campaign_webhooks_in_flight',
      'Webhook requests in flight, by campaign',
      ['campaign'],
    );
    this.deadLetters = metrics.counter(
      'cdp_campaign_dead_letters_total',
      'Segment events sent to the campaign dead-letter topic, by reason',
      ['reason'],
    );
    this.flushSeconds = metrics.histogram(
      'cdp_campaign_decision_flush_seconds',
      'Seconds to look up, decide, write and commit one batch of triggered segment events',
      [],
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    );
    this.writeRetries = metrics.counter(
      'cdp_campaign_write_retries_total',
      'Retries of a ClickHouse or Kafka write after a failure, by stage',
      ['stage'],
    );
    this.definitionVersion = metrics.gauge(
      'cdp_campaign_definition_version',
      'Version of each campaign definition this process acts on, by campaign and status',
      ['campaign', 'status'],
    );
    this.invalidDefinitions = metrics.counter(
      'cdp_campaign_invalid_definitions_total',
      'Records of the campaigns topic that are not a valid definition (ignored)',
    );
    this.consuming = metrics.gauge(
      'cdp_campaign_consuming',
      '1 while the segment events consumer runs (after start-up and the campaigns catalog load)',
    );
    this.resumed = metrics.counter(
      'cdp_campaign_resumed_deliveries_total',
      'Pending deliveries picked up from ClickHouse (after a restart or a partition reassignment)',
    );
  }
}
