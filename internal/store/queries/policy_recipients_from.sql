-- policy_recipients_from lists the recipients of the stored events, in order, from a given one
-- on (included), at most a given number: a page of them (the recipient index gives them in
-- order, each once, without sorting).
SELECT DISTINCT recipient
FROM events
WHERE recipient >= ?
ORDER BY recipient
LIMIT ?
