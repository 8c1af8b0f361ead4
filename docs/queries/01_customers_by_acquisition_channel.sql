-- Question: how many profiles, and how many customers (profiles with at least one
-- completed order), did each acquisition channel bring?
--
-- Acquisition channel = the person's first touch (merged profiles resolved: the earliest
-- touch of every profile that became theirs), classified in this order:
--   paid            an ad event (impression, click, conversion), or utm_medium cpc, ppc,
--                   paid, paidsearch, paid_search, paid_social, display, cpm
--   email           utm_medium email, e-mail, newsletter
--   social          a social event (source social: the platform), utm_medium social, or a
--                   social network referrer (weibo, facebook, instagram, x/twitter, ...)
--   organic_search  a search engine referrer (google, bing, baidu, yahoo, duckduckgo, ...)
--   referral        any other referrer
--   direct          none of the above (typed-in visits, store and phone orders, ...)
-- Reads profile_channel_daily (one row per touch kind and day, first_at = its first time)
-- and profile_event_totals (completed orders). All time.
SELECT
    acquisition_channel,
    count() AS profiles,
    sum(is_customer) AS customers
FROM
(
    SELECT
        profile_id,
        argMin(touch_channel, touch_at) AS acquisition_channel
    FROM
    (
        SELECT
            profile_id,
            minMerge(first_at) AS touch_at,
            multiIf(
                source = 'ad'
                    OR lower(utm_medium) IN ('cpc', 'ppc', 'paid', 'paidsearch', 'paid_search', 'paid_social', 'display', 'cpm'),
                'paid',
                lower(utm_medium) IN ('email', 'e-mail', 'newsletter'),
                'email',
                source = 'social'
                    OR lower(utm_medium) IN ('social', 'social-media', 'social_media')
                    OR match(referrer_host, '(^|\\.)(weibo\\.com|weibo\\.cn|facebook\\.com|instagram\\.com|twitter\\.com|x\\.com|t\\.co|linkedin\\.com|xiaohongshu\\.com|douyin\\.com|tiktok\\.com|youtube\\.com|pinterest\\.com|reddit\\.com)$'),
                'social',
                match(referrer_host, '(^|\\.)(google|bing|baidu|yahoo|duckduckgo|yandex|sogou|so|naver|ecosia)\\.'),
                'organic_search',
                referrer_host != '',
                'referral',
                'direct'
            ) AS touch_channel
        FROM {db}.profile_channel_daily_resolved
        GROUP BY profile_id, source, channel, utm_source, utm_medium, referrer_host
    )
    GROUP BY profile_id
) AS l
ANY LEFT JOIN
(
    SELECT profile_id, toUInt8(1) AS is_customer
    FROM {db}.profile_event_totals
    WHERE name = 'Order Completed'
    GROUP BY profile_id
) AS r USING profile_id
GROUP BY acquisition_channel
ORDER BY profiles DESC, acquisition_channel
