-- undecodable_list lists the messages recorded as undecodable: where each is, why, its date
-- (when it has one) and when it was scanned, oldest scan first.
SELECT position, COALESCE(error, ''), sent_at, scanned_at, COALESCE(subject, ''), COALESCE(from_addr, '')
FROM messages
WHERE outcome = 'undecodable'
ORDER BY scanned_at, position
