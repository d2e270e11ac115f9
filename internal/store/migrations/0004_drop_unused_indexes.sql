-- 0004_drop_unused_indexes: drop the event indexes that no query uses.
--
-- Every event a scan stores is written into each index of the events table, so an index that
-- no query reads only slows scans down. Since stats reads the per-day counts of 0003 and export
-- reads the policy states, no query filters or sorts events by reason, by type or by provider:
-- the queries that did (counts by type and reason, the list of hard bounces) had no caller left
-- and were removed with this migration. The remaining indexes serve the recipient lookups of
-- the policy and `show` (events_recipient_idx) and the partial days of stats
-- (events_bounced_at_idx). docs/performance.md gives the measurements.

DROP INDEX IF EXISTS events_reason_idx;
DROP INDEX IF EXISTS events_type_idx;
DROP INDEX IF EXISTS events_provider_idx;
