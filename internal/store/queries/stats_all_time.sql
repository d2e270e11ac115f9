-- stats_all_time counts the bounces of all time (auto-replies and delivery notices left out), of
-- one provider or of all when the parameter is '', with the first and the last day that has one.
-- Pruned events are counted too: their counts stay.
SELECT COALESCE(SUM(event_count), 0), MIN(day), MAX(day)
FROM event_counts
WHERE type NOT IN ('autoreply', 'delivered') AND (provider = ? OR ? = '')
