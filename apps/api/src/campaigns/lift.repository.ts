import { ClickHouseClient, raw, sql, type SqlFragment } from '@cdp/clickhouse';
import { Injectable } from '@nestjs/common';
import type { GroupRevenue, GroupTotals, LiftInput } from './lift';

export interface LiftPeriod {
  campaignId: string;
  from: Date;
  to: Date;
  windowDays: number;
}

/**
 * The numbers of a lift report, from `campaign_deliveries` and `events_resolved`, on
 * ClickHouse 18.16 and current versions (one JOIN per SELECT, `USING` on equal names).
 *
 * Members: the persons (profiles resolved through `profile_survivors`, so a merged person
 * counts once, with every profile's orders) with a `sent` (treated) or `held_out` (holdout)
 * delivery triggered in [from, to); a member's trigger time is their first such delivery's
 * segment event time. Persons found in both groups (two profiles in different groups that
 * were merged later) are left out and counted. A member converted when an `Order Completed`
 * of theirs happened in [trigger, trigger + windowDays); revenue is that orders' revenue, per
 * currency.
 */
@Injectable()
export class LiftRepository {
  constructor(private readonly clickhouse: ClickHouseClient) {}

  async lift(period: LiftPeriod): Promise<LiftInput> {
    const perMember = this.perMember(period);
    const totals = await this.clickhouse.query<{
      grp: string;
      members: number;
      converted: number;
      total_orders: number;
    }>(sql`
      SELECT grp, uniqExact(person) AS members, uniqExactIf(person, orders > 0) AS converted, sum(orders) AS total_orders
      FROM (${perMember})
      GROUP BY grp`);
    const revenue = await this.clickhouse.query<{
      grp: string;
      currency: string;
      revenue: number;
      revenue_sq: number;
    }>(sql`
      SELECT grp, currency, sum(member_revenue) AS revenue, sum(member_revenue * member_revenue) AS revenue_sq
      FROM (${perMember})
      WHERE currency != '' AND grp != 'mixed'
      GROUP BY grp, currency`);

    const zero: GroupTotals = { members: 0, converted: 0, orders: 0 };
    const byGroup = new Map(
      totals.map((t) => [
        t.grp,
        { members: Number(t.members), converted: Number(t.converted), orders: Number(t.total_orders) },
      ]),
    );
    const revenueOf = (grp: string): Record<string, GroupRevenue> =>
      Object.fromEntries(
        revenue
          .filter((r) => r.grp === grp)
          .map((r) => [r.currency, { revenue: Number(r.revenue), revenueSquares: Number(r.revenue_sq) }]),
      );
    return {
      treated: byGroup.get('sent') ?? zero,
      holdout: byGroup.get('held_out') ?? zero,
      mixed: byGroup.get('mixed')?.members ?? 0,
      revenue: { treated: revenueOf('sent'), holdout: revenueOf('held_out') },
    };
  }

  /** One row per member, group and currency: orders and revenue in the member's window. */
  private perMember({ campaignId, from, to, windowDays }: LiftPeriod): SqlFragment {
    const windowSeconds = windowDays * 86400;
    const members = sql`
      SELECT person,
        if(uniqExact(last_status) > 1, 'mixed', any(last_status)) AS grp,
        min(trig_at) AS trigger_at
      FROM
      (
        SELECT if(survivor_id = '', original_profile_id, survivor_id) AS person, last_status, trig_at
        FROM
        (
          SELECT profile_id AS original_profile_id,
            argMax(status, version) AS last_status,
            any(triggered_at) AS trig_at
          FROM campaign_deliveries
          WHERE campaign_id = ${campaignId} AND triggered_at >= ${from} AND triggered_at < ${to}
          GROUP BY profile_id, delivery_id
        ) AS d
        ANY LEFT JOIN
        (
          SELECT absorbed_id AS original_profile_id, survivor_id FROM profile_survivors
        ) AS s USING original_profile_id
        WHERE last_status IN ('sent', 'held_out')
      )
      GROUP BY person`;
    const orders = raw(`
      SELECT profile_id AS person, occurred_at AS order_at, revenue, currency
      FROM events_resolved
      WHERE name = 'Order Completed'`);
    return sql`
      SELECT person, grp, currency, countIf(in_window) AS orders, sumIf(revenue, in_window) AS member_revenue
      FROM
      (
        SELECT person, grp, currency, revenue,
          order_at >= trigger_at AND order_at < trigger_at + ${windowSeconds} AS in_window
        FROM (${members}) AS m
        ALL LEFT JOIN (${orders}) AS o USING person
      )
      GROUP BY person, grp, currency`;
  }
}
