import { KafkaClient } from '@cdp/kafka';
import { Injectable } from '@nestjs/common';
import { Partitioners, type Message, type Producer } from 'kafkajs';
import { IngestMetrics } from './ingest.metrics';

/**
 * The one idempotent producer of an ingest process (links facts, dead letters, canonical events),
 * connected on first use; every send waits for all in-sync replicas (acks -1).
 */
@Injectable()
export class IngestProducer {
  private readonly producer: Producer;
  private connecting: Promise<void> | undefined;

  constructor(
    kafka: KafkaClient,
    private readonly metrics: IngestMetrics,
  ) {
    // the Java-compatible (murmur2) partitioner: a profile's messages land where Java clients would put them
    this.producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  }

  async send(topic: string, messages: Message[]): Promise<void> {
    if (messages.length === 0) return;
    await this.connect();
    await this.producer.send({ topic, acks: -1, messages });
    this.metrics.published.inc({ topic }, messages.length);
  }

  async disconnect(): Promise<void> {
    this.connecting = undefined;
    await this.producer.disconnect();
  }

  private connect(): Promise<void> {
    this.connecting ??= this.producer.connect().catch((e: unknown) => {
      this.connecting = undefined;
      throw e;
    });
    return this.connecting;
  }
}
