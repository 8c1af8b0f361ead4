import { raw, sql, type ClickHouseClient, type SqlFragment } from '@cdp/clickhouse';

export interface GroupStats {
  profiles: number;
  /** Profiles with a completed order in the period. */
  converted: number;
  /** Completed-order revenue per currency (never summed across currencies). */
  revenue: Record<string, number>;
}

/**
 * Profiles, converted and revenue per group of `groups` (a SELECT of `profile_id` and the
 * `keys` columns), counting `Order Completed` events of the resolved profiles in [from, to).
 * Two statements (18.16's sumMap does not take String keys).
 */
export async function orderStatsByGroup(
  clickhouse: ClickHouseClient,
  groups: SqlFragment,
  keys: readonly string[],
  from: number | undefined,
  to: number,
): Promise<Map<string, GroupStats>> {
  const k = raw(keys.join(', '));
  const period = sql`name = 'Order Completed' AND occurred_at < ${new Date(to)}${from === undefined ? sql`` : sql` AND occurred_at >= ${new Date(from)}`}`;
  const [counts, revenue] = await Promise.all([
    clickhouse.query<Record<string, string>>(sql`
      SELECT ${k}, count() AS n, countIf(orders > 0) AS converted
      FROM (${groups}) AS a
      ANY LEFT JOIN (SELECT profile_id, count() AS orders FROM events_resolved WHERE ${period} GROUP BY profile_id) AS o
      USING profile_id
      GROUP BY ${k}`),
    clickhouse.query<Record<string, string>>(sql`
      SELECT ${k}, currency, sum(rev) AS revenue
      FROM (${groups}) AS a
      ALL INNER JOIN (
        SELECT profile_id, currency, sum(revenue) AS rev FROM events_resolved WHERE ${period} GROUP BY profile_id, currency
      ) AS o USING profile_id
      GROUP BY ${k}, currency`),
  ]);
  const keyOf = (r: Record<string, string>): string => keys.map((c) => String(r[c])).join('\u0000');
  const out = new Map<string, GroupStats>();
  for (const r of counts)
    out.set(keyOf(r), { profiles: Number(r.n), converted: Number(r.converted), revenue: {} });
  for (const r of revenue) {
    const s = out.get(keyOf(r));
    if (s) s.revenue[r.currency] = Math.round(Number(r.revenue) * 100) / 100;
  }
  return out;
}
