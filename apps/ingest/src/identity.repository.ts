import { ClickHouseClient, inList, sql } from '@cdp/clickhouse';
import { Injectable } from '@nestjs/common';
import { TableInsertsWriter } from './table-inserts.writer';
import { chunk } from './pipeline/batching';
import type {
  IdentityConflictRow,
  IdentityLinkRow,
  IdentityRow,
  ProfileMergeRow,
} from './pipeline/identity-rows';

const IDS_PER_QUERY = 2000;

/** `identities`, `identity_links`, `profile_merges` and `identity_conflicts` in ClickHouse. */
@Injectable()
export class IdentityRepository {
  constructor(
    private readonly clickhouse: ClickHouseClient,
    private readonly inserts: TableInsertsWriter,
  ) {}

  insertIdentities(rows: readonly IdentityRow[]): Promise<void> {
    return this.insert('identities', rows);
  }

  insertLinks(rows: readonly IdentityLinkRow[]): Promise<void> {
    return this.insert('identity_links', rows);
  }

  insertMerges(rows: readonly ProfileMergeRow[]): Promise<void> {
    return this.insert('profile_merges', rows);
  }

  insertConflicts(rows: readonly IdentityConflictRow[]): Promise<void> {
    return this.insert('identity_conflicts', rows);
  }

  /** Current survivor (highest version) recorded for each of `absorbedIds` that has a row. */
  async recordedSurvivors(absorbedIds: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const ids of chunk(absorbedIds, IDS_PER_QUERY)) {
      const rows = await this.clickhouse.query<{ absorbed_id: string; survivor_id: string }>(
        sql`SELECT absorbed_id, argMax(survivor_id, version) AS survivor_id FROM profile_merges WHERE absorbed_id IN ${inList(ids)} GROUP BY absorbed_id`,
      );
      for (const r of rows) out.set(r.absorbed_id, r.survivor_id);
    }
    return out;
  }

  /** Event ids among `eventIds` that have a conflict row. */
  async recordedConflicts(eventIds: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (const ids of chunk(eventIds, IDS_PER_QUERY)) {
      const rows = await this.clickhouse.query<{ event_id: string }>(
        sql`SELECT DISTINCT event_id FROM identity_conflicts WHERE event_id IN ${inList(ids)}`,
      );
      for (const r of rows) out.add(r.event_id);
    }
    return out;
  }

  private async insert(table: string, rows: readonly object[]): Promise<void> {
    await this.inserts.insert(table, rows);
  }
}
