-- The customers behind one bar of the period funnel: those that reached $position (1-based in
-- $stages) or a later stage in the period, with when they last moved in the period.
-- Grain: one row per customer, latest move first, at most $limit rows.
-- Parameters: $period_start, $period_end, $stages, $position, $limit.
-- Filters: customer attributes; team and rep of the customer's owner.
WITH reached AS (
    SELECT sc.customer_id,
           max(list_position($stages, sc.to_stage)) AS top,
           max(sc.changed_at) AS moved_at
    FROM v_stage_changes sc
    JOIN v_customers c ON c.id = sc.customer_id
    WHERE sc.changed_at >= $period_start AND sc.changed_at < $period_end
      AND list_contains($stages, sc.to_stage)
      AND {customer c} AND {person c.owner_id}
    GROUP BY sc.customer_id
)
SELECT c.id, c.name, u.display_name AS owner, c.stage, c.industry, c.province, r.moved_at
FROM reached r
JOIN v_customers c ON c.id = r.customer_id
LEFT JOIN v_users u ON u.id = c.owner_id
WHERE r.top >= $position
ORDER BY r.moved_at DESC, c.id
LIMIT $limit
