-- 0002_policy: suppression policy state per address, its audit trail, operator overrides,
-- the export history (for export --new) and the prune log. docs/policy.md ("Storage") says how
-- the tables are used.
--
-- Portability: as 0001_init.sql (standard types; "id INTEGER PRIMARY KEY" is the SQLite spelling
-- of an identity column). Times are INTEGER unix seconds, UTC; NULL means none or unknown.

-- recipient_addresses maps every recipient spelling stored in events (lower-case) to its
-- normalised address (internal/address.Normalize). Several spellings can share one address
-- (an IDNA domain written in Unicode and in xn-- form); a malformed recipient has no address
-- and is never evaluated.
CREATE TABLE recipient_addresses (
    recipient TEXT PRIMARY KEY,  -- as in events.recipient
    address   TEXT,              -- normalised; NULL when malformed
    error     TEXT               -- why the recipient is malformed
);

CREATE INDEX recipient_addresses_address_idx ON recipient_addresses (address);

-- states holds the evaluated policy state of every address with events or overrides: derived
-- data, recomputed by the policy engine from events and overrides (never edited by hand).
CREATE TABLE states (
    address          TEXT PRIMARY KEY,
    state            TEXT NOT NULL,     -- active, soft, paused, suppressed, review
    soft_count       INTEGER NOT NULL,  -- soft: bounces in the window; paused/suppressed: the count that triggered
    pause_count      INTEGER NOT NULL,  -- pauses inside pause_window at the last pause
    suppressed_until INTEGER,           -- paused: the end of the pause
    expires_at       INTEGER,           -- when time alone makes the address active (pause end, soft window end)
    since            INTEGER,           -- time of the transition into the state
    first_bounce     INTEGER,
    last_bounce      INTEGER,
    bounces          INTEGER NOT NULL,
    event_id         TEXT,              -- the deciding event: message key "#" index
    type             TEXT,              -- of the deciding event
    reason           TEXT,
    status           TEXT,
    reply_code       TEXT,
    provider         TEXT,
    rule             TEXT,
    diagnostic       TEXT,
    decided_at       INTEGER,           -- bounce time of the deciding event
    setting          TEXT,              -- policy settings of the deciding transition
    policy           TEXT NOT NULL,     -- id of the policy that evaluated the address
    evaluated_at     INTEGER NOT NULL
);

CREATE INDEX states_state_idx ON states (state, address);

-- transitions is the audit trail of every address: every step of the state machine, numbered
-- 1, 2, ... per address. Replaced with the state whenever the address is evaluated again.
CREATE TABLE transitions (
    address    TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    at         INTEGER NOT NULL,  -- bounce time of the trigger, pause end, window end or override time
    from_state TEXT NOT NULL,
    to_state   TEXT NOT NULL,
    soft_count INTEGER NOT NULL,
    event_ids  TEXT,              -- ids of the triggering events, space-separated
    rule       TEXT,              -- classification rule of the triggering event
    setting    TEXT,              -- policy settings that applied, with their sections
    note       TEXT,
    PRIMARY KEY (address, seq)
);

-- overrides are operators' decisions (rebound unsuppress): primary data, never recomputed.
CREATE TABLE overrides (
    id         INTEGER PRIMARY KEY,
    address    TEXT NOT NULL,
    at         INTEGER NOT NULL,  -- events from this time on count again
    operator   TEXT NOT NULL,     -- who
    why        TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE INDEX overrides_address_idx ON overrides (address, at);

-- exports records every export that was delivered (export --out, export --new).
CREATE TABLE exports (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    target    TEXT NOT NULL,      -- the file written, or "-" for standard output
    format    TEXT NOT NULL,      -- csv, jsonl
    only_new  INTEGER NOT NULL,   -- 1 for export --new
    filters   TEXT,               -- the filters given, for people
    row_count INTEGER NOT NULL,
    policy    TEXT NOT NULL
);

-- exported is, per address, the fingerprint (internal/export Row.Fingerprint) of the row last
-- delivered, while the address stays on the list; export --new compares against it.
CREATE TABLE exported (
    address     TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    export_id   INTEGER NOT NULL
);

-- export_changes is the per-address history of exported: new, changed, left.
CREATE TABLE export_changes (
    export_id   INTEGER NOT NULL REFERENCES exports (id) ON DELETE CASCADE,
    address     TEXT NOT NULL,
    kind        TEXT NOT NULL,  -- new, changed, left
    fingerprint TEXT,           -- NULL for left
    PRIMARY KEY (export_id, address)
);

CREATE INDEX export_changes_address_idx ON export_changes (address);

-- prunes logs every rebound prune.
CREATE TABLE prunes (
    id               INTEGER PRIMARY KEY,
    at               INTEGER NOT NULL,
    cutoff           INTEGER NOT NULL,  -- events that bounced before this were pruned
    events_deleted   INTEGER NOT NULL,
    events_kept      INTEGER NOT NULL,  -- old events kept as the evidence of a suppression or review
    messages_cleared INTEGER NOT NULL
);
