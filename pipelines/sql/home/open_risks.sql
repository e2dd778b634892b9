-- Open red and yellow risks of the customers the actor may see, red first, oldest first.
-- Grain: one row per risk, the first $limit (NULL: all); `total` and `red_total` count them all.
-- Parameters: $limit.
SELECT r.id, r.customer_id, c.name AS customer_name, u.display_name AS owner_name, r.level, r.rule,
       r.status, r.raised_at, r.evidence, r.note,
       count(*) OVER () AS total, count(CASE WHEN r.level = 'red' THEN 1 END) OVER () AS red_total
FROM v_risks r
JOIN v_customers c ON c.id = r.customer_id
LEFT JOIN v_users u ON u.id = c.owner_id
WHERE r.status <> 'resolved' AND r.level IN ('red', 'yellow')
ORDER BY r.level = 'red' DESC, r.raised_at, r.id
LIMIT $limit
