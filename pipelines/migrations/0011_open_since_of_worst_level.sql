-- 0011: customer_activity.open_since is since when the customer's worst open level is open (its
-- oldest open red, else its oldest open yellow), not its oldest open risk of either level: the
-- risk board's red column was ordered by an older yellow beside a card's red (a 647-day 阶段停滞
-- put a 12-day red first). Recomputed for every customer with open risks, as FACTS now does.
UPDATE customer_activity SET open_since = x.open_since
FROM (SELECT customer_id,
             coalesce(min(raised_at) FILTER (WHERE status <> 'resolved' AND level = 'red'),
                      min(raised_at) FILTER (WHERE status <> 'resolved' AND level = 'yellow')) AS open_since
      FROM risks GROUP BY customer_id) x
WHERE customer_activity.id = x.customer_id;
