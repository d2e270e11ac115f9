-- stats_day_counts reads the counts of the whole UTC days in [?, ?) (day starts, unix seconds),
-- of one provider, or of all when the third parameter is ''. Rows are per day, provider, type,
-- reason and confidence band.
SELECT day, provider, type, reason, band, event_count
FROM event_counts
WHERE day >= ? AND day < ? AND (provider = ? OR ? = '')
