-- The risk board's entries: one row per open red/yellow risk of the customers the actor may
-- see, and one `on_track` (green) row per active customer with none; green is computed here,
-- not stored. `since`: when the risk began; for green, when the customer's last risk closed
-- (else when the customer was created), read from customer_activity (pipelines/customer_activity.py).
-- Names are added by the callers for the rows they show (risks/entries.sql, risks/card_names.sql);
-- a caller that counts or ranks leaves evidence and note unread, and DuckDB drops them from the scan.
-- Grain: one row per entry. Columns: customer_id, risk_id, level, rule, status, since, evidence, note.
-- Parameters: $rules (rule codes; empty = all), $min_age_days, $today, $tz.
-- The CUSTOMERS placeholder becomes the page's filter on customers (alias c: team, rep of the owner).
-- The RISK_CUSTOMERS placeholder becomes `true`, or `customer_id IN (<ids>)` when the caller reads a
-- few customers' entries (a filter on the risks' own scan; the customers' filter does not reach it).
WITH customers AS (
    SELECT c.id AS customer_id, c.stage, c.created_at, c.open_red, c.open_yellow, c.last_closed_at
    FROM v_customer_activity c
    WHERE __CUSTOMERS__
),
open_risks AS (
    SELECT customer_id, id AS risk_id, level, rule, status, raised_at AS since, evidence, note
    FROM v_risks
    WHERE status <> 'resolved' AND level IN ('red', 'yellow') AND __RISK_CUSTOMERS__
),
entries AS (
    SELECT c.customer_id, o.risk_id, o.level, o.rule, o.status, o.since, o.evidence, o.note
    FROM customers c JOIN open_risks o USING (customer_id)
    UNION ALL
    -- whether a red/yellow risk is open and when the last one closed: customer_activity's facts
    SELECT c.customer_id, NULL, 'green', 'on_track', NULL, greatest(c.created_at, coalesce(c.last_closed_at, c.created_at)),
           NULL, NULL
    FROM customers c
    WHERE c.stage <> 'lost' AND c.open_red + c.open_yellow = 0
)
SELECT * FROM entries
WHERE (len($rules::VARCHAR[]) = 0 OR list_contains($rules::VARCHAR[], rule))
  AND ($min_age_days <= 0 OR $today - timezone($tz, since)::DATE >= $min_age_days)
