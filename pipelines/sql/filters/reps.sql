-- Reps (and managers) the actor may pick in a filter: username, name, team.
-- Grain: one row per account. Parameters: none beyond the scope.
SELECT u.username, u.display_name, t.name AS team
FROM v_users u
LEFT JOIN teams t ON t.id = u.team_id
WHERE u.role IN ('rep', 'manager') AND u.active
ORDER BY t.name NULLS LAST, u.role DESC, u.username
