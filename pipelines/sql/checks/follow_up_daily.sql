-- follow_up_daily (migration 0006, kept on write by pipelines/daily_summary.py) against counting
-- the follow-ups now: each (day, owner, rep, channel) cell whose summed rows differ from the live
-- follow-ups of live customers (METRICS.md's follow_ups, effective_follow_ups, minutes and the
-- follow-ups channel_conversion counts as converted), once per side, and every row counted in
-- another time zone than the session's (the configured one).
WITH counted AS (
    SELECT f.occurred_at::DATE AS day, c.owner_id, f.rep_id, f.channel, count(*)::BIGINT AS follow_ups,
           count(*) FILTER (WHERE f.effective)::BIGINT AS effective_follow_ups,
           sum(f.duration_minutes)::BIGINT AS minutes,
           count(*) FILTER (WHERE EXISTS (
               SELECT 1 FROM stage_changes s
               WHERE s.customer_id = f.customer_id AND s.deleted_at IS NULL
                 AND s.changed_at >= f.occurred_at AND s.changed_at <= f.occurred_at + INTERVAL 336 HOUR
                 AND list_position(['initial_contact', 'needs_confirmed', 'proposal', 'negotiation',
                                    'contract_signed', 'after_sales'], s.to_stage)
                   > list_position(['initial_contact', 'needs_confirmed', 'proposal', 'negotiation',
                                    'contract_signed', 'after_sales'], s.from_stage)))::BIGINT AS converted
    FROM follow_ups f JOIN customers c ON c.id = f.customer_id
    WHERE f.deleted_at IS NULL AND c.deleted_at IS NULL
    GROUP BY ALL
), kept AS (
    SELECT day, owner_id, rep_id, channel, sum(follow_ups)::BIGINT AS follow_ups,
           sum(effective_follow_ups)::BIGINT AS effective_follow_ups, sum(minutes)::BIGINT AS minutes,
           sum(converted)::BIGINT AS converted
    FROM follow_up_daily WHERE zone = current_setting('TimeZone')
    GROUP BY ALL
    HAVING sum(follow_ups) <> 0 OR sum(effective_follow_ups) <> 0 OR sum(minutes) <> 0 OR sum(converted) <> 0
)
(SELECT 'missing' AS side, * FROM (SELECT * FROM counted EXCEPT ALL SELECT * FROM kept))
UNION ALL
(SELECT 'extra' AS side, * FROM (SELECT * FROM kept EXCEPT ALL SELECT * FROM counted))
UNION ALL
(SELECT 'zone' AS side, day, owner_id, rep_id, channel, follow_ups, effective_follow_ups, minutes, converted
 FROM follow_up_daily WHERE zone <> current_setting('TimeZone'))
