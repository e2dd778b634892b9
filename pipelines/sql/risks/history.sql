-- A customer's risk history: every step of every risk (raised or opened by the rules,
-- acknowledged, notes, level/evidence changes, resolved or closed), newest first.
-- Grain: one row per risk event. Parameters: $customer_id. `actor_name` is empty for the rules
-- (no actor) and for people outside the actor's view.
SELECT e.happened_at, e.risk_id, e.action, e.rule, e.level, e.note, e.actor_id,
       u.display_name AS actor_name, r.evidence, r.status
FROM v_risk_events e
JOIN v_risks r ON r.id = e.risk_id
LEFT JOIN v_users u ON u.id = e.actor_id
WHERE e.customer_id = $customer_id
ORDER BY e.happened_at DESC, e.id DESC
