-- bulk_insert_events stores the recipients of new messages with the ids bulk_event_ids gave,
-- one row per VALUES tuple, so that the ids follow the messages' order as insert_event's do.
INSERT INTO events (id, message_key, idx, recipient, action, status, reply_code, diagnostic,
                    remote_mta, reporting_mta, reason, type, hard, provider, rule, confidence,
                    bounced_at, sender, subject, original_message_id, campaign, sending_domain,
                    feedback_type)
VALUES {{rows}}
