-- win rate (METRICS.md): contracts_signed / (contracts_signed + customers moved to `lost`) in
-- the period; NULL when both are 0.
-- Source: `period`, the rows of funnel_period.sql (one per customer with a stage change in the
-- period, already scoped and filtered; `signed` = its changes into contract_signed, `lost_from`
-- = the stages of its changes into lost, empty when it was not lost in the period).
-- Grain: one row for the period.
WITH counted AS (
    SELECT coalesce(sum(signed), 0)::BIGINT AS contracts_signed,
           count(*) FILTER (WHERE len(lost_from) > 0) AS lost_customers
    FROM period
)
SELECT contracts_signed,
       lost_customers,
       contracts_signed / nullif(contracts_signed + lost_customers, 0) AS win_rate
FROM counted
