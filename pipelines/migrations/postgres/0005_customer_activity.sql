-- 0005 (PostgreSQL twin): customer_activity, one row per customer summing up its follow-ups and
-- risks, kept exact on write (pipelines/customer_activity.py); see ../0005_customer_activity.sql.
CREATE TABLE customer_activity (
    id BIGINT PRIMARY KEY,
    last_follow_up_at TIMESTAMPTZ,
    last_effective_at TIMESTAMPTZ,
    next_follow_up_on DATE,
    open_red INTEGER NOT NULL DEFAULT 0,
    open_yellow INTEGER NOT NULL DEFAULT 0,
    open_since TIMESTAMPTZ,
    last_closed_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

-- Backfill: every customer (the same definition as customer_activity.FACTS; the latest follow-up
-- by occurred_at, then id).
INSERT INTO customer_activity (id, last_follow_up_at, last_effective_at, next_follow_up_on, open_red,
                               open_yellow, open_since, last_closed_at)
SELECT c.id, f.last_follow_up_at, f.last_effective_at, f.next_follow_up_on, coalesce(r.open_red, 0),
       coalesce(r.open_yellow, 0), r.open_since, r.last_closed_at
FROM customers c
LEFT JOIN (
    SELECT customer_id, max(occurred_at) AS last_follow_up_at,
           max(occurred_at) FILTER (WHERE effective) AS last_effective_at,
           (array_agg(next_follow_up_date ORDER BY occurred_at DESC, id DESC))[1] AS next_follow_up_on
    FROM follow_ups WHERE deleted_at IS NULL GROUP BY customer_id
) f ON f.customer_id = c.id
LEFT JOIN (
    SELECT customer_id,
           count(*) FILTER (WHERE status <> 'resolved' AND level = 'red') AS open_red,
           count(*) FILTER (WHERE status <> 'resolved' AND level = 'yellow') AS open_yellow,
           min(raised_at) FILTER (WHERE status <> 'resolved' AND level IN ('red', 'yellow')) AS open_since,
           max(closed_at) FILTER (WHERE status = 'resolved') AS last_closed_at
    FROM risks GROUP BY customer_id
) r ON r.customer_id = c.id;

SELECT followup_changes.track('customer_activity');
