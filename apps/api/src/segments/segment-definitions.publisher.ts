import { encodeSegmentDefinition, type SegmentDefinition } from '@cdp/domain/segments';
import { KafkaClient } from '@cdp/kafka';
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Partitioners, type Producer } from 'kafkajs';

/** Longest a definition write waits for Kafka before the api answers 503. */
const SEND_TIMEOUT_MS = 10000;

/**
 * Segment definitions -> the compacted definitions topic (TOPIC_SEGMENTS, key = segment id,
 * value = the definition JSON of @cdp/domain/segments), read in full by every segmenter.
 * Idempotent producer, acks -1.
 */
@Injectable()
export class SegmentDefinitionsPublisher implements OnApplicationShutdown {
  private readonly producer: Producer;
  private readonly topic: string;
  private connecting: Promise<void> | undefined;

  constructor(kafka: KafkaClient) {
    this.topic = kafka.settings.topics.segments;
    this.producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  }

  publish(definition: SegmentDefinition): Promise<void> {
    return this.send(this.topic, [{ key: definition.id, value: encodeSegmentDefinition(definition) }]);
  }

  /** Any messages to any topic (the api also writes deletion exits to the segment-events topic). */
  async send(topic: string, messages: { key: string; value: string | null }[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Kafka did not acknowledge within ${SEND_TIMEOUT_MS} ms`)),
        SEND_TIMEOUT_MS,
      );
    });
    const work = (async () => {
      this.connecting ??= this.producer.connect().catch((e: unknown) => {
        this.connecting = undefined;
        throw e;
      });
      await this.connecting;
      await this.producer.send({ topic, acks: -1, messages });
    })();
    work.catch(() => undefined);
    try {
      await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.connecting = undefined;
    await this.producer.disconnect().catch(() => undefined);
  }
}
