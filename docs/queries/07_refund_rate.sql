-- Question: what share of orders, and of order revenue, is refunded?
--
-- `Order Refunded` against `Order Completed`, by count and by revenue, per currency
-- (revenue is never summed across currencies). All time. Needs no profile resolution:
-- reads profile_event_daily directly.
SELECT
    currency,
    sumIf(orders, name = 'Order Completed') AS completed_orders,
    sumIf(orders, name = 'Order Refunded') AS refunded_orders,
    round(if(completed_orders = 0, 0, refunded_orders / completed_orders), 4) AS refund_rate,
    sumIf(order_revenue, name = 'Order Completed') AS completed_revenue,
    sumIf(order_revenue, name = 'Order Refunded') AS refunded_revenue,
    round(if(completed_revenue = 0, 0, refunded_revenue / completed_revenue), 4) AS revenue_refund_rate
FROM
(
    SELECT
        name,
        currency,
        countMerge(event_count) AS orders,
        sumMerge(revenue_sum) AS order_revenue
    FROM {db}.profile_event_daily
    WHERE name IN ('Order Completed', 'Order Refunded')
    GROUP BY name, currency
)
GROUP BY currency
ORDER BY currency
