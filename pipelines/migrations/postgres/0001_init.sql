-- 0001 (PostgreSQL twin): the tables of ../shared/INTERFACES.md.
-- Every table: integer id from its own sequence, created_at/updated_at; soft-deleted rows
-- carry deleted_at. No foreign keys: DuckDB rewrites a row on update and would refuse it;
-- pipelines/sql/checks/*.sql select the rows that break a reference instead.

CREATE SEQUENCE teams_id_seq;
CREATE TABLE teams (
    id BIGINT PRIMARY KEY DEFAULT nextval('teams_id_seq'),
    name VARCHAR NOT NULL,
    manager_id BIGINT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

CREATE SEQUENCE users_id_seq;
CREATE TABLE users (
    id BIGINT PRIMARY KEY DEFAULT nextval('users_id_seq'),
    username VARCHAR NOT NULL UNIQUE,
    display_name VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    team_id BIGINT,
    active BOOLEAN NOT NULL DEFAULT true,
    language VARCHAR NOT NULL DEFAULT 'zh_CN',
    password_hash VARCHAR,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMPTZ,
    last_login_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

CREATE SEQUENCE customers_id_seq;
CREATE TABLE customers (
    id BIGINT PRIMARY KEY DEFAULT nextval('customers_id_seq'),
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
    tags VARCHAR[] NOT NULL DEFAULT '{}',
    owner_id BIGINT NOT NULL,
    stage VARCHAR NOT NULL DEFAULT 'initial_contact',
    name_initials VARCHAR,
    created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    deleted_at TIMESTAMPTZ
);

CREATE SEQUENCE contacts_id_seq;
CREATE TABLE contacts (
    id BIGINT PRIMARY KEY DEFAULT nextval('contacts_id_seq'),
    customer_id BIGINT NOT NULL,
    name VARCHAR NOT NULL,
    position VARCHAR,
    decision_role VARCHAR,
    phone VARCHAR,
    email VARCHAR,
    wechat VARCHAR,
    created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    deleted_at TIMESTAMPTZ
);

CREATE SEQUENCE needs_id_seq;
CREATE TABLE needs (
    id BIGINT PRIMARY KEY DEFAULT nextval('needs_id_seq'),
    customer_id BIGINT NOT NULL,
    description VARCHAR NOT NULL,
    raised_on DATE NOT NULL,
    pain_point VARCHAR,
    impact VARCHAR,
    created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    deleted_at TIMESTAMPTZ
);

CREATE SEQUENCE contracts_id_seq;
CREATE TABLE contracts (
    id BIGINT PRIMARY KEY DEFAULT nextval('contracts_id_seq'),
    customer_id BIGINT NOT NULL,
    rep_id BIGINT NOT NULL,
    signed_on DATE NOT NULL,
    amount DECIMAL(18, 2) NOT NULL,
    products VARCHAR,
    scenario VARCHAR,
    created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    deleted_at TIMESTAMPTZ
);

CREATE SEQUENCE follow_ups_id_seq;
CREATE TABLE follow_ups (
    id BIGINT PRIMARY KEY DEFAULT nextval('follow_ups_id_seq'),
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

CREATE SEQUENCE stage_changes_id_seq;
CREATE TABLE stage_changes (
    id BIGINT PRIMARY KEY DEFAULT nextval('stage_changes_id_seq'),
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

CREATE SEQUENCE ownership_changes_id_seq;
CREATE TABLE ownership_changes (
    id BIGINT PRIMARY KEY DEFAULT nextval('ownership_changes_id_seq'),
    customer_id BIGINT NOT NULL,
    from_owner_id BIGINT,
    to_owner_id BIGINT NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL,
    changed_by BIGINT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

CREATE SEQUENCE risks_id_seq;
CREATE TABLE risks (
    id BIGINT PRIMARY KEY DEFAULT nextval('risks_id_seq'),
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

CREATE SEQUENCE feedback_id_seq;
CREATE TABLE feedback (
    id BIGINT PRIMARY KEY DEFAULT nextval('feedback_id_seq'),
    customer_id BIGINT NOT NULL,
    kind VARCHAR NOT NULL,
    severity VARCHAR NOT NULL DEFAULT 'low',
    description VARCHAR NOT NULL,
    owner_id BIGINT,
    deadline DATE,
    status VARCHAR NOT NULL DEFAULT 'open',
    resolution_note VARCHAR,
    resolved_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    deleted_at TIMESTAMPTZ
);

CREATE SEQUENCE surveys_id_seq;
CREATE TABLE surveys (
    id BIGINT PRIMARY KEY DEFAULT nextval('surveys_id_seq'),
    customer_id BIGINT NOT NULL,
    scale VARCHAR NOT NULL DEFAULT 'csat',
    score INTEGER NOT NULL,
    comment VARCHAR,
    surveyed_on DATE NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    deleted_at TIMESTAMPTZ
);

CREATE SEQUENCE targets_id_seq;
CREATE TABLE targets (
    id BIGINT PRIMARY KEY DEFAULT nextval('targets_id_seq'),
    rep_id BIGINT NOT NULL,
    month DATE NOT NULL,
    amount DECIMAL(18, 2) NOT NULL DEFAULT 0,
    effective_follow_ups INTEGER NOT NULL DEFAULT 0,
    new_customers INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    UNIQUE (rep_id, month)
);

CREATE SEQUENCE audit_log_id_seq;
CREATE TABLE audit_log (
    id BIGINT PRIMARY KEY DEFAULT nextval('audit_log_id_seq'),
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

CREATE SEQUENCE import_runs_id_seq;
CREATE TABLE import_runs (
    id BIGINT PRIMARY KEY DEFAULT nextval('import_runs_id_seq'),
    file_name VARCHAR NOT NULL,
    file_hash VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    rows_read BIGINT NOT NULL DEFAULT 0,
    rows_loaded BIGINT NOT NULL DEFAULT 0,
    rows_rejected BIGINT NOT NULL DEFAULT 0,
    rows_duplicate BIGINT NOT NULL DEFAULT 0,
    user_id BIGINT,
    status VARCHAR NOT NULL DEFAULT 'running',
    error VARCHAR,
    rejects_path VARCHAR,
    finished_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

CREATE SEQUENCE settings_id_seq;
CREATE TABLE settings (
    id BIGINT PRIMARY KEY DEFAULT nextval('settings_id_seq'),
    key VARCHAR NOT NULL UNIQUE,
    value VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);
