-- One customer's base information with its owner and team. Grain: one row (or none when the
-- actor may not see the customer). Parameters: $id.
SELECT c.*, u.display_name AS owner_name, u.username AS owner_username, u.team_id AS owner_team_id,
       tm.name AS team
FROM v_customers c
LEFT JOIN v_users u ON u.id = c.owner_id
LEFT JOIN teams tm ON tm.id = u.team_id
WHERE c.id = $id
