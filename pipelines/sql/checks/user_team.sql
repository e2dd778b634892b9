-- Accounts in a team that does not exist.
SELECT u.id, u.team_id FROM users u LEFT JOIN teams t ON t.id = u.team_id
WHERE u.team_id IS NOT NULL AND t.id IS NULL
