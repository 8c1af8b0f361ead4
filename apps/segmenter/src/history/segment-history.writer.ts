import { errorText, sleep } from '@cdp/runtime';
import { ClickHouseClient, formatDateTime } from '@cdp/clickhouse';
import { parseSegmentEvent, type SegmentDefinition } from '@cdp/domain/segments';
import { KafkaClient } from '@cdp/kafka';
import { JsonLogger } from '@cdp/observability';
import { Injectable } from '@nestjs/common';
import type { Consumer, EachBatchPayload } from 'kafkajs';
import { eachCooperatively } from '../cooperative-loop';
import { SegmentDefinitionsRegistry } from '../definitions/segment-definitions.registry';
import { SegmenterEnv } from '../segmenter.env';
import { SegmenterMetrics } from '../segmenter.metrics';

/** A `segment_transitions` row (migration 0004). */
export interface TransitionRow {
  id: string;
  segment_id: string;
  segment_version: number;
  profile_id: string;
  type: string;
  sequence: number;
  occurred_at: string;
  occurred_ms: number;
  emitted_at: string;
  emitted_ms: number;
  cause_kind: string;
  cause_event_id: string;
  cause_topic: string;
  cause_partition: number;
  cause_offset: string;
  reason: string;
  user_id: string;
  email: string;
  anonymous_ids: string[];
  recorded_at: string;
}

const ms = (iso: string): number => Date.parse(iso);
const millis = (t: number): number => ((t % 1000) + 1000) % 1000;

/** A segment event (value of cdp.segment-events) and its sequence header -> a history row. */
export function transitionRow(
  value: string,
  sequence: number,
  recordedAt: number,
): TransitionRow | undefined {
  const e = parseSegmentEvent(value);
  if (e === undefined) return undefined;
  const occurred = ms(e.occurredAt);
  const emitted = ms(e.emittedAt);
  if (!Number.isFinite(occurred) || !Number.isFinite(emitted)) return undefined;
  return {
    id: e.id,
    segment_id: e.segment.id,
    segment_version: e.segment.version,
    profile_id: e.profileId,
    type: e.type,
    sequence,
    occurred_at: formatDateTime(new Date(occurred)),
    occurred_ms: millis(occurred),
    emitted_at: formatDateTime(new Date(emitted)),
    emitted_ms: millis(emitted),
    cause_kind: e.cause.kind,
    cause_event_id: e.cause.eventId ?? '',
    cause_topic: e.cause.kafka?.topic ?? '',
    cause_partition: e.cause.kafka?.partition ?? -1,
    cause_offset: e.cause.kafka?.offset ?? '',
    reason: JSON.stringify(e.reason),
    user_id: e.identities.userId ?? '',
    email: e.identities.email ?? '',
    anonymous_ids: e.identities.anonymousIds,
    recorded_at: formatDateTime(new Date(recordedAt)),
  };
}

/** A definition -> a `segment_definitions` row. */
export function definitionRow(d: SegmentDefinition, recordedAt: number): Record<string, unknown> {
  const updated = Date.parse(d.updatedAt);
  return {
    segment_id: d.id,
    version: d.version,
    status: d.status,
    name: d.name,
    description: d.description ?? '',
    rule: JSON.stringify(d.rule),
    exit_on_archive: d.exitOnArchive === false ? 0 : 1,
    created_at: formatDateTime(new Date(Date.parse(d.createdAt))),
    updated_at: formatDateTime(new Date(updated)),
    updated_ms: millis(updated),
    recorded_at: formatDateTime(new Date(recordedAt)),
  };
}

/**
 * The ClickHouse history: a consumer of our own `cdp.segment-events` (group
 * `<SEGMENTER_GROUP_ID>.history`, read_committed, so only committed transitions) that appends
 * every transition to `segment_transitions` and commits its offsets after the insert. At least
 * once: a crash between insert and commit inserts again, and the ReplacingMergeTree collapses
 * the copy (same id, same sorting key); read with FINAL. Also records every definition the
 * registry sees in `segment_definitions`.
 */
@Injectable()
export class SegmentHistoryWriter {
  private consumer: Consumer | undefined;
  private stopping = false;
  private recording = false;

  constructor(
    private readonly kafka: KafkaClient,
    private readonly clickhouse: ClickHouseClient,
    private readonly registry: SegmentDefinitionsRegistry,
    private readonly env: SegmenterEnv,
    private readonly metrics: SegmenterMetrics,
    private readonly logger: JsonLogger,
  ) {
    registry.onChange((ids) => {
      if (this.recording) void this.recordDefinitions(ids);
    });
  }

  async start(): Promise<void> {
    if (this.consumer || this.stopping) return;
    this.recording = true;
    await this.recordDefinitions([...this.registry.all().keys()]);
    const consumer = this.kafka.consumer({
      groupId: `${this.env.SEGMENTER_GROUP_ID}.history`,
      maxWaitTimeInMs: this.env.SEGMENTER_HISTORY_MAX_WAIT_MS,
      minBytes: this.env.SEGMENTER_HISTORY_FETCH_MIN_BYTES,
      readUncommitted: false,
      // the events consumer starts after this one joins: a crashed instance's member must not
      // hold the restart up longer than the configured session (kafkajs's default is 30 s)
      sessionTimeout: this.env.SEGMENTER_SESSION_TIMEOUT_MS,
      heartbeatInterval: Math.min(3000, Math.floor(this.env.SEGMENTER_SESSION_TIMEOUT_MS / 5)),
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [this.kafka.settings.topics.segmentEvents], fromBeginning: true });
      await consumer.run({ eachBatchAutoResolve: false, eachBatch: (p) => this.handle(p) });
    } catch (e) {
      // leave no half-started member behind: the start-up retry creates a new one
      await consumer.disconnect().catch(() => undefined);
      throw e;
    }
    this.consumer = consumer;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.stop().catch(() => undefined);
    await consumer?.disconnect().catch(() => undefined);
  }

  private async handle(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const now = Date.now();
    const rows: TransitionRow[] = [];
    // a second of transitions at once: parsed, and encoded below, in slices that give the event
    // loop back to the evaluation sharing the process
    await eachCooperatively(batch.messages, (m) => {
      const seq = Number(m.headers?.['cdp-sequence']?.toString() ?? '0');
      const row = m.value === null ? undefined : transitionRow(m.value.toString('utf8'), seq, now);
      if (row) rows.push(row);
    });
    for (let attempt = 1; rows.length > 0; attempt++) {
      try {
        await this.clickhouse.insertStreamed('segment_transitions', rows);
        this.metrics.historyRows.inc(rows.length);
        break;
      } catch (e) {
        if (!payload.isRunning() || payload.isStale() || this.stopping) return;
        const delay = Math.min(
          this.env.SEGMENTER_RETRY_BASE_MS * 2 ** (attempt - 1),
          this.env.SEGMENTER_RETRY_MAX_MS,
        );
        this.logger.warn(
          { msg: `history insert failed, retrying in ${delay} ms`, err: errorText(e) },
          'History',
        );
        await sleep(delay);
        await payload.heartbeat().catch(() => undefined);
      }
    }
    // up to the batch's last record, the transaction marker after the messages included: an
    // idle writer's committed offsets reach the end of the topic (the api's erasure waits on them)
    if (batch.messages.length > 0) payload.resolveOffset(batch.lastOffset());
  }

  private async recordDefinitions(ids: readonly string[]): Promise<void> {
    const now = Date.now();
    const rows: Record<string, unknown>[] = [];
    for (const id of ids) {
      const k = this.registry.all().get(id);
      if (k?.kind === 'definition') rows.push(definitionRow(k.definition, now));
    }
    if (rows.length === 0) return;
    for (let attempt = 1; attempt <= 5 && !this.stopping; attempt++) {
      try {
        await this.clickhouse.insert('segment_definitions', rows);
        return;
      } catch (e) {
        this.logger.warn(
          { msg: 'recording segment definitions failed', attempt, err: errorText(e) },
          'History',
        );
        await sleep(
          Math.min(this.env.SEGMENTER_RETRY_BASE_MS * 2 ** attempt, this.env.SEGMENTER_RETRY_MAX_MS),
        );
      }
    }
  }
}
