import { TRACKING_CALL_TYPES } from '@cdp/domain';
import { MetricsService } from '@cdp/observability';
import { Injectable } from '@nestjs/common';
import type { Counter, Histogram } from 'prom-client';

/** Why a request was refused; also the `error` code of the answer. */
export const REJECT_REASONS = ['auth', 'validation', 'too_large', 'kafka_unavailable'] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export type CallOutcome = 'accepted' | RejectReason;

/** The collector's own metrics, registered on the service's private registry. */
@Injectable()
export class CollectorMetrics {
  private readonly calls: Counter<'type' | 'outcome'>;
  private readonly rejected: Counter<'reason'>;
  private readonly sendSeconds: Histogram<'outcome'>;

  constructor(metrics: MetricsService) {
    this.calls = metrics.counter(
      'cdp_collector_calls_total',
      'Tracking calls received, by call type (unknown when it could not be read) and outcome (accepted or the reject reason)',
      ['type', 'outcome'],
    );
    this.rejected = metrics.counter(
      'cdp_collector_rejected_requests_total',
      'Requests answered with an error, by reason: auth (401), validation (400), too_large (413), kafka_unavailable (503)',
      ['reason'],
    );
    this.sendSeconds = metrics.histogram(
      'cdp_collector_kafka_send_seconds',
      'Time from handing a request to the Kafka producer until acks=all (or failure)',
      ['outcome'],
    );
    for (const reason of REJECT_REASONS) this.rejected.inc({ reason }, 0);
  }

  /** Counts the calls of one request; `types` holds each call's `type` field (any value). */
  countCalls(types: readonly unknown[], outcome: CallOutcome): void {
    const perType = new Map<string, number>();
    for (const t of types) {
      // Only known types become label values: label cardinality stays bounded.
      const type = (TRACKING_CALL_TYPES as readonly unknown[]).includes(t) ? String(t) : 'unknown';
      perType.set(type, (perType.get(type) ?? 0) + 1);
    }
    for (const [type, n] of perType) this.calls.inc({ type, outcome }, n);
  }

  countRejected(reason: RejectReason): void {
    this.rejected.inc({ reason });
  }

  /** Starts a timer; call the result with `ok` or `error` when the send settled. */
  startSend(): (outcome: 'ok' | 'error') => void {
    const end = this.sendSeconds.startTimer();
    return (outcome) => {
      end({ outcome });
    };
  }
}
