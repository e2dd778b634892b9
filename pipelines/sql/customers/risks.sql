-- A customer's risks, open ones first, then newest. Grain: one row per risk. Parameters: $id.
SELECT id, level, rule, status, raised_at, closed_at, note, evidence
FROM v_risks WHERE customer_id = $id
ORDER BY status = 'resolved', CASE level WHEN 'red' THEN 0 WHEN 'yellow' THEN 1 ELSE 2 END, raised_at DESC
