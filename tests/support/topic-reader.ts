import { Consumer, Kafka, logLevel } from 'kafkajs';
import { eventually, KAFKA_BROKERS, uniqueSuffix } from './test-env';

/** One message read back from a topic, its value parsed as JSON. */
export interface TopicMessage {
  key: string | null;
  value: Record<string, unknown>;
  partition: number;
  offset: string;
}

/**
 * Reads a topic from the beginning in the background (own consumer group) and keeps every
 * message, so that a test can wait for what it expects to have landed.
 */
export class TopicReader {
  readonly messages: TopicMessage[] = [];
  private readonly consumer: Consumer;

  constructor(
    readonly topic: string,
    brokers: string = KAFKA_BROKERS,
  ) {
    const kafka = new Kafka({
      clientId: `e2e-reader-${uniqueSuffix()}`,
      brokers: brokers.split(','),
      logLevel: logLevel.NOTHING,
    });
    this.consumer = kafka.consumer({ groupId: `e2e-reader-${uniqueSuffix()}`, maxWaitTimeInMs: 100 });
  }

  /** Resolves once the consumer joined its group and reads. The topic must exist. */
  async start(): Promise<void> {
    let joined = false;
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      joined = true;
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ message, partition }) => {
        this.messages.push({
          key: message.key?.toString('utf8') ?? null,
          value: JSON.parse(message.value?.toString('utf8') ?? 'null') as Record<string, unknown>,
          partition,
          offset: message.offset,
        });
      },
    });
    await eventually(async () => joined, 30000, `a consumer of ${this.topic} to join its group`);
  }

  /** The messages matching `match`, once there are at least `count` of them. */
  async waitFor(match: (m: TopicMessage) => boolean, count = 1, timeoutMs = 30000): Promise<TopicMessage[]> {
    await eventually(
      async () => this.messages.filter(match).length >= count,
      timeoutMs,
      `${count} matching message(s) on ${this.topic} (have ${this.messages.filter(match).length})`,
    );
    return this.messages.filter(match);
  }

  matching(match: (m: TopicMessage) => boolean): TopicMessage[] {
    return this.messages.filter(match);
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
