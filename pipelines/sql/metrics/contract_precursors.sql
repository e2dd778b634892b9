-- Which channels precede a contract: for each stage change into `contract_signed` in the
-- period, the customer's follow-ups in the $window_days days (×24 h) before it, up to and
-- including the signing moment. Per channel: signings with at least one such follow-up on
-- that channel, that share of all signings, and the follow-ups counted.
-- Grain: one row per channel that preceded a signing; `signings` is the period's total.
-- Parameters: $period_start, $period_end (local dates, end exclusive); $window_days.
-- Filters: customer attributes; team and rep of the customer's owner; channel.
WITH signings AS (
    SELECT sc.id, sc.customer_id, sc.changed_at
    FROM v_stage_changes sc
    JOIN v_customers c ON c.id = sc.customer_id
    WHERE sc.to_stage = 'contract_signed'
      AND sc.changed_at >= $period_start AND sc.changed_at < $period_end
      AND {customer c} AND {person c.owner_id}
), touches AS (
    SELECT s.id AS signing_id, f.channel, count(*) AS follow_ups
    FROM signings s
    JOIN v_follow_ups f ON f.customer_id = s.customer_id
    WHERE f.occurred_at <= s.changed_at
      AND f.occurred_at > s.changed_at - to_hours($window_days * 24)
      AND {channel f.channel}
    GROUP BY ALL
)
SELECT t.channel,
       count(*) AS contracts,
       sum(t.follow_ups)::BIGINT AS follow_ups,
       count(*) / (SELECT count(*) FROM signings) AS share,
       (SELECT count(*) FROM signings) AS signings
FROM touches t
GROUP BY t.channel
ORDER BY contracts DESC, t.channel
