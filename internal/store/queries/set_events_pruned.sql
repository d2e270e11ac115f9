-- set_events_pruned records how many prunes have deleted events (events_pruned.sql).
INSERT INTO meta (key, value)
VALUES ('events_pruned', ?)
ON CONFLICT (key) DO UPDATE SET value = excluded.value
