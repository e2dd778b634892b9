-- The customer list: customers the actor may see, with owner, last follow-up, number of
-- follow-ups, current risk level (none for a lost customer) and signed amount. Grain: one row per customer.
-- Parameters: those of the predicates pipelines/customer_views.py puts in place of
-- __FILTERS__ (customer columns on alias c, risk level on alias l).
WITH levels AS (
    SELECT customer_id,
           CASE WHEN bool_or(level = 'red') THEN 'red' ELSE 'yellow' END AS risk_level
    FROM v_risks
    WHERE status <> 'resolved' AND level IN ('red', 'yellow')
    GROUP BY customer_id
),
activity AS (
    SELECT customer_id, max(occurred_at) AS last_follow_up, count(*) AS follow_ups
    FROM v_follow_ups GROUP BY customer_id
),
signed AS (
    SELECT customer_id, sum(amount) AS contract_amount FROM v_contracts GROUP BY customer_id
),
filtered AS (
    SELECT c.id, c.name, c.uscc, c.industry, c.size, c.province, c.city, c.customer_type, c.tags,
           c.stage, c.owner_id, u.display_name AS owner_name, tm.name AS team,
           a.last_follow_up, coalesce(a.follow_ups, 0) AS follow_ups,
           coalesce(s.contract_amount, 0) AS contract_amount,
           coalesce(l.risk_level, CASE WHEN c.stage <> 'lost' THEN 'green' END) AS risk_level, c.created_at
    FROM v_customers c
    LEFT JOIN v_users u ON u.id = c.owner_id
    LEFT JOIN teams tm ON tm.id = u.team_id
    LEFT JOIN activity a ON a.customer_id = c.id
    LEFT JOIN signed s ON s.customer_id = c.id
    LEFT JOIN levels l ON l.customer_id = c.id
    WHERE __FILTERS__
)
-- risk_rank: the level as a number to sort by (descending: red first, then yellow, green, none)
SELECT *, CASE risk_level WHEN 'red' THEN 3 WHEN 'yellow' THEN 2 WHEN 'green' THEN 1 ELSE 0 END AS risk_rank
FROM filtered
