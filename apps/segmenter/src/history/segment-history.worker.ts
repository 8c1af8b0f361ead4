import { ClickHouseClient, clickHouseSettingsFromEnv } from '@cdp/clickhouse';
import { loadConfig } from '@cdp/config';
import { KafkaClient, kafkaSettingsFromEnv } from '@cdp/kafka';
import { JsonLogger } from '@cdp/observability';
import { errorText } from '@cdp/runtime';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { isMainThread, parentPort, type MessagePort } from 'node:worker_threads';
import { SegmenterEnv } from '../segmenter.env';
import { SegmentHistoryConsumer, type SegmentHistoryConsumerOptions } from './segment-history.consumer';

/** Worker -> service: started (consuming), failed to start (the worker then exits), rows written. */
export type HistoryWorkerMessage =
  { kind: 'started' } | { kind: 'failed'; error: string } | { kind: 'rows'; count: number };

/** Service -> worker: stop consuming (the running batch finishes and commits), then exit. */
export type HistoryWorkerCommand = { kind: 'stop' };

/** The history consumer's settings from the segmenter's environment. */
export function historyConsumerOptions(env: SegmenterEnv, topic: string): SegmentHistoryConsumerOptions {
  return {
    groupId: `${env.SEGMENTER_GROUP_ID}.history`,
    topic,
    maxWaitTimeInMs: env.SEGMENTER_HISTORY_MAX_WAIT_MS,
    minBytes: env.SEGMENTER_HISTORY_FETCH_MIN_BYTES,
    sessionTimeoutMs: env.SEGMENTER_SESSION_TIMEOUT_MS,
    retryBaseMs: env.SEGMENTER_RETRY_BASE_MS,
    retryMaxMs: env.SEGMENTER_RETRY_MAX_MS,
  };
}

/**
 * Sets this thread's nice value (Linux: a thread is a task of its own, /proc/thread-self names
 * it): the history is not on the way of a transition to its consumers, so on a busy machine it
 * yields to the evaluation, ingest and Kafka instead of taking turns with them.
 */
function lowerThreadPriority(nice: number): void {
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  if (!Number.isInteger(tid)) throw new Error('no thread id in /proc/thread-self');
  setPriority(tid, nice);
}

/**
 * The history consumer on a thread of its own (SEGMENTER_HISTORY_THREAD): fetching, parsing
 * and inserting every transition again is as much work as emitting it, and at a burst of
 * transitions it would take turns with the evaluation on the service's thread. The worker
 * validates the same environment (a copy of the process's) and has its own Kafka and
 * ClickHouse connections.
 */
async function runWorker(port: MessagePort): Promise<void> {
  const post = (m: HistoryWorkerMessage): void => port.postMessage(m);
  let env: SegmenterEnv;
  try {
    env = loadConfig(SegmenterEnv, process.env);
  } catch (e) {
    post({ kind: 'failed', error: errorText(e) });
    port.close();
    return;
  }
  const logger = new JsonLogger('segmenter', env.LOG_LEVEL);
  if (env.SEGMENTER_HISTORY_NICE !== 0) {
    try {
      lowerThreadPriority(env.SEGMENTER_HISTORY_NICE);
    } catch (e) {
      logger.warn({ msg: 'could not lower the history thread priority', err: errorText(e) }, 'History');
    }
  }
  const kafka = new KafkaClient(
    kafkaSettingsFromEnv(env, `${env.KAFKA_CLIENT_ID}-segmenter-history`),
    logger,
  );
  const clickhouse = new ClickHouseClient(clickHouseSettingsFromEnv(env, 'cdp-segmenter-history'));
  const history = new SegmentHistoryConsumer(
    {
      consumer: (config) => kafka.consumer(config),
      insertRows: (rows) => clickhouse.insertStreamed('segment_transitions', rows),
      logger,
      onRows: (count) => post({ kind: 'rows', count }),
    },
    historyConsumerOptions(env, kafka.settings.topics.segmentEvents),
  );
  const close = async (): Promise<void> => {
    await history.stop();
    await kafka.onApplicationShutdown();
    await clickhouse.close();
  };
  port.on('message', (command: HistoryWorkerCommand) => {
    if (command.kind !== 'stop') return;
    void close().finally(() => port.close());
  });
  try {
    await history.start();
    post({ kind: 'started' });
  } catch (e) {
    post({ kind: 'failed', error: errorText(e) });
    await close();
    port.close();
  }
}

if (!isMainThread && parentPort !== null) void runWorker(parentPort);
