-- How many follow-ups the explorer's query (explore.sql) returns, for a filter that reads
-- neither the rep's account nor the risk level (no text search, no risk filter): its rows
-- without its LEFT JOINs, which are on unique keys (an account, a team, a customer's level)
-- and so never add or drop a row. pipelines/explorer.py uses explore.sql itself otherwise.
-- Grain: one row. Parameters: as explore.sql.
SELECT count(*) AS follow_ups
FROM v_follow_ups f
JOIN v_customers c ON c.id = f.customer_id
WHERE f.occurred_at >= CAST($period_start AS TIMESTAMPTZ)
  AND f.occurred_at < CAST($period_end AS TIMESTAMPTZ)
  AND __FILTERS__
