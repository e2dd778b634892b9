-- avg days in stage (METRICS.md): mean days from entering a stage to the customer's next stage
-- change, over customers that left the stage in the period (left = that next change is in the
-- period). `customers` counts them; `stays` counts the stays averaged (a customer may leave
-- the same stage twice, e.g. after being won back from `lost`).
-- Source: `history`, the rows of funnel_history.sql (one per customer with a stage change in the
-- period, already scoped and filtered; `stays` = each stay it ended in the period, as the stage
-- and the days spent in it).
-- Grain: one row per stage of $stages that someone left in the period, in forward order.
-- Parameters: $stages.
WITH stays AS (
    SELECT id, unnest(stays) AS stay
    FROM history
)
SELECT stay.stage AS stage,
       count(DISTINCT id) AS customers,
       count(*) AS stays,
       avg(stay.days) AS avg_days
FROM stays
WHERE list_contains($stages, stay.stage)
GROUP BY stay.stage
ORDER BY list_position($stages, stay.stage)
