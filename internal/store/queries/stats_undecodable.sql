-- stats_undecodable counts the messages recorded as undecodable that are dated (or, without a
-- date, were scanned) in [?, ?).
SELECT COUNT(*)
FROM messages
WHERE outcome = 'undecodable' AND COALESCE(sent_at, scanned_at) >= ? AND COALESCE(sent_at, scanned_at) < ?
