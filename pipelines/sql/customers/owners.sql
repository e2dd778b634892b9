-- Accounts a customer may be given to by the actor (reps and managers in the actor's scope).
-- Grain: one row per account. Parameters: none beyond the scope.
SELECT id, username, display_name, role, team_id
FROM v_users
WHERE active AND role IN ('rep', 'manager')
ORDER BY role DESC, username
