-- avg days in stage (METRICS.md): mean days from entering a stage to the customer's next stage
-- change, over customers that left the stage in the period (left = that next change is in the
-- period). `customers` counts them; `stays` counts the stays averaged (a customer may leave
-- the same stage twice, e.g. after being won back from `lost`).
-- Grain: one row per stage of $stages that someone left in the period, in forward order.
-- Parameters: $period_start, $period_end (local dates, end exclusive); $stages.
-- Filters: customer attributes; team and rep of the customer's owner.
WITH moved AS (
    -- only customers with a change in the period can have left a stage in it
    SELECT DISTINCT customer_id
    FROM v_stage_changes
    WHERE changed_at >= $period_start AND changed_at < $period_end
), ordered AS (
    SELECT sc.customer_id,
           sc.to_stage AS stage,
           sc.changed_at AS entered_at,
           lead(sc.changed_at) OVER (PARTITION BY sc.customer_id ORDER BY sc.changed_at, sc.id) AS left_at
    FROM v_stage_changes sc
    JOIN moved m ON m.customer_id = sc.customer_id
    WHERE sc.changed_at < $period_end
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
