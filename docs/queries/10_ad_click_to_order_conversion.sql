-- Question: per ad network, what share of the people who clicked an ad completed an
-- order within 30 days of their first click on that network?
--
-- Clickers = people (merged profiles resolved) with an `Ad Click`; converted = an
-- `Order Completed` at or after their first click on that network and at most 30 days
-- (2592000 s) later. The network is the click's channel (google_ads, meta_ads, ...).
-- All time. (No lambdas over columns: 18.16 cannot capture a column in one.)
SELECT
    network,
    count() AS clickers,
    countIf(converted = 1) AS converters,
    round(if(clickers = 0, 0, converters / clickers), 4) AS conversion_rate
FROM
(
    SELECT
        profile_id,
        network,
        max(order_at >= first_click_at AND order_at <= first_click_at + 2592000) AS converted
    FROM
    (
        SELECT profile_id, channel AS network, min(occurred_at) AS first_click_at
        FROM {db}.events_resolved
        WHERE name = 'Ad Click'
        GROUP BY profile_id, channel
    ) AS l
    ALL LEFT JOIN
    (
        SELECT profile_id, occurred_at AS order_at
        FROM {db}.events_resolved
        WHERE name = 'Order Completed'
    ) AS r USING profile_id
    GROUP BY profile_id, network
)
GROUP BY network
ORDER BY network
