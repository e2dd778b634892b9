-- Open risks by level over time: at the end of each week (Sunday, local time) from $start to
-- $end, the red and yellow risks raised by then and not yet closed, for the page's filter.
-- Set-based: each risk is +1 in the week it was raised and −1 in the week it closed (events
-- before the first week land in it); a running sum per level gives the open count. Weeks are
-- numbered by whole 7-day spans from the first Monday's local midnight (exact in zones without
-- daylight saving, such as Asia/Shanghai; elsewhere an event within an hour of a week's end
-- may land in the next week), which keeps the per-row work to integer arithmetic.
-- Grain: one row per (week_end, level). Parameters: $start, $end (local dates), $tz, $rules.
-- The CUSTOMERS placeholder becomes the page's filter on customers (alias c).
WITH bounds AS (
    SELECT date_trunc('week', $start::DATE)::DATE + 6 AS first_end,
           epoch(timezone($tz, date_trunc('week', $start::DATE)::TIMESTAMP)) AS first_start,
           ((date_trunc('week', $end::DATE)::DATE - date_trunc('week', $start::DATE)::DATE) // 7 + 1)::BIGINT AS weeks
),
risks_in_scope AS (
    SELECT r.level, r.raised_at, r.closed_at
    FROM v_risks r JOIN v_customers c ON c.id = r.customer_id
    WHERE r.level IN ('red', 'yellow') AND __CUSTOMERS__
      AND (len($rules::VARCHAR[]) = 0 OR list_contains($rules::VARCHAR[], r.rule))
),
events AS (
    SELECT level, epoch(raised_at) AS t, 1 AS delta FROM risks_in_scope
    UNION ALL
    SELECT level, epoch(closed_at), -1 FROM risks_in_scope WHERE closed_at IS NOT NULL
),
bucketed AS (
    SELECT e.level, greatest(floor((e.t - b.first_start) / 604800), 0)::BIGINT AS k, sum(e.delta) AS delta
    FROM events e CROSS JOIN bounds b
    GROUP BY ALL
),
grid AS (
    SELECT k, b.first_end + (7 * k)::INTEGER AS week_end, l.level
    FROM bounds b, range(b.weeks) AS w(k), (SELECT unnest(['red', 'yellow']) AS level) l
)
SELECT g.week_end, g.level,
       coalesce(sum(x.delta) OVER (PARTITION BY g.level ORDER BY g.k), 0)::BIGINT AS open_risks
FROM grid g LEFT JOIN bucketed x ON x.k = g.k AND x.level = g.level
ORDER BY g.week_end, g.level
