import { BaseEnv } from '@cdp/config';
import { ClickHouseClient, defaultMigrationsDir, loadMigrations, migrate } from '@cdp/clickhouse';
import { contractTopicSpecs, ensureTopics, KafkaClient } from '@cdp/kafka';
import { HealthService, JsonLogger, MetricsService } from '@cdp/observability';
import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';

interface StartupStep {
  name: string;
  run(): Promise<string | undefined>;
}

/**
 * Brings the service's dependencies into shape after start-up without blocking it:
 * creates the contract topics and applies ClickHouse migrations, retrying with backoff
 * while Kafka or ClickHouse is unreachable. Until every step succeeded the service
 * reports not ready (`startup` check); `ready()` resolves when it has.
 */
@Injectable()
export class StartupService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly pending = new Map<string, string>();
  private stopped = false;
  private resolveReady!: () => void;
  private readonly readyPromise = new Promise<void>((resolve) => (this.resolveReady = resolve));

  constructor(
    private readonly env: BaseEnv,
    private readonly kafka: KafkaClient,
    private readonly clickhouse: ClickHouseClient,
    private readonly logger: JsonLogger,
    private readonly metrics: MetricsService,
    health: HealthService,
  ) {
    health.register({
      name: 'startup',
      check: async () => {
        if (this.pending.size === 0) return;
        const waiting = [...this.pending].map(([step, err]) => (err ? `${step} (${err})` : step));
        throw new Error(`waiting for: ${waiting.join(', ')}`);
      },
    });
  }

  ready(): Promise<void> {
    return this.readyPromise;
  }

  onApplicationBootstrap(): void {
    const steps = this.steps();
    for (const s of steps) this.pending.set(s.name, '');
    const duration = this.metrics.gauge(
      'cdp_startup_seconds',
      'Seconds the start-up steps took until they all succeeded',
    );
    const started = Date.now();
    void Promise.all(steps.map((s) => this.runWithRetry(s))).then(() => {
      if (this.stopped) return;
      duration.set((Date.now() - started) / 1000);
      this.logger.log({ msg: 'start-up steps done', steps: steps.map((s) => s.name) }, 'Startup');
      this.resolveReady();
    });
  }

  onApplicationShutdown(): void {
    this.stopped = true;
  }

  private steps(): StartupStep[] {
    const steps: StartupStep[] = [];
    if (this.env.KAFKA_CREATE_TOPICS) {
      steps.push({
        name: 'kafka-topics',
        run: async () => {
          const admin = this.kafka.kafka.admin();
          await admin.connect();
          try {
            const s = this.kafka.settings;
            const created = await ensureTopics(
              admin,
              contractTopicSpecs(s.topics, s.partitions, s.replicationFactor),
            );
            return created.length > 0 ? `created topics ${created.join(', ')}` : undefined;
          } finally {
            await admin.disconnect();
          }
        },
      });
    }
    if (this.env.CLICKHOUSE_MIGRATE) {
      steps.push({
        name: 'clickhouse-migrations',
        run: async () => {
          const db = this.clickhouse.database;
          const result = await migrate(
            this.clickhouse.server(),
            db,
            loadMigrations(defaultMigrationsDir(), db),
            {
              info: (msg, fields) => this.logger.log({ msg, ...fields }, 'Migrations'),
            },
          );
          return `schema at version ${result.applied.length + result.alreadyApplied} (${result.applied.length} applied now)`;
        },
      });
    }
    return steps;
  }

  private async runWithRetry(step: StartupStep): Promise<void> {
    let delay = 500;
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        const note = await step.run();
        this.pending.delete(step.name);
        if (note) this.logger.log({ msg: `${step.name}: ${note}` }, 'Startup');
        return;
      } catch (e) {
        const error = e instanceof Error ? e.message : String(e);
        this.pending.set(step.name, error);
        this.logger.warn({ msg: `${step.name} failed, retrying in ${delay} ms`, attempt, error }, 'Startup');
        await new Promise((r) => setTimeout(r, delay).unref());
        delay = Math.min(delay * 2, 10000);
      }
    }
  }
}
