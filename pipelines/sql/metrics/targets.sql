-- Targets of the period: per active rep the actor may see, the sum of the monthly targets whose
-- month (first day) falls in the period. Reps without a target get 0.
-- Grain: one row per active rep.
-- Parameters: $period_start, $period_end (local dates, end exclusive).
-- Filters: team and rep of the rep.
SELECT u.id AS rep_id,
       coalesce(sum(tg.amount), 0)::DOUBLE AS target_amount,
       coalesce(sum(tg.effective_follow_ups), 0)::BIGINT AS target_effective_follow_ups,
       coalesce(sum(tg.new_customers), 0)::BIGINT AS target_new_customers,
       count(tg.id) AS target_months
FROM v_users u
LEFT JOIN v_targets tg ON tg.rep_id = u.id AND tg.month >= $period_start AND tg.month < $period_end
WHERE u.role = 'rep' AND u.active AND {person u.id}
GROUP BY u.id
ORDER BY u.id
