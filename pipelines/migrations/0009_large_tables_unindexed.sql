-- 0009: the six largest tables without a primary key index: customers, follow_ups,
-- stage_changes, risks, risk_events and audit_log. Their ids come from their own sequences and
-- are never written by hand, so the index guarded nothing; keeping it cost DuckDB an ART insert
-- per row and its serialisation at every checkpoint: 0.5 s of a 1,000,000-row import (3.55 s
-- -> 3.05 s), and a little on every save. Point reads by id stay fast without it: ids grow with
-- insertion order, so each row group's min/max skips all but one. customer_activity keeps its
-- key (two writers adding the same customer's row must clash: store.is_conflict).
-- DuckDB cannot drop a primary key: each table is copied into a new one that takes its place
-- (as in 0008). PostgreSQL keeps its keys (its twin of this file changes nothing).

CREATE TABLE customers_0009 (
    id BIGINT DEFAULT nextval('customers_id_seq'),
    name VARCHAR NOT NULL,
    uscc VARCHAR,
    industry VARCHAR,
    size VARCHAR,
    province VARCHAR,
    city VARCHAR,
    district VARCHAR,
    customer_type VARCHAR NOT NULL DEFAULT 'new',
    group_name VARCHAR,
    parent_id BIGINT,
    tags VARCHAR[] NOT NULL DEFAULT [],
    owner_id BIGINT NOT NULL,
    stage VARCHAR NOT NULL DEFAULT 'initial_contact',
    name_initials VARCHAR,
    created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    deleted_at TIMESTAMPTZ
);
INSERT INTO customers_0009 SELECT * FROM customers;
DROP TABLE customers;
ALTER TABLE customers_0009 RENAME TO customers;

CREATE TABLE follow_ups_0009 (
    id BIGINT DEFAULT nextval('follow_ups_id_seq'),
    customer_id BIGINT NOT NULL,
    rep_id BIGINT NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL,
    channel VARCHAR NOT NULL,
    summary VARCHAR NOT NULL,
    participants VARCHAR,
    duration_minutes INTEGER NOT NULL DEFAULT 0,
    effective BOOLEAN NOT NULL DEFAULT true,
    outcome VARCHAR,
    stage_after VARCHAR,
    next_follow_up_date DATE,
    next_action VARCHAR,
    import_run_id BIGINT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    deleted_at TIMESTAMPTZ
);
INSERT INTO follow_ups_0009 SELECT * FROM follow_ups;
DROP TABLE follow_ups;
ALTER TABLE follow_ups_0009 RENAME TO follow_ups;

CREATE TABLE stage_changes_0009 (
    id BIGINT DEFAULT nextval('stage_changes_id_seq'),
    customer_id BIGINT NOT NULL,
    from_stage VARCHAR,
    to_stage VARCHAR NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL,
    changed_by BIGINT,
    follow_up_id BIGINT,
    override_reason VARCHAR,
    imported BOOLEAN NOT NULL DEFAULT false,
    rule_broken BOOLEAN NOT NULL DEFAULT false,
    created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    deleted_at TIMESTAMPTZ
);
INSERT INTO stage_changes_0009 SELECT * FROM stage_changes;
DROP TABLE stage_changes;
ALTER TABLE stage_changes_0009 RENAME TO stage_changes;

CREATE TABLE risks_0009 (
    id BIGINT DEFAULT nextval('risks_id_seq'),
    customer_id BIGINT NOT NULL,
    level VARCHAR NOT NULL,
    rule VARCHAR NOT NULL,
    note VARCHAR,
    status VARCHAR NOT NULL DEFAULT 'open',
    raised_at TIMESTAMPTZ NOT NULL,
    closed_at TIMESTAMPTZ,
    raised_by BIGINT,
    evidence VARCHAR,
    acknowledged_at TIMESTAMPTZ,
    acknowledged_by BIGINT,
    closed_by BIGINT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);
INSERT INTO risks_0009 SELECT * FROM risks;
DROP TABLE risks;
ALTER TABLE risks_0009 RENAME TO risks;

CREATE TABLE risk_events_0009 (
    id BIGINT DEFAULT nextval('risk_events_id_seq'),
    risk_id BIGINT NOT NULL,
    customer_id BIGINT NOT NULL,
    action VARCHAR NOT NULL,
    rule VARCHAR NOT NULL,
    level VARCHAR NOT NULL,
    note VARCHAR,
    actor_id BIGINT,
    happened_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);
INSERT INTO risk_events_0009 SELECT * FROM risk_events;
DROP TABLE risk_events;
ALTER TABLE risk_events_0009 RENAME TO risk_events;

CREATE TABLE audit_log_0009 (
    id BIGINT DEFAULT nextval('audit_log_id_seq'),
    user_id BIGINT,
    username VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    table_name VARCHAR,
    row_id BIGINT,
    before VARCHAR,
    after VARCHAR,
    detail VARCHAR,
    created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);
INSERT INTO audit_log_0009 SELECT * FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_0009 RENAME TO audit_log;
