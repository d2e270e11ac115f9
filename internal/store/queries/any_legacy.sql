-- any_legacy says whether messages stored before content keys are bridged (0 or 1).
SELECT COUNT(*)
FROM (SELECT 1 FROM legacy_messages LIMIT 1) AS l
