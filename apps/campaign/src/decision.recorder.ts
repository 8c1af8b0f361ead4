import { ClickHouseClient } from '@cdp/clickhouse';
import { JsonLogger } from '@cdp/observability';
import { Injectable } from '@nestjs/common';
import { CampaignEnv } from './campaign.env';
import { CampaignMetrics } from './campaign.metrics';
import { DeadLetterPublisher, type SegmentMessage } from './dead-letter.publisher';
import { DeliveriesRepository } from './deliveries.repository';
import { deliveryRow, type Delivery, type DeliveryRow } from './delivery';
import { DeliveryWorker } from './delivery.worker';
import { capWindowMs } from './domain/campaign-definition';
import { decide, pairKey, type Candidate, type Decision, type SourcePosition } from './domain/decide';
import { RecentDecisions } from './domain/recent-decisions';
import { webhookBody } from './domain/webhook-request';
import { nextOffset } from '@cdp/kafka';
import { backoffDelay, errorText, sleep } from '@cdp/runtime';

/** Commits consumer offsets (the next offset to read per partition) through the consumer that read them. */
export type Committer = (offsets: { topic: string; partition: number; offset: string }[]) => Promise<void>;

interface Buffered {
  candidate: Candidate;
  message: SegmentMessage;
}

/** A decision with the delivery it creates and its row. */
interface Written extends Decision {
  delivery: Delivery;
  row: DeliveryRow;
}

const positionKey = (p: { topic: string; partition: number }): string => `${p.topic}\u0000${p.partition}`;

/** Calls `heartbeat` every `everyMs` until `work` settles, and returns its result. */
export async function withHeartbeat<T>(
  work: Promise<T>,
  heartbeat: () => Promise<void>,
  everyMs: number,
): Promise<T> {
  const timer = setInterval(() => void heartbeat().catch(() => undefined), everyMs);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

/**
 * Group commit of decisions: the consumer hands over each processed message (with the
 * campaigns it triggers); every CAMPAIGN_DECISION_FLUSH_MS, or as soon as
 * CAMPAIGN_DECISION_BATCH_SIZE candidates wait, one flush
 * 1. looks up the prior decisions of the batch's campaigns and profiles in ClickHouse (one
 *    query, merged with the recent ones in memory): dedupe by delivery id, frequency caps;
 * 2. decides (`decide`: duplicate, held_out, capped or pending);
 * 3. writes the decisions to `campaign_deliveries` (retried with backoff until it succeeds);
 * 4. commits the offsets of every message processed up to the batch: only now, after the
 *    decisions are durable;
 * 5. hands the pending deliveries to the delivery worker, which sends them off this path.
 * A crash before 4 redelivers the messages; their delivery ids are then found in step 1.
 */
@Injectable()
export class DecisionRecorder {
  private buffer: Buffered[] = [];
  private positions = new Map<string, SourcePosition>();
  private committer: Committer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private readonly recent: RecentDecisions;
  private readonly abort = new AbortController();

  constructor(
    private readonly repository: DeliveriesRepository,
    private readonly worker: DeliveryWorker,
    private readonly deadLetters: DeadLetterPublisher,
    private readonly clickhouse: ClickHouseClient,
    private readonly env: CampaignEnv,
    private readonly metrics: CampaignMetrics,
    private readonly logger: JsonLogger,
  ) {
    this.recent = new RecentDecisions(env.CAMPAIGN_RECENT_DECISIONS);
  }

  /** Candidates waiting for the next flush. */
  get waiting(): number {
    return this.buffer.length;
  }

  /** True when the consumer should wait (twice the batch size is waiting). */
  get full(): boolean {
    return this.buffer.length >= 2 * this.env.CAMPAIGN_DECISION_BATCH_SIZE;
  }

  /** The message at `position` was processed and triggered `candidates` (maybe none). */
  add(message: SegmentMessage, candidates: readonly Candidate[], committer: Committer): void {
    for (const candidate of candidates) this.buffer.push({ candidate, message });
    this.positions.set(positionKey(message), {
      topic: message.topic,
      partition: message.partition,
      offset: message.offset,
    });
    this.committer = committer;
    this.schedule(
      this.buffer.length >= this.env.CAMPAIGN_DECISION_BATCH_SIZE ? 0 : this.env.CAMPAIGN_DECISION_FLUSH_MS,
    );
  }

  /** Waits, heartbeating, until there is room in the buffer. */
  async waitForRoom(heartbeat: () => Promise<void>): Promise<void> {
    while (this.full && !this.abort.signal.aborted) {
      await withHeartbeat(this.flush(), heartbeat, this.env.CAMPAIGN_HEARTBEAT_INTERVAL_MS);
    }
  }

  /** Writes and commits everything handed over so far. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.buffer.length === 0 && this.positions.size === 0) return;
    const batch = this.buffer;
    const positions = [...this.positions.values()];
    this.buffer = [];
    this.positions = new Map();
    this.flushing = this.flushBatch(batch, positions).finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  /**
   * At shutdown, while the consumer still runs: write and commit what was handed over, for at
   * most `deadlineMs`; what could not be written is simply not committed (redelivered).
   */
  async drain(deadlineMs: number): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const timer = setTimeout(() => this.abort.abort(), deadlineMs);
    try {
      await this.flush();
    } catch (e) {
      this.logger.warn(
        { msg: 'decisions not written at shutdown, they will be redelivered', err: errorText(e) },
        'Decisions',
      );
    } finally {
      clearTimeout(timer);
      this.abort.abort();
    }
  }

  private schedule(delayMs: number): void {
    if (this.abort.signal.aborted) return;
    if (this.timer && delayMs > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().catch((e: unknown) => {
        this.logger.warn({ msg: 'decision flush gave up', err: errorText(e) }, 'Decisions');
      });
    }, delayMs);
  }

  private async flushBatch(batch: Buffered[], positions: SourcePosition[]): Promise<void> {
    const end = this.metrics.flushSeconds.startTimer();
    const written = batch.length > 0 ? await this.writeDecisions(batch) : [];
    if (written === undefined) return; // given up at shutdown: not committed, redelivered
    await this.commit(positions);
    this.worker.enqueue(written.filter((w) => w.status === 'pending').map((w) => w.delivery));
    end();
  }

  /** Decides and writes, retrying; undefined when given up at shutdown. */
  private async writeDecisions(batch: Buffered[]): Promise<Written[] | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        const { decisions, duplicates } = await this.decideBatch(batch.map((b) => b.candidate));
        const now = Date.now();
        const written = decisions.map((d) => {
          const delivery = this.toDelivery(d, now);
          return { ...d, delivery, row: deliveryRow(delivery, d.status, now) };
        });
        if (attempt > this.env.CAMPAIGN_MAX_PROCESSING_ATTEMPTS && (await this.clickHouseAnswers())) {
          // ClickHouse is up but refuses this batch: write message by message, dead-letter the rest
          return await this.writeIsolated(batch, written);
        }
        await this.repository.insert(written.map((w) => w.row));
        this.remember(written, duplicates);
        return written;
      } catch (e) {
        if (this.abort.signal.aborted) return undefined;
        const delay = backoffDelay(attempt, this.env.CAMPAIGN_RETRY_BASE_MS, this.env.CAMPAIGN_RETRY_MAX_MS);
        this.metrics.writeRetries.inc({ stage: 'decisions' });
        this.logger.warn(
          {
            msg: `writing decisions failed, retrying in ${delay} ms`,
            attempt,
            candidates: batch.length,
            err: errorText(e),
          },
          'Decisions',
        );
        await sleep(delay, this.abort.signal);
        if (this.abort.signal.aborted) return undefined;
      }
    }
  }

  private async decideBatch(candidates: Candidate[]): Promise<ReturnType<typeof decide>> {
    const campaigns = new Set<string>();
    const profiles = new Set<string>();
    const pairs = new Set<string>();
    let fromMs = Number.POSITIVE_INFINITY;
    for (const c of candidates) {
      campaigns.add(c.campaign.id);
      profiles.add(c.event.profileId);
      pairs.add(pairKey(c.campaign.id, c.event.profileId));
      const window = c.campaign.frequencyCap ? capWindowMs(c.campaign.frequencyCap.per) : 0;
      fromMs = Math.min(fromMs, c.triggeredAtMs - window);
    }
    const prior = await this.repository.priorDecisions([...campaigns], [...profiles], fromMs);
    this.recent.mergeInto(prior, pairs);
    return decide(candidates, prior);
  }

  private async writeIsolated(batch: Buffered[], decisions: Written[]): Promise<Written[]> {
    const messageOf = new Map(batch.map((b) => [b.candidate, b.message]));
    const byMessage = new Map<SegmentMessage, Written[]>();
    for (const b of batch) if (!byMessage.has(b.message)) byMessage.set(b.message, []);
    for (const w of decisions) {
      const message = messageOf.get(w.candidate);
      if (message) byMessage.get(message)?.push(w);
    }
    const written: Written[] = [];
    for (const [message, mine] of byMessage) {
      try {
        await this.repository.insert(mine.map((w) => w.row));
        written.push(...mine);
      } catch (e) {
        this.logger.error(
          {
            msg: 'ClickHouse refuses the decisions of a segment event, dead-lettering it',
            partition: message.partition,
            offset: message.offset,
            err: errorText(e),
          },
          'Decisions',
        );
        await this.deadLetters.publish(message, 'write_failed', [{ path: '', message: errorText(e) }]);
      }
    }
    this.remember(written, []);
    return written;
  }

  private remember(decisions: readonly Decision[], duplicates: readonly Candidate[]): void {
    for (const d of decisions) {
      const c = d.candidate;
      this.recent.record(c.campaign.id, c.event.profileId, {
        deliveryId: c.deliveryId,
        status: d.status,
        triggeredAtMs: c.triggeredAtMs,
      });
      this.metrics.decisions.inc({ campaign: c.campaign.id, status: d.status });
    }
    for (const c of duplicates) this.metrics.duplicates.inc({ campaign: c.campaign.id });
  }

  private async clickHouseAnswers(): Promise<boolean> {
    try {
      await this.clickhouse.ping();
      return true;
    } catch {
      return false;
    }
  }

  private async commit(positions: readonly SourcePosition[]): Promise<void> {
    if (positions.length === 0 || !this.committer) return;
    try {
      await this.committer(
        positions.map((p) => ({ topic: p.topic, partition: p.partition, offset: nextOffset(p.offset) })),
      );
    } catch (e) {
      // a rebalance took the partition away: its new owner reads from the last committed offset
      // and finds these decisions (same delivery ids), so nothing is decided twice
      this.logger.warn({ msg: 'committing segment events offsets failed', err: errorText(e) }, 'Decisions');
    }
  }

  private toDelivery(decision: Decision, nowMs: number): Delivery {
    const { campaign, event, deliveryId, source, triggeredAtMs } = decision.candidate;
    return {
      id: deliveryId,
      campaignId: campaign.id,
      campaignVersion: campaign.version,
      profileId: event.profileId,
      segmentId: event.segment.id,
      segmentVersion: event.segment.version,
      segmentEventId: event.id,
      eventType: event.type,
      causeKind: event.cause.kind,
      triggeredAtMs,
      decidedAtMs: nowMs,
      source,
      body: decision.status === 'pending' ? webhookBody(event, campaign.id, deliveryId) : '',
      attempts: 0,
      lastStatusCode: 0,
      lastError: '',
      nextAttemptAtMs: nowMs,
    };
  }
}
