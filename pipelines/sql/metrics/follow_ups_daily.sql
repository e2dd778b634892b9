-- follow_ups and effective_follow_ups (METRICS.md), with their communication minutes: the same
-- frame as follow_ups.sql, read from the daily summary kept on write (pipelines/daily_summary.py,
-- migration 0006) instead of every follow-up. Used when the filter has no customer-attribute
-- filter (the summary keeps no customer attributes) and every summary row is in the configured
-- time zone. It holds only live follow-ups of live customers (v_work_follow_up_daily: those made
-- by the people the actor may see, as follow_ups.sql); a cell's signed rows are summed, and a cell whose
-- follow-ups were all taken away again (sum 0) is no row, as in follow_ups.sql.
-- Grain: one row per (day, rep_id, channel). Parameters: $period_start, $period_end (local dates,
-- end exclusive). Filters: team and rep of the follow-up's rep; channel.
SELECT s.day,
       s.rep_id,
       s.channel,
       sum(s.follow_ups)::BIGINT AS follow_ups,
       sum(s.effective_follow_ups)::BIGINT AS effective_follow_ups,
       sum(s.minutes)::BIGINT AS minutes
FROM v_work_follow_up_daily s
WHERE s.day >= $period_start AND s.day < $period_end
  AND {person s.rep_id} AND {channel s.channel}
GROUP BY ALL
HAVING sum(s.follow_ups) <> 0
ORDER BY s.day, s.rep_id, s.channel
