-- counts_all counts events and distinct recipients per type and reason, over all events.
SELECT type, reason, COUNT(*) AS events, COUNT(DISTINCT recipient) AS recipients
FROM events
GROUP BY type, reason
ORDER BY events DESC, type, reason
