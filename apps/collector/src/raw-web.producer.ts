import { KafkaClient } from '@cdp/kafka';
import { JsonLogger, withTimeout } from '@cdp/observability';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Partitioners, Producer } from 'kafkajs';
import { CollectorEnv } from './collector.env';
import { CollectorMetrics } from './collector.metrics';
import { PublishFailedError, RawWebMessage, RawWebPublisher } from './raw-web.publisher';

const CONTEXT = 'RawWebProducer';

/**
 * Writes tracking calls to the raw web topic (`TOPIC_RAW_WEB`) with the idempotent
 * producer of the shared KafkaClient and acks=all. One `publish` is one `producer.send`:
 * a whole batch request succeeds or fails as one (partial writes of a failed send are
 * possible across partitions; the client's retry then duplicates them, and ingest
 * deduplicates by `messageId`).
 *
 * The producer connects at start-up in the background and again on demand after a
 * failure, so the service starts (and reports not ready) while Kafka is down. A send not
 * confirmed within `COLLECTOR_KAFKA_SEND_TIMEOUT_MS` fails; kafkajs may still complete it
 * later, which again is a duplicate at worst, never a loss.
 */
@Injectable()
export class RawWebProducer extends RawWebPublisher implements OnApplicationBootstrap {
  private readonly producer: Producer;
  private readonly topic: string;
  private connecting: Promise<void> | undefined;

  constructor(
    kafka: KafkaClient,
    private readonly env: CollectorEnv,
    private readonly logger: JsonLogger,
    private readonly metrics: CollectorMetrics,
  ) {
    super();
    this.topic = kafka.settings.topics.rawWeb;
    // The Java client's murmur2 partitioner: keys land where other producers put them.
    this.producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  }

  onApplicationBootstrap(): void {
    this.connect().catch((e: unknown) =>
      this.logger.warn(
        { msg: 'Kafka producer not connected yet, will retry on the next request', error: errorText(e) },
        CONTEXT,
      ),
    );
  }

  async publish(messages: readonly RawWebMessage[]): Promise<void> {
    const done = this.metrics.startSend();
    const send = this.connect().then(() =>
      this.producer.send({
        topic: this.topic,
        acks: -1,
        messages: messages.map((m) => ({ key: m.key, value: JSON.stringify(m.call) })),
      }),
    );
    try {
      await withTimeout(
        send,
        this.env.COLLECTOR_KAFKA_SEND_TIMEOUT_MS,
        `not acknowledged within ${this.env.COLLECTOR_KAFKA_SEND_TIMEOUT_MS} ms`,
      );
      done('ok');
    } catch (e) {
      done('error');
      throw new PublishFailedError(`Kafka write to ${this.topic} failed: ${errorText(e)}`, { cause: e });
    }
  }

  private connect(): Promise<void> {
    this.connecting ??= this.producer.connect().catch((e: unknown) => {
      this.connecting = undefined;
      throw e;
    });
    return this.connecting;
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
