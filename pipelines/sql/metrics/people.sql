-- The accounts the actor may see, with their team: labels for per-rep and per-team figures.
-- Grain: one row per account. Parameters: none beyond the scope.
SELECT u.id AS rep_id, u.username, u.display_name, u.role, u.active, u.team_id, t.name AS team
FROM v_users u
LEFT JOIN teams t ON t.id = u.team_id
ORDER BY u.team_id NULLS LAST, u.id
