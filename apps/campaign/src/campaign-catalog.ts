import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { KafkaClient } from '@cdp/kafka';
import { JsonLogger } from '@cdp/observability';
import { Injectable } from '@nestjs/common';
import type { Admin, Batch, Consumer } from 'kafkajs';
import { CampaignEnv } from './campaign.env';
import { CampaignMetrics } from './campaign.metrics';
import { decodeCampaign, type CampaignDefinition, type TriggerOn } from './domain/campaign-definition';
import { errorText } from '@cdp/runtime';

/** A definition that changed: `after` undefined means deleted. */
export interface CatalogChange {
  id: string;
  before: CampaignDefinition | undefined;
  after: CampaignDefinition | undefined;
}

/**
 * The campaign definitions this process acts on: the compacted `cdp.campaigns` topic (key =
 * campaign id, value = definition JSON, tombstone = deleted), read in full from the beginning
 * with a consumer group of its own (random id, never committed), and then followed live, so a
 * create, update, pause or delete made through the api takes effect without a restart.
 *
 * A record that is not a valid definition is logged, counted and ignored (the previous
 * definition stays); a record with a lower version than the one held is ignored as stale.
 */
@Injectable()
export class CampaignCatalog {
  private readonly campaigns = new Map<string, CampaignDefinition>();
  private readonly bySegment = new Map<string, Set<string>>();
  private readonly listeners = new Set<(change: CatalogChange) => void>();
  private readonly positions = new Map<number, bigint>();
  private readonly waiters = new Set<() => void>();
  private readonly topic: string;
  private consumer: Consumer | undefined;
  private admin: Admin | undefined;
  private stopping = false;

  constructor(
    private readonly kafka: KafkaClient,
    private readonly env: CampaignEnv,
    private readonly metrics: CampaignMetrics,
    private readonly logger: JsonLogger,
  ) {
    this.topic = kafka.settings.topics.campaigns;
  }

  get size(): number {
    return this.campaigns.size;
  }

  get(id: string): CampaignDefinition | undefined {
    return this.campaigns.get(id);
  }

  all(): CampaignDefinition[] {
    return [...this.campaigns.values()];
  }

  /** Campaigns (active or paused) triggered by `on` transitions of `segmentId`. */
  triggeredBy(segmentId: string, on: TriggerOn): CampaignDefinition[] {
    const ids = this.bySegment.get(segmentId);
    if (!ids) return [];
    const out: CampaignDefinition[] = [];
    for (const id of ids) {
      const c = this.campaigns.get(id);
      if (c && c.trigger.on === on) out.push(c);
    }
    return out;
  }

  onChange(listener: (change: CatalogChange) => void): void {
    this.listeners.add(listener);
  }

  /** Starts following the topic; resolves once everything it held at the call has been applied. */
  async load(signal: AbortSignal): Promise<void> {
    const started = Date.now();
    const ends = await this.partitionEnds();
    if (!this.consumer) await this.startConsumer();
    await this.waitUntil(() => this.reached(ends), signal);
    this.logger.log(
      { msg: 'campaign definitions loaded', campaigns: this.campaigns.size, ms: Date.now() - started },
      'Catalog',
    );
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.disconnect().catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
    for (const w of [...this.waiters]) w();
  }

  /** Applies one record of the topic (exported for tests). */
  apply(key: string, value: Buffer | string | null): void {
    const before = this.campaigns.get(key);
    if (value === null) {
      if (!before) return;
      this.campaigns.delete(key);
      this.bySegment.get(before.trigger.segment)?.delete(key);
      this.metrics.definitionVersion.remove({ campaign: key, status: before.status });
      this.logger.log({ msg: 'campaign deleted', campaign: key, version: before.version }, 'Catalog');
      this.emit({ id: key, before, after: undefined });
      return;
    }
    const decoded = decodeCampaign(key, value);
    if (!decoded.ok) {
      this.metrics.invalidDefinitions.inc();
      this.logger.warn(
        { msg: 'ignoring an invalid campaign definition', campaign: key, error: decoded.error },
        'Catalog',
      );
      return;
    }
    const after = decoded.campaign;
    if (before && after.version < before.version) {
      this.logger.warn(
        {
          msg: 'ignoring a stale campaign definition',
          campaign: key,
          version: after.version,
          held: before.version,
        },
        'Catalog',
      );
      return;
    }
    this.campaigns.set(key, after);
    if (before) {
      this.bySegment.get(before.trigger.segment)?.delete(key);
      this.metrics.definitionVersion.remove({ campaign: key, status: before.status });
    }
    let ids = this.bySegment.get(after.trigger.segment);
    if (!ids) this.bySegment.set(after.trigger.segment, (ids = new Set()));
    ids.add(key);
    this.metrics.definitionVersion.set({ campaign: key, status: after.status }, after.version);
    this.logger.log(
      {
        msg: before ? 'campaign updated' : 'campaign loaded',
        campaign: key,
        version: after.version,
        status: after.status,
        trigger: after.trigger,
      },
      'Catalog',
    );
    this.emit({ id: key, before, after });
  }

  private emit(change: CatalogChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (e) {
        this.logger.error({ msg: 'campaign change listener failed', err: errorText(e) }, 'Catalog');
      }
    }
  }

  private async startConsumer(): Promise<void> {
    const groupId = `${this.env.CAMPAIGN_GROUP_ID}.catalog.${hostname()}.${process.pid}.${randomBytes(4).toString('hex')}`;
    const consumer = this.kafka.consumer({ groupId, maxWaitTimeInMs: this.env.CAMPAIGN_MAX_BATCH_WAIT_MS });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [this.topic], fromBeginning: true });
      await consumer.run({ autoCommit: false, eachBatch: async ({ batch }) => this.onBatch(batch) });
    } catch (e) {
      await consumer.disconnect().catch(() => undefined);
      throw e;
    }
    consumer.on(consumer.events.CRASH, (event) => {
      if (event.payload.restart || this.stopping) return;
      this.logger.error(
        {
          msg: 'campaigns consumer crashed for good, starting a new one',
          err: errorText(event.payload.error),
        },
        'Catalog',
      );
      this.consumer = undefined;
      void consumer.disconnect().catch(() => undefined);
      this.restart(1);
    });
    this.consumer = consumer;
    this.logger.log({ msg: 'following campaign definitions', topic: this.topic, groupId }, 'Catalog');
  }

  private restart(attempt: number): void {
    if (this.stopping) return;
    const delay = Math.min(
      this.env.CAMPAIGN_RETRY_BASE_MS * 2 ** (attempt - 1),
      this.env.CAMPAIGN_RETRY_MAX_MS,
    );
    setTimeout(() => {
      // a new group starts from the beginning: every definition is applied again (idempotent)
      this.startConsumer().catch((e: unknown) => {
        this.logger.warn({ msg: 'campaigns consumer restart failed', err: errorText(e) }, 'Catalog');
        this.restart(attempt + 1);
      });
    }, delay).unref();
  }

  private onBatch(batch: Batch): void {
    for (const message of batch.messages) {
      const key = message.key?.toString('utf8');
      if (!key) {
        this.metrics.invalidDefinitions.inc();
        this.logger.warn(
          { msg: 'ignoring a campaign record without a key', offset: message.offset },
          'Catalog',
        );
        continue;
      }
      this.apply(key, message.value);
    }
    const next = BigInt(batch.lastOffset()) + 1n;
    if (next > (this.positions.get(batch.partition) ?? -1n)) this.positions.set(batch.partition, next);
    for (const waiter of [...this.waiters]) waiter();
  }

  private async partitionEnds(): Promise<{ partition: number; high: bigint; low: bigint }[]> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    const offsets = await this.admin.fetchTopicOffsets(this.topic);
    return offsets.map((o) => ({ partition: o.partition, high: BigInt(o.high), low: BigInt(o.low) }));
  }

  private reached(ends: readonly { partition: number; high: bigint; low: bigint }[]): boolean {
    return ends.every((e) => e.high <= e.low || (this.positions.get(e.partition) ?? -1n) >= e.high);
  }

  private waitUntil(done: () => boolean, signal: AbortSignal): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.stopping) finish(new Error('stopped while loading campaign definitions'));
        else if (done()) finish();
      };
      const onAbort = (): void => finish(new Error('stopped while loading campaign definitions'));
      const finish = (error?: Error): void => {
        this.waiters.delete(check);
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
