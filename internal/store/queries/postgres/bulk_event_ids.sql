-- bulk_event_ids takes ? ids from the events' identity sequence, for bulk_insert_events. Under
-- the write lock (lock_writes) no other transaction inserts events, so they are the next ones.
SELECT nextval(pg_get_serial_sequence('events', 'id'))
FROM generate_series(1, ?)
