import { KafkaClient } from '@cdp/kafka';
import { JsonLogger } from '@cdp/observability';
import { Injectable } from '@nestjs/common';
import { CampaignCatalog, type CatalogChange } from './campaign-catalog';
import { CampaignEnv } from './campaign.env';
import { CampaignMetrics } from './campaign.metrics';
import { DeliveriesRepository } from './deliveries.repository';
import { deliveryRow, type Delivery } from './delivery';
import { DeliveryStatusWriter } from './delivery-status.writer';
import { retryDelayMs } from './domain/backoff';
import type { CampaignDefinition } from './domain/campaign-definition';
import type { DeliveryStatus } from './domain/delivery-record';
import { LruSet } from './domain/lru-set';
import { MinHeap } from './domain/min-heap';
import type { AttemptOutcome } from './domain/webhook-request';
import { errorText } from '@cdp/runtime';
import { WebhookSender } from './webhook.sender';

interface CampaignQueue {
  id: string;
  /** Deliveries waiting for their next attempt, soonest first. */
  waiting: MinHeap<Delivery>;
  inFlight: number;
}

/** Most pending deliveries one sweep of ClickHouse picks up. */
const SWEEP_LIMIT = 10000;

/**
 * Sends the webhooks, off the consumer's path. The consumer only records a `pending` decision
 * and hands it over; here every campaign has its own queue (a min-heap by next attempt time)
 * and at most CAMPAIGN_WEBHOOK_CONCURRENCY requests in flight (CAMPAIGN_WEBHOOK_MAX_IN_FLIGHT
 * over all campaigns), so a slow or dead endpoint only ever occupies its own slots.
 *
 * An attempt that fails with a network error, a timeout, 408, 429 or 5xx is retried after an
 * exponential backoff with jitter (`Retry-After` is honoured up to the maximum), up to
 * CAMPAIGN_WEBHOOK_MAX_ATTEMPTS; every outcome is written to the delivery log through the
 * status writer (sent, failed, or pending with the attempt count and next attempt time).
 *
 * Ownership: deliveries belong to the segment-events partition their event came from. When
 * partitions are assigned to this instance, their pending deliveries are resumed from
 * ClickHouse after CAMPAIGN_RESUME_GRACE_MS (the previous owner finishes its requests in
 * flight), and looked for again every CAMPAIGN_PENDING_SWEEP_MS; queued deliveries of revoked
 * partitions are dropped here (they stay pending in ClickHouse for the new owner).
 *
 * Definitions are read at each attempt: a paused campaign's deliveries wait, an updated one
 * uses its new URL, headers and secret, a deleted one's queued deliveries are cancelled.
 */
@Injectable()
export class DeliveryWorker {
  private readonly queues = new Map<string, CampaignQueue>();
  /** Deliveries queued or in flight, by id. */
  private readonly active = new Map<string, Delivery>();
  /** Deliveries finished by this process (a stale pending row read back must not revive them). */
  private readonly finished: LruSet;
  private readonly stopSignal = new AbortController();
  private readonly attempts = new Set<Promise<void>>();
  private owned = new Set<number>();
  private totalInFlight = 0;
  private running = false;
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt = Number.POSITIVE_INFINITY;
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly resumeTimers = new Set<NodeJS.Timeout>();
  private readonly topic: string;

  constructor(
    private readonly catalog: CampaignCatalog,
    private readonly sender: WebhookSender,
    private readonly writer: DeliveryStatusWriter,
    private readonly repository: DeliveriesRepository,
    private readonly env: CampaignEnv,
    private readonly metrics: CampaignMetrics,
    private readonly logger: JsonLogger,
    kafka: KafkaClient,
  ) {
    this.topic = kafka.settings.topics.segmentEvents;
    this.finished = new LruSet(env.CAMPAIGN_RECENT_DECISIONS);
    catalog.onChange((change) => this.onCampaignChange(change));
  }

  /** Deliveries queued or in flight in this process. */
  get size(): number {
    return this.active.size;
  }

  start(): void {
    this.running = true;
    this.sweepTimer = setInterval(() => void this.sweep([...this.owned]), this.env.CAMPAIGN_PENDING_SWEEP_MS);
    this.pump();
  }

  /** New pending deliveries (decided by this process). */
  enqueue(deliveries: readonly Delivery[]): void {
    for (const d of deliveries) this.add(d);
    this.pump();
  }

  /** The segment-events partitions this instance now owns (after every rebalance). */
  assign(partitions: readonly number[]): void {
    const next = new Set(partitions);
    const added = partitions.filter((p) => !this.owned.has(p));
    const revoked = [...this.owned].filter((p) => !next.has(p));
    this.owned = next;
    if (revoked.length > 0) this.dropPartitions(new Set(revoked));
    if (added.length > 0) {
      this.logger.log(
        {
          msg: 'segment events partitions assigned',
          partitions: [...next],
          added,
          revoked,
          resumeInMs: this.env.CAMPAIGN_RESUME_GRACE_MS,
        },
        'Deliveries',
      );
      const timer = setTimeout(() => {
        this.resumeTimers.delete(timer);
        void this.sweep(added.filter((p) => this.owned.has(p)));
      }, this.env.CAMPAIGN_RESUME_GRACE_MS);
      this.resumeTimers.add(timer);
    }
  }

  /**
   * Stops starting attempts, gives the ones in flight `graceMs` to finish, interrupts the rest
   * (they stay pending and are resumed by the next owner), and writes every status row.
   */
  async stop(graceMs: number): Promise<void> {
    this.running = false;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    for (const t of this.resumeTimers) clearTimeout(t);
    this.resumeTimers.clear();
    const inFlight = Promise.allSettled([...this.attempts]);
    const timer = setTimeout(() => this.stopSignal.abort(), graceMs);
    await inFlight;
    clearTimeout(timer);
    await this.writer.close(Math.max(1000, graceMs));
  }

  /** Looks for pending deliveries of `partitions` in ClickHouse that this process does not hold. */
  async sweep(partitions: readonly number[]): Promise<number> {
    if (!this.running || partitions.length === 0) return 0;
    try {
      const pending = await this.repository.pending(
        this.topic,
        partitions,
        Date.now() - this.env.CAMPAIGN_RESUME_GRACE_MS,
        SWEEP_LIMIT,
      );
      let resumed = 0;
      for (const d of pending) {
        if (this.active.has(d.id) || this.finished.has(d.id) || !this.owned.has(d.source.partition)) continue;
        this.add(d);
        resumed += 1;
      }
      if (resumed > 0) {
        this.metrics.resumed.inc(resumed);
        this.logger.log({ msg: 'resumed pending deliveries', deliveries: resumed, partitions }, 'Deliveries');
      }
      this.pump();
      return resumed;
    } catch (e) {
      this.logger.warn(
        { msg: 'looking for pending deliveries failed', partitions, err: errorText(e) },
        'Deliveries',
      );
      return 0;
    }
  }

  private add(d: Delivery): void {
    if (this.active.has(d.id) || this.finished.has(d.id)) return;
    let q = this.queues.get(d.campaignId);
    if (!q) {
      q = { id: d.campaignId, waiting: new MinHeap<Delivery>((x) => x.nextAttemptAtMs), inFlight: 0 };
      this.queues.set(d.campaignId, q);
    }
    q.waiting.push(d);
    this.active.set(d.id, d);
    this.metrics.queued.inc({ campaign: d.campaignId });
  }

  private onCampaignChange(change: CatalogChange): void {
    if (!change.after) {
      const q = this.queues.get(change.id);
      if (q) {
        for (const d of q.waiting.removeWhere(() => true)) this.finish(d, 'cancelled', 'campaign deleted');
      }
    }
    this.pump();
  }

  private dropPartitions(revoked: ReadonlySet<number>): void {
    let dropped = 0;
    for (const q of this.queues.values()) {
      for (const d of q.waiting.removeWhere((x) => revoked.has(x.source.partition))) {
        this.active.delete(d.id);
        this.metrics.queued.dec({ campaign: d.campaignId });
        dropped += 1;
      }
    }
    if (dropped > 0) {
      this.logger.log(
        {
          msg: 'handed over queued deliveries of revoked partitions',
          deliveries: dropped,
          partitions: [...revoked],
        },
        'Deliveries',
      );
    }
  }

  /** Starts every attempt that is due and has a free slot; sets a timer for the next one. */
  private pump(): void {
    if (!this.running) return;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const q of [...this.queues.values()]) {
      const campaign = this.catalog.get(q.id);
      if (!campaign) {
        for (const d of q.waiting.removeWhere(() => true)) this.finish(d, 'cancelled', 'campaign deleted');
      } else if (campaign.status === 'active') {
        let started = false;
        while (
          q.inFlight < this.env.CAMPAIGN_WEBHOOK_CONCURRENCY &&
          this.totalInFlight < this.env.CAMPAIGN_WEBHOOK_MAX_IN_FLIGHT
        ) {
          const head = q.waiting.peek();
          if (!head) break;
          if (head.nextAttemptAtMs > now) {
            next = Math.min(next, head.nextAttemptAtMs);
            break;
          }
          q.waiting.pop();
          this.metrics.queued.dec({ campaign: q.id });
          this.attempt(q, campaign, head);
          started = true;
        }
        if (started) {
          // round robin: a campaign that just used slots goes to the back
          this.queues.delete(q.id);
          this.queues.set(q.id, q);
        }
      }
      if (q.waiting.size === 0 && q.inFlight === 0) this.queues.delete(q.id);
    }
    this.wakeUpAt(next);
  }

  private wakeUpAt(at: number): void {
    if (at === Number.POSITIVE_INFINITY || at >= this.wakeAt) return;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeAt = at;
    this.wakeTimer = setTimeout(
      () => {
        this.wakeTimer = undefined;
        this.wakeAt = Number.POSITIVE_INFINITY;
        this.pump();
      },
      Math.max(0, at - Date.now()),
    );
  }

  private attempt(q: CampaignQueue, campaign: CampaignDefinition, d: Delivery): void {
    q.inFlight += 1;
    this.totalInFlight += 1;
    this.metrics.inFlight.inc({ campaign: q.id });
    const attempt = d.attempts + 1;
    const work = (async () => {
      const end = this.metrics.attemptSeconds.startTimer({ campaign: q.id });
      let outcome: AttemptOutcome;
      try {
        outcome = await this.sender.send(campaign, d, attempt, this.stopSignal.signal);
      } catch (e) {
        outcome = { kind: 'retryable', statusCode: 0, error: errorText(e) };
      }
      end();
      this.metrics.attempts.inc({ campaign: q.id, outcome: outcome.kind });
      this.settle(q, d, attempt, outcome);
    })().finally(() => {
      q.inFlight -= 1;
      this.totalInFlight -= 1;
      this.metrics.inFlight.dec({ campaign: q.id });
      this.attempts.delete(work);
      if (!this.queues.has(q.id) && (q.waiting.size > 0 || q.inFlight > 0)) this.queues.set(q.id, q);
      this.pump();
    });
    this.attempts.add(work);
  }

  private settle(q: CampaignQueue, d: Delivery, attempt: number, outcome: AttemptOutcome): void {
    d.attempts = attempt;
    d.lastStatusCode = outcome.statusCode;
    if (outcome.kind === 'delivered') {
      d.lastError = '';
      this.finish(d, 'sent');
      return;
    }
    d.lastError = outcome.error;
    if (outcome.kind === 'permanent' || attempt >= this.env.CAMPAIGN_WEBHOOK_MAX_ATTEMPTS) {
      this.finish(d, 'failed');
      this.logger.warn(
        {
          msg: 'delivery failed',
          campaign: d.campaignId,
          delivery: d.id,
          attempts: attempt,
          statusCode: outcome.statusCode,
          error: outcome.error,
        },
        'Deliveries',
      );
      return;
    }
    const backoff = retryDelayMs(
      attempt,
      this.env.CAMPAIGN_WEBHOOK_BACKOFF_BASE_MS,
      this.env.CAMPAIGN_WEBHOOK_BACKOFF_MAX_MS,
    );
    const delay = Math.max(
      backoff,
      Math.min(outcome.retryAfterMs ?? 0, this.env.CAMPAIGN_WEBHOOK_BACKOFF_MAX_MS),
    );
    d.nextAttemptAtMs = Date.now() + delay;
    this.writer.write(deliveryRow(d, 'pending', Date.now()));
    if (!this.running) {
      // shutting down: it stays pending in ClickHouse and is resumed by the next owner
      this.active.delete(d.id);
      return;
    }
    if (!this.queues.has(q.id)) this.queues.set(q.id, q);
    q.waiting.push(d);
    this.metrics.queued.inc({ campaign: q.id });
  }

  private finish(d: Delivery, status: DeliveryStatus, error?: string): void {
    if (error !== undefined) d.lastError = error;
    this.active.delete(d.id);
    this.finished.add(d.id);
    if (status === 'cancelled') this.metrics.queued.dec({ campaign: d.campaignId });
    this.writer.write(deliveryRow(d, status, Date.now()));
    this.metrics.deliveries.inc({ campaign: d.campaignId, status });
  }
}
