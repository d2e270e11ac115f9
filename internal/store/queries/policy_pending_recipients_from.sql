-- policy_pending_recipients_from lists the recipients of the events stored after a given event
-- id, in order, from a given recipient on (included), at most a given number: a page of them
-- (the recipient index gives them in order, each once, without sorting). Parameters: the
-- recipient, the number, the event id.
SELECT DISTINCT recipient
FROM events
WHERE recipient >= ?1 AND id > ?3
ORDER BY recipient
LIMIT ?2
