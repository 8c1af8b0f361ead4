import {
  encodeSegmentDefinition,
  parseSegmentDefinition,
  type SegmentDefinition,
} from '@cdp/domain/segments';
import { Partitioners, type Kafka, type Producer } from 'kafkajs';

/**
 * Writes segment definitions to the compacted definitions topic (key = segment id, value = the
 * definition JSON; `remove` writes a tombstone). What the api does on POST/PUT/DELETE
 * /v1/segments, and what tests use to drive the segmenter. Every definition is validated
 * first (`parseSegmentDefinition`); an invalid one is refused with every problem named.
 * Framework-free: give it a kafkajs client.
 */
export class SegmentDefinitionsPublisher {
  private producer: Producer | undefined;
  private connecting: Promise<void> | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
  ) {}

  async publish(definition: SegmentDefinition): Promise<void> {
    const parsed = parseSegmentDefinition(definition);
    if (!parsed.ok) {
      throw new Error(
        `invalid segment definition ${definition.id}: ${parsed.problems.map((p) => `${p.path} ${p.message}`).join('; ')}`,
      );
    }
    await this.send(parsed.definition.id, encodeSegmentDefinition(parsed.definition));
  }

  /** Deletes the segment (tombstone): the segmenter treats it like archiving. */
  async remove(id: string): Promise<void> {
    await this.send(id, null);
  }

  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    this.connecting = undefined;
    await producer?.disconnect();
  }

  private async send(key: string, value: string | null): Promise<void> {
    if (!this.producer) {
      this.producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      this.connecting = this.producer.connect();
    }
    await this.connecting;
    await this.producer.send({ topic: this.topic, acks: -1, messages: [{ key, value }] });
  }
}
