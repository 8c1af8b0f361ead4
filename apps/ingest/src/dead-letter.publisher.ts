import { KafkaClient } from '@cdp/kafka';
import { Injectable } from '@nestjs/common';
import { IngestProducer } from './ingest.producer';
import type { DeadLetter } from './pipeline/dead-letter';

/** Rejected messages -> `cdp.events.dlq` (contract section 5), keyed as they were received. */
@Injectable()
export class DeadLetterPublisher {
  private readonly topic: string;

  constructor(
    kafka: KafkaClient,
    private readonly producer: IngestProducer,
  ) {
    this.topic = kafka.settings.topics.eventsDlq;
  }

  async publish(deadLetters: readonly DeadLetter[]): Promise<void> {
    await this.producer.send(
      this.topic,
      deadLetters.map((d) => ({
        key: d.key,
        value: JSON.stringify(d.payload),
        headers: { ...(d.headers ?? {}), 'cdp-dlq-reason': d.payload.reason },
      })),
    );
  }
}
