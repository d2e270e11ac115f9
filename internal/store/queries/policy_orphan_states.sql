-- policy_orphan_states reads the states of the addresses left without events (no recipient
-- maps to them) and without overrides, as after a prune.
SELECT s.address, s.state, s.expires_at, s.bounces
FROM states s
WHERE NOT EXISTS (SELECT 1 FROM recipient_addresses r WHERE r.address = s.address)
  AND NOT EXISTS (SELECT 1 FROM overrides o WHERE o.address = s.address)
