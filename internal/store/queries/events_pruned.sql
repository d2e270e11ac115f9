-- events_pruned reads how many prunes have deleted events, a counter that tells a process
-- whether event ids it holds may have been reused since it read them (recent.go).
SELECT value
FROM meta
WHERE key = 'events_pruned'
