-- stats_upsert_campaign_count adds events to a day's count per campaign (SaveBatch).
INSERT INTO campaign_counts (day, campaign, sending_domain, provider, type, reason, event_count)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (day, campaign, sending_domain, provider, type, reason) DO UPDATE SET event_count = campaign_counts.event_count + excluded.event_count
