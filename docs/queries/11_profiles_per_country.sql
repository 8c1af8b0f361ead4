-- Question: how many people live in each country?
--
-- The current `country` trait (latest value by updated_at, then updated_ms) of each
-- person, merged profiles resolved: a merged person has the latest value any of their
-- profiles was given, and counts once. People without a country trait are not counted.
SELECT
    upper(value) AS country,
    count() AS profiles
FROM {db}.profile_traits_current
WHERE trait = 'country' AND value != ''
GROUP BY country
ORDER BY profiles DESC, country
