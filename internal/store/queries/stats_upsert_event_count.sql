-- stats_upsert_event_count adds events to a day's count (SaveBatch, for the events it stored).
INSERT INTO event_counts (day, provider, type, reason, band, event_count)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (day, provider, type, reason, band) DO UPDATE SET event_count = event_counts.event_count + excluded.event_count
