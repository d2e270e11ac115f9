-- insert_event stores one recipient of a message and returns its id (no row when it was stored
-- before).
INSERT INTO events (message_key, idx, recipient, action, status, reply_code, diagnostic, remote_mta,
                    reporting_mta, reason, type, hard, provider, rule, confidence, bounced_at,
                    sender, subject, original_message_id, campaign, sending_domain, feedback_type)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (message_key, idx) DO NOTHING
RETURNING id
