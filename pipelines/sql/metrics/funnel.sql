-- funnel[stage] and stage conversion (METRICS.md): distinct customers that reached `stage` or a
-- later one in the period (a skipped stage counts as passed, so the funnel never widens), and
-- funnel[next] / funnel[stage].
-- Source: `period`, the rows of funnel_period.sql (one per customer with a stage change in the
-- period, already scoped and filtered; `top` = the furthest stage of $stages it entered in the
-- period, 1-based, NULL when its only changes were into `lost`).
-- Grain: one row per stage in forward order (`lost` is not a step and is not listed).
-- Parameters: $stages (the forward order, pipelines.codes.STAGES).
WITH tops AS (
    SELECT top, count(*) AS n
    FROM period
    WHERE top IS NOT NULL
    GROUP BY top
), steps AS (
    SELECT unnest($stages) AS stage, generate_subscripts($stages, 1) AS pos
), counted AS (
    SELECT s.stage, s.pos, coalesce(sum(t.n), 0)::BIGINT AS customers
    FROM steps s
    LEFT JOIN tops t ON t.top >= s.pos
    GROUP BY s.stage, s.pos
)
SELECT stage,
       customers,
       lead(customers) OVER (ORDER BY pos) AS next_customers,
       lead(customers) OVER (ORDER BY pos) / nullif(customers, 0) AS conversion_to_next
FROM counted
ORDER BY pos
