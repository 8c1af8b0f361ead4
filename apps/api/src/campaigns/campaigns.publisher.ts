import { KafkaClient } from '@cdp/kafka';
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Partitioners, type Producer } from 'kafkajs';
import type { CampaignRecord } from './campaign-record';

/** Longest a definition write waits for Kafka before the api answers 503. */
export const KAFKA_SEND_TIMEOUT_MS = 10000;

/**
 * Campaign definitions -> the compacted campaigns topic (TOPIC_CAMPAIGNS, key = campaign id,
 * value = the definition JSON with its secret; a delete is a tombstone). The campaign service
 * reads the whole topic and acts on the latest value per key. Idempotent producer, acks -1.
 */
@Injectable()
export class CampaignsPublisher implements OnApplicationShutdown {
  private readonly producer: Producer;
  private readonly topic: string;
  private connecting: Promise<void> | undefined;

  constructor(kafka: KafkaClient) {
    this.topic = kafka.settings.topics.campaigns;
    this.producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  }

  publish(record: CampaignRecord): Promise<void> {
    return this.send(record.id, JSON.stringify(record));
  }

  tombstone(id: string): Promise<void> {
    return this.send(id, null);
  }

  async onApplicationShutdown(): Promise<void> {
    this.connecting = undefined;
    await this.producer.disconnect().catch(() => undefined);
  }

  private async send(key: string, value: string | null): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Kafka did not acknowledge within ${KAFKA_SEND_TIMEOUT_MS} ms`)),
        KAFKA_SEND_TIMEOUT_MS,
      );
    });
    const work = (async () => {
      this.connecting ??= this.producer.connect().catch((e: unknown) => {
        this.connecting = undefined;
        throw e;
      });
      await this.connecting;
      await this.producer.send({ topic: this.topic, acks: -1, messages: [{ key, value }] });
    })();
    work.catch(() => undefined); // answered by the timeout when it loses the race
    try {
      await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
