-- A customer's follow-ups, newest first. Grain: one row per follow-up. Parameters: $id.
-- Columns in the order the customer page shows them: what was said third, in view on a phone.
SELECT f.id, f.occurred_at, f.channel, f.summary, f.rep_id, u.display_name AS rep_name, f.participants,
       f.duration_minutes, f.effective, f.outcome, f.stage_after,
       f.next_follow_up_date, f.next_action
FROM v_follow_ups f LEFT JOIN v_users u ON u.id = f.rep_id
WHERE f.customer_id = $id
ORDER BY f.occurred_at DESC, f.id DESC
