import {
  decodeSegmentDefinition,
  type SegmentDefinition,
  type SegmentDefinitionRecord,
} from '@cdp/domain/segments';
import { KafkaClient } from '@cdp/kafka';
import { JsonLogger } from '@cdp/observability';
import { Injectable } from '@nestjs/common';
import type { Admin, KafkaMessage } from 'kafkajs';
import { TopicTail } from '../kafka/topic-tail';
import { SegmenterEnv } from '../segmenter.env';
import { SegmenterMetrics } from '../segmenter.metrics';

/** A definition as the registry holds it: the latest valid one per id, or deleted (tombstone). */
export type KnownDefinition =
  { kind: 'definition'; definition: SegmentDefinition } | { kind: 'deleted'; id: string };

/**
 * Every segment definition, read from the compacted definitions topic in full (own consumer
 * group, from the beginning, never committed) and followed: a new or changed definition
 * reaches every instance without a restart. An invalid record is logged and counted; the
 * segment keeps its last valid definition. Listeners are told after every change.
 */
@Injectable()
export class SegmentDefinitionsRegistry {
  private readonly known = new Map<string, KnownDefinition>();
  private readonly listeners: ((changed: string[]) => void)[] = [];
  private tail: TopicTail | undefined;
  private admin: Admin | undefined;
  private version = 0;

  constructor(
    private readonly kafka: KafkaClient,
    private readonly env: SegmenterEnv,
    private readonly metrics: SegmenterMetrics,
    private readonly logger: JsonLogger,
  ) {}

  /** Increases with every change (a partition compares it with what it reconciled last). */
  get generation(): number {
    return this.version;
  }

  /** Starts reading; resolves once the topic was read up to its end as of now. */
  async start(): Promise<void> {
    if (this.tail) return;
    this.admin = this.kafka.kafka.admin();
    await this.admin.connect();
    const tail = new TopicTail({
      kafka: this.kafka.kafka,
      admin: this.admin,
      topic: this.kafka.settings.topics.segments,
      groupPrefix: `${this.env.SEGMENTER_GROUP_ID}.segments`,
      maxWaitTimeInMs: 100,
      onMessage: (_partition, m) => this.onRecord(m),
    });
    this.tail = tail;
    try {
      await tail.start();
    } catch (e) {
      // a failed start leaves nothing behind, so that the start-up retry really starts again
      await this.stop();
      throw e;
    }
    await tail.caughtUp;
    this.logger.log(
      { msg: 'segment definitions loaded', segments: this.known.size, active: this.activeCount() },
      'Definitions',
    );
  }

  async stop(): Promise<void> {
    await this.tail?.stop();
    this.tail = undefined;
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = undefined;
  }

  onChange(listener: (changed: string[]) => void): void {
    this.listeners.push(listener);
  }

  /** Every known segment (definitions and tombstones), by id. */
  all(): ReadonlyMap<string, KnownDefinition> {
    return this.known;
  }

  private activeCount(): number {
    let n = 0;
    for (const k of this.known.values()) if (k.kind === 'definition' && k.definition.status === 'active') n++;
    return n;
  }

  private onRecord(m: KafkaMessage): void {
    const key = m.key?.toString('utf8') ?? null;
    const record: SegmentDefinitionRecord = decodeSegmentDefinition(key, m.value?.toString('utf8') ?? null);
    this.metrics.definitions.inc({ outcome: record.kind });
    switch (record.kind) {
      case 'invalid':
        this.logger.error(
          { msg: 'invalid segment definition ignored', segment: record.id, problems: record.problems },
          'Definitions',
        );
        return;
      case 'deleted':
        if (!this.known.has(record.id) || this.known.get(record.id)?.kind === 'deleted') return;
        this.known.set(record.id, { kind: 'deleted', id: record.id });
        this.changed(record.id);
        return;
      case 'definition': {
        const before = this.known.get(record.definition.id);
        if (
          before?.kind === 'definition' &&
          JSON.stringify(before.definition) === JSON.stringify(record.definition)
        ) {
          return;
        }
        this.known.set(record.definition.id, record);
        this.changed(record.definition.id);
        return;
      }
    }
  }

  private changed(id: string): void {
    this.version += 1;
    this.metrics.activeSegments.set(this.activeCount());
    for (const l of this.listeners) {
      try {
        l([id]);
      } catch (e) {
        this.logger.error({ msg: 'definitions listener failed', err: String(e) }, 'Definitions');
      }
    }
  }
}
