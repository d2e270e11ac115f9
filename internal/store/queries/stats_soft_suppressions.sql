-- stats_soft_suppressions counts the addresses suppressed in [?, ?) by repeated soft bounces
-- (a suppression with a soft count; a hard bounce or a complaint leaves the count at 0).
SELECT COUNT(*)
FROM states
WHERE state = 'suppressed' AND soft_count > 0 AND since >= ? AND since < ?
