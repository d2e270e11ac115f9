-- lock_writes makes the write transactions of all rebound processes on one database take turns
-- (Store.write), as SQLite's BEGIN IMMEDIATE does: the events' ids then become visible in the
-- order they were given, which the evaluation mark relies on (evaluate.go), and no two
-- transactions can wait on each other's rows. The lock is released at commit or rollback.
-- 8243102923822621731 is the bytes "rebound#" read as a big-endian 64-bit integer.
SELECT pg_advisory_xact_lock(8243102923822621731)
