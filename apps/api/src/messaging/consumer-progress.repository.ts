import { KafkaClient } from '@cdp/kafka';
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Admin } from 'kafkajs';

/** Offsets by partition. */
export type PartitionOffsets = ReadonlyMap<number, bigint>;

/**
 * How far consumer groups have got on a topic (Kafka's admin API): the committed offsets of a
 * group and the end offsets of a topic, so that a request can wait for another service to
 * have processed (and committed) given records.
 */
@Injectable()
export class ConsumerProgressRepository implements OnApplicationShutdown {
  private admin: Admin | undefined;
  private connecting: Promise<Admin> | undefined;

  constructor(private readonly kafka: KafkaClient) {}

  /** The group's committed offset per partition of `topic` (partitions it never committed: absent). */
  async committed(groupId: string, topic: string): Promise<PartitionOffsets> {
    const admin = await this.connected();
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const out = new Map<number, bigint>();
    for (const p of offsets?.partitions ?? []) {
      const o = BigInt(p.offset);
      if (o >= 0n) out.set(p.partition, o);
    }
    return out;
  }

  /** The end (high watermark) of every partition of `topic`. */
  async ends(topic: string): Promise<PartitionOffsets> {
    const admin = await this.connected();
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((p) => [p.partition, BigInt(p.high)]));
  }

  async onApplicationShutdown(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    this.connecting = undefined;
    await admin?.disconnect().catch(() => undefined);
  }

  private connected(): Promise<Admin> {
    this.connecting ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
      return admin;
    })().catch((e: unknown) => {
      this.connecting = undefined;
      throw e;
    });
    return this.connecting;
  }
}

/** Whether `committed` reaches `targets` on every partition of `targets` (a missing partition does not). */
export function reaches(committed: PartitionOffsets, targets: PartitionOffsets): boolean {
  for (const [partition, target] of targets) {
    if ((committed.get(partition) ?? -1n) < target) return false;
  }
  return true;
}
