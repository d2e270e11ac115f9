-- policy_baseline_used says whether an export has been recorded in a delivery baseline.
SELECT COUNT(*) FROM (SELECT 1 FROM exports WHERE baseline = ? LIMIT 1) AS used
