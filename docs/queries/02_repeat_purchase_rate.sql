-- Question: what share of buyers bought more than once?
--
-- Buyers = people (merged profiles resolved) with at least one `Order Completed`;
-- repeat buyers = those with two or more. A later refund does not undo the order here
-- (see 07_refund_rate.sql). All time; a person's orders in several currencies count
-- together (profile_event_totals has one row per currency, hence the sum).
SELECT
    count() AS buyers,
    countIf(orders >= 2) AS repeat_buyers,
    round(if(buyers = 0, 0, repeat_buyers / buyers), 4) AS repeat_purchase_rate
FROM
(
    SELECT profile_id, sum(events) AS orders
    FROM {db}.profile_event_totals
    WHERE name = 'Order Completed'
    GROUP BY profile_id
)
