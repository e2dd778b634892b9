-- The board's cards under a rule or age filter (risks/board.sql's CARDS): from the entries of
-- risks/open.sql (put in place of the OPEN placeholder), so a card shows only the entries that
-- pass the filter and sits in the column of the worst of them.
entries AS (__OPEN__),
cards AS (
    SELECT customer_id,
           max(CASE level WHEN 'red' THEN 2 WHEN 'yellow' THEN 1 ELSE 0 END) AS worst,
           -- since when the worst level (the card's column) is open: a red card is placed by its
           -- oldest red, not by an older yellow beside it
           coalesce(min(since) FILTER (WHERE level = 'red'), min(since) FILTER (WHERE level = 'yellow'),
                    min(since)) AS card_since
    FROM entries
    GROUP BY customer_id
),
totals AS (
    SELECT count(*) FILTER (WHERE level = 'red') AS open_red, count(*) FILTER (WHERE level = 'yellow') AS open_yellow,
           count(*) FILTER (WHERE level = 'green') AS open_green
    FROM entries
)
