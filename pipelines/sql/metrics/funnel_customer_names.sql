-- What the funnel page lists for the customers behind its bars: name, owner, current stage,
-- industry and province of the visible customers among $ids.
-- Grain: one row per visible customer among $ids. Parameters: $ids (customer ids).
-- A join on the unnested ids: on ~1,500 ids several times cheaper than a constant IN list,
-- which DuckDB parses and plans constant by constant.
SELECT c.id, c.name, u.display_name AS owner, c.stage, c.industry, c.province
FROM (SELECT unnest($ids::BIGINT[]) AS id) wanted
JOIN v_customers c ON c.id = wanted.id
LEFT JOIN v_users u ON u.id = c.owner_id
