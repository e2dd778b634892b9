-- The risk board's entries: one row per open red/yellow risk of the customers the actor may
-- see, and one `on_track` (green) row per active customer with none; green is computed here,
-- not stored. `since`: when the risk began; for green, when the customer's last risk closed
-- (else when the customer was created). Numbers and codes only: names, evidence and notes are
-- added by the callers for the rows they show (risks/entries.sql, risks/board.sql with
-- risks/notes.sql), so the whole board is ranked without carrying 100,000 strings around.
-- Grain: one row per entry. Columns: customer_id, risk_id, level, rule, status, since.
-- Parameters: $rules (rule codes; empty = all), $min_age_days, $today, $tz.
-- The CUSTOMERS placeholder becomes the page's filter on customers (alias c: team, rep of the owner).
WITH customers AS (
    SELECT c.id AS customer_id, c.stage, c.created_at
    FROM v_customers c
    WHERE __CUSTOMERS__
),
risk_rows AS (
    -- the one read of the risks (numbers and codes only), shared by the two steps below
    SELECT customer_id, id AS risk_id, level, rule, status, raised_at, closed_at FROM v_risks
),
open_risks AS (
    SELECT customer_id, risk_id, level, rule, status, raised_at AS since
    FROM risk_rows
    WHERE status <> 'resolved' AND level IN ('red', 'yellow')
),
risk_state AS (
    -- per customer: whether a red/yellow risk is open, and when its last risk closed
    SELECT customer_id,
           bool_or(status <> 'resolved' AND level IN ('red', 'yellow')) AS has_open,
           max(closed_at) FILTER (WHERE status = 'resolved') AS closed_at
    FROM risk_rows
    GROUP BY customer_id
),
entries AS (
    SELECT c.customer_id, o.risk_id, o.level, o.rule, o.status, o.since
    FROM customers c JOIN open_risks o USING (customer_id)
    UNION ALL
    SELECT c.customer_id, NULL, 'green', 'on_track', NULL, greatest(c.created_at, coalesce(s.closed_at, c.created_at))
    FROM customers c LEFT JOIN risk_state s USING (customer_id)
    WHERE c.stage <> 'lost' AND NOT coalesce(s.has_open, false)
)
SELECT * FROM entries
WHERE (len($rules::VARCHAR[]) = 0 OR list_contains($rules::VARCHAR[], rule))
  AND ($min_age_days <= 0 OR $today - timezone($tz, since)::DATE >= $min_age_days)
