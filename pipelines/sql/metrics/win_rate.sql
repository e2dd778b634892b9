-- win rate (METRICS.md): contracts_signed / (contracts_signed + customers moved to `lost`) in
-- the period; NULL when both are 0.
-- Grain: one row for the period.
-- Parameters: $period_start, $period_end (local dates, end exclusive).
-- Filters: customer attributes; team and rep of the customer's owner.
WITH period_changes AS (
    SELECT sc.customer_id, sc.to_stage
    FROM v_stage_changes sc
    JOIN v_customers c ON c.id = sc.customer_id
    WHERE sc.changed_at >= $period_start AND sc.changed_at < $period_end
      AND sc.to_stage IN ('contract_signed', 'lost')
      AND {customer c} AND {person c.owner_id}
), counted AS (
    SELECT count(*) FILTER (WHERE to_stage = 'contract_signed') AS contracts_signed,
           count(DISTINCT customer_id) FILTER (WHERE to_stage = 'lost') AS lost_customers
    FROM period_changes
)
SELECT contracts_signed,
       lost_customers,
       contracts_signed / nullif(contracts_signed + lost_customers, 0) AS win_rate
FROM counted
