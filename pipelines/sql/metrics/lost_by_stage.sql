-- Lost customers by the stage they left from: stage changes into `lost` in the period, counted
-- as distinct customers per `from_stage` (NULL: the customer was recorded as lost at once).
-- Source: `period`, the rows of funnel_period.sql (one per customer with a stage change in the
-- period, already scoped and filtered; `lost_from` = the from_stage of each change into lost).
-- Grain: one row per stage left from, in forward order, NULL first.
-- Parameters: $stages.
WITH left_from AS (
    SELECT id, unnest(lost_from) AS from_stage
    FROM period
)
SELECT from_stage,
       count(DISTINCT id) AS customers
FROM left_from
GROUP BY from_stage
ORDER BY list_position($stages, from_stage) NULLS FIRST
