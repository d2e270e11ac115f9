-- 0003_stats, PostgreSQL: 0003_stats.sql in PostgreSQL's types. Every text column is
-- COLLATE "C", so that ordering, MIN, MAX and indexes compare bytes as SQLite does, whatever
-- the collation of the database; INTEGER is BIGINT (unix times, nanoseconds, counts), REAL is
-- DOUBLE PRECISION (SQLite's REAL is 8 bytes), and "id INTEGER PRIMARY KEY" an identity column.
-- Comments on the tables and columns are in 0003_stats.sql.

CREATE TABLE event_counts (
    day         BIGINT NOT NULL,
    provider    TEXT COLLATE "C" NOT NULL,
    type        TEXT COLLATE "C" NOT NULL,
    reason      TEXT COLLATE "C" NOT NULL,
    band        BIGINT NOT NULL,
    event_count BIGINT NOT NULL,
    PRIMARY KEY (day, provider, type, reason, band)
);

CREATE TABLE campaign_counts (
    day            BIGINT NOT NULL,
    campaign       TEXT COLLATE "C" NOT NULL,
    sending_domain TEXT COLLATE "C" NOT NULL,
    provider       TEXT COLLATE "C" NOT NULL,
    type           TEXT COLLATE "C" NOT NULL,
    reason         TEXT COLLATE "C" NOT NULL,
    event_count    BIGINT NOT NULL,
    PRIMARY KEY (day, campaign, sending_domain, provider, type, reason)
);

CREATE TABLE sent (
    campaign      TEXT COLLATE "C" NOT NULL,
    provider      TEXT COLLATE "C" NOT NULL,
    sent_on       TEXT COLLATE "C" NOT NULL,
    message_count BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    PRIMARY KEY (campaign, provider, sent_on)
);

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
