-- Customers whose stage is not the one their latest stage change moved them to. "Latest" is the
-- latest in time (imports record history at its time) or the last recorded (a follow-up logged
-- afterwards for an earlier time moves the stage now); a stage matching neither is broken.
WITH latest AS (
    SELECT customer_id, arg_max(to_stage, (changed_at, id)) AS by_time, arg_max(to_stage, id) AS by_record
    FROM stage_changes WHERE deleted_at IS NULL GROUP BY customer_id
)
SELECT c.id, c.stage, l.by_time, l.by_record FROM customers c JOIN latest l ON l.customer_id = c.id
WHERE c.stage <> l.by_time AND c.stage <> l.by_record
