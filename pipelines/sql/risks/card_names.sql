-- Name, owner, team and stage of the board's shown customers. Grain: one row per customer.
-- The IDS placeholder becomes the customer ids written out (integers): a constant list reaches
-- the scan of the customers and reads only their rows.
SELECT c.id AS customer_id, c.name AS customer_name, u.display_name AS owner_name, u.username AS owner_username,
       tm.name AS team_name, c.stage
FROM v_customers c
LEFT JOIN v_users u ON u.id = c.owner_id
LEFT JOIN teams tm ON tm.id = u.team_id
WHERE c.id IN (__IDS__)
