-- The board's cards with no rule or age filter (risks/board.sql's CARDS): the same cards as
-- risks/cards_filtered.sql gives then, read from customer_activity (its open red/yellow counts,
-- oldest open risk and last closing) instead of aggregating every risk: a customer with an open
-- red or yellow risk is in the column of the worst, since the oldest of that level was raised; an active
-- customer with none is green (on track) since its last risk closed, else since it was created.
-- Parameters: none but the page's filter on customers (the CUSTOMERS placeholder, alias c:
-- v_customer_activity holds the customers' own columns).
cards AS (
    SELECT c.id AS customer_id, c.open_red, c.open_yellow,
           CASE WHEN c.open_red > 0 THEN 2 WHEN c.open_yellow > 0 THEN 1 ELSE 0 END AS worst,
           CASE WHEN c.open_red + c.open_yellow > 0 THEN c.open_since
                ELSE greatest(c.created_at, coalesce(c.last_closed_at, c.created_at)) END AS card_since
    FROM v_customer_activity c
    WHERE (c.stage <> 'lost' OR c.open_red + c.open_yellow > 0) AND __CUSTOMERS__
),
totals AS (
    SELECT coalesce(sum(open_red), 0) AS open_red, coalesce(sum(open_yellow), 0) AS open_yellow,
           count(*) FILTER (WHERE worst = 0) AS open_green
    FROM cards
)
