-- Open risks by level over time: at the end of each week (Sunday, local time) from $start to
-- $end, the red and yellow risks raised by then and not yet closed, for the page's filter.
-- Set-based: each risk is +1 in the week it was raised and −1 in the week it closed (events
-- before the first week land in it); a running sum per level gives the open count. Weeks are
-- numbered by whole 7-day spans from the first Monday's local midnight (exact in zones without
-- daylight saving, such as Asia/Shanghai; elsewhere an event within an hour of a week's end
-- may land in the next week), which keeps the per-row work to integer arithmetic (microseconds).
-- Grain: one row per (week_end, level). Parameters: $start, $end (local dates), $tz, $rules.
-- The CUSTOMERS placeholder becomes the page's filter on customers (alias c).
WITH bounds AS (
    SELECT date_trunc('week', $start::DATE)::DATE + 6 AS first_end,
           epoch_us(timezone($tz, date_trunc('week', $start::DATE)::TIMESTAMP)) AS first_start,
           ((date_trunc('week', $end::DATE)::DATE - date_trunc('week', $start::DATE)::DATE) // 7 + 1)::BIGINT AS weeks
),
risks_in_scope AS (
    SELECT r.level, epoch_us(r.raised_at) AS raised, epoch_us(r.closed_at) AS closed
    FROM v_risks r JOIN v_customers c ON c.id = r.customer_id
    WHERE r.level IN ('red', 'yellow') AND __CUSTOMERS__
      AND (len($rules::VARCHAR[]) = 0 OR list_contains($rules::VARCHAR[], r.rule))
),
bucketed AS (
    -- opened and closed counted per (level, week) apart, then netted: a few hundred rows
    -- instead of one event row per opening and closing
    SELECT level, k, sum(delta) AS delta
    FROM (
        SELECT e.level, greatest((e.raised - b.first_start) // 604800000000, 0) AS k, count(*) AS delta
        FROM risks_in_scope e CROSS JOIN bounds b
        GROUP BY ALL
        UNION ALL
        SELECT e.level, greatest((e.closed - b.first_start) // 604800000000, 0), -count(*)
        FROM risks_in_scope e CROSS JOIN bounds b
        WHERE e.closed IS NOT NULL
        GROUP BY ALL
    )
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
