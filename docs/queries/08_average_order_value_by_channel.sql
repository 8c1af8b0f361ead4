-- Question: what is the average order value per sales channel (online, store, app,
-- phone)?
--
-- Completed orders per order channel (`channel` of the transaction) and currency: orders,
-- revenue, and revenue / orders. All time. Reads events_resolved (deduplicated events).
-- For the value by acquisition channel, join the first-touch subquery of
-- 01_customers_by_acquisition_channel.sql on profile_id.
SELECT
    channel AS order_channel,
    currency,
    count() AS orders,
    sum(revenue) AS order_revenue,
    round(if(orders = 0, 0, order_revenue / orders), 2) AS average_order_value
FROM {db}.events_resolved
WHERE name = 'Order Completed'
GROUP BY channel, currency
ORDER BY currency, order_channel
