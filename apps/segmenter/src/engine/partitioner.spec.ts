import { Partitioners } from 'kafkajs';
import { partitionOf } from './partitioner';

/** murmur2 values of Kafka's own UtilsTest (Java client): the partition is toPositive(h) % n. */
const JAVA_MURMUR2: [string, number][] = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
];

describe('partitionOf', () => {
  it('places keys where the Java client (and ingest) puts them', () => {
    for (const [key, hash] of JAVA_MURMUR2) {
      for (const n of [1, 2, 3, 7, 12]) expect(partitionOf(key, n)).toBe((hash & 0x7fffffff) % n);
    }
  });

  it('agrees with a kafkajs DefaultPartitioner producing to a topic of n partitions', () => {
    const producerSide = Partitioners.DefaultPartitioner();
    for (let i = 0; i < 200; i++) {
      const key = `p-${(i * 2654435761).toString(16)}`;
      const n = (i % 5) + 1;
      const partitionMetadata = Array.from({ length: n }, (_, partitionId) => ({
        partitionErrorCode: 0,
        partitionId,
        leader: 1,
        replicas: [1],
        isr: [1],
      }));
      expect(partitionOf(key, n)).toBe(
        producerSide({ topic: 't', partitionMetadata, message: { key, value: 'x' } }),
      );
    }
  });
});
