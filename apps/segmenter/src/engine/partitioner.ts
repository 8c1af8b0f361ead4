import { Partitioners, type PartitionMetadata } from 'kafkajs';

const metadataCache = new Map<number, PartitionMetadata[]>();

function metadataFor(partitions: number): PartitionMetadata[] {
  let m = metadataCache.get(partitions);
  if (m === undefined) {
    m = Array.from({ length: partitions }, (_, partitionId) => ({
      partitionErrorCode: 0,
      partitionId,
      leader: 0,
      replicas: [0],
      isr: [0],
      offlineReplicas: [],
    }));
    metadataCache.set(partitions, m);
  }
  return m;
}

const partitioner = Partitioners.DefaultPartitioner();

/**
 * The partition of `key` in a topic of `partitions` partitions, exactly as the producers place
 * keyed messages (kafkajs DefaultPartitioner: Java-compatible murmur2, what ingest uses for
 * `cdp.events`). The segmenter uses it to find which partition, and so which instance, owns a
 * profile found in ClickHouse (initial membership).
 */
export function partitionOf(key: string, partitions: number): number {
  return partitioner({
    topic: '',
    partitionMetadata: metadataFor(partitions),
    message: { key, value: null },
  });
}
