-- stats_detail_events reads the counted events (not auto-replies or delivery notices) that
-- bounced in [?, ?), of one provider or of all (''), for the distinct recipients and the
-- diagnostic rows of the recommendations (stats.Aggregator).
SELECT bounced_at, recipient, COALESCE(provider, ''), type, reason, COALESCE(status, ''),
       COALESCE(reply_code, ''), COALESCE(diagnostic, ''), confidence, COALESCE(campaign, ''),
       COALESCE(sending_domain, '')
FROM events
WHERE bounced_at >= ? AND bounced_at < ? AND type NOT IN ('autoreply', 'delivered')
  AND (COALESCE(provider, '') = ? OR ? = '')
