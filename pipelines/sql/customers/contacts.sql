-- A customer's contacts, decision makers first. Grain: one row per contact. Parameters: $id.
SELECT id, name, position, decision_role, phone, email, wechat
FROM v_contacts WHERE customer_id = $id
ORDER BY decision_role = 'decision_maker' DESC, decision_role = 'influencer' DESC, name
