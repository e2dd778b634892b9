-- A customer's satisfaction surveys, newest first. Grain: one row per survey. Parameters: $customer_id.
SELECT id, scale, score, comment, surveyed_on
FROM v_surveys
WHERE customer_id = $customer_id
ORDER BY surveyed_on DESC, id DESC
