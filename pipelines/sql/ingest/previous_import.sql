-- The latest finished import of a file with these bytes that loaded rows: when, by whom, how
-- many. Grain: one row or none. Parameters: $hash (sha256 of the file).
SELECT r.finished_at, u.display_name AS user_name, r.rows_loaded
FROM import_runs r
LEFT JOIN users u ON u.id = r.user_id
WHERE r.file_hash = $hash AND r.status = 'done' AND r.rows_loaded > 0
ORDER BY r.finished_at DESC
LIMIT 1
