import { JsonLogger } from '@cdp/observability';
import { parseSegmentEvent, transitionOf, type SegmentEvent } from '@cdp/segment-events';
import { Injectable } from '@nestjs/common';
import { CampaignCatalog } from './campaign-catalog';
import { CampaignEnv } from './campaign.env';
import { CampaignMetrics, type IntakeOutcome } from './campaign.metrics';
import { DeadLetterPublisher, type DeadLetterProblem, type SegmentMessage } from './dead-letter.publisher';
import { DecisionRecorder, withHeartbeat, type Committer } from './decision.recorder';
import type { Candidate } from './domain/decide';
import { deliveryIdOf } from './domain/delivery-id';
import { backoffDelay, errorText, sleep } from '@cdp/runtime';

/** What the Kafka adapter gives the use case besides the message. */
export interface IntakeControl {
  heartbeat: () => Promise<void>;
  commit: Committer;
}

/** Latest instant a ClickHouse DateTime holds. */
const MAX_DATETIME_MS = Date.UTC(2105, 11, 31, 23, 59, 59);

type Processed =
  | { kind: 'rejected'; problems: DeadLetterProblem[] }
  | { kind: 'processed'; outcome: IntakeOutcome; candidates: Candidate[] };

/**
 * One segment event from the topic (the Nest @EventPattern handler delegates here):
 * 1. parse and validate it (`@cdp/segment-events`); an invalid one goes to the dead-letter
 *    topic at once (it will never become valid);
 * 2. find the campaigns it triggers (active, trigger segment and transition, emitted after the
 *    campaign was created; never for a `deletion` cause: an erased profile is not contacted);
 * 3. hand the candidates to the DecisionRecorder, which decides, writes and commits in batches.
 * A step that throws is retried up to CAMPAIGN_MAX_PROCESSING_ATTEMPTS times (heartbeating
 * while it waits), then the message is dead-lettered: one bad message never blocks its
 * partition. While the buffer is full the handler waits (heartbeating), which is the
 * consumer's backpressure.
 */
@Injectable()
export class SegmentEventIntake {
  private draining = false;

  constructor(
    private readonly catalog: CampaignCatalog,
    private readonly recorder: DecisionRecorder,
    private readonly deadLetters: DeadLetterPublisher,
    private readonly env: CampaignEnv,
    private readonly metrics: CampaignMetrics,
    private readonly logger: JsonLogger,
  ) {}

  /** From now on messages are left alone (not processed, not committed: redelivered after a restart). */
  startDraining(): void {
    this.draining = true;
  }

  async handle(message: SegmentMessage, control: IntakeControl): Promise<void> {
    if (this.draining) return;
    let processed: Processed | undefined;
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.env.CAMPAIGN_MAX_PROCESSING_ATTEMPTS && !this.draining; attempt++) {
      try {
        processed = this.process(message);
        break;
      } catch (e) {
        lastError = e;
        if (attempt === this.env.CAMPAIGN_MAX_PROCESSING_ATTEMPTS) break;
        const delay = backoffDelay(attempt, this.env.CAMPAIGN_RETRY_BASE_MS, this.env.CAMPAIGN_RETRY_MAX_MS);
        this.logger.warn(
          {
            msg: `processing a segment event failed, retrying in ${delay} ms`,
            attempt,
            ...where(message),
            err: errorText(e),
          },
          'Intake',
        );
        await withHeartbeat(sleep(delay), control.heartbeat, this.env.CAMPAIGN_HEARTBEAT_INTERVAL_MS);
      }
    }
    if (this.draining) return;
    if (!processed) {
      processed = { kind: 'rejected', problems: [{ path: '', message: errorText(lastError) }] };
      await this.deadLetter(message, 'processing_failed', processed.problems, control);
      this.metrics.segmentEvents.inc({ outcome: 'dead_letter' });
    } else if (processed.kind === 'rejected') {
      await this.deadLetter(message, 'invalid_payload', processed.problems, control);
      this.metrics.segmentEvents.inc({ outcome: 'invalid' });
    } else {
      this.metrics.segmentEvents.inc({ outcome: processed.outcome });
    }
    if (this.draining) return;
    this.recorder.add(message, processed.kind === 'processed' ? processed.candidates : [], control.commit);
    await this.recorder.waitForRoom(control.heartbeat);
  }

  /** Pure apart from reading the catalog: what the message means for the campaigns. */
  process(message: SegmentMessage): Processed {
    const parsed = parseSegmentEvent(message.value ?? 'null');
    if (!parsed.ok) return { kind: 'rejected', problems: parsed.problems };
    const event = parsed.event;
    const triggeredAtMs = Date.parse(event.occurredAt);
    if (triggeredAtMs < 0 || triggeredAtMs > MAX_DATETIME_MS) {
      return { kind: 'rejected', problems: [{ path: 'occurredAt', message: 'must be from 1970 to 2105' }] };
    }
    if (event.cause.kind === 'deletion') return { kind: 'processed', outcome: 'deletion', candidates: [] };
    const campaigns = this.catalog.triggeredBy(event.segment.id, transitionOf(event.type));
    if (campaigns.length === 0) return { kind: 'processed', outcome: 'no_campaign', candidates: [] };
    const emittedAtMs = Date.parse(event.emittedAt);
    const candidates: Candidate[] = [];
    let outcome: IntakeOutcome = 'paused';
    for (const campaign of campaigns) {
      if (campaign.status !== 'active') continue;
      if (emittedAtMs < Date.parse(campaign.createdAt)) {
        if (outcome === 'paused') outcome = 'before_campaign';
        continue;
      }
      outcome = 'triggered';
      candidates.push(this.candidate(campaign, event, triggeredAtMs, message));
    }
    return { kind: 'processed', outcome, candidates };
  }

  private candidate(
    campaign: Candidate['campaign'],
    event: SegmentEvent,
    triggeredAtMs: number,
    message: SegmentMessage,
  ): Candidate {
    return {
      deliveryId: deliveryIdOf(campaign.id, event.id),
      campaign,
      event,
      triggeredAtMs,
      source: { topic: message.topic, partition: message.partition, offset: message.offset },
    };
  }

  /** Publishes a dead letter, retrying (heartbeating) until Kafka takes it or the service stops. */
  private async deadLetter(
    message: SegmentMessage,
    reason: 'invalid_payload' | 'processing_failed',
    problems: DeadLetterProblem[],
    control: IntakeControl,
  ): Promise<void> {
    for (let attempt = 1; !this.draining; attempt++) {
      try {
        await withHeartbeat(
          this.deadLetters.publish(message, reason, problems),
          control.heartbeat,
          this.env.CAMPAIGN_HEARTBEAT_INTERVAL_MS,
        );
        this.logger.warn(
          { msg: 'segment event dead-lettered', reason, problems, ...where(message) },
          'Intake',
        );
        return;
      } catch (e) {
        const delay = backoffDelay(attempt, this.env.CAMPAIGN_RETRY_BASE_MS, this.env.CAMPAIGN_RETRY_MAX_MS);
        this.metrics.writeRetries.inc({ stage: 'dead-letter' });
        this.logger.warn(
          { msg: `publishing a dead letter failed, retrying in ${delay} ms`, attempt, err: errorText(e) },
          'Intake',
        );
        await withHeartbeat(sleep(delay), control.heartbeat, this.env.CAMPAIGN_HEARTBEAT_INTERVAL_MS);
      }
    }
  }
}

function where(message: SegmentMessage): Record<string, unknown> {
  return { topic: message.topic, partition: message.partition, offset: message.offset };
}
