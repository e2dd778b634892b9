-- A customer's changes of owner, oldest first. Grain: one row per reassignment. Parameters: $id.
SELECT o.changed_at, o.from_owner_id, fu.display_name AS from_owner, o.to_owner_id,
       tu.display_name AS to_owner, bu.display_name AS changed_by_name
FROM v_ownership_changes o
LEFT JOIN v_users fu ON fu.id = o.from_owner_id
LEFT JOIN v_users tu ON tu.id = o.to_owner_id
LEFT JOIN v_users bu ON bu.id = o.changed_by
WHERE o.customer_id = $id
ORDER BY o.changed_at, o.id
