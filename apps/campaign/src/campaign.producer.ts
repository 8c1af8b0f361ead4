import { KafkaClient } from '@cdp/kafka';
import { Injectable } from '@nestjs/common';
import { Partitioners, type Message, type Producer } from 'kafkajs';

/** The service's idempotent producer (dead letters), connected on first use; acks from all in-sync replicas. */
@Injectable()
export class CampaignProducer {
  private readonly producer: Producer;
  private connecting: Promise<void> | undefined;

  constructor(kafka: KafkaClient) {
    this.producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  }

  async send(topic: string, messages: Message[]): Promise<void> {
    if (messages.length === 0) return;
    this.connecting ??= this.producer.connect().catch((e: unknown) => {
      this.connecting = undefined;
      throw e;
    });
    await this.connecting;
    await this.producer.send({ topic, acks: -1, messages });
  }

  async disconnect(): Promise<void> {
    this.connecting = undefined;
    await this.producer.disconnect();
  }
}
