import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  compareLinkFacts,
  IdentityGraph,
  type ApplyOutcome,
  type Identifier,
  type LinkFact,
  type ProfileId,
} from '@cdp/domain';
import { KafkaClient } from '@cdp/kafka';
import { JsonLogger } from '@cdp/observability';
import { Injectable } from '@nestjs/common';
import type { Admin, Batch, Consumer } from 'kafkajs';
import { IngestEnv } from './ingest.env';
import { IngestMetrics } from './ingest.metrics';
import { IngestProducer } from './ingest.producer';
import { errorText } from '@cdp/runtime';
import { IdentityLedger } from './pipeline/identity-ledger';
import { decodeLinkFact, encodeLinkFact, factIdOf } from './pipeline/link-fact.codec';

interface PartitionEnd {
  partition: number;
  high: bigint;
  low: bigint;
}

/**
 * The identity-links topic as this process's identity graph: a compacted topic (key = fact id,
 * value = LinkFact JSON) that every ingest instance reads in full, from the beginning, with a
 * consumer group of its own (random id, never committed), so that every instance ends up with
 * the same facts and therefore the same components and profile ids.
 *
 * - `load`: reads everything that is on the topic at start-up and applies it in the canonical
 *   order (`compareLinkFacts`), so rebuilds agree even where facts conflict.
 * - Afterwards facts read from the topic are applied as they come (live: their merges and
 *   conflicts are queued in the ledger); own facts are applied at once (`applyOwn`) and published
 *   (`publish`); reading them back is a no-op.
 * - `catchUp`: resolves when everything on the topic as of the call has been applied. Raw batches
 *   call it first, so a batch sees every fact any instance published before it started.
 */
@Injectable()
export class IdentityLinksStore {
  readonly ledger = new IdentityLedger();
  private readonly graph = new IdentityGraph();
  private readonly topic: string;
  /** Ids of facts read back from the topic: durable, no need to publish them again. */
  private readonly onTopic = new Set<string>();
  private readonly positions = new Map<number, bigint>();
  private readonly waiters = new Set<() => void>();
  private consumer: Consumer | undefined;
  private admin: Admin | undefined;
  private adminConnected: Promise<void> | undefined;
  private loading = true;
  private buffered: LinkFact[] = [];
  private stopping = false;

  constructor(
    private readonly kafka: KafkaClient,
    private readonly env: IngestEnv,
    private readonly producer: IngestProducer,
    private readonly metrics: IngestMetrics,
    private readonly logger: JsonLogger,
  ) {
    this.topic = kafka.settings.topics.identityLinks;
  }

  get loaded(): boolean {
    return !this.loading;
  }

  /** Starts reading the topic and resolves once all it held at the call has been applied. */
  async load(signal: AbortSignal): Promise<void> {
    const started = Date.now();
    const ends = await this.partitionEnds();
    if (!this.consumer) await this.startConsumer();
    await this.waitUntil(() => this.reached(ends), signal);
    if (this.loading) {
      const facts = this.buffered.sort(compareLinkFacts);
      this.buffered = [];
      this.loading = false;
      for (const fact of facts) this.applyFact(fact, false, 'topic');
      this.updateGraphMetrics();
      this.logger.log(
        { msg: 'identity graph loaded', facts: facts.length, ms: Date.now() - started, ...this.graph.size },
        'IdentityLinks',
      );
    }
  }

  /** Resolves when every fact on the topic as of now has been applied; throws after the timeout. */
  async catchUp(signal: AbortSignal): Promise<void> {
    const end = this.metrics.catchUpSeconds.startTimer();
    const ends = await this.partitionEnds();
    await this.waitUntil(() => this.reached(ends), signal, this.env.INGEST_LINKS_CATCH_UP_TIMEOUT_MS);
    end();
  }

  /** Applies one of this instance's own facts to the graph now (before it is published). */
  applyOwn(fact: LinkFact): ApplyOutcome {
    return this.applyFact(fact, true, 'own');
  }

  /** True when the fact (same identifier set) has already been read back from the topic. */
  isOnTopic(fact: LinkFact): boolean {
    return this.onTopic.has(factIdOf(fact));
  }

  async publish(facts: readonly LinkFact[]): Promise<void> {
    await this.producer.send(this.topic, facts.map(encodeLinkFact));
  }

  /** Current profile of an event's identifiers (see IdentityGraph.resolve). */
  resolve(identifiers: readonly Identifier[]): ProfileId {
    return this.graph.resolve(identifiers);
  }

  survivorOf(profileId: ProfileId): ProfileId {
    return this.graph.survivorOf(profileId);
  }

  profileOf(key: string): ProfileId | undefined {
    return this.graph.profileOf(key);
  }

  updateGraphMetrics(): void {
    const size = this.graph.size;
    this.metrics.graphSize.set({ kind: 'identifiers' }, size.identifiers);
    this.metrics.graphSize.set({ kind: 'profiles' }, size.profiles);
    this.metrics.graphSize.set({ kind: 'merges' }, size.merges);
    this.metrics.graphSize.set({ kind: 'conflicts' }, size.conflicts);
    this.metrics.pendingIdentityOutcomes.set(this.ledger.pendingCount);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.stop().catch(() => undefined);
    await consumer?.disconnect().catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
  }

  private applyFact(fact: LinkFact, live: boolean, origin: 'own' | 'topic'): ApplyOutcome {
    const outcome = this.graph.apply(fact);
    this.ledger.record(outcome, fact, live);
    this.metrics.linkFacts.inc({ origin });
    return outcome;
  }

  private async startConsumer(): Promise<void> {
    const groupId = `${this.env.INGEST_GROUP_ID}.links.${hostname()}.${process.pid}.${randomBytes(4).toString('hex')}`;
    const consumer = this.kafka.consumer({
      groupId,
      maxWaitTimeInMs: this.env.INGEST_MAX_BATCH_WAIT_MS,
      minBytes: 1,
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [this.topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => this.onBatch(batch),
      });
    } catch (e) {
      await consumer.disconnect().catch(() => undefined);
      throw e;
    }
    consumer.on(consumer.events.CRASH, (event) => {
      if (event.payload.restart || this.stopping) return;
      this.logger.error(
        {
          msg: 'identity-links consumer crashed for good, starting a new one',
          err: errorText(event.payload.error),
        },
        'IdentityLinks',
      );
      this.consumer = undefined;
      void consumer.disconnect().catch(() => undefined);
      this.restartConsumer();
    });
    this.consumer = consumer;
    this.logger.log({ msg: 'reading identity links', topic: this.topic, groupId }, 'IdentityLinks');
  }

  private restartConsumer(attempt = 1): void {
    if (this.stopping) return;
    const delay = Math.min(this.env.INGEST_RETRY_BASE_MS * 2 ** (attempt - 1), this.env.INGEST_RETRY_MAX_MS);
    setTimeout(() => {
      this.startConsumer().catch((e: unknown) => {
        this.logger.warn(
          { msg: 'identity-links consumer restart failed', err: errorText(e) },
          'IdentityLinks',
        );
        this.restartConsumer(attempt + 1);
      });
    }, delay).unref();
  }

  private onBatch(batch: Batch): void {
    for (const message of batch.messages) {
      const fact = decodeLinkFact(message.value);
      if (fact === undefined) {
        this.metrics.linkFacts.inc({ origin: 'invalid' });
        this.logger.warn(
          {
            msg: 'ignoring a record that is not a link fact',
            partition: batch.partition,
            offset: message.offset,
          },
          'IdentityLinks',
        );
        continue;
      }
      this.onTopic.add(factIdOf(fact));
      if (this.loading) this.buffered.push(fact);
      else this.applyFact(fact, true, 'topic');
    }
    const next = BigInt(batch.lastOffset()) + 1n;
    if (next > (this.positions.get(batch.partition) ?? -1n)) this.positions.set(batch.partition, next);
    if (!this.loading) this.updateGraphMetrics();
    for (const waiter of [...this.waiters]) waiter();
  }

  private async partitionEnds(): Promise<PartitionEnd[]> {
    if (!this.admin) this.admin = this.kafka.admin();
    const admin = this.admin;
    this.adminConnected ??= admin.connect().catch((e: unknown) => {
      this.adminConnected = undefined;
      throw e;
    });
    await this.adminConnected;
    const offsets = await admin.fetchTopicOffsets(this.topic);
    return offsets.map((o) => ({ partition: o.partition, high: BigInt(o.high), low: BigInt(o.low) }));
  }

  private reached(ends: readonly PartitionEnd[]): boolean {
    return ends.every((e) => e.high <= e.low || (this.positions.get(e.partition) ?? -1n) >= e.high);
  }

  private waitUntil(done: () => boolean, signal: AbortSignal, timeoutMs?: number): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (done()) finish();
      };
      const onAbort = (): void => finish(new Error('stopped while waiting for the identity-links topic'));
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(
              () => finish(new Error(`identity-links topic not read up to its end within ${timeoutMs} ms`)),
              timeoutMs,
            );
      const finish = (error?: Error): void => {
        this.waiters.delete(check);
        if (timer) clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve();
      };
      if (signal.aborted) return onAbort();
      this.waiters.add(check);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
