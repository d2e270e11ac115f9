-- policy_all_recipients lists every recipient that has events.
SELECT DISTINCT recipient
FROM events
