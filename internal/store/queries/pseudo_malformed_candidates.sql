-- pseudo_malformed_candidates lists the malformed recipients (no address, never evaluated) whose
-- every event bounced (or, without a time, was scanned) before a cutoff, pseudonyms left out.
SELECT r.recipient
FROM recipient_addresses r
JOIN events e ON e.recipient = r.recipient
JOIN messages m ON m.key = e.message_key
WHERE r.address IS NULL
  AND r.recipient NOT LIKE 'pseudo.%'
GROUP BY r.recipient
HAVING MAX(COALESCE(e.bounced_at, m.scanned_at)) < ?
ORDER BY r.recipient
