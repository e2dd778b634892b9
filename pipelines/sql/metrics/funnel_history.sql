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
), ordered AS (
    -- One window over all the rows, in customer order, rather than one partition per customer
    -- (PARTITION BY sorted ~10,000 small partitions: half of this query's time).
    SELECT sc.customer_id, sc.to_stage, sc.changed_at,
           lead(sc.changed_at) OVER w AS next_at, lead(sc.customer_id) OVER w AS next_customer
    FROM v_stage_changes sc
    JOIN moved ON moved.id = sc.customer_id
    WINDOW w AS (ORDER BY sc.customer_id, sc.changed_at, sc.id)
), history AS (
    SELECT customer_id, to_stage, changed_at,
           CASE WHEN next_customer = customer_id THEN next_at END AS left_at
    FROM ordered
)
SELECT customer_id AS id,
       bool_or(to_stage = 'initial_contact' AND changed_at >= $period_start AND changed_at < $period_end) AS cohort,
       max(list_position($stages, to_stage)) AS top_ever,
       coalesce(list({'stage': to_stage, 'days': (epoch(left_at) - epoch(changed_at)) / 86400})
                    FILTER (WHERE left_at >= $period_start AND left_at < $period_end), []) AS stays
FROM history
GROUP BY customer_id
