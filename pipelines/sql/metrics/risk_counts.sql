-- Risk counts: per level and rule, warnings open at the end of the period (raised before its
-- end and not closed by then) and warnings raised in the period.
-- Grain: one row per (level, rule) with any warning. Parameters: $period_start, $period_end.
-- Filters: customer attributes; team and rep of the customer's owner.
SELECT r.level,
       r.rule,
       count(*) FILTER (WHERE r.raised_at < $period_end
                          AND (r.closed_at >= $period_end
                               OR (r.closed_at IS NULL AND r.status <> 'resolved'))) AS open_at_end,
       count(*) FILTER (WHERE r.raised_at >= $period_start AND r.raised_at < $period_end) AS raised
FROM v_risks r
WHERE {customer_owner_of r.customer_id}
GROUP BY ALL
ORDER BY r.level, r.rule
