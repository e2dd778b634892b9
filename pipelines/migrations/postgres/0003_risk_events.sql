-- 0003 (PostgreSQL twin): history of risks and of feedback/complaints (issue 6).
-- risk_events: every step of a risk: raised by a person or opened by the rules, acknowledged,
-- a note added, level/evidence changed, resolved by a person or closed by the rules.
-- feedback_events: every status move of a feedback/complaint, with its note.

CREATE SEQUENCE risk_events_id_seq;
CREATE TABLE risk_events (
    id BIGINT PRIMARY KEY DEFAULT nextval('risk_events_id_seq'),
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

CREATE SEQUENCE feedback_events_id_seq;
CREATE TABLE feedback_events (
    id BIGINT PRIMARY KEY DEFAULT nextval('feedback_events_id_seq'),
    feedback_id BIGINT NOT NULL,
    customer_id BIGINT NOT NULL,
    from_status VARCHAR,
    to_status VARCHAR NOT NULL,
    note VARCHAR,
    actor_id BIGINT,
    happened_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);
