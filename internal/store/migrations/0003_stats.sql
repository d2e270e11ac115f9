-- 0003_stats: per-day bounce counts for `rebound stats` and `rebound recommend`, and the sent
-- volumes of `rebound sent`. docs/stats.md ("How the store answers") says how they are used.
--
-- Portability: as 0001_init.sql. Times are INTEGER unix seconds, UTC. The backfill below uses
-- only arithmetic, COALESCE and CASE, which PostgreSQL accepts as written.

-- event_counts counts the events per UTC day, provider, type, reason and confidence band. It is
-- kept up to date by SaveBatch, in the transaction that stores the events, so that the tables of
-- a period are sums over a few thousand rows instead of a million events. It holds no e-mail
-- address, and events deleted by `rebound prune` stay counted here. Events of unknown time are
-- in no period and are not counted.
CREATE TABLE event_counts (
    day         INTEGER NOT NULL,  -- unix seconds of the UTC midnight the events bounced after
    provider    TEXT NOT NULL,     -- '' when unknown
    type        TEXT NOT NULL,
    reason      TEXT NOT NULL,
    band        INTEGER NOT NULL,  -- confidence: 0 below 0.5, 1 below 0.8, 2 from 0.8
    event_count INTEGER NOT NULL,
    PRIMARY KEY (day, provider, type, reason, band)
);

-- campaign_counts counts the events per UTC day, campaign, sending domain, provider, type and
-- reason (internal/attrib), like event_counts.
CREATE TABLE campaign_counts (
    day            INTEGER NOT NULL,
    campaign       TEXT NOT NULL,  -- '' when unknown
    sending_domain TEXT NOT NULL,  -- '' when unknown
    provider       TEXT NOT NULL,  -- '' when unknown
    type           TEXT NOT NULL,
    reason         TEXT NOT NULL,
    event_count    INTEGER NOT NULL,
    PRIMARY KEY (day, campaign, sending_domain, provider, type, reason)
);

-- sent holds the sent volumes of `rebound sent add` and `rebound sent import`: messages sent
-- for a campaign, optionally for one provider and one day. Adding the same (campaign, provider,
-- day) again replaces the count.
CREATE TABLE sent (
    campaign      TEXT NOT NULL,
    provider      TEXT NOT NULL,     -- a rebound provider id, '' for every provider
    sent_on       TEXT NOT NULL,     -- YYYY-MM-DD (UTC day), '' when undated
    message_count INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (campaign, provider, sent_on)
);

-- Backfill: the events stored before this migration.
INSERT INTO event_counts (day, provider, type, reason, band, event_count)
SELECT bounced_at - ((bounced_at % 86400) + 86400) % 86400, COALESCE(provider, ''), type, reason,
       CASE WHEN confidence < 0.5 THEN 0 WHEN confidence < 0.8 THEN 1 ELSE 2 END, COUNT(*)
FROM events
WHERE bounced_at IS NOT NULL
GROUP BY 1, 2, 3, 4, 5;

INSERT INTO campaign_counts (day, campaign, sending_domain, provider, type, reason, event_count)
SELECT bounced_at - ((bounced_at % 86400) + 86400) % 86400, COALESCE(campaign, ''),
       COALESCE(sending_domain, ''), COALESCE(provider, ''), type, reason, COUNT(*)
FROM events
WHERE bounced_at IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6;
