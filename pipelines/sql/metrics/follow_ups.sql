-- follow_ups and effective_follow_ups (METRICS.md): follow-ups whose occurred_at is in the
-- period, and those of them marked effective; with their communication minutes (for weekly
-- communication hours). Counted per local day, rep and channel so that pages roll them up to
-- weeks, months, channels, reps and teams without another scan.
-- Grain: one row per (day, rep_id, channel). A follow-up belongs to the rep who made it: the
-- work of the people the actor may see, whoever owns the customer now (v_work_follow_ups).
-- Parameters: $period_start, $period_end (local dates, end exclusive).
-- Filters: customer attributes of the follow-up's customer; team and rep of the follow-up's
-- rep; channel.
SELECT {day f.occurred_at} AS day,
       f.rep_id,
       f.channel,
       count(*) AS follow_ups,
       count(*) FILTER (WHERE f.effective) AS effective_follow_ups,
       sum(f.duration_minutes)::BIGINT AS minutes
FROM v_work_follow_ups f
JOIN v_work_customers c ON c.id = f.customer_id
WHERE f.occurred_at >= $period_start AND f.occurred_at < $period_end
  AND {customer c} AND {person f.rep_id} AND {channel f.channel}
GROUP BY ALL
ORDER BY day, f.rep_id, f.channel
