-- bulk_upsert_event_counts adds events to days' counts (stats_upsert_event_count), one row per
-- VALUES tuple (day, provider, type, reason, band, count), each key once.
INSERT INTO event_counts (day, provider, type, reason, band, event_count)
VALUES {{rows}}
ON CONFLICT (day, provider, type, reason, band) DO UPDATE SET event_count = event_counts.event_count + excluded.event_count
