-- A customer's stage history (the timeline), oldest first, with who changed it and any
-- override reason. Grain: one row per stage change. Parameters: $id.
SELECT s.id, s.changed_at, s.from_stage, s.to_stage, u.display_name AS changed_by_name,
       s.override_reason, s.imported, s.rule_broken
FROM v_stage_changes s LEFT JOIN v_users u ON u.id = s.changed_by
WHERE s.customer_id = $id
ORDER BY s.changed_at, s.id
