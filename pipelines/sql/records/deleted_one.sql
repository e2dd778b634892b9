-- One follow-up the actor may see, if it is deleted (soft): when, and by whom (the audit log's
-- latest delete entry of it). No row: it is not deleted, or not the actor's to see.
-- Parameters: $id.
SELECT f.deleted_at, coalesce(u.display_name, a.username) AS deleted_by
FROM v_deleted_follow_ups f
LEFT JOIN (SELECT user_id, username FROM audit_log
           WHERE table_name = 'follow_ups' AND action = 'delete' AND row_id = $id
           ORDER BY id DESC LIMIT 1) a ON true
LEFT JOIN users u ON u.id = a.user_id
WHERE f.id = $id
