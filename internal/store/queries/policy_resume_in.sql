-- policy_resume_in reads the stored states of the given addresses, with what the policy needs to
-- go on with their new events (carry), as policy_state does for one.
SELECT address, state, soft_count, pause_count, suppressed_until, expires_at, since,
       first_bounce, last_bounce, bounces, event_id, type, reason, status, reply_code, provider,
       rule, diagnostic, decided_at, setting, policy, evaluated_at, carry
FROM states
WHERE address IN ({{list}})
