-- policy_exported_states reads every address delivered and still remembered in one delivery
-- baseline, with its state now ('' when it has none) and when that state expires, to find those
-- that left the list (and its bounces, 0 without a state, as every summary has them).
SELECT x.address, COALESCE(s.state, ''), s.expires_at, COALESCE(s.bounces, 0)
FROM exported x
LEFT JOIN states s ON s.address = x.address
WHERE x.baseline = ?
ORDER BY x.address
