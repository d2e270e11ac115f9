-- 0007_export_baselines: one delivery baseline per export target, so that an export to one
-- target (a one-off look at a file, a test run) no longer counts as delivered to another (the
-- CRM's nightly file). docs/export.md ("Delivery baselines") says how the baselines are named
-- and used.
--
-- Before this migration every recorded export moved one shared record (exported). Its rows are
-- kept as the baseline named '(shared)', which is never moved again: a baseline used for the
-- first time starts from it when it continues what was delivered then (a --sync name, or a file
-- that an export recorded before this migration wrote), so that an existing nightly
-- `export --new` goes on where it stopped instead of sending everything again.
--
-- Portability: as 0001_init.sql. The table is rebuilt (CREATE, INSERT ... SELECT, DROP, RENAME)
-- because its primary key changes; both SQLite and PostgreSQL accept these statements as written.

CREATE TABLE exported_baselines (
    baseline    TEXT NOT NULL,     -- the absolute path of the file, a --sync name, or '(shared)'
    address     TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    export_id   INTEGER NOT NULL,
    PRIMARY KEY (baseline, address)
);

INSERT INTO exported_baselines (baseline, address, fingerprint, export_id)
SELECT '(shared)', address, fingerprint, export_id FROM exported;

DROP TABLE exported;

ALTER TABLE exported_baselines RENAME TO exported;

-- exports.baseline is the baseline an export compared with and moved; NULL for the exports
-- recorded before this migration (they all moved the shared one).
ALTER TABLE exports ADD COLUMN baseline TEXT;

CREATE INDEX exports_baseline_idx ON exports (baseline);
