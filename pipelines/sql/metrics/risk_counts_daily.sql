-- Risk counts: the frame of risk_counts.sql (per level and rule, warnings open at the end of the
-- period, raised in it and closed in it), read from the summary kept on write (pipelines/risk_summary.py,
-- migration 0007) instead of every risk. Each warning counts raised 1 on its raising day and closed
-- 1 on the day it stopped being open, so open at the end = raised − closed over the days before
-- the period's end. Used when the filter has no customer-attribute filter and every row is in the
-- configured time zone; it holds only live customers' risks, by the customer's current owner
-- (v_risk_daily applies the role scope). A (level, rule) is listed when any warning has it.
-- Grain: one row per (level, rule) with any warning. Parameters: $period_start, $period_end.
-- Filters: team and rep of the customer's owner.
SELECT s.level,
       s.rule,
       coalesce(sum(s.raised - s.closed) FILTER (WHERE s.day < $period_end), 0)::BIGINT AS open_at_end,
       coalesce(sum(s.raised) FILTER (WHERE s.day >= $period_start AND s.day < $period_end), 0)::BIGINT AS raised,
       coalesce(sum(s.closed) FILTER (WHERE s.day >= $period_start AND s.day < $period_end), 0)::BIGINT AS closed
FROM v_risk_daily s
WHERE {person s.owner_id}
GROUP BY ALL
HAVING sum(s.raised) <> 0
ORDER BY s.level, s.rule
