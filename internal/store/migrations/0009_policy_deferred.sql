-- 0009_policy_deferred: addresses whose evaluation a scan left for its last evaluation.
--
-- A scan evaluates the policy every 10,000 new messages. An address whose new events come
-- before the last event its state took (a mailbox read out of time order, a bounce delivered
-- late) cannot go on from its state: it is evaluated from all its events. Done at every one of
-- a large scan's evaluations, that read back the address's whole history each time, so a scan
-- of a mailbox out of time order cost more per message the longer it was (docs/performance.md).
-- The scan's evaluations before its last now list such an address here instead, and leave its
-- state as it was; the next evaluation that is not part of a running scan (the scan's last one,
-- or that of any other command, also after a scan that was killed) evaluates every listed
-- address from all its events and empties the table. A listed address is not evaluated from its
-- state meanwhile: its state misses the events that listed it. docs/policy.md ("Storage").
--
-- Portability: as 0001_init.sql.

CREATE TABLE policy_deferred (
    address TEXT PRIMARY KEY,        -- a normalised address (recipient_addresses.address)
    events  INTEGER NOT NULL DEFAULT 0 -- its events stored since its state was evaluated: with the
                                       -- state's bounces, how many the evaluation will read
);
