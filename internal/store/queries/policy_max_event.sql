-- policy_max_event is the highest event id (0 when there are no events).
SELECT COALESCE(MAX(id), 0)
FROM events
