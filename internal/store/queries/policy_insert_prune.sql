-- policy_insert_prune logs a prune.
INSERT INTO prunes (at, cutoff, events_deleted, events_kept, messages_cleared)
VALUES (?, ?, ?, ?, ?)
