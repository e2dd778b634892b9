-- 0008 (PostgreSQL twin): follow_up_daily.converted, kept on write by pipelines/daily_summary.py
-- (see ../0008_follow_up_converted.sql). As in 0006 the recount computes days in Asia/Shanghai
-- (the default FOLLOWUP_TZ): another zone reads the raw follow-ups until daily_summary.rebuild runs.
ALTER TABLE follow_up_daily ADD COLUMN converted BIGINT NOT NULL DEFAULT 0;
DELETE FROM follow_up_daily;
INSERT INTO follow_up_daily (zone, day, owner_id, rep_id, channel, follow_ups, effective_follow_ups, minutes,
                             converted)
SELECT 'Asia/Shanghai', (f.occurred_at AT TIME ZONE 'Asia/Shanghai')::date AS day,
       c.owner_id, f.rep_id, f.channel, count(*), count(*) FILTER (WHERE f.effective),
       sum(f.duration_minutes)::bigint,
       count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM stage_changes s
           WHERE s.customer_id = f.customer_id AND s.deleted_at IS NULL
             AND s.changed_at >= f.occurred_at AND s.changed_at <= f.occurred_at + interval '336 hours'
             AND array_position(ARRAY['initial_contact', 'needs_confirmed', 'proposal', 'negotiation',
                                      'contract_signed', 'after_sales']::text[], s.to_stage::text)
               > array_position(ARRAY['initial_contact', 'needs_confirmed', 'proposal', 'negotiation',
                                      'contract_signed', 'after_sales']::text[], s.from_stage::text)))
FROM follow_ups f JOIN customers c ON c.id = f.customer_id
WHERE f.deleted_at IS NULL AND c.deleted_at IS NULL
GROUP BY 1, 2, 3, 4, 5
ORDER BY 2, 3, 4, 5;
