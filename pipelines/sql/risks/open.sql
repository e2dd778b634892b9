-- The risk board's entries: one row per open red/yellow risk of the customers the actor may
-- see, and one `on_track` (green) row per active customer with none; green is computed here,
-- not stored. `since`: when the risk began; for green, when the customer's last risk closed
-- (else when the customer was created). Grain: one row per entry.
-- Parameters: $rules (rule codes; empty = all), $min_age_days, $today, $tz.
-- The CUSTOMERS placeholder becomes the page's filter on customers (alias c: team, rep of the owner).
WITH customers AS (
    SELECT c.id AS customer_id, c.name AS customer_name, c.stage, c.owner_id, c.created_at,
           u.username AS owner_username, u.display_name AS owner_name, tm.name AS team_name
    FROM v_customers c
    LEFT JOIN v_users u ON u.id = c.owner_id
    LEFT JOIN teams tm ON tm.id = u.team_id
    WHERE __CUSTOMERS__
),
risk_rows AS (
    -- one pass over the risks: the open red/yellow ones, and the last closing time per customer
    SELECT customer_id, id AS risk_id, level, rule, status, raised_at AS since, evidence, note, closed_at
    FROM v_risks
    WHERE status = 'resolved' OR level IN ('red', 'yellow')
),
open_risks AS (
    SELECT * EXCLUDE (closed_at) FROM risk_rows WHERE status <> 'resolved'
),
last_closed AS (
    SELECT customer_id, max(closed_at) AS closed_at
    FROM risk_rows WHERE status = 'resolved' GROUP BY customer_id
),
entries AS (
    SELECT c.*, o.risk_id, o.level, o.rule, o.status, o.since, o.evidence, o.note
    FROM customers c JOIN open_risks o USING (customer_id)
    UNION ALL
    SELECT c.*, NULL, 'green', 'on_track', NULL, greatest(c.created_at, coalesce(lc.closed_at, c.created_at)),
           NULL, NULL
    FROM customers c LEFT JOIN last_closed lc USING (customer_id)
    WHERE c.stage <> 'lost'
      AND NOT EXISTS (SELECT 1 FROM open_risks o WHERE o.customer_id = c.customer_id)
)
SELECT * FROM entries
WHERE (len($rules::VARCHAR[]) = 0 OR list_contains($rules::VARCHAR[], rule))
  AND ($min_age_days <= 0 OR $today - timezone($tz, since)::DATE >= $min_age_days)
