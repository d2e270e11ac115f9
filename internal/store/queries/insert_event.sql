-- insert_event stores one recipient of a message.
INSERT INTO events (message_key, idx, recipient, action, status, reply_code, diagnostic, remote_mta,
                    reporting_mta, reason, type, hard, provider, rule, confidence, bounced_at,
                    sender, subject, original_message_id, campaign, sending_domain, feedback_type)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (message_key, idx) DO NOTHING
