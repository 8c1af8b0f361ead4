import { ClickHouseClient, segmentDefinitionRow } from '@cdp/clickhouse';
import { KafkaClient } from '@cdp/kafka';
import { JsonLogger } from '@cdp/observability';
import { errorText, retryUntilAborted, sleep } from '@cdp/runtime';
import { Injectable } from '@nestjs/common';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { SegmentDefinitionsRegistry } from '../definitions/segment-definitions.registry';
import { SegmenterEnv } from '../segmenter.env';
import { SegmenterMetrics } from '../segmenter.metrics';
import { SegmentHistoryConsumer } from './segment-history.consumer';
import {
  historyConsumerOptions,
  type HistoryWorkerCommand,
  type HistoryWorkerMessage,
} from './segment-history.worker';

/**
 * The ClickHouse history: every committed transition appended to `segment_transitions` by a
 * consumer of our own `cdp.segment-events` (SegmentHistoryConsumer), on a worker thread of its
 * own by default (SEGMENTER_HISTORY_THREAD; a worker that dies is started again with backoff),
 * else on the service's thread. Also records every definition the registry sees in
 * `segment_definitions`.
 */
@Injectable()
export class SegmentHistoryWriter {
  private inProcess: SegmentHistoryConsumer | undefined;
  private worker: Worker | undefined;
  private readonly abort = new AbortController();
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
    if (this.inProcess !== undefined || this.worker !== undefined || this.abort.signal.aborted) return;
    this.recording = true;
    await this.recordDefinitions([...this.registry.all().keys()]);
    if (this.env.SEGMENTER_HISTORY_THREAD) {
      await this.startWorker();
      return;
    }
    const consumer = new SegmentHistoryConsumer(
      {
        consumer: (config) => this.kafka.consumer(config),
        insertRows: (rows) => this.clickhouse.insertStreamed('segment_transitions', rows),
        logger: this.logger,
        onRows: (count) => this.metrics.historyRows.inc(count),
      },
      historyConsumerOptions(this.env, this.kafka.settings.topics.segmentEvents),
    );
    await consumer.start();
    this.inProcess = consumer;
  }

  /** Stops consuming: the running batch finishes and commits (in the worker, which then exits). */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.inProcess?.stop();
    this.inProcess = undefined;
    const worker = this.worker;
    this.worker = undefined;
    if (worker === undefined) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const stop: HistoryWorkerCommand = { kind: 'stop' };
    worker.postMessage(stop);
    await exited;
  }

  /** Starts the worker; resolves once it consumes, rejects when it fails to (it then exits). */
  private startWorker(): Promise<void> {
    const worker = new Worker(join(__dirname, 'segment-history.worker.js'));
    return new Promise<void>((resolve, reject) => {
      let started = false;
      worker.on('message', (m: HistoryWorkerMessage) => {
        if (m.kind === 'rows') this.metrics.historyRows.inc(m.count);
        else if (m.kind === 'failed') reject(new Error(m.error));
        else if (m.kind === 'started') {
          started = true;
          if (this.abort.signal.aborted) {
            // stopped while starting: stop() did not see this worker
            const stop: HistoryWorkerCommand = { kind: 'stop' };
            worker.postMessage(stop);
          } else this.worker = worker;
          resolve();
        }
      });
      worker.on('error', (e) => {
        this.logger.error({ msg: 'history worker failed', err: errorText(e) }, 'History');
        if (!started) reject(e);
      });
      worker.on('exit', (code) => {
        if (!started) {
          reject(new Error(`history worker exited (code ${code}) before it started`));
          return;
        }
        if (this.worker !== worker) return; // stopped
        this.worker = undefined;
        this.logger.error({ msg: 'history worker exited, starting it again', code }, 'History');
        void this.restartWorker();
      });
    });
  }

  private async restartWorker(): Promise<void> {
    await sleep(this.env.SEGMENTER_RETRY_BASE_MS, this.abort.signal);
    await retryUntilAborted(() => this.startWorker(), this.abort.signal, {
      baseMs: this.env.SEGMENTER_RETRY_BASE_MS,
      maxMs: this.env.SEGMENTER_RETRY_MAX_MS,
      onRetry: (attempt, e, delay) =>
        this.logger.warn(
          { msg: `starting the history worker failed, retrying in ${delay} ms`, attempt, err: errorText(e) },
          'History',
        ),
    }).catch((e: unknown) =>
      this.logger.error({ msg: 'history worker not restarted', err: errorText(e) }, 'History'),
    );
  }

  private async recordDefinitions(ids: readonly string[]): Promise<void> {
    const now = Date.now();
    const rows: Record<string, unknown>[] = [];
    for (const id of ids) {
      const k = this.registry.all().get(id);
      if (k?.kind === 'definition') rows.push(segmentDefinitionRow(k.definition, now));
    }
    if (rows.length === 0) return;
    for (let attempt = 1; attempt <= 5 && !this.abort.signal.aborted; attempt++) {
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
