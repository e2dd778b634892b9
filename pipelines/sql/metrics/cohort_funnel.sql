-- cohort funnel (METRICS.md): of the customers that entered `initial_contact` in the period,
-- how many (and what share) have by now reached each stage or a later one.
-- Source: `history`, the rows of funnel_history.sql (one per customer with a stage change in the
-- period, already scoped and filtered; `cohort` = it entered initial_contact in the period,
-- `top_ever` = the furthest stage of $stages it has reached by now, 1-based).
-- Grain: one row per stage in forward order. `cohort` is the number of customers that entered.
-- Parameters: $stages.
WITH tops AS (
    SELECT top_ever AS top, count(*) AS n
    FROM history
    WHERE cohort
    GROUP BY top_ever
), steps AS (
    SELECT unnest($stages) AS stage, generate_subscripts($stages, 1) AS pos
), size AS (
    SELECT coalesce(sum(n), 0)::BIGINT AS cohort FROM tops
)
SELECT s.stage,
       coalesce(sum(t.n), 0)::BIGINT AS customers,
       any_value(z.cohort) AS cohort,
       coalesce(sum(t.n), 0) / nullif(any_value(z.cohort), 0) AS share
FROM steps s
CROSS JOIN size z
LEFT JOIN tops t ON t.top >= s.pos
GROUP BY s.stage, s.pos
ORDER BY s.pos
