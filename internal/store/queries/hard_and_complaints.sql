-- hard_and_complaints lists every recipient with a hard bounce or a complaint: one row per
-- recipient, described by its latest such event (ties broken by the latest stored), with the
-- first and last time and the number of such events. Unknown times sort as the oldest.
WITH hc AS (
    SELECT recipient, type, reason, status, reply_code, provider, diagnostic, bounced_at,
           ROW_NUMBER() OVER (PARTITION BY recipient
                              ORDER BY bounced_at DESC NULLS LAST, id DESC) AS rn,
           MIN(bounced_at) OVER (PARTITION BY recipient) AS first_bounce,
           MAX(bounced_at) OVER (PARTITION BY recipient) AS last_bounce,
           COUNT(*) OVER (PARTITION BY recipient) AS n
    FROM events
    WHERE type IN ('hard', 'complaint')
)
SELECT recipient, type, reason, status, reply_code, provider, first_bounce, last_bounce, n,
       diagnostic
FROM hc
WHERE rn = 1
ORDER BY recipient
