-- Feedback raised in the period: counts by kind and status, unresolved ones past their deadline,
-- and days to resolve (mean, median) of those resolved. Grain: one row.
-- Parameters: $start, $end (local dates, end exclusive), $today (local date).
SELECT count(*) AS total,
       count(*) FILTER (WHERE kind = 'complaint') AS complaints,
       count(*) FILTER (WHERE status = 'open') AS open,
       count(*) FILTER (WHERE status = 'in_progress') AS in_progress,
       count(*) FILTER (WHERE status = 'resolved') AS resolved,
       count(*) FILTER (WHERE status <> 'resolved' AND deadline < $today) AS overdue,
       round(avg(epoch(resolved_at - created_at) / 86400.0) FILTER (WHERE resolved_at IS NOT NULL), 1)
           AS avg_days_to_resolve,
       round(median(epoch(resolved_at - created_at) / 86400.0) FILTER (WHERE resolved_at IS NOT NULL), 1)
           AS median_days_to_resolve
FROM v_feedback
WHERE created_at >= CAST($start AS TIMESTAMPTZ) AND created_at < CAST($end AS TIMESTAMPTZ)
