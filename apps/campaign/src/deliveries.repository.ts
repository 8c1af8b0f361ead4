import { ClickHouseClient, inList, sql } from '@cdp/clickhouse';
import { Injectable } from '@nestjs/common';
import type { DeliveryStatus } from './domain/delivery-record';
import type { PriorDecision } from './domain/frequency-cap';
import { pairKey } from './domain/decide';
import type { Delivery, DeliveryRow } from './delivery';

interface PriorRow {
  delivery_id: string;
  campaign_id: string;
  profile_id: string;
  last_status: string;
  triggered_s: number;
  trigger_ms: number;
}

interface PendingRow {
  delivery_id: string;
  campaign_id: string;
  r_campaign_version: number;
  r_profile_id: string;
  r_segment_id: string;
  r_segment_version: number;
  r_segment_event_id: string;
  r_event_type: string;
  r_cause_kind: string;
  r_triggered_s: number;
  r_triggered_ms: number;
  r_decided_s: number;
  r_attempts: number;
  r_last_status_code: number;
  r_last_error: string;
  r_next_attempt_s: number;
  r_source_topic: string;
  r_source_partition: number;
  r_source_offset: string;
  r_payload: string;
}

/** `campaign_deliveries` (0005): the delivery log. Values bound through `@cdp/clickhouse` `sql`. */
@Injectable()
export class DeliveriesRepository {
  constructor(private readonly clickhouse: ClickHouseClient) {}

  async insert(rows: readonly DeliveryRow[]): Promise<void> {
    await this.clickhouse.insert('campaign_deliveries', rows);
  }

  /**
   * Latest status of every delivery of the given campaigns and profiles triggered at or after
   * `fromMs`, keyed by `pairKey(campaign, profile)`: the dedupe and frequency-cap history of a
   * batch, in one query on the table's sorting key prefix.
   */
  async priorDecisions(
    campaignIds: readonly string[],
    profileIds: readonly string[],
    fromMs: number,
  ): Promise<Map<string, PriorDecision[]>> {
    const prior = new Map<string, PriorDecision[]>();
    if (campaignIds.length === 0 || profileIds.length === 0) return prior;
    const from = new Date(Math.max(0, Math.floor(fromMs / 1000) * 1000));
    const rows = await this.clickhouse.query<PriorRow>(sql`
      SELECT delivery_id, campaign_id, profile_id,
        argMax(status, version) AS last_status,
        toUInt32(any(triggered_at)) AS triggered_s,
        any(triggered_ms) AS trigger_ms
      FROM campaign_deliveries
      WHERE campaign_id IN ${inList([...campaignIds])}
        AND profile_id IN ${inList([...profileIds])}
        AND triggered_at >= ${from}
      GROUP BY delivery_id, campaign_id, profile_id`);
    for (const r of rows) {
      const key = pairKey(r.campaign_id, r.profile_id);
      let list = prior.get(key);
      if (!list) prior.set(key, (list = []));
      list.push({
        deliveryId: r.delivery_id,
        status: r.last_status,
        triggeredAtMs: Number(r.triggered_s) * 1000 + Number(r.trigger_ms),
      });
    }
    return prior;
  }

  /**
   * Deliveries still pending whose segment event came from one of `partitions` of `topic`
   * and that nobody touched since `untouchedSinceMs` (at most `limit`).
   */
  async pending(
    topic: string,
    partitions: readonly number[],
    untouchedSinceMs: number,
    limit: number,
  ): Promise<Delivery[]> {
    if (partitions.length === 0) return [];
    const where = sql`source_topic = ${topic} AND source_partition IN ${inList([...partitions])}`;
    const status: DeliveryStatus = 'pending';
    // aggregates get names of their own: an alias equal to a column name would replace the
    // column in WHERE (ClickHouse resolves aliases everywhere in the query)
    const rows = await this.clickhouse.query<PendingRow>(sql`
      SELECT delivery_id, campaign_id,
        argMax(campaign_version, version) AS r_campaign_version,
        any(profile_id) AS r_profile_id,
        any(segment_id) AS r_segment_id,
        any(segment_version) AS r_segment_version,
        any(segment_event_id) AS r_segment_event_id,
        any(event_type) AS r_event_type,
        any(cause_kind) AS r_cause_kind,
        toUInt32(any(triggered_at)) AS r_triggered_s,
        any(triggered_ms) AS r_triggered_ms,
        toUInt32(any(decided_at)) AS r_decided_s,
        argMax(attempts, version) AS r_attempts,
        argMax(last_status_code, version) AS r_last_status_code,
        argMax(last_error, version) AS r_last_error,
        toUInt32(argMax(next_attempt_at, version)) AS r_next_attempt_s,
        any(source_topic) AS r_source_topic,
        any(source_partition) AS r_source_partition,
        toString(any(source_offset)) AS r_source_offset,
        argMax(payload, version) AS r_payload,
        argMax(status, version) AS r_status,
        max(updated_at) AS r_updated_at
      FROM campaign_deliveries
      WHERE ${where}
        AND delivery_id IN (SELECT delivery_id FROM campaign_deliveries WHERE ${where} AND status = ${status})
      GROUP BY delivery_id, campaign_id
      HAVING r_status = ${status} AND r_updated_at < ${new Date(untouchedSinceMs)}
      ORDER BY r_decided_s
      LIMIT ${limit}`);
    return rows.map((r) => ({
      id: r.delivery_id,
      campaignId: r.campaign_id,
      campaignVersion: Number(r.r_campaign_version),
      profileId: r.r_profile_id,
      segmentId: r.r_segment_id,
      segmentVersion: Number(r.r_segment_version),
      segmentEventId: r.r_segment_event_id,
      eventType: r.r_event_type,
      causeKind: r.r_cause_kind,
      triggeredAtMs: Number(r.r_triggered_s) * 1000 + Number(r.r_triggered_ms),
      decidedAtMs: Number(r.r_decided_s) * 1000,
      source: { topic: r.r_source_topic, partition: Number(r.r_source_partition), offset: r.r_source_offset },
      body: r.r_payload,
      attempts: Number(r.r_attempts),
      lastStatusCode: Number(r.r_last_status_code),
      lastError: r.r_last_error,
      nextAttemptAtMs: Number(r.r_next_attempt_s) * 1000,
    }));
  }
}
