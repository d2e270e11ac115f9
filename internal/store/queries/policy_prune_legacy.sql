-- policy_prune_legacy forgets the Message-IDs of the legacy messages prune clears (same cutoff as
-- policy_prune_messages; legacy messages all have a date).
DELETE FROM legacy_messages
WHERE sent_at < ?
