-- stats_event_counts counts the events that bounced in [?, ?) (unix seconds) per UTC day,
-- provider, type, reason and confidence band, from the events themselves: the parts of days at
-- the ends of a period, which event_counts cannot split.
SELECT bounced_at - ((bounced_at % 86400) + 86400) % 86400, COALESCE(provider, ''), type, reason,
       CASE WHEN confidence < 0.5 THEN 0 WHEN confidence < 0.8 THEN 1 ELSE 2 END, COUNT(*)
FROM events
WHERE bounced_at >= ? AND bounced_at < ? AND (COALESCE(provider, '') = ? OR ? = '')
GROUP BY 1, 2, 3, 4, 5
