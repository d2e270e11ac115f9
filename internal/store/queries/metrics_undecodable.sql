-- metrics_undecodable counts the messages recorded as undecodable, ever.
SELECT COUNT(*)
FROM messages
WHERE outcome = 'undecodable'
