-- A customer's feedback and complaints, open ones first, then newest; with the owner's name,
-- days to resolve (resolved ones) and whether an unresolved one is past its deadline.
-- Grain: one row per feedback. Parameters: $customer_id, $today (local date).
SELECT fb.id, fb.kind, fb.severity, fb.description, fb.status, fb.deadline, fb.owner_id,
       u.display_name AS owner_name, fb.created_at, fb.resolved_at, fb.resolution_note,
       CASE WHEN fb.resolved_at IS NOT NULL
            THEN round(epoch(fb.resolved_at - fb.created_at) / 86400.0, 1) END AS days_to_resolve,
       fb.status <> 'resolved' AND fb.deadline < $today AS overdue
FROM v_feedback fb
LEFT JOIN v_users u ON u.id = fb.owner_id
WHERE fb.customer_id = $customer_id
ORDER BY fb.status = 'resolved', fb.created_at DESC, fb.id DESC
