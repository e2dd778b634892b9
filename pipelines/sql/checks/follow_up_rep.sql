-- Follow-ups logged by an account that does not exist.
SELECT f.id, f.rep_id FROM follow_ups f LEFT JOIN users u ON u.id = f.rep_id WHERE u.id IS NULL
