-- stats_campaigns lists the campaigns bounces were ever attributed to (pruned events included:
-- their counts stay).
SELECT DISTINCT campaign
FROM campaign_counts
WHERE campaign <> ''
ORDER BY campaign
