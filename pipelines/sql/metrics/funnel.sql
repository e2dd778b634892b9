-- funnel[stage] and stage conversion (METRICS.md): distinct customers that reached `stage` or a
-- later one in the period (a stage change in the period into that stage or any later one; a
-- skipped stage counts as passed, so the funnel never widens), and funnel[next] / funnel[stage].
-- Grain: one row per stage in forward order (`lost` is not a step and is not listed).
-- Parameters: $period_start, $period_end (local dates, end exclusive); $stages (the forward
-- order, pipelines.codes.STAGES).
-- Filters: customer attributes; team and rep of the customer's owner.
WITH reached AS (
    SELECT sc.customer_id, max(list_position($stages, sc.to_stage)) AS top
    FROM v_stage_changes sc
    JOIN v_customers c ON c.id = sc.customer_id
    WHERE sc.changed_at >= $period_start AND sc.changed_at < $period_end
      AND list_contains($stages, sc.to_stage)
      AND {customer c} AND {person c.owner_id}
    GROUP BY sc.customer_id
), steps AS (
    SELECT unnest($stages) AS stage, generate_subscripts($stages, 1) AS pos
), counted AS (
    SELECT s.stage, s.pos, count(r.customer_id) AS customers
    FROM steps s
    LEFT JOIN reached r ON r.top >= s.pos
    GROUP BY s.stage, s.pos
)
SELECT stage,
       customers,
       lead(customers) OVER (ORDER BY pos) AS next_customers,
       lead(customers) OVER (ORDER BY pos) / nullif(customers, 0) AS conversion_to_next
FROM counted
ORDER BY pos
