-- policy_list reads what an export needs of the addresses in one state, by address (the index
-- on state and address gives them in order, without sorting).
SELECT address, soft_count, suppressed_until, expires_at, since, first_bounce, last_bounce,
       bounces, type, reason, status, reply_code, provider, rule, diagnostic
FROM states
WHERE state = ?
ORDER BY address
