-- policy_upsert_states stores the evaluated states of addresses, one row per VALUES tuple, each
-- address once: one tuple on SQLite (a prepared statement per evaluation), many on PostgreSQL.
INSERT INTO states (address, state, soft_count, pause_count, suppressed_until, expires_at, since,
                    first_bounce, last_bounce, bounces, event_id, type, reason, status,
                    reply_code, provider, rule, diagnostic, decided_at, setting, policy,
                    evaluated_at, carry)
VALUES {{rows}}
ON CONFLICT (address) DO UPDATE SET
    state = excluded.state,
    soft_count = excluded.soft_count,
    pause_count = excluded.pause_count,
    suppressed_until = excluded.suppressed_until,
    expires_at = excluded.expires_at,
    since = excluded.since,
    first_bounce = excluded.first_bounce,
    last_bounce = excluded.last_bounce,
    bounces = excluded.bounces,
    event_id = excluded.event_id,
    type = excluded.type,
    reason = excluded.reason,
    status = excluded.status,
    reply_code = excluded.reply_code,
    provider = excluded.provider,
    rule = excluded.rule,
    diagnostic = excluded.diagnostic,
    decided_at = excluded.decided_at,
    setting = excluded.setting,
    policy = excluded.policy,
    evaluated_at = excluded.evaluated_at,
    carry = excluded.carry
