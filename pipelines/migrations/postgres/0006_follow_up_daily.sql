-- 0006 (PostgreSQL twin): follow_up_daily, follow-ups per local day, customer owner, rep and
-- channel, kept on write by pipelines/daily_summary.py (see ../0006_follow_up_daily.sql).
-- The backfill computes days in Asia/Shanghai (the default FOLLOWUP_TZ; this SQL runs in
-- PostgreSQL, which does not know the app's setting): a deployment in another zone reads the raw
-- follow-ups until daily_summary.rebuild runs (readers check `zone`).
CREATE SEQUENCE follow_up_daily_id_seq;
CREATE TABLE follow_up_daily (
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
    updated_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

INSERT INTO follow_up_daily (zone, day, owner_id, rep_id, channel, follow_ups, effective_follow_ups, minutes)
SELECT 'Asia/Shanghai', (f.occurred_at AT TIME ZONE 'Asia/Shanghai')::date AS day,
       c.owner_id, f.rep_id, f.channel, count(*), count(*) FILTER (WHERE f.effective),
       sum(f.duration_minutes)::bigint
FROM follow_ups f JOIN customers c ON c.id = f.customer_id
WHERE f.deleted_at IS NULL AND c.deleted_at IS NULL
GROUP BY 1, 2, 3, 4, 5
ORDER BY 2, 3, 4, 5;

SELECT followup_changes.track('follow_up_daily');
