-- What the funnel page lists for the customers behind its bars: name, owner, current stage,
-- industry and province of the customers whose ids are written in for __IDS__ (sql.id_list).
-- Grain: one row per visible customer among them.
SELECT c.id, c.name, u.display_name AS owner, c.stage, c.industry, c.province
FROM v_customers c
LEFT JOIN v_users u ON u.id = c.owner_id
WHERE c.id IN (__IDS__)
