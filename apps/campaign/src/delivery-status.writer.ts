import { JsonLogger } from '@cdp/observability';
import { Injectable } from '@nestjs/common';
import { CampaignEnv } from './campaign.env';
import { CampaignMetrics } from './campaign.metrics';
import { DeliveriesRepository } from './deliveries.repository';
import type { DeliveryRow } from './delivery';
import { backoffDelay, errorText, sleep } from '@cdp/runtime';

/**
 * Writes the delivery worker's status rows (sent, failed, pending with a new attempt count)
 * to `campaign_deliveries` in batches, at most CAMPAIGN_STATUS_FLUSH_MS after they were
 * queued, retrying with backoff until ClickHouse takes them: an outcome is never dropped
 * while the process lives. A crash loses at most the rows of the last interval; the delivery
 * then still reads as pending and is resumed (sent again with the same Idempotency-Key).
 */
@Injectable()
export class DeliveryStatusWriter {
  private queue: DeliveryRow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private readonly abort = new AbortController();

  constructor(
    private readonly repository: DeliveriesRepository,
    private readonly env: CampaignEnv,
    private readonly metrics: CampaignMetrics,
    private readonly logger: JsonLogger,
  ) {}

  get queued(): number {
    return this.queue.length;
  }

  write(row: DeliveryRow): void {
    this.queue.push(row);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.env.CAMPAIGN_STATUS_FLUSH_MS);
  }

  /** Writes everything queued so far (waits for a running flush first). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.queue.length === 0) return;
    const rows = this.queue;
    this.queue = [];
    this.flushing = this.insertWithRetry(rows).finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  /** Final flush at shutdown: a few more attempts, then the rows are given up (logged). */
  async close(deadlineMs: number): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const stopAt = Date.now() + deadlineMs;
    const timer = setTimeout(() => this.abort.abort(), Math.max(0, stopAt - Date.now()));
    try {
      await this.flush();
    } finally {
      clearTimeout(timer);
    }
  }

  private async insertWithRetry(rows: DeliveryRow[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.repository.insert(rows);
        return;
      } catch (e) {
        if (this.abort.signal.aborted) {
          this.logger.error(
            { msg: 'giving up on delivery status rows at shutdown', rows: rows.length, err: errorText(e) },
            'Deliveries',
          );
          return;
        }
        const delay = backoffDelay(attempt, this.env.CAMPAIGN_RETRY_BASE_MS, this.env.CAMPAIGN_RETRY_MAX_MS);
        this.metrics.writeRetries.inc({ stage: 'delivery-status' });
        this.logger.warn(
          {
            msg: `writing delivery status failed, retrying in ${delay} ms`,
            attempt,
            rows: rows.length,
            err: errorText(e),
          },
          'Deliveries',
        );
        await sleep(delay, this.abort.signal);
      }
    }
  }
}
