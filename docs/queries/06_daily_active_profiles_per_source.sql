-- Question: how many people were active each day, per source (web, social, ad,
-- transaction), from 2026-11-20 to 2026-11-27?
--
-- Active = at least one event of that source that UTC day. People, not profile ids:
-- a merged person active under two of their profile ids on one day counts once.
-- Reads profile_event_daily (a row exists only when there was an event).
SELECT
    day,
    source,
    uniqExact(profile_id) AS active_profiles
FROM {db}.profile_event_daily_resolved
WHERE day >= toDate('2026-11-20') AND day <= toDate('2026-11-27')
GROUP BY day, source
ORDER BY day, source
