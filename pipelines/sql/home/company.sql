-- The company at a glance for leadership: this month's follow-ups, effective ones, new
-- customers (earliest stage change in the month), contracts signed (stage changes into
-- contract_signed) and won amount (contracts signed in the month), by team.
-- Grain: one row per team (NULL team: accounts without a team). Parameters: $month_start,
-- $month_end (local dates, end exclusive).
WITH fu AS (
    SELECT u.team_id, count(*) AS follow_ups, count(*) FILTER (WHERE f.effective) AS effective_follow_ups
    FROM v_work_follow_ups f JOIN v_users u ON u.id = f.rep_id  -- credited to who made them
    WHERE f.occurred_at >= CAST($month_start AS TIMESTAMPTZ) AND f.occurred_at < CAST($month_end AS TIMESTAMPTZ)
    GROUP BY u.team_id
),
firsts AS (
    -- only customers with a change in the month can have their first one in it (the first change
    -- of every customer took a third of this query's time)
    SELECT customer_id, min(changed_at) AS first_at FROM v_stage_changes
    WHERE customer_id IN (SELECT customer_id FROM v_stage_changes
                          WHERE changed_at >= CAST($month_start AS TIMESTAMPTZ)
                            AND changed_at < CAST($month_end AS TIMESTAMPTZ))
    GROUP BY customer_id
),
new_c AS (
    SELECT u.team_id, count(*) AS new_customers
    FROM firsts fs JOIN v_customers c ON c.id = fs.customer_id JOIN v_users u ON u.id = c.owner_id
    WHERE fs.first_at >= CAST($month_start AS TIMESTAMPTZ) AND fs.first_at < CAST($month_end AS TIMESTAMPTZ)
    GROUP BY u.team_id
),
signed AS (
    SELECT u.team_id, count(*) AS contracts_signed
    FROM v_stage_changes s JOIN v_customers c ON c.id = s.customer_id JOIN v_users u ON u.id = c.owner_id
    WHERE s.to_stage = 'contract_signed'
      AND s.changed_at >= CAST($month_start AS TIMESTAMPTZ) AND s.changed_at < CAST($month_end AS TIMESTAMPTZ)
    GROUP BY u.team_id
),
won AS (
    SELECT u.team_id, sum(k.amount) AS won_amount
    FROM v_work_contracts k JOIN v_users u ON u.id = k.rep_id  -- to who signed them
    WHERE k.signed_on >= $month_start AND k.signed_on < $month_end
    GROUP BY u.team_id
),
teams_seen AS (
    SELECT DISTINCT team_id FROM v_users WHERE role IN ('rep', 'manager')
)
SELECT ts.team_id, tm.name AS team,
       coalesce(fu.follow_ups, 0) AS follow_ups, coalesce(fu.effective_follow_ups, 0) AS effective_follow_ups,
       coalesce(n.new_customers, 0) AS new_customers, coalesce(s.contracts_signed, 0) AS contracts_signed,
       coalesce(w.won_amount, 0) AS won_amount
FROM teams_seen ts
LEFT JOIN teams tm ON tm.id = ts.team_id
LEFT JOIN fu ON fu.team_id IS NOT DISTINCT FROM ts.team_id
LEFT JOIN new_c n ON n.team_id IS NOT DISTINCT FROM ts.team_id
LEFT JOIN signed s ON s.team_id IS NOT DISTINCT FROM ts.team_id
LEFT JOIN won w ON w.team_id IS NOT DISTINCT FROM ts.team_id
ORDER BY tm.name NULLS LAST
