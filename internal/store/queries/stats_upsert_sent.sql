-- stats_upsert_sent records a sent volume, replacing the count of the same campaign, provider
-- and day.
INSERT INTO sent (campaign, provider, sent_on, message_count, updated_at)
VALUES (?, ?, ?, ?, ?)
ON CONFLICT (campaign, provider, sent_on) DO UPDATE SET message_count = excluded.message_count, updated_at = excluded.updated_at
