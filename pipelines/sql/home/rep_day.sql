-- Per account in the actor's scope (reps and managers): distinct customers with an effective
-- follow-up today (METRICS.md "daily effective customers", cap 15) and communication hours
-- this ISO week (METRICS.md "weekly communication hours", reference 8).
-- Grain: one row per account. Parameters: $today, $week_start (local dates). Each person's own
-- follow-ups, whoever owns the customer now (v_work_follow_ups).
WITH today AS (
    SELECT rep_id, count(DISTINCT customer_id) AS effective_customers
    FROM v_work_follow_ups
    WHERE effective AND occurred_at >= CAST($today AS TIMESTAMPTZ)
      AND occurred_at < CAST($today + INTERVAL 1 DAY AS TIMESTAMPTZ)
    GROUP BY rep_id
),
week AS (
    SELECT rep_id, sum(duration_minutes) / 60.0 AS hours, count(*) AS follow_ups
    FROM v_work_follow_ups
    WHERE occurred_at >= CAST($week_start AS TIMESTAMPTZ)
      AND occurred_at < CAST($week_start + INTERVAL 7 DAY AS TIMESTAMPTZ)
    GROUP BY rep_id
)
SELECT u.id AS rep_id, u.username, u.display_name, tm.name AS team,
       coalesce(d.effective_customers, 0) AS effective_customers,
       coalesce(w.hours, 0) AS week_hours, coalesce(w.follow_ups, 0) AS week_follow_ups
FROM v_users u
LEFT JOIN teams tm ON tm.id = u.team_id
LEFT JOIN today d ON d.rep_id = u.id
LEFT JOIN week w ON w.rep_id = u.id
WHERE u.role IN ('rep', 'manager') AND u.active
ORDER BY tm.name NULLS LAST, u.role DESC, u.username
