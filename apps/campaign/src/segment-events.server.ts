import { kafkaLogCreator } from '@cdp/kafka';
import { JsonLogger } from '@cdp/observability';
import { ServerKafka, type KafkaOptions } from '@nestjs/microservices';
import { logLevel, Partitioners } from 'kafkajs';
import { CampaignEnv } from './campaign.env';

type KafkaServerOptions = Required<KafkaOptions>['options'];

/** The Nest Kafka transport options of the segment events consumer (exported for tests). */
export function segmentEventsServerOptions(env: CampaignEnv, logger: JsonLogger): KafkaServerOptions {
  return {
    postfixId: '', // the group id exactly as configured
    client: {
      clientId: `${env.KAFKA_CLIENT_ID}-campaign`,
      brokers: env.KAFKA_BROKERS.split(',').map((b) => b.trim()),
      connectionTimeout: env.KAFKA_CONNECTION_TIMEOUT_MS,
      logLevel: logLevel.WARN,
      logCreator: kafkaLogCreator(logger),
    },
    consumer: {
      groupId: env.CAMPAIGN_GROUP_ID,
      readUncommitted: false, // read committed: only transitions of committed segmenter transactions
      sessionTimeout: env.CAMPAIGN_SESSION_TIMEOUT_MS,
      heartbeatInterval: env.CAMPAIGN_HEARTBEAT_INTERVAL_MS,
      maxWaitTimeInMs: env.CAMPAIGN_MAX_BATCH_WAIT_MS,
    },
    subscribe: { fromBeginning: true },
    run: {
      autoCommit: false, // offsets are committed by the DecisionRecorder once decisions are written
      partitionsConsumedConcurrently: env.CAMPAIGN_PARTITIONS_CONCURRENCY,
    },
    producer: {
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    },
    parser: { keepBinary: true }, // the handler validates the bytes itself (and dead-letters them as read)
  };
}

/**
 * The @nestjs/microservices Kafka transport of the campaign service (a custom strategy so the
 * service decides when it starts: after its start-up steps and the campaign definitions are
 * loaded), reporting partition assignments and fatal consumer crashes.
 */
export class SegmentEventsServer extends ServerKafka {
  private assignmentListener: ((partitions: number[]) => void) | undefined;
  private crashListener: ((error: unknown) => void) | undefined;

  constructor(
    readonly topic: string,
    options: KafkaServerOptions,
  ) {
    super(options);
  }

  onAssignment(listener: (partitions: number[]) => void): void {
    this.assignmentListener = listener;
  }

  /** A crash kafkajs does not recover from by itself (the consumer stopped for good). */
  onFatalCrash(listener: (error: unknown) => void): void {
    this.crashListener = listener;
  }

  /** Connects, subscribes to the registered patterns and runs; resolves once the consumer runs. */
  startConsuming(): Promise<void> {
    return new Promise((resolve, reject) => {
      void this.listen((err?: unknown) =>
        err ? reject(err instanceof Error ? err : new Error(JSON.stringify(err))) : resolve(),
      );
    });
  }

  protected override registerConsumerEventListeners(): void {
    super.registerConsumerEventListeners();
    const consumer = this.consumer;
    if (!consumer) return;
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      this.assignmentListener?.(event.payload.memberAssignment[this.topic] ?? []);
    });
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart) this.crashListener?.(event.payload.error);
    });
  }
}
