import { loadConfig } from '@cdp/config';
import type { KafkaClient } from '@cdp/kafka';
import { JsonLogger, MetricsService } from '@cdp/observability';
import type { Producer, ProducerRecord, RecordMetadata } from 'kafkajs';
import { CollectorEnv } from './collector.env';
import { CollectorMetrics } from './collector.metrics';
import { RawWebProducer } from './raw-web.producer';
import { PublishFailedError } from './raw-web.publisher';

function setup(producer: Partial<Producer>) {
  const env = loadConfig(CollectorEnv, {
    TOPIC_RAW_WEB: 't.raw.web',
    COLLECTOR_KAFKA_SEND_TIMEOUT_MS: '200',
  });
  const kafka = {
    settings: { topics: { rawWeb: 't.raw.web' } },
    producer: () => producer,
  } as unknown as KafkaClient;
  const metrics = new MetricsService('collector');
  const adapter = new RawWebProducer(
    kafka,
    env,
    new JsonLogger('collector', 'fatal'),
    new CollectorMetrics(metrics),
  );
  return { adapter, metrics };
}

const messages = [
  { key: 'a-1', call: { type: 'track', event: 'A' } },
  { key: 'u-2', call: { type: 'identify', userId: 'u-2' } },
];

describe('RawWebProducer', () => {
  it('sends all messages of a request in one send with acks=all, values as JSON', async () => {
    const sent: ProducerRecord[] = [];
    const { adapter } = setup({
      connect: jest.fn(async () => undefined),
      send: jest.fn(async (record: ProducerRecord): Promise<RecordMetadata[]> => {
        sent.push(record);
        return [];
      }),
    });
    await adapter.publish(messages);
    expect(sent).toEqual([
      {
        topic: 't.raw.web',
        acks: -1,
        messages: [
          { key: 'a-1', value: '{"type":"track","event":"A"}' },
          { key: 'u-2', value: '{"type":"identify","userId":"u-2"}' },
        ],
      },
    ]);
  });

  it('fails when Kafka does not acknowledge within the send timeout', async () => {
    const { adapter, metrics } = setup({
      connect: jest.fn(async () => undefined),
      send: jest.fn(() => new Promise<RecordMetadata[]>(() => undefined)),
    });
    const started = Date.now();
    await expect(adapter.publish(messages)).rejects.toThrow(PublishFailedError);
    expect(Date.now() - started).toBeLessThan(2000);
    const hist = await metrics.registry.getSingleMetric('cdp_collector_kafka_send_seconds')?.get();
    const count = hist?.values.find(
      (v) => (v as { metricName?: string }).metricName?.endsWith('_count') && v.labels.outcome === 'error',
    );
    expect(count?.value).toBe(1);
  });

  it('fails when the producer cannot connect, and connects again on the next publish', async () => {
    let attempts = 0;
    const send = jest.fn(async (): Promise<RecordMetadata[]> => []);
    const { adapter } = setup({
      connect: jest.fn(async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('ECONNREFUSED');
      }),
      send,
    });
    await expect(adapter.publish(messages)).rejects.toThrow(/Kafka write to t.raw.web failed: ECONNREFUSED/);
    await adapter.publish(messages);
    expect(attempts).toBe(2);
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('fails when the send is refused', async () => {
    const { adapter } = setup({
      connect: jest.fn(async () => undefined),
      send: jest.fn(async (): Promise<RecordMetadata[]> => {
        throw new Error('UNKNOWN_TOPIC_OR_PARTITION');
      }),
    });
    await expect(adapter.publish(messages)).rejects.toThrow(PublishFailedError);
  });
});
