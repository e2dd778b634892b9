-- Contacts found by what a person asking about their data gives: their name, a phone number
-- (seven digits of it or more, in any layout), email or WeChat id; or by their customer's name.
-- Grain: one row per contact. Parameters: $q (lower-case, spaces removed), $digits (the digits
-- of the search), $limit.
SELECT ct.id, ct.name, ct.position, c.name AS customer_name
FROM v_contacts ct
JOIN v_customers c ON c.id = ct.customer_id
WHERE contains(lower(replace(ct.name, ' ', '')), $q)
   OR (length($digits) >= 7 AND contains(regexp_replace(coalesce(ct.phone, ''), '[^0-9]', '', 'g'), $digits))
   OR contains(lower(coalesce(ct.email, '')), $q)
   OR contains(lower(coalesce(ct.wechat, '')), $q)
   OR contains(lower(replace(c.name, ' ', '')), $q)
ORDER BY ct.name, c.name, ct.id
LIMIT $limit
