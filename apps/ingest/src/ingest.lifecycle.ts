import { JsonLogger } from '@cdp/observability';
import { errorText, retryUntilAborted, sleep, StartupService } from '@cdp/runtime';
import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { IdentityLinksStore } from './identity-links.store';
import { IdentityOutcomesRecorder } from './identity-outcomes.recorder';
import { IngestEnv } from './ingest.env';
import { IngestProducer } from './ingest.producer';
import { RawEventsConsumer } from './raw-events.consumer';

/**
 * Start and stop of the ingest work, in order. Start (in the background, after the runtime's
 * start-up steps created the topics and applied the migrations): load the identity graph from
 * the links topic, reconcile its merges with ClickHouse, start the periodic identity flush, then
 * consume the raw topics; each step retried with backoff. Shutdown: stop the raw consumer (the
 * running batch finishes and commits, or gives up if it is retrying), flush identity outcomes
 * once, stop the links reader, disconnect the producer.
 */
@Injectable()
export class IngestLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly abort = new AbortController();
  private starting: Promise<void> | undefined;

  constructor(
    private readonly startup: StartupService,
    private readonly links: IdentityLinksStore,
    private readonly recorder: IdentityOutcomesRecorder,
    private readonly consumer: RawEventsConsumer,
    private readonly producer: IngestProducer,
    private readonly env: IngestEnv,
    private readonly logger: JsonLogger,
  ) {}

  onApplicationBootstrap(): void {
    this.starting = this.start().catch((e: unknown) => {
      if (!this.abort.signal.aborted) {
        this.logger.error({ msg: 'ingest failed to start', err: errorText(e) }, 'Ingest');
      }
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.abort.abort();
    await this.starting;
    await this.consumer.stop().catch((e: unknown) => {
      this.logger.warn({ msg: 'stopping the raw consumer failed', err: errorText(e) }, 'Ingest');
    });
    await this.recorder.stop();
    await Promise.race([this.recorder.flush().catch(() => undefined), sleep(2000)]);
    await this.links.stop();
    await this.producer.disconnect().catch(() => undefined);
  }

  private async start(): Promise<void> {
    const signal = this.abort.signal;
    await Promise.race([
      this.startup.ready(),
      new Promise((resolve) => signal.addEventListener('abort', resolve)),
    ]);
    await this.untilDone('load the identity graph', () => this.links.load(signal));
    await this.untilDone('reconcile identity outcomes', () => this.recorder.reconcile());
    if (signal.aborted) return;
    this.recorder.start();
    await this.untilDone('start the raw consumer', () => this.consumer.start());
  }

  private async untilDone(what: string, step: () => Promise<unknown>): Promise<void> {
    await retryUntilAborted(step, this.abort.signal, {
      baseMs: this.env.INGEST_RETRY_BASE_MS,
      maxMs: this.env.INGEST_RETRY_MAX_MS,
      onRetry: (attempt, e, delay) =>
        this.logger.warn(
          { msg: `${what} failed, retrying in ${delay} ms`, attempt, err: errorText(e) },
          'Ingest',
        ),
    });
  }
}
