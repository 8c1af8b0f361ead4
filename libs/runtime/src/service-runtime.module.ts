import { ClickHouseClient, clickHouseSettingsFromEnv } from '@cdp/clickhouse';
import { BaseEnv } from '@cdp/config';
import { KafkaClient, kafkaSettingsFromEnv } from '@cdp/kafka';
import { JsonLogger, ObservabilityModule } from '@cdp/observability';
import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConnectionsLifecycle } from './connections.lifecycle';
import { StartupService } from './startup.service';

export interface ServiceRuntimeOptions {
  service: string;
  env: BaseEnv;
  logger: JsonLogger;
}

/**
 * What every service has: validated config (injectable as BaseEnv and as its own class),
 * JSON logging, metrics and health, a Kafka client, a ClickHouse client, and the
 * start-up steps (topics, migrations).
 */
@Global()
@Module({})
export class ServiceRuntimeModule {
  static forRoot({ service, env, logger }: ServiceRuntimeOptions): DynamicModule {
    const envClass = env.constructor as new () => BaseEnv;
    return {
      module: ServiceRuntimeModule,
      imports: [
        ObservabilityModule.forRoot(service, { logger, healthTimeoutMs: env.HEALTH_CHECK_TIMEOUT_MS }),
      ],
      providers: [
        { provide: BaseEnv, useValue: env },
        ...(envClass === BaseEnv ? [] : [{ provide: envClass, useValue: env }]),
        {
          provide: KafkaClient,
          useFactory: (log: JsonLogger) =>
            new KafkaClient(kafkaSettingsFromEnv(env, `${env.KAFKA_CLIENT_ID}-${service}`), log),
          inject: [JsonLogger],
        },
        {
          provide: ClickHouseClient,
          useFactory: () => new ClickHouseClient(clickHouseSettingsFromEnv(env, `cdp-${service}`)),
        },
        ConnectionsLifecycle,
        StartupService,
      ],
      exports: [
        BaseEnv,
        ...(envClass === BaseEnv ? [] : [envClass]),
        KafkaClient,
        ClickHouseClient,
        StartupService,
      ],
    };
  }
}
