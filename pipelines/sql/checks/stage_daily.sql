-- stage_daily (migration 0007, kept on write by pipelines/stage_summary.py) against counting the
-- stage changes now: each (day, owner, stage) cell whose summed rows differ from the live stage
-- changes of live customers (entries) and the customers whose earliest live stage change (by
-- changed_at, then id) is on that cell (new_customers), once per side, and every row counted in
-- another time zone than the session's (the configured one).
WITH live AS (
    SELECT sc.id, sc.customer_id, sc.changed_at, sc.to_stage, c.owner_id
    FROM stage_changes sc JOIN customers c ON c.id = sc.customer_id
    WHERE sc.deleted_at IS NULL AND c.deleted_at IS NULL
), firsts AS (
    SELECT customer_id, arg_min(id, (changed_at, id)) AS first_id FROM live GROUP BY customer_id
), counted AS (
    SELECT l.changed_at::DATE AS day, l.owner_id, l.to_stage AS stage, count(*)::BIGINT AS entries,
           count(f.first_id)::BIGINT AS new_customers
    FROM live l LEFT JOIN firsts f ON f.first_id = l.id
    GROUP BY ALL
), kept AS (
    SELECT day, owner_id, stage, sum(entries)::BIGINT AS entries, sum(new_customers)::BIGINT AS new_customers
    FROM stage_daily WHERE zone = current_setting('TimeZone')
    GROUP BY ALL
    HAVING sum(entries) <> 0 OR sum(new_customers) <> 0
)
(SELECT 'missing' AS side, * FROM (SELECT * FROM counted EXCEPT ALL SELECT * FROM kept))
UNION ALL
(SELECT 'extra' AS side, * FROM (SELECT * FROM kept EXCEPT ALL SELECT * FROM counted))
UNION ALL
(SELECT 'zone' AS side, day, owner_id, stage, entries, new_customers
 FROM stage_daily WHERE zone <> current_setting('TimeZone'))
