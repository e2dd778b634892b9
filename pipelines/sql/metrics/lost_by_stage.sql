-- Lost customers by the stage they left from: stage changes into `lost` in the period, counted
-- as distinct customers per `from_stage` (NULL: the customer was recorded as lost at once).
-- Grain: one row per stage left from, in forward order.
-- Parameters: $period_start, $period_end (local dates, end exclusive); $stages.
-- Filters: customer attributes; team and rep of the customer's owner.
SELECT sc.from_stage,
       count(DISTINCT sc.customer_id) AS customers
FROM v_stage_changes sc
JOIN v_customers c ON c.id = sc.customer_id
WHERE sc.to_stage = 'lost'
  AND sc.changed_at >= $period_start AND sc.changed_at < $period_end
  AND {customer c} AND {person c.owner_id}
GROUP BY sc.from_stage
ORDER BY list_position($stages, sc.from_stage) NULLS FIRST
