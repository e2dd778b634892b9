-- 0008: follow_up_daily.converted, the follow-ups of a cell that a forward stage change of their
-- customer followed within 14×24 h (METRICS.md's channel_conversion), kept on write like the
-- other counts (pipelines/daily_summary.py: a forward change takes the customer's follow-ups of
-- the 14 days before it out and in again). Channel conversion then sums the summary instead of
-- joining a period's follow-ups to their customers' stage changes at every cold visit.
-- The table is recounted whole, in day order, as 0006 first filled it, into a new table that then
-- takes the old one's place (DuckDB does not write to a table altered in the same transaction).
CREATE TABLE follow_up_daily_0008 (
    id BIGINT PRIMARY KEY DEFAULT nextval('follow_up_daily_id_seq'),
    zone VARCHAR NOT NULL,
    day DATE NOT NULL,
    owner_id BIGINT NOT NULL,
    rep_id BIGINT NOT NULL,
    channel VARCHAR NOT NULL,
    follow_ups BIGINT NOT NULL,
    effective_follow_ups BIGINT NOT NULL,
    minutes BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    converted BIGINT NOT NULL
);
INSERT INTO follow_up_daily_0008 (zone, day, owner_id, rep_id, channel, follow_ups, effective_follow_ups, minutes,
                             converted)
SELECT current_setting('TimeZone'), timezone(current_setting('TimeZone'), f.occurred_at)::DATE AS day,
       c.owner_id, f.rep_id, f.channel, count(*), count(*) FILTER (WHERE f.effective),
       sum(f.duration_minutes)::BIGINT,
       count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM stage_changes s
           WHERE s.customer_id = f.customer_id AND s.deleted_at IS NULL
             AND s.changed_at >= f.occurred_at AND s.changed_at <= f.occurred_at + INTERVAL 336 HOUR
             AND list_position(['initial_contact', 'needs_confirmed', 'proposal', 'negotiation',
                                'contract_signed', 'after_sales'], s.to_stage)
               > list_position(['initial_contact', 'needs_confirmed', 'proposal', 'negotiation',
                                'contract_signed', 'after_sales'], s.from_stage)))
FROM follow_ups f JOIN customers c ON c.id = f.customer_id
WHERE f.deleted_at IS NULL AND c.deleted_at IS NULL
GROUP BY ALL
ORDER BY day, c.owner_id, f.rep_id, f.channel;
DROP TABLE follow_up_daily;
ALTER TABLE follow_up_daily_0008 RENAME TO follow_up_daily;
