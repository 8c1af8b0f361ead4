import { ClickHouseClient, inList, sql } from '@cdp/clickhouse';
import { Injectable } from '@nestjs/common';
import { TableInsertsWriter } from './table-inserts.writer';
import { chunk, groupByPartitionLimit, monthOf } from './pipeline/batching';
import type { EventIdRow, EventRow, TraitUpdateRow } from './pipeline/event-rows';

/** Most distinct months per insert into a table partitioned by month (see groupByPartitionLimit). */
export const MAX_PARTITIONS_PER_INSERT = 50;

/**
 * How many of the insert blocks of one call succeeded: a retry with the same rows and the same
 * progress object continues after them instead of inserting them twice.
 */
export interface InsertProgress {
  done: number;
}

/** Inserts `groups` in order, skipping those `progress` says are done. */
export async function insertGroups<T>(
  groups: readonly T[][],
  progress: InsertProgress,
  insert: (rows: T[]) => Promise<void>,
): Promise<void> {
  for (let i = progress.done; i < groups.length; i++) {
    await insert(groups[i]);
    progress.done = i + 1;
  }
}
const IDS_PER_QUERY = 1000;

/** `events`, `trait_updates` and `event_ids` in ClickHouse. */
@Injectable()
export class EventsRepository {
  constructor(
    private readonly clickhouse: ClickHouseClient,
    private readonly inserts: TableInsertsWriter,
  ) {}

  /** Event ids among `eventIds` already written, with the profile id they were filed under. */
  async findWritten(eventIds: readonly string[]): Promise<Map<string, string>> {
    const written = new Map<string, string>();
    for (const ids of chunk([...new Set(eventIds)], IDS_PER_QUERY)) {
      const rows = await this.clickhouse.query<{ event_id: string; profile_id: string }>(
        sql`SELECT event_id, any(profile_id) AS profile_id FROM event_ids WHERE event_id IN ${inList(ids)} GROUP BY event_id`,
      );
      for (const r of rows) written.set(r.event_id, r.profile_id);
    }
    return written;
  }

  async insertEvents(rows: readonly EventRow[], progress: InsertProgress = { done: 0 }): Promise<void> {
    const groups = groupByPartitionLimit(rows, (r) => monthOf(r.occurred_at), MAX_PARTITIONS_PER_INSERT);
    await insertGroups(groups, progress, (group) => this.inserts.insert('events', group));
  }

  async insertTraitUpdates(
    rows: readonly TraitUpdateRow[],
    progress: InsertProgress = { done: 0 },
  ): Promise<void> {
    const groups = groupByPartitionLimit(rows, (r) => monthOf(r.updated_at), MAX_PARTITIONS_PER_INSERT);
    await insertGroups(groups, progress, (group) => this.inserts.insert('trait_updates', group));
  }

  async insertEventIds(rows: readonly EventIdRow[]): Promise<void> {
    await this.inserts.insert('event_ids', rows);
  }
}
