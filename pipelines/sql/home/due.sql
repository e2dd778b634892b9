-- Customers due for a follow-up (METRICS.md "Due"): the latest follow-up's next follow-up
-- date has come, or, with no such date, the stage's cadence has passed since the latest
-- follow-up (since the first stage change when never followed up). Lost customers are never
-- due. Grain: one row per due customer, the first $limit (NULL: all): those due today, then the
-- overdue ones, the most recently due first (a long list of old ones must not hide today's);
-- `due_total` and `overdue_total` count them all. Parameters: $today (local date), $cad_stages,
-- $cad_days (the cadence setting as two aligned lists), $limit.
-- The latest follow-up (its time and next date, latest by time then id) is customer_activity's.
WITH cadence AS (
    SELECT unnest($cad_stages) AS stage, unnest($cad_days) AS days
),
first_stage AS (
    -- only for customers never followed up (the only ones whose due date it can decide): the
    -- first change of every customer took a third of this query's time
    SELECT customer_id, min(changed_at) AS since FROM v_stage_changes
    WHERE customer_id IN (SELECT id FROM v_customer_activity
                          WHERE last_follow_up_at IS NULL AND next_follow_up_on IS NULL)
    GROUP BY customer_id
),
due AS (
    SELECT c.id AS customer_id, c.name AS customer_name, c.stage, c.owner_id,
           u.display_name AS owner_name, c.last_follow_up_at AS last_at, c.next_follow_up_on AS next_date,
           coalesce(c.next_follow_up_on,
                    CAST(CAST(coalesce(c.last_follow_up_at, fs.since, c.created_at) AS DATE)
                         + CAST(cd.days AS INTEGER) AS DATE))
               AS due_on
    FROM v_customer_activity c
    JOIN cadence cd ON cd.stage = c.stage
    LEFT JOIN first_stage fs ON fs.customer_id = c.id
    LEFT JOIN v_users u ON u.id = c.owner_id
    WHERE c.stage <> 'lost'
)
SELECT *, count(*) OVER () AS due_total, count(CASE WHEN due_on < $today THEN 1 END) OVER () AS overdue_total
FROM due
WHERE due_on <= $today
ORDER BY due_on < $today, due_on DESC, customer_name, customer_id
LIMIT $limit
