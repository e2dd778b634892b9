-- The period's stage changes per customer: the source of funnel[stage], stage conversion, win
-- rate, lost by stage and the customers behind a funnel bar (METRICS.md; pipelines/metrics.py
-- counts them), so the funnel page scans the period's changes once instead of once per figure.
-- top: the furthest stage of $stages (1-based position) the customer entered in the period, NULL
-- when its only changes were into `lost`; moved_at: its latest change into one of $stages in the
-- period; signed: its changes into `contract_signed`; lost_from: the stage of each of its changes
-- into `lost` (NULL: recorded as lost at once), empty when it was not lost in the period.
-- Grain: one row per customer with a stage change in the period.
-- Parameters: $period_start, $period_end (local dates, end exclusive); $stages.
-- Filters: customer attributes; team and rep of the customer's owner.
WITH period_changes AS (
    SELECT sc.customer_id, sc.from_stage, sc.to_stage, sc.changed_at,
           list_position($stages, sc.to_stage) AS pos
    FROM v_stage_changes sc
    WHERE sc.changed_at >= $period_start AND sc.changed_at < $period_end
      AND {customer_owner_of sc.customer_id}
)
SELECT customer_id AS id,
       max(pos) AS top,
       max(changed_at) FILTER (WHERE pos IS NOT NULL) AS moved_at,
       count(*) FILTER (WHERE to_stage = 'contract_signed') AS signed,
       coalesce(list(from_stage) FILTER (WHERE to_stage = 'lost'), []) AS lost_from
FROM period_changes
GROUP BY customer_id
