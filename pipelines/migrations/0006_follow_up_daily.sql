-- 0006: follow_up_daily, follow-ups counted per local day, customer owner, rep and channel, kept
-- on write (pipelines/daily_summary.py) so the analytics pages read a few hundred thousand
-- summary rows instead of joining a million follow-ups to their customers at every cold visit.
-- Append-only: every write adds signed rows (+1 for a follow-up that starts counting, -1 for one
-- that stops), readers sum them, and an occasional merge folds a cell's rows into one. Two
-- concurrent saves therefore never update the same row (no write conflict, no lost increment).
-- Only live follow-ups of live customers count; owner_id is the customer's CURRENT owner (role
-- scope follows it: access.py's v_follow_up_daily). `zone` is the time zone `day` was computed
-- in: readers use the table only when every row is in the configured zone.
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

-- Backfill, in day order (period filters skip row groups by their zone maps). The migration
-- runs on a cursor whose session time zone is the configured one.
INSERT INTO follow_up_daily (zone, day, owner_id, rep_id, channel, follow_ups, effective_follow_ups, minutes)
SELECT current_setting('TimeZone'), timezone(current_setting('TimeZone'), f.occurred_at)::DATE AS day,
       c.owner_id, f.rep_id, f.channel, count(*), count(*) FILTER (WHERE f.effective),
       sum(f.duration_minutes)::BIGINT
FROM follow_ups f JOIN customers c ON c.id = f.customer_id
WHERE f.deleted_at IS NULL AND c.deleted_at IS NULL
GROUP BY ALL
ORDER BY day, c.owner_id, f.rep_id, f.channel;
