-- What the filter bar offers the actor, in one read (it runs on every analytics page): the teams
-- of the accounts the actor may see; the active reps and managers among them (with name and team);
-- the provinces of the actor's customers, most customers first.
-- Grain: one row per offered value: kind ('team', 'rep', 'province'), value, display_name (reps
-- only), pos (the order the bar lists the kind's values in). Parameters: none beyond the scope.
WITH teams_offered AS (
    SELECT DISTINCT t.name
    FROM v_users u
    JOIN teams t ON t.id = u.team_id
), reps_offered AS (
    SELECT u.username, u.display_name,
           row_number() OVER (ORDER BY t.name NULLS LAST, u.role DESC, u.username) AS pos
    FROM v_users u
    LEFT JOIN teams t ON t.id = u.team_id
    WHERE u.role IN ('rep', 'manager') AND u.active
), provinces_offered AS (
    SELECT province, count(*) AS customers
    FROM v_customers
    WHERE province IS NOT NULL
    GROUP BY province
)
SELECT 'team' AS kind, name AS value, NULL::VARCHAR AS display_name, row_number() OVER (ORDER BY name) AS pos
FROM teams_offered
UNION ALL
SELECT 'rep', username, display_name, pos
FROM reps_offered
UNION ALL
SELECT 'province', province, NULL, row_number() OVER (ORDER BY customers DESC, province)
FROM provinces_offered
ORDER BY kind, pos
