import { ClickHouseClient, inList, raw, segmentDefinitionRow, sql, type SqlFragment } from '@cdp/clickhouse';
import { parseSegmentDefinition, type SegmentDefinition } from '@cdp/domain/segments';
import { Injectable } from '@nestjs/common';

/**
 * Segment definitions (`segment_definitions`, 0004: every version, the latest wins) and
 * memberships read from `segment_transitions` (written by the segmenter).
 */
@Injectable()
export class SegmentsRepository {
  constructor(private readonly clickhouse: ClickHouseClient) {}

  /** The latest definition of every segment (any status), by id. */
  async list(): Promise<SegmentDefinition[]> {
    return this.definitions(raw('1'));
  }

  async get(id: string): Promise<SegmentDefinition | undefined> {
    return (await this.definitions(sql`segment_id = ${id}`))[0];
  }

  private async definitions(where: SqlFragment): Promise<SegmentDefinition[]> {
    const rows = await this.clickhouse.query<{
      segment_id: string;
      version: number;
      status: string;
      name: string;
      description: string;
      rule: string;
      exit_on_archive: number;
      created_at: string;
      updated_at: string;
      updated_ms: number;
    }>(sql`
      SELECT segment_id,
             argMax(d_version, o) AS version, argMax(d_status, o) AS status, argMax(d_name, o) AS name,
             argMax(d_description, o) AS description, argMax(d_rule, o) AS rule,
             argMax(d_exit, o) AS exit_on_archive, min(d_created) AS created_at,
             argMax(d_updated, o) AS updated_at, argMax(d_ms, o) AS updated_ms
      FROM (
        SELECT segment_id, version AS d_version, status AS d_status, name AS d_name,
               description AS d_description, rule AS d_rule, exit_on_archive AS d_exit,
               created_at AS d_created, updated_at AS d_updated, updated_ms AS d_ms,
               (toUInt64(updated_at) * 1000 + updated_ms, version) AS o
        FROM segment_definitions FINAL WHERE ${where}
      )
      GROUP BY segment_id
      ORDER BY segment_id`);
    const out: SegmentDefinition[] = [];
    for (const r of rows) {
      let rule: unknown;
      try {
        rule = JSON.parse(r.rule);
      } catch {
        continue;
      }
      const parsed = parseSegmentDefinition({
        id: r.segment_id,
        name: r.name,
        ...(r.description === '' ? {} : { description: r.description }),
        status: r.status,
        version: Number(r.version),
        rule,
        createdAt: new Date(Date.parse(`${r.created_at.replace(' ', 'T')}Z`)).toISOString(),
        updatedAt: new Date(
          Date.parse(`${r.updated_at.replace(' ', 'T')}Z`) + Number(r.updated_ms),
        ).toISOString(),
        exitOnArchive: Number(r.exit_on_archive) === 1,
      });
      if (parsed.ok) out.push(parsed.definition);
    }
    return out;
  }

  /** Stores a definition version for analysts (the segmenter records the same row when it reads it). */
  async insert(d: SegmentDefinition): Promise<void> {
    await this.clickhouse.insert('segment_definitions', [segmentDefinitionRow(d, Date.now())]);
  }

  /**
   * SQL of the profiles in `segmentId` at instant `at` (epoch ms; now when absent): the latest
   * transition at or before it is an entry. Usable as `profile_id IN (...)`.
   */
  membersSql(segmentId: string, at?: number): SqlFragment {
    return sql`SELECT profile_id FROM (${this.membershipSql(segmentId, at)})`;
  }

  /** profile_id, entered_ms (of the current stay), version, per member at `at`. */
  membershipSql(segmentId: string, at?: number, profileIds?: readonly string[]): SqlFragment {
    const atFilter = at === undefined ? raw('1') : sql`toUInt64(occurred_at) * 1000 + occurred_ms <= ${at}`;
    const ids = profileIds === undefined ? raw('1') : sql`profile_id IN ${inList(profileIds)}`;
    return sql`
      SELECT profile_id, argMax(t_type, o) AS last_type, argMax(t_ms, o) AS entered_ms, argMax(t_version, o) AS version
      FROM (
        SELECT profile_id, type AS t_type, segment_version AS t_version,
               toUInt64(occurred_at) * 1000 + occurred_ms AS t_ms, (t_ms, sequence) AS o
        FROM segment_transitions FINAL
        WHERE segment_id = ${segmentId} AND ${atFilter} AND ${ids}
      )
      GROUP BY profile_id
      HAVING last_type = 'segment.entered'`;
  }

  /** Current segments (id -> entered ms, version) of some profiles. */
  async currentSegmentsOf(
    profileIds: readonly string[],
  ): Promise<{ profileId: string; segmentId: string; enteredMs: number; version: number }[]> {
    if (profileIds.length === 0) return [];
    const rows = await this.clickhouse.query<{
      profile_id: string;
      segment_id: string;
      entered_ms: string;
      version: number;
    }>(sql`
      SELECT profile_id, segment_id, argMax(t_type, o) AS last_type, argMax(t_ms, o) AS entered_ms, argMax(t_version, o) AS version
      FROM (
        SELECT profile_id, segment_id, type AS t_type, segment_version AS t_version,
               toUInt64(occurred_at) * 1000 + occurred_ms AS t_ms, (t_ms, sequence) AS o
        FROM segment_transitions FINAL
        WHERE profile_id IN ${inList(profileIds)}
      )
      GROUP BY profile_id, segment_id
      HAVING last_type = 'segment.entered'
      ORDER BY segment_id, profile_id`);
    return rows.map((r) => ({
      profileId: r.profile_id,
      segmentId: r.segment_id,
      enteredMs: Number(r.entered_ms),
      version: Number(r.version),
    }));
  }

  /** A page of members at `at`, ordered by profile id, after `afterProfileId`. */
  async members(
    segmentId: string,
    at: number | undefined,
    afterProfileId: string,
    limit: number,
  ): Promise<{ profileId: string; enteredAt: string; version: number }[]> {
    const rows = await this.clickhouse.query<{ profile_id: string; entered_ms: string; version: number }>(sql`
      SELECT profile_id, entered_ms, version FROM (${this.membershipSql(segmentId, at)})
      WHERE profile_id > ${afterProfileId}
      ORDER BY profile_id
      LIMIT ${limit}`);
    return rows.map((r) => ({
      profileId: r.profile_id,
      enteredAt: new Date(Number(r.entered_ms)).toISOString(),
      version: Number(r.version),
    }));
  }

  async memberCount(segmentId: string, at?: number): Promise<number> {
    const rows = await this.clickhouse.query<{ n: string }>(
      sql`SELECT count() AS n FROM (${this.membershipSql(segmentId, at)})`,
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Entries and exits per UTC day (days with transitions only), oldest first. */
  async dailyFlow(segmentId: string): Promise<{ day: string; entered: number; exited: number }[]> {
    const rows = await this.clickhouse.query<{ day: string; entered: string; exited: string }>(sql`
      SELECT toString(toDate(occurred_at, 'UTC')) AS day,
             countIf(type = 'segment.entered') AS entered, countIf(type = 'segment.exited') AS exited
      FROM segment_transitions FINAL
      WHERE segment_id = ${segmentId}
      GROUP BY day
      ORDER BY day`);
    return rows.map((r) => ({ day: r.day, entered: Number(r.entered), exited: Number(r.exited) }));
  }
}
