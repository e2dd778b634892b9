-- A customer's needs, newest first. Grain: one row per need. Parameters: $id.
SELECT id, raised_on, description, pain_point, impact
FROM v_needs WHERE customer_id = $id
ORDER BY raised_on DESC, id DESC
