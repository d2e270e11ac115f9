-- policy_shared_target says whether an export recorded before delivery baselines were kept
-- apart (migration 0007) wrote to a target.
SELECT COUNT(*) FROM (SELECT 1 FROM exports WHERE baseline IS NULL AND target = ? LIMIT 1) AS used
