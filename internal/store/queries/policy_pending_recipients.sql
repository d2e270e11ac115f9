-- policy_pending_recipients lists the recipients of the events stored after a given event id.
SELECT DISTINCT recipient
FROM events
WHERE id > ?
