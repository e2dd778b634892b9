-- The first $limit (NULL: all) open red and yellow risks of the customers the actor may see, red
-- first, oldest first: their ids only (home/risk_details.sql reads the rest for those few), with
-- `total` and `red_total` counting them all, summed from customer_activity's open counts (a count
-- over the list itself would make DuckDB keep every open risk). Grain: one row per risk.
-- Parameters: $limit.
WITH totals AS (
    SELECT coalesce(sum(open_red + open_yellow), 0) AS total, coalesce(sum(open_red), 0) AS red_total
    FROM v_customer_activity
),
firsts AS (
    SELECT r.id, r.level = 'red' AS red, r.raised_at
    FROM v_risks r
    WHERE r.status <> 'resolved' AND r.level IN ('red', 'yellow')
    ORDER BY red DESC, r.raised_at, r.id
    LIMIT $limit
)
SELECT f.id, t.total, t.red_total
FROM firsts f CROSS JOIN totals t
ORDER BY f.red DESC, f.raised_at, f.id
