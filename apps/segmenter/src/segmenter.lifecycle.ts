import { KafkaClient } from '@cdp/kafka';
import { HealthService, JsonLogger } from '@cdp/observability';
import { errorText, retryUntilAborted, StartupService } from '@cdp/runtime';
import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { SegmentDefinitionsRegistry } from './definitions/segment-definitions.registry';
import { EventsConsumer } from './events.consumer';
import { SegmentHistoryWriter } from './history/segment-history.writer';
import { PartitionManager } from './partition-manager';
import { SegmenterEnv } from './segmenter.env';

/**
 * Start and stop of the segmenter, in order. Start (in the background, after the runtime's
 * start-up steps created the topics and applied the migrations), each step retried with
 * backoff: check that the state topic has as many partitions as the events topic (the state
 * of a profile lives on the partition number of its events), load the segment definitions,
 * start the history writer, then consume cdp.events. Until then the `segmenter` readiness check
 * is down. Shutdown: stop consuming (running units finish and commit), stop the scheduler and
 * release the partitions, the history writer and the definitions reader.
 */
@Injectable()
export class SegmenterLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly abort = new AbortController();
  private starting: Promise<void> | undefined;
  private step = 'waiting for the start-up steps';

  constructor(
    private readonly startup: StartupService,
    private readonly kafka: KafkaClient,
    private readonly registry: SegmentDefinitionsRegistry,
    private readonly partitions: PartitionManager,
    private readonly history: SegmentHistoryWriter,
    private readonly consumer: EventsConsumer,
    private readonly env: SegmenterEnv,
    private readonly logger: JsonLogger,
    health: HealthService,
  ) {
    health.register({
      name: 'segmenter',
      check: async () => {
        if (this.step !== 'consuming') throw new Error(this.step);
      },
    });
  }

  onApplicationBootstrap(): void {
    this.starting = this.start().catch((e: unknown) => {
      if (!this.abort.signal.aborted)
        this.logger.error({ msg: 'segmenter failed to start', err: errorText(e) }, 'Segmenter');
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.abort.abort();
    await this.starting;
    await this.consumer.stop().catch(() => undefined);
    await this.partitions.stop().catch(() => undefined);
    await this.history.stop().catch(() => undefined);
    await this.registry.stop().catch(() => undefined);
  }

  private async start(): Promise<void> {
    const signal = this.abort.signal;
    await Promise.race([
      this.startup.ready(),
      new Promise((resolve) => signal.addEventListener('abort', resolve)),
    ]);
    const partitions = await this.untilDone('check the topics', () => this.partitionCount());
    if (partitions === undefined) return;
    await this.untilDone('load the segment definitions', () => this.registry.start());
    await this.untilDone('start the partitions', () => this.partitions.start(partitions));
    if (this.env.SEGMENTER_HISTORY_ENABLED) {
      await this.untilDone('start the history writer', () => this.history.start());
    }
    await this.untilDone('consume the events topic', () => this.consumer.start());
    if (!signal.aborted) this.step = 'consuming';
  }

  /** Partitions of the events topic; fails while the state topic's count differs. */
  private async partitionCount(): Promise<number> {
    const { events, segmentState } = this.kafka.settings.topics;
    const admin = this.kafka.kafka.admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [events, segmentState] });
      const count = (name: string): number => topics.find((t) => t.name === name)?.partitions.length ?? 0;
      const [e, s] = [count(events), count(segmentState)];
      if (e === 0) throw new Error(`topic ${events} has no partitions`);
      if (e !== s) {
        throw new Error(
          `${segmentState} has ${s} partitions but ${events} has ${e}: the state topic must be partitioned like the events topic`,
        );
      }
      return e;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private async untilDone<T>(what: string, step: () => Promise<T>): Promise<T | undefined> {
    this.step = what;
    return retryUntilAborted(
      async () => {
        this.step = what;
        return step();
      },
      this.abort.signal,
      {
        baseMs: this.env.SEGMENTER_RETRY_BASE_MS,
        maxMs: this.env.SEGMENTER_RETRY_MAX_MS,
        onRetry: (attempt, e, delay) => {
          this.step = `${what} (${errorText(e)})`;
          this.logger.warn(
            { msg: `${what} failed, retrying in ${delay} ms`, attempt, err: errorText(e) },
            'Segmenter',
          );
        },
      },
    );
  }
}
