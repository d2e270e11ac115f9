-- 0006_state_carry: what the policy needs to evaluate an address's new events without reading
-- its earlier ones (docs/policy.md, "Storage"; internal/policy Carry).
--
-- Portability: as 0001_init.sql.

-- carry is the state machine of the address after the last event or override it took, before
-- time alone moved it: the soft events counted in the window (ids and times), the pause starts
-- within pause_window, the settings that decide the window and the pause, the last event taken
-- and how many transitions come up to it (the later ones, a pause's end or a window's end
-- reached by the evaluation's time, are replaced when new events come). JSON written by the
-- policy. NULL for states from before this migration and after a prune that deleted events:
-- the address's next evaluation then reads all its events, once.
ALTER TABLE states ADD COLUMN carry TEXT;
