-- policy_state reads the stored state of one address.
SELECT address, state, soft_count, pause_count, suppressed_until, expires_at, since,
       first_bounce, last_bounce, bounces, event_id, type, reason, status, reply_code, provider,
       rule, diagnostic, decided_at, setting, policy, evaluated_at, carry
FROM states
WHERE address = ?
