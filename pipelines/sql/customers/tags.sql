-- Tags in use among the customers the actor may see, most used first.
-- Grain: one row per tag. Parameters: none beyond the scope.
SELECT tag, count(*) AS customers
FROM (SELECT unnest(tags) AS tag FROM v_customers)
GROUP BY tag
ORDER BY customers DESC, tag
