-- stats_day_campaigns reads the counts per campaign of the whole UTC days in [?, ?), of one
-- provider or of all (''). The caller sums the days: that is cheaper than a GROUP BY here.
SELECT campaign, sending_domain, provider, type, reason, event_count
FROM campaign_counts
WHERE day >= ? AND day < ? AND (provider = ? OR ? = '')
