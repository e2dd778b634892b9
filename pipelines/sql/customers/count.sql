-- How many customers the customer list (listing.sql) holds, for a filter without the risk
-- level: its rows without its LEFT JOINs, which are on unique keys (an account, a team, one
-- row per customer of activity, contracts and level) and so never add or drop a row.
-- pipelines/customer_views.py counts listing.sql itself when the risk filter is set.
-- Grain: one row. Parameters: as listing.sql.
SELECT count(*) AS customers
FROM v_customers c
WHERE __FILTERS__
