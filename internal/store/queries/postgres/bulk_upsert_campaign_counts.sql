-- bulk_upsert_campaign_counts adds events to days' counts per campaign
-- (stats_upsert_campaign_count), one row per VALUES tuple, each key once.
INSERT INTO campaign_counts (day, campaign, sending_domain, provider, type, reason, event_count)
VALUES {{rows}}
ON CONFLICT (day, campaign, sending_domain, provider, type, reason) DO UPDATE SET event_count = campaign_counts.event_count + excluded.event_count
