-- channel_conversion's counts (METRICS.md), per rep and channel: the same frame as
-- follow_up_conversion.sql, read from the daily summary kept on write (pipelines/daily_summary.py,
-- migrations 0006 and 0008: `converted` counts the follow-ups a forward stage change of their
-- customer followed within 14×24 h) instead of joining the period's follow-ups to their
-- customers' stage changes. Used when follow_ups_daily.sql is (no customer-attribute filter,
-- every row in the configured zone); v_work_follow_up_daily: the work of the people the actor
-- may see, as follow_up_conversion.sql.
-- Grain: one row per (rep_id, channel) with follow-ups in the period.
-- Parameters: $period_start, $period_end (local dates, end exclusive).
-- Filters: team and rep of the follow-up's rep; channel.
SELECT s.rep_id,
       s.channel,
       sum(s.follow_ups)::BIGINT AS follow_ups,
       sum(s.converted)::BIGINT AS converted
FROM v_work_follow_up_daily s
WHERE s.day >= $period_start AND s.day < $period_end
  AND {person s.rep_id} AND {channel s.channel}
GROUP BY ALL
HAVING sum(s.follow_ups) <> 0
ORDER BY s.rep_id, s.channel
