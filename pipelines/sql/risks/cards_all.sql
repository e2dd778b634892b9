-- The board's cards with no rule or age filter (risks/board.sql's CARDS): the same cards as
-- risks/cards_filtered.sql gives then, read from customer_activity (its open red/yellow counts,
-- oldest open risk and last closing) instead of aggregating every risk: a customer with an open
-- red or yellow risk is in the column of the worst, since its oldest one was raised; an active
-- customer with none is green (on track) since its last risk closed, else since it was created.
-- Parameters: none but the page's filter on customers (the CUSTOMERS placeholder, alias c).
cards AS (
    SELECT c.id AS customer_id, coalesce(a.open_red, 0) AS open_red, coalesce(a.open_yellow, 0) AS open_yellow,
           CASE WHEN a.open_red > 0 THEN 2 WHEN a.open_yellow > 0 THEN 1 ELSE 0 END AS worst,
           CASE WHEN a.open_red + a.open_yellow > 0 THEN a.open_since
                ELSE greatest(c.created_at, coalesce(a.last_closed_at, c.created_at)) END AS card_since
    FROM v_customers c LEFT JOIN v_customer_activity a ON a.id = c.id
    WHERE (c.stage <> 'lost' OR a.open_red + a.open_yellow > 0) AND __CUSTOMERS__
),
totals AS (
    SELECT coalesce(sum(open_red), 0) AS open_red, coalesce(sum(open_yellow), 0) AS open_yellow,
           count(*) FILTER (WHERE worst = 0) AS open_green
    FROM cards
)
