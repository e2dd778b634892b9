-- Open risks by level over time: at the end of each week (Sunday, local time) from $start to
-- $end, the red and yellow risks raised by then and not yet closed, for the page's filter.
-- Set-based: each risk is +1 in the week it was raised and −1 in the week it closed (events
-- before the first week land in it); a running sum per level gives the open count.
-- Grain: one row per (week_end, level). Parameters: $start, $end (local dates), $tz, $rules.
-- The CUSTOMERS placeholder becomes the page's filter on customers (alias c).
WITH weeks AS (
    SELECT unnest(generate_series((date_trunc('week', $start::DATE)::DATE + 6)::TIMESTAMP,
                                  (date_trunc('week', $end::DATE)::DATE + 6)::TIMESTAMP, INTERVAL 7 DAY))::DATE
           AS week_end
),
week_ends AS (
    -- each week's end as an instant: the next local midnight
    SELECT week_end, timezone($tz, (week_end + 1)::TIMESTAMP) AS end_at FROM weeks
),
risks_in_scope AS (
    SELECT r.level, r.raised_at, r.closed_at
    FROM v_risks r JOIN v_customers c ON c.id = r.customer_id
    WHERE r.level IN ('red', 'yellow') AND __CUSTOMERS__
      AND (len($rules::VARCHAR[]) = 0 OR list_contains($rules::VARCHAR[], r.rule))
),
events AS (
    SELECT level, raised_at AS at, 1 AS delta FROM risks_in_scope
    UNION ALL
    SELECT level, closed_at, -1 FROM risks_in_scope WHERE closed_at IS NOT NULL
),
bucketed AS (
    -- the first week whose end is after the event (a sort-based ASOF join, no time zone math per row)
    SELECT e.level, w.week_end, sum(e.delta) AS delta
    FROM events e ASOF JOIN week_ends w ON e.at < w.end_at
    GROUP BY ALL
),
grid AS (
    SELECT w.week_end, l.level FROM weeks w CROSS JOIN (SELECT unnest(['red', 'yellow']) AS level) l
)
SELECT g.week_end, g.level,
       coalesce(sum(b.delta) OVER (PARTITION BY g.level ORDER BY g.week_end), 0)::BIGINT AS open_risks
FROM grid g LEFT JOIN bucketed b ON b.week_end = g.week_end AND b.level = g.level
ORDER BY g.week_end, g.level
