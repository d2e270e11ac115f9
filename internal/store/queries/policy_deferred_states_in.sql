-- policy_deferred_states_in reads the stored states of the given addresses left for an evaluation
-- from all their events, as policy_states_in, with their bounces and the events stored since:
-- about how many events the evaluation reads.
SELECT s.address, s.state, s.expires_at, s.bounces + d.events
FROM policy_deferred d
JOIN states s ON s.address = d.address
WHERE d.address IN ({{list}})
