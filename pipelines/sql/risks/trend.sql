-- Open risks by level over time: at the end of each week (Sunday, local time) from $start to
-- $end, the red and yellow risks raised by then and not yet closed, for the page's filter.
-- Grain: one row per (week_end, level). Parameters: $start, $end (local dates), $tz, $rules.
-- The CUSTOMERS placeholder becomes the page's filter on customers (alias c).
WITH weeks AS (
    SELECT unnest(generate_series((date_trunc('week', $start::DATE)::DATE + 6)::TIMESTAMP,
                                  (date_trunc('week', $end::DATE)::DATE + 6)::TIMESTAMP, INTERVAL 7 DAY))::DATE AS week_end
),
risks_in_scope AS (
    SELECT r.level, r.raised_at, r.closed_at
    FROM v_risks r JOIN v_customers c ON c.id = r.customer_id
    WHERE r.level IN ('red', 'yellow') AND __CUSTOMERS__
      AND (len($rules::VARCHAR[]) = 0 OR list_contains($rules::VARCHAR[], r.rule))
),
levels AS (SELECT unnest(['red', 'yellow']) AS level)
SELECT w.week_end, l.level,
       count(r.level) AS open_risks
FROM weeks w CROSS JOIN levels l
LEFT JOIN risks_in_scope r
       ON r.level = l.level
      AND r.raised_at < timezone($tz, (w.week_end + 1)::TIMESTAMP)
      AND (r.closed_at IS NULL OR r.closed_at >= timezone($tz, (w.week_end + 1)::TIMESTAMP))
GROUP BY ALL
ORDER BY w.week_end, l.level
