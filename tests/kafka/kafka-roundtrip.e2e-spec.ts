import { BaseEnv, loadConfig } from '@cdp/config';
import { contractTopicSpecs, ensureTopics, KafkaClient, kafkaSettingsFromEnv } from '@cdp/kafka';
import { JsonLogger } from '@cdp/observability';
import { EachMessagePayload } from 'kafkajs';
import { eventually, isolatedEnv, uniqueSuffix } from '../support/test-env';

describe('Kafka through the real broker', () => {
  const suffix = uniqueSuffix();
  const env = loadConfig(BaseEnv, isolatedEnv(suffix));
  const kafka = new KafkaClient(kafkaSettingsFromEnv(env, `e2e-${suffix}`), new JsonLogger('e2e', 'error'));
  const admin = kafka.admin();

  beforeAll(() => admin.connect());
  afterAll(async () => {
    const topics = (await admin.listTopics()).filter((t) => t.includes(suffix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
    await kafka.onApplicationShutdown();
  });

  it('creates every contract topic when missing, with the configured partitions, and is idempotent', async () => {
    const specs = contractTopicSpecs(kafka.settings.topics, 2, 1);
    const created = await ensureTopics(admin, specs);
    expect(created.sort()).toEqual(specs.map((s) => s.topic).sort());
    expect(created).toContain(`t.${suffix}.segment-events`);

    const meta = await admin.fetchTopicMetadata({ topics: created });
    for (const t of meta.topics) expect(t.partitions).toHaveLength(2);

    expect(await ensureTopics(admin, specs)).toEqual([]);
  });

  it('round-trips keyed messages: idempotent producer (acks=all) -> consumer group, per-key order kept', async () => {
    const topic = kafka.settings.topics.rawWeb;
    await ensureTopics(admin, [{ topic, numPartitions: 2, replicationFactor: 1 }]);
    const producer = kafka.producer();
    await producer.connect();
    const sent = Array.from({ length: 50 }, (_, i) => ({
      key: `anon-${i % 5}`,
      value: JSON.stringify({ seq: i }),
    }));
    const acks = await producer.send({ topic, acks: -1, messages: sent });
    expect(acks.every((a) => a.errorCode === 0)).toBe(true);

    const groupId = `e2e-group-${suffix}`;
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received: { key: string; seq: number; partition: number }[] = [];
    await consumer.run({
      eachMessage: async ({ message, partition }: EachMessagePayload) => {
        received.push({
          key: message.key?.toString() ?? '',
          seq: (JSON.parse(message.value?.toString() ?? '{}') as { seq: number }).seq,
          partition,
        });
      },
    });
    await eventually(async () => received.length >= sent.length, 30000, 'all 50 messages');
    await consumer.stop();

    expect(received).toHaveLength(50);
    const byKey = new Map<string, number[]>();
    for (const r of received) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r.seq]);
    for (const [key, seqs] of byKey) {
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b)); // order within a key
      expect(new Set(received.filter((r) => r.key === key).map((r) => r.partition)).size).toBe(1); // one partition per key
    }

    // the group committed its offsets: a restarted member of the group gets nothing again
    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committed = offsets[0].partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
    expect(committed).toBe(50);
  });

  it('transactions: coordinators are looked up once, not before every transactional request', async () => {
    const topic = `t.${suffix}.txn-probe`;
    await ensureTopics(admin, [{ topic, numPartitions: 2, replicationFactor: 1 }]);
    const producer = kafka.producer({ transactionalId: `t.${suffix}.txn`, maxInFlightRequests: 1 });
    const requests = new Map<string, number>();
    producer.on(producer.events.REQUEST, (e) =>
      requests.set(e.payload.apiName, (requests.get(e.payload.apiName) ?? 0) + 1),
    );
    await producer.connect();
    for (let i = 0; i < 10; i++) {
      const tx = await producer.transaction();
      await tx.send({ topic, acks: -1, messages: [{ key: `k-${i}`, value: String(i) }] });
      await tx.sendOffsets({
        consumerGroupId: `t.${suffix}.txn-group`,
        topics: [{ topic, partitions: [{ partition: 0, offset: String(i + 1) }] }],
      });
      await tx.commit();
    }
    await producer.disconnect();
    // kafkajs alone asks before each AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit and EndTxn
    expect(requests.get('EndTxn')).toBe(10);
    expect(requests.get('GroupCoordinator') ?? 0).toBeLessThanOrEqual(4);
    const offsets = await admin.fetchOffsets({ groupId: `t.${suffix}.txn-group`, topics: [topic] });
    expect(offsets[0].partitions.find((p) => p.partition === 0)?.offset).toBe('10');
  });
});
