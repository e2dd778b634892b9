-- The rows audit entries are about, named as people know them (the audit log's 对象 column):
-- a customer's own rows by the customer's name, a contact by its customer and its name, an
-- account by its display name, a team by its name. Read as stored now (an erased customer
-- reads as erased). Grain: one row per (table_name, row_id) asked for. Each __table__ is a
-- constant id list (sql.id_list; NULL for none), so each scan is filtered at the source.
SELECT 'customers' AS table_name, id AS row_id, name FROM customers WHERE id IN (__customers__)
UNION ALL SELECT 'contacts', x.id, c.name || ' · ' || x.name
    FROM contacts x JOIN customers c ON c.id = x.customer_id WHERE x.id IN (__contacts__)
UNION ALL SELECT 'users', id, display_name FROM users WHERE id IN (__users__)
UNION ALL SELECT 'teams', id, name FROM teams WHERE id IN (__teams__)
UNION ALL SELECT 'follow_ups', x.id, c.name
    FROM follow_ups x JOIN customers c ON c.id = x.customer_id WHERE x.id IN (__follow_ups__)
UNION ALL SELECT 'needs', x.id, c.name
    FROM needs x JOIN customers c ON c.id = x.customer_id WHERE x.id IN (__needs__)
UNION ALL SELECT 'contracts', x.id, c.name
    FROM contracts x JOIN customers c ON c.id = x.customer_id WHERE x.id IN (__contracts__)
UNION ALL SELECT 'stage_changes', x.id, c.name
    FROM stage_changes x JOIN customers c ON c.id = x.customer_id WHERE x.id IN (__stage_changes__)
UNION ALL SELECT 'risks', x.id, c.name
    FROM risks x JOIN customers c ON c.id = x.customer_id WHERE x.id IN (__risks__)
UNION ALL SELECT 'feedback', x.id, c.name
    FROM feedback x JOIN customers c ON c.id = x.customer_id WHERE x.id IN (__feedback__)
UNION ALL SELECT 'surveys', x.id, c.name
    FROM surveys x JOIN customers c ON c.id = x.customer_id WHERE x.id IN (__surveys__)
UNION ALL SELECT 'ownership_changes', x.id, c.name
    FROM ownership_changes x JOIN customers c ON c.id = x.customer_id WHERE x.id IN (__ownership_changes__)
