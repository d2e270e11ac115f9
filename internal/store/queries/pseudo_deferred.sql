-- pseudo_deferred lists a pseudonym for an evaluation from all its events when the address it
-- replaces was listed (policy_delete_deferred then takes the address off), with its events.
INSERT INTO policy_deferred (address, events)
SELECT ?1, events
FROM policy_deferred
WHERE address = ?2
ON CONFLICT (address) DO UPDATE SET events = policy_deferred.events + excluded.events
