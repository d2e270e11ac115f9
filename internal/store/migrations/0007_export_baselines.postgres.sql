-- 0007_export_baselines, PostgreSQL: 0007_export_baselines.sql in PostgreSQL's types (text
-- columns COLLATE "C", INTEGER as BIGINT: 0002_policy.postgres.sql). Comments on the tables and
-- columns are in 0007_export_baselines.sql. The table is rebuilt as there; its primary key's
-- index keeps the name PostgreSQL gave it at creation.

CREATE TABLE exported_baselines (
    baseline    TEXT COLLATE "C" NOT NULL,
    address     TEXT COLLATE "C" NOT NULL,
    fingerprint TEXT COLLATE "C" NOT NULL,
    export_id   BIGINT NOT NULL,
    PRIMARY KEY (baseline, address)
);

INSERT INTO exported_baselines (baseline, address, fingerprint, export_id)
SELECT '(shared)', address, fingerprint, export_id FROM exported;

DROP TABLE exported;

ALTER TABLE exported_baselines RENAME TO exported;

ALTER TABLE exports ADD COLUMN baseline TEXT COLLATE "C";

CREATE INDEX exports_baseline_idx ON exports (baseline);
