-- The log form's customer picker: customers the actor may see that match a search by name,
-- pinyin initials (杭州青禾 → hzqh) or credit code (its start, or six characters or more of
-- it anywhere); the actor's recent customers first.
-- Grain: one row per customer. Parameters: $q (lower-case search, '' for none), $me (the
-- actor's user id), $limit. Anyone's latest follow-up is customer_activity's. Names are compared
-- without their spaces, as $q comes ("ABC Technology Co." is found by its full name).
WITH mine AS (
    SELECT customer_id, max(occurred_at) AS last_mine
    FROM v_follow_ups WHERE rep_id = $me GROUP BY customer_id
)
SELECT c.id, c.name, c.uscc, c.stage, c.owner_id, m.last_mine, c.last_follow_up_at AS last_any,
       CASE WHEN $q = '' THEN 0
            WHEN lower(replace(c.name, ' ', '')) = $q OR coalesce(c.name_initials, '') = $q OR lower(coalesce(c.uscc, '')) = $q THEN 0
            WHEN starts_with(coalesce(c.name_initials, ''), $q) OR starts_with(lower(replace(c.name, ' ', '')), $q)
                 OR starts_with(lower(coalesce(c.uscc, '')), $q) THEN 1
            ELSE 2 END AS match_rank
FROM v_customer_activity c
LEFT JOIN mine m ON m.customer_id = c.id
WHERE $q = '' OR contains(lower(replace(c.name, ' ', '')), $q) OR contains(coalesce(c.name_initials, ''), $q)
      OR starts_with(lower(coalesce(c.uscc, '')), $q)
      -- a part of the code from its middle or end (a rep reads the last digits off a licence);
      -- six characters at least, or a few digits would match half the list
      OR (length($q) >= 6 AND contains(lower(coalesce(c.uscc, '')), $q))
ORDER BY match_rank, c.stage = 'lost', m.last_mine DESC NULLS LAST, c.last_follow_up_at DESC NULLS LAST, c.name
LIMIT $limit
