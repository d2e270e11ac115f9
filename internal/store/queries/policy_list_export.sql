-- policy_list_export reads what an export needs of the addresses in one state, by address (the
-- index on state and address gives them in order, without sorting), with the fingerprint of the
-- row last delivered for each in one delivery baseline ('' when none): a page of at most ?
-- addresses after the address ?.
SELECT s.address, s.soft_count, s.suppressed_until, s.expires_at, s.since, s.first_bounce,
       s.last_bounce, s.bounces, s.type, s.reason, s.status, s.reply_code, s.provider, s.rule,
       s.diagnostic, COALESCE(x.fingerprint, '')
FROM states s
LEFT JOIN exported x ON x.baseline = ? AND x.address = s.address
WHERE s.state = ? AND s.address > ?
ORDER BY s.address
LIMIT ?
