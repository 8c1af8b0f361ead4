/** Consecutive slices of at most `size` items, in order (kafkajs batches larger than the insert size). */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`chunk size must be a positive integer, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Splits rows into groups that each touch at most `maxPartitions` distinct partition keys (for
 * tables `PARTITION BY toYYYYMM(...)`: current ClickHouse refuses an INSERT block spanning more
 * than `max_partitions_per_insert_block` partitions, 100 by default, so a backfill batch over
 * years of history would otherwise fail forever). Row order is kept within each group.
 */
export function groupByPartitionLimit<T>(
  rows: readonly T[],
  partitionOf: (row: T) => string,
  maxPartitions: number,
): T[][] {
  if (rows.length === 0) return [];
  const byPartition = new Map<string, T[]>();
  for (const row of rows) {
    const key = partitionOf(row);
    const list = byPartition.get(key);
    if (list) list.push(row);
    else byPartition.set(key, [row]);
  }
  if (byPartition.size <= maxPartitions) return [[...rows]];
  const groups: T[][] = [];
  let current: T[] = [];
  let partitions = 0;
  for (const list of byPartition.values()) {
    if (partitions === maxPartitions) {
      groups.push(current);
      current = [];
      partitions = 0;
    }
    current.push(...list);
    partitions += 1;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** `YYYY-MM` of a ClickHouse DateTime text (`YYYY-MM-DD hh:mm:ss`): the toYYYYMM partition. */
export const monthOf = (dateTime: string): string => dateTime.slice(0, 7);
