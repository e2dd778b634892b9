-- daily effective customers (METRICS.md): per rep and local day, distinct customers with an
-- effective follow-up; the manual's cap (15) is compared with this figure.
-- Grain: one row per (rep_id, day) with at least one effective follow-up.
-- Parameters: $period_start, $period_end (local dates, end exclusive).
-- Filters: customer attributes; team and rep of the follow-up's rep; channel.
-- The distinct (rep, day, customer) cells first, then counted: cheaper than count(DISTINCT ...)
-- per group, which keeps a hash set per (rep, day).
WITH cells AS (
    SELECT DISTINCT f.rep_id, {day f.occurred_at} AS day, f.customer_id
    FROM v_work_follow_ups f  -- the work of the people the actor may see, on any customer
    WHERE f.effective
      AND f.occurred_at >= $period_start AND f.occurred_at < $period_end
      AND {work_customer_of f.customer_id} AND {person f.rep_id} AND {channel f.channel}
)
SELECT rep_id, day, count(*) AS customers
FROM cells
GROUP BY ALL
ORDER BY rep_id, day
