-- The status moves of one feedback with their notes, oldest first.
-- Grain: one row per move. Parameters: $feedback_id.
SELECT e.happened_at, e.from_status, e.to_status, e.note, u.display_name AS actor_name
FROM v_feedback_events e
LEFT JOIN v_users u ON u.id = e.actor_id
WHERE e.feedback_id = $feedback_id
ORDER BY e.happened_at, e.id
