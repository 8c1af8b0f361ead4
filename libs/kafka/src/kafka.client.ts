import { Injectable, LoggerService, OnApplicationShutdown } from '@nestjs/common';
import { Admin, Consumer, ConsumerConfig, Kafka, logLevel, Producer, ProducerConfig } from 'kafkajs';
import { cacheCoordinatorLookups } from './coordinator-cache';
import { kafkaLogCreator } from './kafka-log';
import { KafkaSettings } from './kafka.settings';

/**
 * The service's Kafka connection factory. Everything it creates is disconnected when the
 * application shuts down, after the consumers' own shutdown hooks finished their batch.
 */
@Injectable()
export class KafkaClient implements OnApplicationShutdown {
  readonly kafka: Kafka;
  private readonly owned = new Set<Admin | Consumer | Producer>();

  constructor(
    readonly settings: KafkaSettings,
    logger: LoggerService,
  ) {
    // one FindCoordinator per second instead of one per transactional request (see the file)
    if (!cacheCoordinatorLookups()) {
      logger.warn('kafkajs internals changed: coordinator lookups are not cached', 'Kafka');
    }
    this.kafka = new Kafka({
      clientId: settings.clientId,
      brokers: settings.brokers,
      connectionTimeout: settings.connectionTimeoutMs,
      logLevel: logLevel.WARN,
      logCreator: kafkaLogCreator(logger),
    });
  }

  /** Idempotent producer with acks=all semantics (set `acks: -1` on send). */
  producer(config: ProducerConfig = {}): Producer {
    return this.track(this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, ...config }));
  }

  consumer(config: ConsumerConfig): Consumer {
    return this.track(this.kafka.consumer(config));
  }

  admin(): Admin {
    return this.track(this.kafka.admin());
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.owned].map((c) => c.disconnect()));
    this.owned.clear();
  }

  private track<T extends Admin | Consumer | Producer>(client: T): T {
    this.owned.add(client);
    return client;
  }
}
