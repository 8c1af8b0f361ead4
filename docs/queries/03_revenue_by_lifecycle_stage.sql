-- Question: how many people are in each lifecycle stage, and how much have they spent?
--
-- lifecycleStage as in the contract (section 6), computed from completed orders of the
-- person (merged profiles resolved), as of 2026-12-01 00:00:00 UTC (replace the three
-- literals with now() / today() for a live answer). First matching rule wins:
--   prospect  never purchased
--   churned   bought before, no order in the last 90 days
--   loyal     >= 3 orders in the last 180 days (UTC days, today excluded: day >= as_of - 180)
--   active    repeat buyer (>= 2 orders)
--   new       exactly one order
-- Revenue = all-time `Order Completed` revenue, one row per currency (never summed across
-- currencies); prospects have one row with currency '' and revenue 0.
SELECT
    stage,
    currency,
    count() AS profiles,
    sum(completed_revenue) AS revenue
FROM
(
    SELECT
        profile_id,
        multiIf(
            orders = 0, 'prospect',
            last_order_at < toDateTime('2026-12-01 00:00:00', 'UTC') - INTERVAL 90 DAY, 'churned',
            orders_180d >= 3, 'loyal',
            orders >= 2, 'active',
            'new'
        ) AS stage
    FROM
    (
        SELECT
            profile_id,
            countMergeIf(event_count, name = 'Order Completed') AS orders,
            countMergeIf(event_count, name = 'Order Completed' AND day >= toDate('2026-12-01') - 180) AS orders_180d,
            maxMergeIf(last_at, name = 'Order Completed') AS last_order_at
        FROM {db}.profile_event_daily_resolved
        GROUP BY profile_id
    )
) AS l
ALL LEFT JOIN
(
    SELECT profile_id, currency, sum(revenue) AS completed_revenue
    FROM {db}.profile_event_totals
    WHERE name = 'Order Completed'
    GROUP BY profile_id, currency
) AS r USING profile_id
GROUP BY stage, currency
ORDER BY indexOf(['prospect', 'new', 'active', 'loyal', 'churned'], stage), currency
