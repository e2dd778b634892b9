-- One customer's base information with its owner, team and current risk level (as the customer
-- list's: the worst open warning, else green; none for a lost customer). Grain: one row (or none
-- when the actor may not see the customer). Parameters: $id.
SELECT c.*, u.display_name AS owner_name, u.username AS owner_username, u.team_id AS owner_team_id,
       tm.name AS team,
       coalesce((SELECT CASE WHEN bool_or(r.level = 'red') THEN 'red' WHEN bool_or(r.level = 'yellow') THEN 'yellow' END
                 FROM v_risks r WHERE r.customer_id = c.id AND r.status <> 'resolved'),
                CASE WHEN c.stage <> 'lost' THEN 'green' END) AS risk_level
FROM v_customers c
LEFT JOIN v_users u ON u.id = c.owner_id
LEFT JOIN teams tm ON tm.id = u.team_id
WHERE c.id = $id
