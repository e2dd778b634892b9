-- risk_daily (migration 0007, kept on write by pipelines/risk_summary.py) against counting the
-- risks of live customers now: each (day, owner, level, rule) cell whose summed rows differ from
-- the warnings raised on that day (raised) and those that stopped being open on it (closed: the
-- day of the close, or of the raising when closed earlier or resolved without a close time), once
-- per side, and every row counted in another time zone than the session's (the configured one).
WITH live AS (
    SELECT r.raised_at, r.level, r.rule, c.owner_id,
           CASE WHEN r.closed_at IS NOT NULL THEN greatest(r.raised_at, r.closed_at)
                WHEN r.status = 'resolved' THEN r.raised_at END AS stopped_at
    FROM risks r JOIN customers c ON c.id = r.customer_id
    WHERE c.deleted_at IS NULL
), counted AS (
    SELECT day, owner_id, level, rule, sum(raised)::BIGINT AS raised, sum(closed)::BIGINT AS closed
    FROM (SELECT raised_at::DATE AS day, owner_id, level, rule, 1 AS raised, 0 AS closed FROM live
          UNION ALL
          SELECT stopped_at::DATE, owner_id, level, rule, 0, 1 FROM live WHERE stopped_at IS NOT NULL) x
    GROUP BY ALL
), kept AS (
    SELECT day, owner_id, level, rule, sum(raised)::BIGINT AS raised, sum(closed)::BIGINT AS closed
    FROM risk_daily WHERE zone = current_setting('TimeZone')
    GROUP BY ALL
    HAVING sum(raised) <> 0 OR sum(closed) <> 0
)
(SELECT 'missing' AS side, * FROM (SELECT * FROM counted EXCEPT ALL SELECT * FROM kept))
UNION ALL
(SELECT 'extra' AS side, * FROM (SELECT * FROM kept EXCEPT ALL SELECT * FROM counted))
UNION ALL
(SELECT 'zone' AS side, day, owner_id, level, rule, raised, closed
 FROM risk_daily WHERE zone <> current_setting('TimeZone'))
