-- The follow-ups deleted (soft) that the actor may restore, the latest deletion first: of the
-- customers the actor sees (live ones); a rep's own only (follow_ups.restore refuses the others).
-- Parameters: $rep (the rep's id, NULL for managers and admins), $limit.
SELECT f.id, c.name AS customer_name, f.occurred_at, f.channel, f.summary, f.deleted_at
FROM v_deleted_follow_ups f
JOIN v_customers c ON c.id = f.customer_id
WHERE $rep IS NULL OR f.rep_id = $rep
ORDER BY f.deleted_at DESC, f.id DESC
LIMIT $limit
