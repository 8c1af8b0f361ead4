import { withTimeout } from '@cdp/observability';
import type { Admin, Kafka } from 'kafkajs';
import { TopicTail } from './topic-tail';

/**
 * Reads one partition of the compacted state topic from the beginning up to its end
 * (read_committed) and returns the latest value of every key (tombstones remove the key).
 * Call it after the partition's transactional producer connected: that aborted whatever
 * transaction a previous owner left open, so the end is final.
 */
export async function loadStatePartition(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  partition: number,
  groupPrefix: string,
  timeoutMs: number,
): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  const tail = new TopicTail({
    kafka,
    admin,
    topic,
    partitions: [partition],
    groupPrefix,
    maxWaitTimeInMs: 50,
    onMessage: (p, m) => {
      if (p !== partition || m.key === null) return;
      const key = m.key.toString('utf8');
      if (m.value === null || m.value.length === 0) values.delete(key);
      else values.set(key, m.value.toString('utf8'));
    },
  });
  try {
    await tail.start();
    await withTimeout(
      tail.caughtUp,
      timeoutMs,
      `reading ${topic} partition ${partition} took longer than ${timeoutMs} ms`,
    );
  } finally {
    await tail.stop();
  }
  return values;
}
