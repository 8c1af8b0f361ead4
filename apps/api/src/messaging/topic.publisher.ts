import { KafkaClient } from '@cdp/kafka';
import { withTimeout } from '@cdp/observability';
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Partitioners, type Producer, type RecordMetadata } from 'kafkajs';

/** Longest a write waits for Kafka before the api answers 503. */
const SEND_TIMEOUT_MS = 10000;

/**
 * The api's one Kafka producer (idempotent, acks -1, keyed messages to any topic): segment
 * definitions to the definitions topic, `profile.deleted` requests to the events topic. A send
 * that Kafka does not acknowledge within 10 s fails, so that a request can answer 503.
 */
@Injectable()
export class TopicPublisher implements OnApplicationShutdown {
  private readonly producer: Producer;
  private connecting: Promise<void> | undefined;

  constructor(kafka: KafkaClient) {
    this.producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  }

  /** Sends and returns where the messages went (per partition: the offset of its first one). */
  async send(topic: string, messages: { key: string; value: string | null }[]): Promise<RecordMetadata[]> {
    const work = (async () => {
      this.connecting ??= this.producer.connect().catch((e: unknown) => {
        this.connecting = undefined;
        throw e;
      });
      await this.connecting;
      return this.producer.send({ topic, acks: -1, messages });
    })();
    return withTimeout(work, SEND_TIMEOUT_MS, `Kafka did not acknowledge within ${SEND_TIMEOUT_MS} ms`);
  }

  async onApplicationShutdown(): Promise<void> {
    this.connecting = undefined;
    await this.producer.disconnect().catch(() => undefined);
  }
}
