-- Satisfaction of the period's surveys, per scale: `csat` scores 1–5 (mean score), `nps`
-- scores 0–10 (net promoter score = % of 9–10 minus % of 0–6).
-- Grain: one row per scale with surveys in the period. Parameters: $period_start, $period_end.
-- Filters: customer attributes; team and rep of the customer's owner.
SELECT s.scale,
       count(*) AS surveys,
       avg(s.score) AS avg_score,
       CASE WHEN s.scale = 'nps'
            THEN 100.0 * (count(*) FILTER (WHERE s.score >= 9) - count(*) FILTER (WHERE s.score <= 6))
                 / count(*) END AS nps
FROM v_surveys s
WHERE s.surveyed_on >= $period_start AND s.surveyed_on < $period_end
  AND {customer_owner_of s.customer_id}
GROUP BY s.scale
ORDER BY s.scale
