-- Question: for a batch of people (evaluated together), what do their rules need:
-- completed orders in 180 days, when they were last seen, the category they viewed most
-- in 14 days (and how often: "viewed a category >= 3 times in 14 days") and their country?
--
-- The pattern for evaluating a few thousand profiles in one query: every read of an
-- aggregate table filters `profile_id IN (...)` on the leading key column (the batch plus
-- the profiles the batch absorbed), then resolves ids to survivors and merges states.
-- Filters must sit on the base tables: 18.16 does not push a WHERE into a view.
-- One JOIN per SELECT level (18.16). As of 2026-12-01 (replace the literals with today()).
SELECT
    profile_id,
    orders_180d,
    last_seen_at,
    top_category_14d,
    top_category_views_14d,
    country
FROM
(
    SELECT
        profile_id,
        orders_180d,
        last_seen_at,
        top_category_14d,
        top_category_views_14d
    FROM
    (
        SELECT
            if(survivor_id = '', original_profile_id, survivor_id) AS profile_id,
            countMergeIf(event_count, name = 'Order Completed' AND day >= toDate('2026-12-01') - 180) AS orders_180d,
            maxMerge(last_at) AS last_seen_at
        FROM
        (
            SELECT profile_id AS original_profile_id, name, day, event_count, last_at
            FROM {db}.profile_event_daily
            WHERE profile_id IN ('p-01', 'p-03', 'p-07')
                OR profile_id IN (
                    SELECT absorbed_id FROM {db}.profile_survivors WHERE survivor_id IN ('p-01', 'p-03', 'p-07')
                )
        ) AS l
        ANY LEFT JOIN
        (
            SELECT absorbed_id AS original_profile_id, survivor_id FROM {db}.profile_survivors
        ) AS r USING original_profile_id
        GROUP BY profile_id
    ) AS l
    ANY LEFT JOIN
    (
        SELECT
            profile_id,
            argMax(category, views) AS top_category_14d,
            max(views) AS top_category_views_14d
        FROM
        (
            SELECT
                if(survivor_id = '', original_profile_id, survivor_id) AS profile_id,
                category,
                countMerge(event_count) AS views
            FROM
            (
                SELECT profile_id AS original_profile_id, category, event_count
                FROM {db}.profile_category_daily
                WHERE (profile_id IN ('p-01', 'p-03', 'p-07')
                        OR profile_id IN (
                            SELECT absorbed_id FROM {db}.profile_survivors WHERE survivor_id IN ('p-01', 'p-03', 'p-07')
                        ))
                    AND name = 'Page Viewed'
                    AND day >= toDate('2026-12-01') - 14
            ) AS l
            ANY LEFT JOIN
            (
                SELECT absorbed_id AS original_profile_id, survivor_id FROM {db}.profile_survivors
            ) AS r USING original_profile_id
            GROUP BY profile_id, category
        )
        GROUP BY profile_id
    ) AS r USING profile_id
) AS l
ANY LEFT JOIN
(
    SELECT
        if(survivor_id = '', original_profile_id, survivor_id) AS profile_id,
        argMaxMerge(latest_value) AS country
    FROM
    (
        SELECT profile_id AS original_profile_id, latest_value
        FROM {db}.profile_traits_latest
        WHERE (profile_id IN ('p-01', 'p-03', 'p-07')
                OR profile_id IN (
                    SELECT absorbed_id FROM {db}.profile_survivors WHERE survivor_id IN ('p-01', 'p-03', 'p-07')
                ))
            AND trait = 'country'
    ) AS l
    ANY LEFT JOIN
    (
        SELECT absorbed_id AS original_profile_id, survivor_id FROM {db}.profile_survivors
    ) AS r USING original_profile_id
    GROUP BY profile_id
) AS r USING profile_id
ORDER BY profile_id
