-- The risk board's cards: one row per customer with its entries (risks/open.sql, put in place
-- of the OPEN placeholder), in the column of its worst level (red > yellow > green); `in_column` counts the
-- column's customers, `rank` orders them oldest first. Only the first $per_column of each column.
-- Grain: one row per customer. Parameters: those of risks/open.sql and $per_column.
WITH entries AS (__OPEN__),
cards AS (
    SELECT customer_id,
           any_value(customer_name) AS customer_name,
           any_value(owner_name) AS owner_name,
           any_value(owner_username) AS owner_username,
           any_value(team_name) AS team_name,
           any_value(stage) AS stage,
           CASE WHEN bool_or(level = 'red') THEN 'red'
                WHEN bool_or(level = 'yellow') THEN 'yellow' ELSE 'green' END AS column_level,
           min(since) AS since,
           list({'risk_id': risk_id, 'level': level, 'rule': rule, 'status': status, 'since': since,
                 'evidence': evidence, 'note': note} ORDER BY level = 'red' DESC, since, rule) AS entries
    FROM entries
    GROUP BY customer_id
),
ranked AS (
    SELECT *,
           count(*) OVER (PARTITION BY column_level) AS in_column,
           row_number() OVER (PARTITION BY column_level ORDER BY since, customer_id) AS rank
    FROM cards
)
SELECT * FROM ranked
WHERE rank <= $per_column
ORDER BY CASE column_level WHEN 'red' THEN 0 WHEN 'yellow' THEN 1 ELSE 2 END, rank
