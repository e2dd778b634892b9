-- The board's entries (risks/open.sql, put in place of the OPEN placeholder) with the names,
-- owner, team, evidence and note they show: `followup risks list` and the entry listing.
-- Grain: one row per entry. Parameters: those of risks/open.sql.
WITH entries AS (__OPEN__)
SELECT e.customer_id, c.name AS customer_name, c.stage, c.owner_id, c.created_at,
       u.username AS owner_username, u.display_name AS owner_name, tm.name AS team_name,
       e.risk_id, e.level, e.rule, e.status, e.since, e.evidence, e.note
FROM entries e
JOIN v_customers c ON c.id = e.customer_id
LEFT JOIN v_users u ON u.id = c.owner_id
LEFT JOIN teams tm ON tm.id = u.team_id
