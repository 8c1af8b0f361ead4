-- Question: do buyers engage more on social platforms than people who never bought?
--
-- For buyers (>= 1 `Order Completed`) and non-buyers: how many people, how many of them
-- interacted on a social platform at least once (any `Social <Action>` event, source
-- social), the interactions in total, and both per person. Merged profiles resolved;
-- all time.
SELECT
    if(orders > 0, 'buyers', 'non_buyers') AS segment,
    count() AS profiles,
    countIf(social_events > 0) AS engaged_profiles,
    sum(social_events) AS social_interactions,
    round(if(profiles = 0, 0, engaged_profiles / profiles), 4) AS engagement_rate,
    round(if(profiles = 0, 0, social_interactions / profiles), 4) AS interactions_per_profile
FROM
(
    SELECT
        profile_id,
        sumIf(events, name = 'Order Completed') AS orders,
        sumIf(events, source = 'social') AS social_events
    FROM {db}.profile_event_totals
    GROUP BY profile_id
)
GROUP BY segment
ORDER BY segment
