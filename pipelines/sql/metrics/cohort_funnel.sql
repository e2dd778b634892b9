-- cohort funnel (METRICS.md): of the customers that entered `initial_contact` in the period,
-- how many (and what share) have by now reached each stage or a later one.
-- Grain: one row per stage in forward order. `cohort` is the number of customers that entered.
-- Parameters: $period_start, $period_end (local dates, end exclusive); $stages.
-- Filters: customer attributes; team and rep of the customer's owner.
WITH cohort AS (
    SELECT DISTINCT sc.customer_id
    FROM v_stage_changes sc
    JOIN v_customers c ON c.id = sc.customer_id
    WHERE sc.to_stage = 'initial_contact'
      AND sc.changed_at >= $period_start AND sc.changed_at < $period_end
      AND {customer c} AND {person c.owner_id}
), reached AS (
    SELECT co.customer_id, max(list_position($stages, sc.to_stage)) AS top
    FROM cohort co
    JOIN v_stage_changes sc ON sc.customer_id = co.customer_id
    GROUP BY co.customer_id
), steps AS (
    SELECT unnest($stages) AS stage, generate_subscripts($stages, 1) AS pos
)
SELECT s.stage,
       count(r.customer_id) AS customers,
       (SELECT count(*) FROM cohort) AS cohort,
       count(r.customer_id) / nullif((SELECT count(*) FROM cohort), 0) AS share
FROM steps s
LEFT JOIN reached r ON r.top >= s.pos
GROUP BY s.stage, s.pos
ORDER BY s.pos
