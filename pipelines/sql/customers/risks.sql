-- A customer's risks, open ones first, then newest. Grain: one row per risk. Parameters: $id.
-- `latest_note`: the newest note people added on the risk board, else the note it was raised with.
-- `raised_by_name`: who raised it by hand; empty for the rules' own (raised_by NULL) and for a
-- person outside the actor's view (a rep sees only their own name).
SELECT r.id, r.level, r.rule, r.status, r.raised_at, r.raised_by, u.display_name AS raised_by_name,
       r.closed_at, r.note, r.evidence, coalesce(n.note, r.note) AS latest_note
FROM v_risks r
LEFT JOIN (SELECT risk_id, arg_max(note, happened_at) AS note FROM v_risk_events
           WHERE customer_id = $id AND action = 'note' GROUP BY risk_id) n ON n.risk_id = r.id
LEFT JOIN v_users u ON u.id = r.raised_by
WHERE r.customer_id = $id
ORDER BY r.status = 'resolved', CASE r.level WHEN 'red' THEN 0 WHEN 'yellow' THEN 1 ELSE 2 END, r.raised_at DESC
