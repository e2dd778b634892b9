-- Teams with their manager and number of active members (the admin's users & teams section).
-- Grain: one row per team. Parameters: none beyond the scope (admins see every account).
SELECT tm.id, tm.name, tm.manager_id, m.display_name AS manager_name,
       count(u.id) FILTER (WHERE u.active) AS members
FROM teams tm
LEFT JOIN v_users m ON m.id = tm.manager_id
LEFT JOIN v_users u ON u.team_id = tm.id
GROUP BY ALL
ORDER BY tm.id
