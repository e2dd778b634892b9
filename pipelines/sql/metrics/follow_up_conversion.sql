-- channel_conversion (METRICS.md), counted per rep and channel: of the period's follow-ups,
-- how many were followed by a forward stage change of the same customer at or after the
-- follow-up's time and at most 14×24 h later (so the change recorded with the follow-up itself
-- counts). Forward = from a stage to a later one in $stages; a first stage (no from_stage) and
-- any change from or to `lost` are not forward.
-- Grain: one row per (rep_id, channel). Pages roll up to channels or reps and add intervals.
-- Parameters: $period_start, $period_end (local dates, end exclusive); $stages.
-- Filters: customer attributes; team and rep of the follow-up's rep; channel.
WITH period_follow_ups AS (
    -- the work of the people the actor may see (a follow-up is its maker's), on any customer
    SELECT f.id, f.customer_id, f.rep_id, f.channel, f.occurred_at
    FROM v_work_follow_ups f
    WHERE f.occurred_at >= $period_start AND f.occurred_at < $period_end
      AND {work_customer_of f.customer_id} AND {person f.rep_id} AND {channel f.channel}
), forward AS (
    -- Only changes that can fall in a period follow-up's 14 days: from the period's start to
    -- its end + 14 days (an hour more for a daylight-saving shift), of those follow-ups' customers.
    SELECT customer_id, changed_at
    FROM stage_changes
    WHERE deleted_at IS NULL AND customer_id IN (SELECT customer_id FROM period_follow_ups)
      AND changed_at >= $period_start AND changed_at < $period_end::TIMESTAMPTZ + INTERVAL 337 HOUR
      AND list_position($stages, to_stage) > list_position($stages, from_stage)
), converted AS (
    -- "The first forward change at or after it is within 14 days" is the same as "some forward
    -- change is in [its time, its time + 14 days]": an equi-join on the customer with a range
    -- check, cheaper than an ASOF join (few changes per customer fall in the window). The 14×24 h
    -- are added to epoch microseconds: the same instant as `+ INTERVAL 336 HOUR`, without the
    -- time-zone-aware interval arithmetic per joined row (~15 % of the query's CPU).
    SELECT DISTINCT p.id
    FROM period_follow_ups p
    JOIN forward nx ON nx.customer_id = p.customer_id
    WHERE nx.changed_at >= p.occurred_at AND epoch_us(nx.changed_at) <= epoch_us(p.occurred_at) + 336 * 3600 * 1000000::BIGINT
)
SELECT p.rep_id,
       p.channel,
       count(*) AS follow_ups,
       count(cv.id) AS converted
FROM period_follow_ups p
LEFT JOIN converted cv ON cv.id = p.id
GROUP BY ALL
ORDER BY p.rep_id, p.channel
