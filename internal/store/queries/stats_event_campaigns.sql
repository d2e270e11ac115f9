-- stats_event_campaigns counts the events that bounced in [?, ?) per campaign, sending domain,
-- provider, type and reason, from the events themselves (see stats_event_counts).
SELECT COALESCE(campaign, ''), COALESCE(sending_domain, ''), COALESCE(provider, ''), type, reason, COUNT(*)
FROM events
WHERE bounced_at >= ? AND bounced_at < ? AND (COALESCE(provider, '') = ? OR ? = '')
GROUP BY 1, 2, 3, 4, 5
