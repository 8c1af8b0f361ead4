import { Injectable } from '@nestjs/common';
import { insertGroups, MAX_PARTITIONS_PER_INSERT, type InsertProgress } from './events.repository';
import { TableInsertsWriter } from './table-inserts.writer';
import { groupByPartitionLimit, monthOf } from './pipeline/batching';
import type { DeadLetterRow } from './pipeline/dead-letter';

/** The `dead_letters` table: rejected messages kept for analysts next to the DLQ topic. */
@Injectable()
export class DeadLettersRepository {
  constructor(private readonly inserts: TableInsertsWriter) {}

  async insert(rows: readonly DeadLetterRow[], progress: InsertProgress = { done: 0 }): Promise<void> {
    const groups = groupByPartitionLimit(rows, (r) => monthOf(r.received_at), MAX_PARTITIONS_PER_INSERT);
    await insertGroups(groups, progress, (group) => this.inserts.insert('dead_letters', group));
  }
}
