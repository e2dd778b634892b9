-- Open risks by level over time: at the end of each week (Sunday, local time) from $start to
-- $end, the red and yellow risks raised by then and not yet closed, for the page's filter.
-- Set-based: each risk is +1 in the week it was raised and −1 in the week it closed (events
-- before the first week land in it); a running sum per level gives the open count. Weeks are
-- numbered by whole 7-day spans from the first Monday's local midnight (exact in zones without
-- daylight saving, such as Asia/Shanghai; elsewhere an event within an hour of a week's end
-- may land in the next week), which keeps the per-row work to integer arithmetic (microseconds).
-- Grain: one row per (week_end, level). Parameters: $start, $end (local dates), $tz, $rules.
-- The CUSTOMERS placeholder becomes `true`, or with a team or rep filter the risk's customer among
-- the filtered ones (v_risks alone already keeps only the actor's visible customers).
WITH bounds AS (
    SELECT date_trunc('week', $start::DATE)::DATE + 6 AS first_end,
           epoch_us(timezone($tz, date_trunc('week', $start::DATE)::TIMESTAMP)) AS first_start,
           ((date_trunc('week', $end::DATE)::DATE - date_trunc('week', $start::DATE)::DATE) // 7 + 1)::BIGINT AS weeks
),
spans AS (
    -- one pass over the risks: how many open in week k and close in week k' (none: NULL), per level;
    -- a few hundred rows, which the two sides of `bucketed` read instead of the risks
    SELECT r.level,
           greatest((epoch_us(r.raised_at) - b.first_start) // 604800000000, 0) AS opened,
           CASE WHEN r.closed_at IS NOT NULL  -- greatest() would turn an open risk's NULL into 0
                THEN greatest((epoch_us(r.closed_at) - b.first_start) // 604800000000, 0) END AS closed,
           count(*) AS n
    FROM v_risks r CROSS JOIN bounds b
    WHERE r.level IN ('red', 'yellow') AND __CUSTOMERS__
      AND (len($rules::VARCHAR[]) = 0 OR list_contains($rules::VARCHAR[], r.rule))
    GROUP BY ALL
),
bucketed AS (
    -- opened and closed netted per (level, week)
    SELECT level, k, sum(delta) AS delta
    FROM (
        SELECT level, opened AS k, n AS delta FROM spans
        UNION ALL
        SELECT level, closed, -n FROM spans WHERE closed IS NOT NULL
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
