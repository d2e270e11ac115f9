-- insert_event_rowid is insert_event without RETURNING, for SQLite: the caller takes the id from
-- LastInsertId (no row affected: stored before). A RETURNING statement keeps a statement journal
-- that costs SQLite's writer more than the insert itself.
INSERT INTO events (message_key, idx, recipient, action, status, reply_code, diagnostic, remote_mta,
                    reporting_mta, reason, type, hard, provider, rule, confidence, bounced_at,
                    sender, subject, original_message_id, campaign, sending_domain, feedback_type)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (message_key, idx) DO NOTHING
