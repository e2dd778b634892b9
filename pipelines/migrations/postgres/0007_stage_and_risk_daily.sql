-- 0007 (PostgreSQL twin): stage_daily, stage changes per local day, customer owner and stage, with
-- each customer's first stage change, kept on write by pipelines/stage_summary.py (see
-- ../0007_stage_and_risk_daily.sql). As in 0006 the backfill computes days in Asia/Shanghai (the default
-- FOLLOWUP_TZ): another zone reads the raw stage changes until stage_summary.rebuild runs.
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

INSERT INTO stage_daily (zone, day, owner_id, stage, entries, new_customers)
SELECT 'Asia/Shanghai', day, owner_id, stage, sum(entries)::bigint, sum(new_customers)::bigint
FROM (
    SELECT (sc.changed_at AT TIME ZONE 'Asia/Shanghai')::date AS day, c.owner_id, sc.to_stage AS stage,
           1 AS entries, 0 AS new_customers
    FROM stage_changes sc JOIN customers c ON c.id = sc.customer_id
    WHERE sc.deleted_at IS NULL AND c.deleted_at IS NULL
    UNION ALL
    (SELECT DISTINCT ON (sc.customer_id) (sc.changed_at AT TIME ZONE 'Asia/Shanghai')::date, c.owner_id,
           sc.to_stage, 0, 1
    FROM stage_changes sc JOIN customers c ON c.id = sc.customer_id
    WHERE sc.deleted_at IS NULL AND c.deleted_at IS NULL
    ORDER BY sc.customer_id, sc.changed_at, sc.id)
) x
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 3, 4;

SELECT followup_changes.track('stage_daily');

-- risk_daily: risk warnings of live customers per local day, owner, level and rule, kept on write
-- by pipelines/risk_summary.py (see ../0007_stage_and_risk_daily.sql); days in Asia/Shanghai as above.
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
SELECT 'Asia/Shanghai', day, owner_id, level, rule, sum(raised)::bigint, sum(closed)::bigint
FROM (
    SELECT (r.raised_at AT TIME ZONE 'Asia/Shanghai')::date AS day, c.owner_id, r.level, r.rule,
           1 AS raised, 0 AS closed
    FROM risks r JOIN customers c ON c.id = r.customer_id WHERE c.deleted_at IS NULL
    UNION ALL
    SELECT ((CASE WHEN r.closed_at IS NOT NULL THEN greatest(r.raised_at, r.closed_at) ELSE r.raised_at END)
            AT TIME ZONE 'Asia/Shanghai')::date, c.owner_id, r.level, r.rule, 0, 1
    FROM risks r JOIN customers c ON c.id = r.customer_id
    WHERE c.deleted_at IS NULL AND (r.closed_at IS NOT NULL OR r.status = 'resolved')
) x
GROUP BY 1, 2, 3, 4, 5
ORDER BY 1, 2, 3, 4, 5;

SELECT followup_changes.track('risk_daily');
