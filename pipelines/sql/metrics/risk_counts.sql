-- Risk counts: per level and rule, warnings open at the end of the period (raised before its
-- end and not closed by then), warnings raised in the period and warnings closed in it (when they
-- stopped being open: their close, never before their raising; one marked resolved with no close
-- time at its raising).
-- Grain: one row per (level, rule) with any warning. Parameters: $period_start, $period_end.
-- Filters: customer attributes; team and rep of the customer's owner.
SELECT r.level,
       r.rule,
       count(*) FILTER (WHERE r.raised_at < $period_end
                          AND (r.closed_at >= $period_end
                               OR (r.closed_at IS NULL AND r.status <> 'resolved'))) AS open_at_end,
       count(*) FILTER (WHERE r.raised_at >= $period_start AND r.raised_at < $period_end) AS raised,
       count(*) FILTER (WHERE stop >= $period_start AND stop < $period_end) AS closed
FROM (SELECT *, CASE WHEN closed_at IS NOT NULL THEN greatest(raised_at, closed_at)
                     WHEN status = 'resolved' THEN raised_at END AS stop
      FROM v_risks) r
WHERE {customer_owner_of r.customer_id}
GROUP BY ALL
ORDER BY r.level, r.rule
