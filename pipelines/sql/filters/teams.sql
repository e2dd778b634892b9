-- Teams the actor may pick in a filter: those of the accounts the actor may see.
-- Grain: one row per team. Parameters: none beyond the scope.
SELECT DISTINCT t.name
FROM v_users u
JOIN teams t ON t.id = u.team_id
ORDER BY t.name
