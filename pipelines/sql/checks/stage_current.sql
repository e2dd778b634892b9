-- Customers whose stage is not the one their latest stage change moved them to.
WITH latest AS (
    SELECT customer_id, arg_max(to_stage, (changed_at, id)) AS to_stage
    FROM stage_changes WHERE deleted_at IS NULL GROUP BY customer_id
)
SELECT c.id, c.stage, l.to_stage FROM customers c JOIN latest l ON l.customer_id = c.id
WHERE c.stage <> l.to_stage
