-- The newest note people added to each of the given risks (the 备注 action of the board), with
-- who wrote it and when. Grain: one row per risk that has a note. The IDS placeholder becomes the
-- risk ids written out (integers).
SELECT e.risk_id, arg_max(e.note, e.happened_at) AS latest_note,
       arg_max(u.display_name, e.happened_at) AS latest_note_by, max(e.happened_at) AS latest_note_at
FROM v_risk_events e
LEFT JOIN v_users u ON u.id = e.actor_id
WHERE e.action = 'note' AND e.risk_id IN (__IDS__)
GROUP BY e.risk_id
