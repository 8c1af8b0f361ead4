import {
  dlq,
  dropSuppressed,
  linkFactsOf,
  ok,
  pipe,
  type ApplyOutcome,
  type CanonicalEvent,
  type FieldProblem,
  type LinkFact,
  type SourceKind,
  type StepResult,
} from '@cdp/domain';
import { KafkaClient } from '@cdp/kafka';
import { JsonLogger } from '@cdp/observability';
import { Injectable } from '@nestjs/common';
import { CanonicalEventsPublisher, type ProfiledEvent } from './canonical-events.publisher';
import { DeadLetterPublisher } from './dead-letter.publisher';
import { DeadLettersRepository } from './dead-letters.repository';
import { EventsRepository } from './events.repository';
import { IdentityLinksStore } from './identity-links.store';
import { IdentityRepository } from './identity.repository';
import { IngestEnv } from './ingest.env';
import { IngestMetrics, type MessageOutcome } from './ingest.metrics';
import { allSettledOrThrow, errorText, retryUntilDone, sleep, type RetryControl } from '@cdp/runtime';
import { buildDeadLetter, type DeadLetter } from './pipeline/dead-letter';
import { toEventIdRow, toEventRow, toTraitRows } from './pipeline/event-rows';
import { isEmptyOutcome, type IdentityOutcomes } from './pipeline/identity-ledger';
import {
  identityConflictRow,
  identityLinkRow,
  identityRows,
  profileMergeRow,
  type IdentitySighting,
} from './pipeline/identity-rows';
import { factIdOf } from './pipeline/link-fact.codec';
import { DUPLICATE_IN_BATCH, firstOccurrence, normalizeMessage } from './pipeline/normalize.step';
import { rawTopicSources, type RawMessage } from './pipeline/raw-message';
import { WrittenIdentities } from './pipeline/written-identities';
import { SuppressionRepository } from './suppression.repository';

/** What the consumer gives a batch: heartbeat, whether to keep going, and a stop signal. */
export interface BatchControl {
  signal: AbortSignal;
  shouldContinue(): boolean;
  heartbeat(): Promise<void>;
}

export interface BatchSummary {
  ok: number;
  duplicates: number;
  deadLetters: number;
  dropped: number;
}

interface Accepted {
  message: RawMessage;
  event: CanonicalEvent;
}

interface Resolved extends Accepted {
  profileId: string;
  fact: LinkFact | undefined;
}

interface Triage {
  accepted: Accepted[];
  deadLetters: DeadLetter[];
  outcomes: { topic: string; outcome: MessageOutcome }[];
}

const requireIdentifier = (event: CanonicalEvent): StepResult<CanonicalEvent> =>
  event.identifiers.length > 0
    ? ok(event)
    : dlq('missing_identifier', [{ path: '$', message: 'carries no usable person identifier' }]);

/**
 * One batch of raw messages (the chunks of one or more partitions handed over together) from Kafka to
 * ClickHouse and cdp.events. The caller commits the offsets only after this resolved.
 *
 * 1. Pure steps per message: parse + validate + normalize (libs/domain), storable instants,
 *    an identifier, not erased (GDPR suppression list), first copy of an event id in the batch.
 *    Rejects become dead letters; suppressed events are dropped (outcome drop).
 * 2. Wait until the identity-links topic has been read up to its end (all instances' facts) and,
 *    at the same time, read which event ids are already in event_ids (a redelivery).
 * 3. Identity: apply each event's link fact; the event's profile is the one after the batch's
 *    facts (ApplyOutcome.profileId, followed through later merges of the same batch).
 * 4. Writes, in order, each retried with backoff until it succeeds (heartbeating), or until
 *    the consumer stops or loses the partition (then AbandonedError: nothing was committed, the
 *    batch is redelivered and step 2's lookup makes the rewrite idempotent):
 *    a. new link facts -> identity-links topic;
 *    b. ClickHouse, without the ids already written: events,
 *       trait_updates, identities (the rows that change what this instance wrote,
 *       WrittenIdentities), identity_links, profile_merges, identity_conflicts, dead_letters;
 *    c. at the same time: event_ids (the marker step 2 reads), dead letters -> DLQ topic, and
 *       merges, then events (new and redelivered, under the profile they were first written
 *       with) -> cdp.events.
 */
@Injectable()
export class IngestBatchUseCase {
  private readonly sources: Map<string, SourceKind>;
  private readonly writtenIdentities = new WrittenIdentities();

  constructor(
    kafka: KafkaClient,
    private readonly env: IngestEnv,
    private readonly links: IdentityLinksStore,
    private readonly events: EventsRepository,
    private readonly deadLetters: DeadLettersRepository,
    private readonly identity: IdentityRepository,
    private readonly deadLetterPublisher: DeadLetterPublisher,
    private readonly eventsPublisher: CanonicalEventsPublisher,
    private readonly metrics: IngestMetrics,
    private readonly logger: JsonLogger,
    private readonly suppression: SuppressionRepository,
  ) {
    this.sources = rawTopicSources(kafka.settings.topics);
  }

  async process(messages: readonly RawMessage[], control: BatchControl): Promise<BatchSummary> {
    const started = Date.now();
    const suppressed = await this.retry('suppression-list', control, () => this.suppression.current());
    const triage = this.triage(messages, started, suppressed);
    // independent reads, at the same time: the links topic up to its end, and which ids are written
    const already =
      triage.accepted.length === 0
        ? new Map<string, string>()
        : (
            await allSettledOrThrow([
              this.retry('links-catch-up', control, () => this.links.catchUp(control.signal)),
              this.retry('find-written', control, () =>
                this.events.findWritten(triage.accepted.map((a) => a.event.eventId)),
              ),
            ] as const)
          )[1];
    const resolved = this.resolveIdentities(triage.accepted);
    const outcomes = this.links.ledger.drain();
    this.links.updateGraphMetrics();

    let finished = false;
    try {
      const newFacts = this.newFacts(resolved);
      await this.stage('publish-links', control, () => this.links.publish(newFacts));
      const fresh = resolved.filter((r) => !already.has(r.event.eventId));
      const now = Date.now();
      const eventRows = fresh.map((r) => toEventRow(r.event, r.profileId, now));
      const eventsProgress = { done: 0 };
      const traitRows = fresh.flatMap((r) => toTraitRows(r.event, r.profileId));
      const traitsProgress = { done: 0 };
      const deadLetterRows = triage.deadLetters.map((d) => d.row);
      const identitiesToWrite = this.writtenIdentities.unwritten(identityRows(this.sightings(fresh)));
      const deadLettersProgress = { done: 0 };
      // the tables are independent: written concurrently, each stage retried on its own; the
      // batch goes on only when all are written (a crash before redoes the batch, as before)
      await allSettledOrThrow([
        this.stage('insert-events', control, () => this.events.insertEvents(eventRows, eventsProgress)),
        this.stage('insert-trait-updates', control, () =>
          this.events.insertTraitUpdates(traitRows, traitsProgress),
        ),
        this.stage('insert-identities', control, async () => {
          await this.identity.insertIdentities(identitiesToWrite);
          this.writtenIdentities.remember(identitiesToWrite);
        }),
        this.stage('insert-identity-links', control, () =>
          this.identity.insertLinks(newFacts.map(identityLinkRow)),
        ),
        this.stage('insert-profile-merges', control, () =>
          this.identity.insertMerges(outcomes.mergeRows.map(profileMergeRow)),
        ),
        this.stage('insert-identity-conflicts', control, () =>
          this.identity.insertConflicts(outcomes.conflicts.map((c) => identityConflictRow(c, now))),
        ),
        this.stage('insert-dead-letters', control, () =>
          this.deadLetters.insert(deadLetterRows, deadLettersProgress),
        ),
      ]);
      const toPublish: ProfiledEvent[] = resolved.map((r) => ({
        event: r.event,
        profileId: already.get(r.event.eventId) ?? r.profileId,
      }));
      // every table readers use is written: the marker a redelivered batch is checked against
      // (find-written) and the publishes go at the same time. A crash before the marker is
      // written redoes the batch, as a crash before the tables were written did: the rows are
      // written again (collapsed by the ReplacingMergeTrees) and the events published again
      // (cdp.events is at least once, apps/ingest/README.md).
      await allSettledOrThrow([
        this.stage('insert-event-ids', control, () =>
          this.events.insertEventIds(fresh.map((r) => toEventIdRow(r.event.eventId, r.profileId, now))),
        ),
        this.stage('publish-dead-letters', control, () =>
          this.deadLetterPublisher.publish(triage.deadLetters),
        ),
        this.stage('publish-events', control, () =>
          this.eventsPublisher.publish(toPublish, outcomes.notices),
        ),
      ]);
      finished = true;

      const summary = this.count(triage, resolved, already, messages.length);
      this.metrics.batchSeconds.observe((Date.now() - started) / 1000);
      this.logger.debug({ msg: 'batch written', ...summary, partitions: partitionsOf(messages) }, 'Ingest');
      return summary;
    } finally {
      if (!finished && !isEmptyOutcome(outcomes)) this.requeue(outcomes);
    }
  }

  /** Step 1: the pure pipeline per message. */
  private triage(messages: readonly RawMessage[], now: number, suppressed: ReadonlySet<string>): Triage {
    const seen = new Set<string>();
    const triage: Triage = { accepted: [], deadLetters: [], outcomes: [] };
    for (const message of messages) {
      const source = this.sources.get(message.topic);
      const result =
        source === undefined
          ? dlq<CanonicalEvent>('unknown_topic', [
              { path: '$', message: `${message.topic} is not a raw topic` },
            ])
          : pipe(
              pipe(
                pipe(normalizeMessage(source, message, now), requireIdentifier),
                dropSuppressed(suppressed),
              ),
              firstOccurrence(seen),
            );
      switch (result.kind) {
        case 'ok':
          triage.accepted.push({ message, event: result.value });
          break;
        case 'dlq':
          triage.deadLetters.push(buildDeadLetter(message, result.reason, result.problems, now));
          triage.outcomes.push({ topic: message.topic, outcome: 'dlq' });
          this.logRejected(message, result.reason, result.problems);
          break;
        case 'drop':
          triage.outcomes.push({
            topic: message.topic,
            outcome: result.reason === DUPLICATE_IN_BATCH ? 'duplicate' : 'drop',
          });
          break;
      }
    }
    return triage;
  }

  /** Step 3: link facts applied in message order; profile ids read after the whole batch's facts. */
  private resolveIdentities(accepted: readonly Accepted[]): Resolved[] {
    const applied = accepted.map((a) => {
      const fact = linkFactsOf(a.event.identifiers, a.event.eventId, a.event.occurredAt);
      const outcome: ApplyOutcome | undefined = fact ? this.links.applyOwn(fact) : undefined;
      return { ...a, fact, outcome };
    });
    return applied.map(({ outcome, ...a }) => {
      let profileId: string;
      if (outcome === undefined) profileId = this.links.resolve(a.event.identifiers);
      else if (outcome.conflicts.length > 0) profileId = outcome.profileId;
      else profileId = this.links.survivorOf(outcome.profileId);
      return { ...a, profileId };
    });
  }

  /** Facts of the batch not yet on the links topic, one per identifier set. */
  private newFacts(resolved: readonly Resolved[]): LinkFact[] {
    const byId = new Map<string, LinkFact>();
    for (const r of resolved) {
      if (r.fact === undefined || this.links.isOnTopic(r.fact)) continue;
      const id = factIdOf(r.fact);
      if (!byId.has(id)) byId.set(id, r.fact);
    }
    return [...byId.values()];
  }

  private sightings(fresh: readonly Resolved[]): IdentitySighting[] {
    return fresh.flatMap((r) =>
      r.event.identifiers.map((identifier) => ({
        identifier,
        profileId: this.links.profileOf(identifier.key) ?? r.profileId,
        seenAt: r.event.occurredAt,
      })),
    );
  }

  private async stage(name: string, control: BatchControl, run: () => Promise<void>): Promise<void> {
    const end = this.metrics.stageSeconds.startTimer({ stage: name });
    await this.retry(name, control, run);
    end();
  }

  private retry<T>(stage: string, control: BatchControl, op: () => Promise<T>): Promise<T> {
    const retryControl: RetryControl = {
      shouldContinue: () => control.shouldContinue(),
      heartbeat: () => control.heartbeat(),
      sleep: (ms) => sleep(ms, control.signal),
    };
    return retryUntilDone(op, retryControl, {
      stage,
      baseMs: this.env.INGEST_RETRY_BASE_MS,
      maxMs: this.env.INGEST_RETRY_MAX_MS,
      heartbeatEveryMs: 1000,
      onRetry: (attempt, error, delayMs) => {
        this.metrics.retries.inc({ stage });
        this.logger.warn(
          { msg: `${stage} failed, retrying the batch stage`, attempt, delayMs, err: errorText(error) },
          'Ingest',
        );
      },
    });
  }

  private requeue(outcomes: IdentityOutcomes): void {
    this.links.ledger.requeue(outcomes);
    this.links.updateGraphMetrics();
  }

  private count(
    triage: Triage,
    resolved: readonly Resolved[],
    already: ReadonlyMap<string, string>,
    size: number,
  ): BatchSummary {
    const summary: BatchSummary = { ok: 0, duplicates: 0, deadLetters: 0, dropped: 0 };
    for (const { topic, outcome } of triage.outcomes) {
      this.metrics.messages.inc({ topic, outcome });
      if (outcome === 'dlq') summary.deadLetters += 1;
      else if (outcome === 'duplicate') summary.duplicates += 1;
      else if (outcome === 'drop') summary.dropped += 1;
    }
    // a batch may hold several raw topics (a round of several partitions): counted per topic;
    // an event already written is a redelivery (duplicate)
    const perTopic = new Map<string, { ok: number; duplicate: number }>();
    for (const r of resolved) {
      const counts = perTopic.get(r.message.topic) ?? { ok: 0, duplicate: 0 };
      if (already.has(r.event.eventId)) counts.duplicate += 1;
      else counts.ok += 1;
      perTopic.set(r.message.topic, counts);
    }
    for (const [topic, counts] of perTopic) {
      if (counts.ok > 0) this.metrics.messages.inc({ topic, outcome: 'ok' }, counts.ok);
      if (counts.duplicate > 0) this.metrics.messages.inc({ topic, outcome: 'duplicate' }, counts.duplicate);
      summary.ok += counts.ok;
      summary.duplicates += counts.duplicate;
    }
    for (const d of triage.deadLetters) this.metrics.deadLetters.inc({ reason: d.payload.reason });
    this.metrics.batchSize.observe(size);
    return summary;
  }

  private logRejected(message: RawMessage, reason: string, problems: readonly FieldProblem[]): void {
    this.logger.warn(
      {
        msg: 'message rejected to the dead-letter topic',
        topic: message.topic,
        partition: message.partition,
        offset: message.offset,
        reason,
        fields: problems.map((p) => p.path),
      },
      'Ingest',
    );
  }
}

/** `topic/partition` of each partition a batch holds messages of. */
function partitionsOf(messages: readonly RawMessage[]): string[] {
  return [...new Set(messages.map((m) => `${m.topic}/${m.partition}`))];
}
