-- policy_event_diagnostic reads the diagnostic of one event, by its message key and index: the
-- deciding event of a state that a replay from a rewind point goes back to (Evaluator.Rewind).
SELECT diagnostic
FROM events
WHERE message_key = ? AND idx = ?
