import { ClickHouseClient, ClickHouseHealthIndicator } from '@cdp/clickhouse';
import { KafkaClient, KafkaHealthIndicator } from '@cdp/kafka';
import { HealthService } from '@cdp/observability';
import { Injectable, OnApplicationShutdown } from '@nestjs/common';

/** Registers the Kafka and ClickHouse readiness checks; closes the connections last on shutdown. */
@Injectable()
export class ConnectionsLifecycle implements OnApplicationShutdown {
  private readonly kafkaHealth: KafkaHealthIndicator;

  constructor(
    kafka: KafkaClient,
    private readonly clickhouse: ClickHouseClient,
    health: HealthService,
  ) {
    this.kafkaHealth = new KafkaHealthIndicator(kafka.settings);
    health.register(this.kafkaHealth);
    health.register(new ClickHouseHealthIndicator(clickhouse));
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([this.kafkaHealth.close(), this.clickhouse.close()]);
  }
}
