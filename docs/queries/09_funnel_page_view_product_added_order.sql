-- Question: of the people who viewed a page, how many then added a product, and how many
-- of those then completed an order, each step within 30 days of the page view?
--
-- windowFunnel per person (merged profiles resolved): the furthest step reached in order
-- Page Viewed -> Product Added -> Order Completed within 2592000 s (30 days) of the first
-- step. Events in the same second have no defined order (DateTime has seconds). All time.
SELECT
    countIf(level >= 1) AS page_viewed,
    countIf(level >= 2) AS product_added,
    countIf(level >= 3) AS order_completed,
    round(if(page_viewed = 0, 0, product_added / page_viewed), 4) AS view_to_add_rate,
    round(if(product_added = 0, 0, order_completed / product_added), 4) AS add_to_order_rate,
    round(if(page_viewed = 0, 0, order_completed / page_viewed), 4) AS view_to_order_rate
FROM
(
    SELECT
        profile_id,
        windowFunnel(2592000)(
            occurred_at,
            name = 'Page Viewed',
            name = 'Product Added',
            name = 'Order Completed'
        ) AS level
    FROM {db}.events_resolved
    WHERE name IN ('Page Viewed', 'Product Added', 'Order Completed')
    GROUP BY profile_id
)
