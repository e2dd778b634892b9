-- A customer's contracts, newest first, with the signing rep. Grain: one row per contract.
-- Parameters: $id.
SELECT k.id, k.signed_on, k.amount, k.products, k.scenario, k.rep_id, u.display_name AS rep_name
FROM v_contracts k LEFT JOIN v_users u ON u.id = k.rep_id
WHERE k.customer_id = $id
ORDER BY k.signed_on DESC, k.id DESC
