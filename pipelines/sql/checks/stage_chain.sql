-- Stage changes that do not start where the previous change of the customer ended.
WITH ordered AS (
    SELECT id, customer_id, from_stage, to_stage,
           lag(to_stage) OVER (PARTITION BY customer_id ORDER BY changed_at, id) AS previous
    FROM stage_changes WHERE deleted_at IS NULL
)
SELECT id, customer_id, from_stage, previous FROM ordered
WHERE previous IS NOT NULL AND from_stage IS DISTINCT FROM previous
