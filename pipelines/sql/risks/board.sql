-- The risk board's cards: the customers of the entries (risks/open.sql, put in place of the
-- OPEN placeholder) in the column of their worst level (red > yellow > green), oldest first;
-- only the first $per_column of each column, with all their entries. `in_column` counts the
-- column's customers; open_red/open_yellow/open_green count the entries of each level.
-- Ranking works on numbers only; names are joined for the few customers shown, evidence and
-- notes are read for their risks by risks/notes.sql (a second read of the risks here would
-- make DuckDB materialize them whole). Grain: one row per (shown customer, entry).
-- Parameters: those of risks/open.sql and $per_column.
WITH entries AS (__OPEN__),
worst AS (
    SELECT customer_id,
           max(CASE level WHEN 'red' THEN 2 WHEN 'yellow' THEN 1 ELSE 0 END) AS worst,
           min(since) AS card_since
    FROM entries
    GROUP BY customer_id
),
ranked AS (
    SELECT *,
           count(*) OVER (PARTITION BY worst) AS in_column,
           row_number() OVER (PARTITION BY worst ORDER BY card_since, customer_id) AS rank
    FROM worst
    QUALIFY rank <= $per_column
),
totals AS (
    SELECT count(*) FILTER (WHERE level = 'red') AS open_red, count(*) FILTER (WHERE level = 'yellow') AS open_yellow,
           count(*) FILTER (WHERE level = 'green') AS open_green
    FROM entries
)
SELECT r.customer_id, ['green', 'yellow', 'red'][r.worst + 1] AS column_level, r.card_since, r.in_column,
       r.rank, c.name AS customer_name, u.display_name AS owner_name, u.username AS owner_username,
       tm.name AS team_name, c.stage, e.risk_id, e.level, e.rule, e.status, e.since,
       t.open_red, t.open_yellow, t.open_green
FROM ranked r
JOIN entries e USING (customer_id)
JOIN v_customers c ON c.id = r.customer_id
LEFT JOIN v_users u ON u.id = c.owner_id
LEFT JOIN teams tm ON tm.id = u.team_id
CROSS JOIN totals t
ORDER BY r.worst DESC, r.rank, e.level = 'red' DESC, e.since, e.rule
