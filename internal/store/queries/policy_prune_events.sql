-- policy_prune_events deletes the events that bounced before a cutoff (events of unknown time:
-- scanned before it), except the evidence of a permanent decision: the events of an address
-- whose state is suppressed or review, since its last override. Parameters: the cutoff, and a
-- time before every event (for addresses without overrides).
DELETE FROM events
WHERE id IN (
    SELECT e.id
    FROM events e
    JOIN messages m ON m.key = e.message_key
    LEFT JOIN recipient_addresses r ON r.recipient = e.recipient
    LEFT JOIN states s ON s.address = r.address
    WHERE COALESCE(e.bounced_at, m.scanned_at) < ?
      AND NOT (COALESCE(s.state, '') IN ('suppressed', 'review')
               AND COALESCE(e.bounced_at, m.scanned_at) >= COALESCE(
                   (SELECT MAX(o.at) FROM overrides o WHERE o.address = s.address), ?))
)
