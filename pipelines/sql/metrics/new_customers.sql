-- new_customers (METRICS.md): customers whose earliest stage change is in the period.
-- Grain: one row per (day of that first change, rep_id = the customer's current owner).
-- Parameters: $period_start, $period_end (local dates, end exclusive).
-- Filters: customer attributes; team and rep of the customer's owner.
WITH firsts AS (
    SELECT customer_id, min(changed_at) AS first_at
    FROM v_stage_changes
    GROUP BY customer_id
)
SELECT {day fs.first_at} AS day,
       c.owner_id AS rep_id,
       count(*) AS new_customers
FROM firsts fs
JOIN v_customers c ON c.id = fs.customer_id
WHERE fs.first_at >= $period_start AND fs.first_at < $period_end
  AND {customer c} AND {person c.owner_id}
GROUP BY ALL
ORDER BY day, rep_id
