-- The risk board's cards: each customer in the column of its worst level (red > yellow > green),
-- oldest first; only the first $per_column of each column. `in_column` counts the column's
-- customers; open_red/open_yellow/open_green count the entries of each level.
-- The CARDS placeholder becomes risks/cards_all.sql (no rule or age filter: read from the
-- customer_activity summary) or risks/cards_filtered.sql (from the filtered entries of
-- risks/open.sql); each defines `cards` (customer_id, worst 0/1/2, card_since) and `totals`.
-- Numbers only: the shown cards' names (risks/card_names.sql) and entries (risks/open.sql for
-- their customers) are read for those customers only by pipelines/risk_board.py, each with a
-- constant id list that reaches the table scans. Grain: one row per shown customer. Parameters: those of the CARDS file and $per_column.
WITH __CARDS__,
counted AS (
    SELECT worst, count(*) AS in_column FROM cards GROUP BY worst
),
firsts AS (
    -- the first of each column by a top-N per column: a window over the whole board would sort it
    (SELECT customer_id, worst, card_since FROM cards WHERE worst = 2 ORDER BY card_since, customer_id LIMIT $per_column)
    UNION ALL
    (SELECT customer_id, worst, card_since FROM cards WHERE worst = 1 ORDER BY card_since, customer_id LIMIT $per_column)
    UNION ALL
    (SELECT customer_id, worst, card_since FROM cards WHERE worst = 0 ORDER BY card_since, customer_id LIMIT $per_column)
),
ranked AS (
    SELECT f.*, k.in_column, row_number() OVER (PARTITION BY f.worst ORDER BY f.card_since, f.customer_id) AS rank
    FROM firsts f JOIN counted k USING (worst)
)
SELECT r.customer_id, ['green', 'yellow', 'red'][r.worst + 1] AS column_level, r.card_since, r.in_column,
       r.rank, t.open_red, t.open_yellow, t.open_green
FROM ranked r CROSS JOIN totals t
ORDER BY r.worst DESC, r.rank
