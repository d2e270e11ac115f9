-- metrics_bounces counts every event stored with a known time, since the database was created,
-- per provider ('' when unknown), type and reason: the per-day counts, which prune does not
-- lower, summed over all days.
SELECT provider, type, reason, SUM(event_count)
FROM event_counts
GROUP BY provider, type, reason
ORDER BY provider, type, reason
