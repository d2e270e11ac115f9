-- message_counts counts stored messages per outcome.
SELECT outcome, COUNT(*)
FROM messages
GROUP BY outcome
