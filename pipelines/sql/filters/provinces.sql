-- Provinces that occur among the actor's customers, most customers first.
-- Grain: one row per province. Parameters: none beyond the scope.
SELECT province, count(*) AS customers
FROM v_customers
WHERE province IS NOT NULL
GROUP BY province
ORDER BY customers DESC, province
