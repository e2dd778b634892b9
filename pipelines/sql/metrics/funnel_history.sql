-- The whole stage history of the customers with a stage change in the period, per customer: the
-- source of the cohort funnel and avg days in stage (METRICS.md; pipelines/metrics.py counts them).
-- cohort: it entered `initial_contact` in the period; top_ever: the furthest stage of $stages
-- (1-based position) it has reached by now; stays: each stay it ended in the period (a stay runs
-- from a stage change to the customer's next one, ordered by time then id), as the stage entered
-- and the days spent in it. Only customers with a change in the period can be in the cohort or
-- have left a stage in it: `moved` finds them under the filters (the customers of
-- funnel_period.sql), here rather than passed in, so that this read runs beside funnel_period.sql
-- instead of after it (binding 100,000 ids as a parameter alone cost more than this query).
-- Grain: one row per customer with a stage change in the period.
-- Parameters: $period_start, $period_end (local dates, end exclusive); $stages.
-- Filters: customer attributes; team and rep of the customer's owner.
WITH moved AS (
    SELECT DISTINCT sc.customer_id AS id
    FROM v_stage_changes sc
    WHERE sc.changed_at >= $period_start AND sc.changed_at < $period_end
      AND {customer_owner_of sc.customer_id}
), history AS (
    SELECT sc.customer_id, sc.to_stage, sc.changed_at,
           lead(sc.changed_at) OVER (PARTITION BY sc.customer_id ORDER BY sc.changed_at, sc.id) AS left_at
    FROM v_stage_changes sc
    JOIN moved ON moved.id = sc.customer_id
)
SELECT customer_id AS id,
       bool_or(to_stage = 'initial_contact' AND changed_at >= $period_start AND changed_at < $period_end) AS cohort,
       max(list_position($stages, to_stage)) AS top_ever,
       coalesce(list({'stage': to_stage, 'days': (epoch(left_at) - epoch(changed_at)) / 86400})
                    FILTER (WHERE left_at >= $period_start AND left_at < $period_end), []) AS stays
FROM history
GROUP BY customer_id
