-- policy_insert_deferred leaves an address for an evaluation from all its events, or counts more
-- of its events when it is left already.
INSERT INTO policy_deferred (address, events)
VALUES (?, ?)
ON CONFLICT (address) DO UPDATE SET events = policy_deferred.events + excluded.events
