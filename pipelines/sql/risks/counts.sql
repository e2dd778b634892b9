-- Open entries per level (red and yellow risks; green: customers on track) for the board's
-- filter: risks/open.sql put in place of the OPEN placeholder. Grain: one row per level.
WITH entries AS (__OPEN__)
SELECT level, count(*) AS n FROM entries GROUP BY level
