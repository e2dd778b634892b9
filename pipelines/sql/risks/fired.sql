-- The computed risk rules of ../shared/METRICS.md that fire at $now, for the customers in
-- scope ($all, or the ids in $ids). Grain: one row per (customer, rule) that fires.
-- Every fact is taken as it stood at $now (follow-ups, stage changes, complaints, surveys up
-- to then), so the rules can be replayed for past dates. Day counts are local dates
-- ($today is the local date of $now, $tz the local zone); "more than N days" is strictly greater.
-- Evidence holds the anchor facts as JSON (dates, codes, numbers), not sentences: the day
-- count is rendered from it at read time, so the stored row stays the same while it fires.
-- Which customers: lost customers are not followed up, so the follow-up rules (silence,
-- next date, stalled) skip them; complaints and satisfaction concern any live customer.
-- The id filter is repeated on each source so that a one-customer evaluation (on every save)
-- filters the scans instead of joining whole tables.
-- Columns: customer_id, rule, level, since (TIMESTAMPTZ: when the condition began), evidence.
WITH scope AS (
    SELECT c.id AS customer_id, c.stage AS stage_column, c.created_at
    FROM v_customers c
    WHERE $all OR list_contains($ids::BIGINT[], c.id)
),
stage_then AS (
    SELECT s.customer_id,
           arg_max(s.to_stage, (s.changed_at, s.id)) AS stage,
           max(s.changed_at) AS entered_at,
           min(s.changed_at) AS first_at
    FROM v_stage_changes s JOIN scope USING (customer_id)
    WHERE s.changed_at <= $now AND ($all OR list_contains($ids::BIGINT[], s.customer_id))
    GROUP BY s.customer_id
),
live AS (
    SELECT sc.customer_id,
           coalesce(st.stage, sc.stage_column) AS stage,
           timezone($tz, coalesce(st.entered_at, sc.created_at))::DATE AS entered_day,
           timezone($tz, coalesce(st.first_at, sc.created_at))::DATE AS first_day
    FROM scope sc LEFT JOIN stage_then st USING (customer_id)
    WHERE coalesce(st.first_at, sc.created_at) <= $now
),
active AS (
    SELECT * FROM live WHERE stage <> 'lost'
),
follow AS (
    SELECT f.customer_id,
           timezone($tz, max(f.occurred_at) FILTER (WHERE f.effective))::DATE AS last_effective_day,
           arg_max_null(f.next_follow_up_date, (f.occurred_at, f.id)) AS next_date
    FROM v_follow_ups f JOIN active USING (customer_id)
    WHERE f.occurred_at <= $now AND ($all OR list_contains($ids::BIGINT[], f.customer_id))
    GROUP BY f.customer_id
),
silence AS (
    SELECT a.customer_id, coalesce(f.last_effective_day, a.first_day) AS anchor,
           f.last_effective_day IS NOT NULL AS met
    FROM active a LEFT JOIN follow f USING (customer_id)
    WHERE a.stage <> 'after_sales'
),
complaints AS (
    SELECT fb.customer_id, count(*) AS n, min(fb.deadline) AS first_deadline
    FROM v_feedback fb JOIN live USING (customer_id)
    WHERE fb.kind = 'complaint' AND fb.deadline < $today AND fb.created_at <= $now
      AND ($all OR list_contains($ids::BIGINT[], fb.customer_id))
      AND (fb.resolved_at IS NULL OR fb.resolved_at > $now)
      AND NOT (fb.status = 'resolved' AND fb.resolved_at IS NULL)
    GROUP BY fb.customer_id
),
latest_csat AS (
    SELECT s.customer_id, arg_max(s.score, (s.surveyed_on, s.id)) AS score, max(s.surveyed_on) AS surveyed_on
    FROM v_surveys s JOIN live USING (customer_id)
    WHERE s.scale = 'csat' AND s.surveyed_on <= $today AND ($all OR list_contains($ids::BIGINT[], s.customer_id))
    GROUP BY s.customer_id
),
fired AS (
    SELECT customer_id, 'silent_60d' AS rule, $silent_60d_level AS level,
           anchor + $silent_60d_days + 1 AS since_day,
           json_object('last', anchor::VARCHAR, 'met', met)::VARCHAR AS evidence
    FROM silence
    WHERE $silent_60d_on AND $today - anchor > $silent_60d_days
    UNION ALL
    SELECT customer_id, 'silent_30d', $silent_30d_level, anchor + $silent_30d_days + 1,
           json_object('last', anchor::VARCHAR, 'met', met)::VARCHAR
    FROM silence
    WHERE $silent_30d_on AND $today - anchor > $silent_30d_days
      AND NOT ($silent_60d_on AND $today - anchor > $silent_60d_days)
    UNION ALL
    SELECT customer_id, 'next_follow_up_overdue', $next_follow_up_overdue_level,
           next_date + $next_follow_up_overdue_days + 1,
           json_object('due', next_date::VARCHAR)::VARCHAR
    FROM follow
    WHERE $next_follow_up_overdue_on AND next_date IS NOT NULL
      AND $today - next_date > $next_follow_up_overdue_days
    UNION ALL
    SELECT customer_id, 'stage_stalled', $stage_stalled_level, entered_day + $stage_stalled_days + 1,
           json_object('stage', stage, 'entered', entered_day::VARCHAR)::VARCHAR
    FROM active
    WHERE $stage_stalled_on AND stage <> 'after_sales' AND $today - entered_day > $stage_stalled_days
    UNION ALL
    SELECT customer_id, 'complaint_overdue', $complaint_overdue_level, first_deadline + 1,
           json_object('count', n, 'deadline', first_deadline::VARCHAR)::VARCHAR
    FROM complaints
    WHERE $complaint_overdue_on
    UNION ALL
    SELECT customer_id, 'low_satisfaction', $low_satisfaction_level, surveyed_on,
           json_object('score', score, 'surveyed_on', surveyed_on::VARCHAR)::VARCHAR
    FROM latest_csat
    WHERE $low_satisfaction_on AND score <= $low_satisfaction_max_score
)
SELECT customer_id, rule, level, timezone($tz, since_day::TIMESTAMP) AS since, evidence
FROM fired
