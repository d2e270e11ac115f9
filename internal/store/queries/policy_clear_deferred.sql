-- policy_clear_deferred empties the list of addresses left for an evaluation from all their
-- events, once they are all evaluated.
DELETE FROM policy_deferred
