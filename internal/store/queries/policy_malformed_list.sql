-- policy_malformed_list lists the stored recipients whose address is malformed, with why, their
-- number of events and their last bounce, by recipient.
SELECT r.recipient, COALESCE(r.error, ''), COUNT(e.id), MAX(e.bounced_at)
FROM recipient_addresses r
JOIN events e ON e.recipient = r.recipient
WHERE r.address IS NULL
GROUP BY r.recipient, r.error
ORDER BY r.recipient
