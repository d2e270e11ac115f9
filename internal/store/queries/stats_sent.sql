-- stats_sent lists the sent volumes by campaign, provider and day.
SELECT campaign, provider, sent_on, message_count
FROM sent
ORDER BY campaign, provider, sent_on
