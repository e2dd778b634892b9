-- avg days in stage (METRICS.md): mean days from entering a stage to the customer's next stage
-- change, over customers that left the stage in the period (left = that next change is in the
-- period). `customers` counts them; `stays` counts the stays averaged (a customer may leave
-- the same stage twice, e.g. after being won back from `lost`).
-- Grain: one row per stage of $stages that someone left in the period, in forward order.
-- Parameters: $period_start, $period_end (local dates, end exclusive); $stages.
-- Filters: customer attributes; team and rep of the customer's owner.
WITH ordered AS (
    SELECT customer_id,
           to_stage AS stage,
           changed_at AS entered_at,
           lead(changed_at) OVER (PARTITION BY customer_id ORDER BY changed_at, id) AS left_at
    FROM v_stage_changes
)
SELECT o.stage,
       count(DISTINCT o.customer_id) AS customers,
       count(*) AS stays,
       avg(epoch(o.left_at) - epoch(o.entered_at)) / 86400 AS avg_days
FROM ordered o
JOIN v_customers c ON c.id = o.customer_id
WHERE o.left_at >= $period_start AND o.left_at < $period_end
  AND list_contains($stages, o.stage)
  AND {customer c} AND {person c.owner_id}
GROUP BY o.stage
ORDER BY list_position($stages, o.stage)
