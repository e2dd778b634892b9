-- channel_conversion (METRICS.md), counted per rep and channel: of the period's follow-ups,
-- how many were followed by a forward stage change of the same customer at or after the
-- follow-up's time and at most 14×24 h later (so the change recorded with the follow-up itself
-- counts). Forward = from a stage to a later one in $stages; a first stage (no from_stage) and
-- any change from or to `lost` are not forward.
-- Grain: one row per (rep_id, channel). Pages roll up to channels or reps and add intervals.
-- Parameters: $period_start, $period_end (local dates, end exclusive); $stages.
-- Filters: customer attributes; team and rep of the follow-up's rep; channel.
WITH forward AS (
    SELECT customer_id, changed_at
    FROM v_stage_changes
    WHERE list_position($stages, to_stage) > list_position($stages, from_stage)
), period_follow_ups AS (
    SELECT f.customer_id, f.rep_id, f.channel, f.occurred_at
    FROM v_follow_ups f
    JOIN v_customers c ON c.id = f.customer_id
    WHERE f.occurred_at >= $period_start AND f.occurred_at < $period_end
      AND {customer c} AND {person f.rep_id} AND {channel f.channel}
)
-- ASOF picks, per follow-up, the customer's first forward change at or after its time.
SELECT p.rep_id,
       p.channel,
       count(*) AS follow_ups,
       count(*) FILTER (WHERE nx.changed_at <= p.occurred_at + INTERVAL 336 HOUR) AS converted
FROM period_follow_ups p
ASOF LEFT JOIN forward nx ON nx.customer_id = p.customer_id AND nx.changed_at >= p.occurred_at
GROUP BY ALL
ORDER BY p.rep_id, p.channel
