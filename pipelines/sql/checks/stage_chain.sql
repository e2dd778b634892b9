-- Stage changes that start neither where the customer's previous change in time ended nor where
-- the previously recorded one ended (see stage_current.sql for why both orders occur).
WITH ordered AS (
    SELECT id, customer_id, from_stage,
           lag(to_stage) OVER (PARTITION BY customer_id ORDER BY changed_at, id) AS before_in_time,
           lag(to_stage) OVER (PARTITION BY customer_id ORDER BY id) AS before_in_record
    FROM stage_changes WHERE deleted_at IS NULL
)
SELECT id, customer_id, from_stage, before_in_time, before_in_record FROM ordered
WHERE (before_in_time IS NOT NULL AND from_stage IS DISTINCT FROM before_in_time)
  AND (before_in_record IS NOT NULL AND from_stage IS DISTINCT FROM before_in_record)
