-- 0007: stage_daily, stage changes counted per local day, customer owner and stage entered, with
-- the customers whose first stage change fell on that day, kept on write (pipelines/stage_summary.py)
-- so that new_customers and the stage entries (contracts_signed) read a few ten thousand summary
-- rows instead of every customer's stage history joined to the customers twice at each visit.
-- Append-only like follow_up_daily (0006): every write adds signed rows (a customer's whole
-- contribution taken away before the write and added back after it), readers sum a cell's rows,
-- an occasional merge folds them. Only live stage changes of live customers count; owner_id is the
-- customer's CURRENT owner (access.py's v_stage_daily scopes by it). new_customers is 1 on the
-- cell of the customer's earliest stage change (by changed_at, then id). `zone`: as in 0006.
CREATE SEQUENCE stage_daily_id_seq;
CREATE TABLE stage_daily (
    id BIGINT PRIMARY KEY DEFAULT nextval('stage_daily_id_seq'),
    zone VARCHAR NOT NULL,
    day DATE NOT NULL,
    owner_id BIGINT NOT NULL,
    stage VARCHAR NOT NULL,
    entries BIGINT NOT NULL,
    new_customers BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

-- Backfill, in day order (period filters skip row groups by their zone maps). The migration runs
-- on a cursor whose session time zone is the configured one.
INSERT INTO stage_daily (zone, day, owner_id, stage, entries, new_customers)
SELECT current_setting('TimeZone'), day, owner_id, stage, sum(entries)::BIGINT, sum(new_customers)::BIGINT
FROM (
    SELECT timezone(current_setting('TimeZone'), sc.changed_at)::DATE AS day, c.owner_id, sc.to_stage AS stage,
           1 AS entries, 0 AS new_customers
    FROM stage_changes sc JOIN customers c ON c.id = sc.customer_id
    WHERE sc.deleted_at IS NULL AND c.deleted_at IS NULL
    UNION ALL
    SELECT timezone(current_setting('TimeZone'), min(sc.changed_at))::DATE, c.owner_id,
           arg_min(sc.to_stage, (sc.changed_at, sc.id)), 0, 1
    FROM stage_changes sc JOIN customers c ON c.id = sc.customer_id
    WHERE sc.deleted_at IS NULL AND c.deleted_at IS NULL
    GROUP BY sc.customer_id, c.owner_id
) x
GROUP BY ALL
ORDER BY day, owner_id, stage;

-- risk_daily: risk warnings of live customers per local day, customer owner, level and rule,
-- kept on write (pipelines/risk_summary.py) for the monthly summary's risk counts: `raised` 1 on
-- the day a warning was raised, `closed` 1 on the day it stopped being open (its close, or its
-- raising when closed earlier than raised or resolved without a close time). Append-only with
-- signed rows like the tables above; `zone` as in 0006.
CREATE SEQUENCE risk_daily_id_seq;
CREATE TABLE risk_daily (
    id BIGINT PRIMARY KEY DEFAULT nextval('risk_daily_id_seq'),
    zone VARCHAR NOT NULL,
    day DATE NOT NULL,
    owner_id BIGINT NOT NULL,
    level VARCHAR NOT NULL,
    rule VARCHAR NOT NULL,
    raised BIGINT NOT NULL,
    closed BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

INSERT INTO risk_daily (zone, day, owner_id, level, rule, raised, closed)
SELECT current_setting('TimeZone'), day, owner_id, level, rule, sum(raised)::BIGINT, sum(closed)::BIGINT
FROM (
    SELECT timezone(current_setting('TimeZone'), r.raised_at)::DATE AS day, c.owner_id, r.level, r.rule,
           1 AS raised, 0 AS closed
    FROM risks r JOIN customers c ON c.id = r.customer_id WHERE c.deleted_at IS NULL
    UNION ALL
    SELECT timezone(current_setting('TimeZone'), CASE WHEN r.closed_at IS NOT NULL
                THEN greatest(r.raised_at, r.closed_at) ELSE r.raised_at END)::DATE, c.owner_id, r.level, r.rule, 0, 1
    FROM risks r JOIN customers c ON c.id = r.customer_id
    WHERE c.deleted_at IS NULL AND (r.closed_at IS NOT NULL OR r.status = 'resolved')
) x
GROUP BY ALL
ORDER BY day, owner_id, level, rule;
