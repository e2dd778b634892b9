-- The records explorer: follow-ups the actor may see, with their customer, rep and the
-- customer's current risk level (red / yellow from open risks, else green; none for a lost
-- customer: METRICS.md's on_track is for active customers).
-- Grain: one row per follow-up. Parameters: $period_start, $period_end (local dates, end
-- exclusive) plus those of the predicates that pipelines/explorer.py puts in place of
-- __FILTERS__ (customer columns on alias c, follow-up columns on alias f).
WITH levels AS (
    SELECT customer_id,
           CASE WHEN bool_or(level = 'red') THEN 'red' ELSE 'yellow' END AS risk_level
    FROM v_risks
    WHERE status <> 'resolved' AND level IN ('red', 'yellow')
    GROUP BY customer_id
),
filtered AS (
    SELECT f.id, f.occurred_at, f.customer_id, c.name AS customer_name, c.uscc AS customer_uscc,
           c.industry, c.size, c.province, c.city, c.customer_type, c.tags, c.stage,
           f.rep_id, u.username AS rep_username, u.display_name AS rep_name, tm.name AS team,
           f.channel, f.summary, f.participants, f.duration_minutes, f.effective, f.outcome,
           f.stage_after, f.next_follow_up_date, f.next_action,
           coalesce(l.risk_level, CASE WHEN c.stage <> 'lost' THEN 'green' END) AS risk_level
    FROM v_follow_ups f
    JOIN v_customers c ON c.id = f.customer_id
    LEFT JOIN v_users u ON u.id = f.rep_id
    LEFT JOIN teams tm ON tm.id = u.team_id
    LEFT JOIN levels l ON l.customer_id = f.customer_id
    WHERE f.occurred_at >= CAST($period_start AS TIMESTAMPTZ)
      AND f.occurred_at < CAST($period_end AS TIMESTAMPTZ)
      AND __FILTERS__
)
SELECT * FROM filtered
