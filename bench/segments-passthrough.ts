// The bare Kafka consume -> produce passthrough R of the segments benchmark: a consumer group on
// the raw topic that produces every message, unchanged, to an output topic, configured like the
// segmenter's consumer (eachBatch, maxWaitTimeInMs, minBytes 1, idempotent producer with acks
// all). What the platform adds on top of R is the cost of ingest and the segmenter.
// Run by bench/segments.bench.ts as a child process: node -r ./bench/register.js bench/segments-passthrough.ts
import { Kafka, logLevel, Partitioners } from 'kafkajs';

async function main(): Promise<void> {
  const env = process.env;
  const kafka = new Kafka({
    clientId: 'bench-passthrough',
    brokers: (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const consumer = kafka.consumer({
    groupId: env.PASSTHROUGH_GROUP ?? 'bench-passthrough',
    maxWaitTimeInMs: Number(env.PASSTHROUGH_MAX_WAIT_MS ?? 20),
    minBytes: 1,
  });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topics: [env.PASSTHROUGH_IN ?? ''], fromBeginning: false });
  await consumer.run({
    partitionsConsumedConcurrently: Number(env.PASSTHROUGH_CONCURRENCY ?? 3),
    eachBatch: async ({ batch }) => {
      if (batch.messages.length === 0) return;
      await producer.send({
        topic: env.PASSTHROUGH_OUT ?? '',
        acks: -1,
        messages: batch.messages.map((m) => ({ key: m.key, value: m.value })),
      });
    },
  });
  process.stdout.write('passthrough ready\n');
  const stop = (): void => {
    void consumer
      .disconnect()
      .finally(() => producer.disconnect())
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`passthrough failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
