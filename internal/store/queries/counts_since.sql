-- counts_since counts events and distinct recipients per type and reason, over the events that
-- bounced at or after a time (unix seconds); events of unknown time are left out.
SELECT type, reason, COUNT(*) AS events, COUNT(DISTINCT recipient) AS recipients
FROM events
WHERE bounced_at >= ?
GROUP BY type, reason
ORDER BY events DESC, type, reason
