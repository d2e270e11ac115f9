-- metrics_states counts the addresses per state as it is at a time (the parameter, twice): a
-- pause that has ended (time >= its end) and a soft window that has passed (time after its end)
-- count as active, as StateRow.Effective says.
SELECT CASE
         WHEN state = 'paused' AND expires_at IS NOT NULL AND expires_at <= ? THEN 'active'
         WHEN state = 'soft' AND expires_at IS NOT NULL AND expires_at < ? THEN 'active'
         ELSE state
       END AS effective_state,
       COUNT(*)
FROM states
GROUP BY effective_state
