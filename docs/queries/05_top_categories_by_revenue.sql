-- Question: which product categories bring the most revenue?
--
-- Item revenue (price x quantity, quantity 1 when absent) of completed orders, per
-- category and currency, from the order items ingest keeps in `properties.items`
-- (JSON written without spaces, items flat objects: read with visitParam*, which 18.16
-- has; JSONExtract* it has not). Gross: refunds are in 07_refund_rate.sql. Also the
-- number of orders containing the category and the units sold. Top 10 per currency.
SELECT
    category,
    currency,
    uniqExact(event_id) AS orders,
    sum(quantity) AS units,
    sum(item_revenue) AS revenue
FROM
(
    SELECT
        event_id,
        currency,
        visitParamExtractString(item, 'category') AS category,
        if(visitParamHas(item, 'quantity'), visitParamExtractFloat(item, 'quantity'), 1) AS quantity,
        visitParamExtractFloat(item, 'price') * quantity AS item_revenue
    FROM
    (
        SELECT
            event_id,
            currency,
            arrayJoin(extractAll(visitParamExtractRaw(properties, 'items'), '\\{[^{}]*\\}')) AS item
        FROM {db}.events_resolved
        WHERE name = 'Order Completed'
    )
)
WHERE category != ''
GROUP BY currency, category
ORDER BY currency, revenue DESC, category
LIMIT 10 BY currency
