import { JsonLogger } from '@cdp/observability';
import { errorText, retryUntilAborted, StartupService } from '@cdp/runtime';
import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { CampaignCatalog } from './campaign-catalog';
import { CampaignEnv } from './campaign.env';
import { CampaignMetrics } from './campaign.metrics';
import { CampaignProducer } from './campaign.producer';
import { DecisionRecorder } from './decision.recorder';
import { DeliveryWorker } from './delivery.worker';
import { SegmentEventIntake } from './segment-event.intake';
import { SegmentEventsServer } from './segment-events.server';

/**
 * Start-up order: the runtime's steps (topics, migrations) -> the campaign definitions, read
 * to the end of their topic -> the delivery worker -> the segment events consumer (so no
 * segment event is ever judged against a catalog that is still loading). Each step is retried
 * with backoff while Kafka or ClickHouse is unreachable.
 *
 * Shutdown (before Nest closes the transport and the connections): stop taking segment
 * events, write and commit the decisions handed over (the consumer still runs, so the commit
 * goes through), give webhooks in flight a moment, write their outcomes, then disconnect.
 */
@Injectable()
export class CampaignLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly abort = new AbortController();
  private starting: Promise<void> | undefined;

  constructor(
    private readonly startup: StartupService,
    private readonly catalog: CampaignCatalog,
    private readonly server: SegmentEventsServer,
    private readonly intake: SegmentEventIntake,
    private readonly recorder: DecisionRecorder,
    private readonly worker: DeliveryWorker,
    private readonly producer: CampaignProducer,
    private readonly env: CampaignEnv,
    private readonly metrics: CampaignMetrics,
    private readonly logger: JsonLogger,
  ) {}

  onApplicationBootstrap(): void {
    this.server.onAssignment((partitions) => this.worker.assign(partitions));
    this.server.onFatalCrash((error) => {
      if (this.abort.signal.aborted) return;
      this.logger.error(
        { msg: 'segment events consumer crashed for good, restarting it', err: errorText(error) },
        'Campaign',
      );
      this.metrics.consuming.set(0);
      this.starting = this.server
        .close()
        .catch(() => undefined)
        .then(() => this.startConsumer());
    });
    this.starting = this.start().catch((e: unknown) => {
      if (!this.abort.signal.aborted)
        this.logger.error({ msg: 'campaign failed to start', err: errorText(e) }, 'Campaign');
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.abort.abort();
    await this.starting;
    const budget = this.env.SHUTDOWN_TIMEOUT_MS;
    this.intake.startDraining();
    await this.recorder.drain(Math.floor(budget / 3));
    await this.worker.stop(Math.min(this.env.CAMPAIGN_WEBHOOK_TIMEOUT_MS, Math.floor(budget / 4)));
    await this.server.close().catch((e: unknown) => {
      this.logger.warn({ msg: 'closing the segment events consumer failed', err: errorText(e) }, 'Campaign');
    });
    this.metrics.consuming.set(0);
    await this.catalog.stop();
    await this.producer.disconnect().catch(() => undefined);
  }

  private async start(): Promise<void> {
    const signal = this.abort.signal;
    await Promise.race([
      this.startup.ready(),
      new Promise((resolve) => signal.addEventListener('abort', resolve)),
    ]);
    await this.untilDone('load the campaign definitions', () => this.catalog.load(signal));
    if (signal.aborted) return;
    this.worker.start();
    await this.startConsumer();
  }

  private async startConsumer(): Promise<void> {
    await this.untilDone('start the segment events consumer', async () => {
      try {
        await this.server.startConsuming();
      } catch (e) {
        await this.server.close().catch(() => undefined);
        throw e;
      }
    });
    if (this.abort.signal.aborted) return;
    this.metrics.consuming.set(1);
    this.logger.log(
      { msg: 'consuming segment events', topic: this.server.topic, groupId: this.env.CAMPAIGN_GROUP_ID },
      'Campaign',
    );
  }

  private async untilDone(what: string, step: () => Promise<unknown>): Promise<void> {
    await retryUntilAborted(step, this.abort.signal, {
      baseMs: this.env.CAMPAIGN_RETRY_BASE_MS,
      maxMs: this.env.CAMPAIGN_RETRY_MAX_MS,
      onRetry: (attempt, e, delay) =>
        this.logger.warn(
          { msg: `${what} failed, retrying in ${delay} ms`, attempt, err: errorText(e) },
          'Campaign',
        ),
    });
  }
}
