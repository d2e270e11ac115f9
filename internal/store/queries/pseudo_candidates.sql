-- pseudo_candidates lists the addresses whose every event bounced (or, without a time, was
-- scanned) before a cutoff, that are not kept in clear: not suppressed, not under review, not in
-- a pause that has not ended at a time, not on the list last exported (export --new must say
-- when it leaves), and not pseudonyms already. Parameters: the time, the cutoff.
SELECT r.address
FROM recipient_addresses r
JOIN events e ON e.recipient = r.recipient
JOIN messages m ON m.key = e.message_key
LEFT JOIN states s ON s.address = r.address
WHERE r.address IS NOT NULL
  AND r.address NOT LIKE 'pseudo.%'
  AND COALESCE(s.state, '') NOT IN ('suppressed', 'review')
  AND NOT (COALESCE(s.state, '') = 'paused' AND COALESCE(s.suppressed_until, s.expires_at, ?) > ?)
  AND NOT EXISTS (SELECT 1 FROM exported x WHERE x.address = r.address)
GROUP BY r.address
HAVING MAX(COALESCE(e.bounced_at, m.scanned_at)) < ?
ORDER BY r.address
