import { ClickHouseClient, sql } from '@cdp/clickhouse';
import { Injectable } from '@nestjs/common';
import type { CampaignRow, CampaignView } from './campaign-record';

export interface StoredCampaign {
  version: number;
  deleted: boolean;
  view: CampaignView;
}

/** The `campaigns` table (0005): every version the api wrote; the latest wins. */
@Injectable()
export class CampaignsRepository {
  constructor(private readonly clickhouse: ClickHouseClient) {}

  /** The latest version of a campaign, deleted or not; undefined if it never existed. */
  async latest(id: string): Promise<StoredCampaign | undefined> {
    const rows = await this.clickhouse.query<{ version: number; status: string; definition: string }>(
      sql`SELECT version, status, definition FROM campaigns WHERE campaign_id = ${id} ORDER BY version DESC LIMIT 1`,
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      version: Number(row.version),
      deleted: row.status === 'deleted',
      view: JSON.parse(row.definition) as CampaignView,
    };
  }

  /** Every campaign that is not deleted, by id. */
  async list(): Promise<CampaignView[]> {
    const rows = await this.clickhouse.query<{ last_definition: string }>(sql`
      SELECT campaign_id, argMax(status, version) AS last_status, argMax(definition, version) AS last_definition
      FROM campaigns
      GROUP BY campaign_id
      HAVING last_status != 'deleted'
      ORDER BY campaign_id`);
    return rows.map((r) => JSON.parse(r.last_definition) as CampaignView);
  }

  async insert(row: CampaignRow): Promise<void> {
    await this.clickhouse.insert('campaigns', [row]);
  }
}
