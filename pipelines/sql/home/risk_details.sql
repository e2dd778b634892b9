-- Customer, owner, level, rule, status, evidence and note of the given open risks (the home page's
-- list, home/open_risks.sql). Grain: one row per risk. The IDS placeholder becomes the risk ids
-- written out (integers), LO and HI the least and greatest: DuckDB runs a list of twenty as a join
-- after reading every risk's columns, while the range skips the row groups outside it (about
-- half the query's time at 1,000,000 follow-ups).
SELECT r.id, r.customer_id, c.name AS customer_name, u.display_name AS owner_name, r.level, r.rule,
       r.status, r.raised_at, r.evidence, r.note
FROM v_risks r
JOIN v_customers c ON c.id = r.customer_id
LEFT JOIN v_users u ON u.id = c.owner_id
WHERE r.id BETWEEN __LO__ AND __HI__ AND r.id IN (__IDS__)
