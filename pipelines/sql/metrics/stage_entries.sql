-- Stage entries: stage changes into each stage in the period (contracts_signed of METRICS.md is
-- the entries into `contract_signed`; entries into `lost` are the period's losses).
-- Grain: one row per (day, rep_id = the customer's current owner, stage entered).
-- Parameters: $period_start, $period_end (local dates, end exclusive).
-- Filters: customer attributes; team and rep of the customer's owner.
SELECT {day sc.changed_at} AS day,
       c.owner_id AS rep_id,
       sc.to_stage AS stage,
       count(*) AS entries
FROM v_stage_changes sc
JOIN v_customers c ON c.id = sc.customer_id
WHERE sc.changed_at >= $period_start AND sc.changed_at < $period_end
  AND {customer c} AND {person c.owner_id}
GROUP BY ALL
ORDER BY day, rep_id, stage
