-- The rows audit entries are about, named as people know them (the audit log's 对象 column):
-- a customer's own rows by the customer's name, a contact by its customer and its name, an
-- account by its display name, a team by its name. Read as stored now (an erased customer
-- reads as erased). Grain: one row per (table_name, row_id) asked for. Each __table__ is a
-- constant id list (sql.id_list; NULL for none), so each scan is filtered at the source.
SELECT 'customers' AS table_name, id AS row_id, name FROM customers WHERE id IN (__customers__)
UNION ALL SELECT 'users', id, display_name FROM users WHERE id IN (__users__)
UNION ALL SELECT 'teams', id, name FROM teams WHERE id IN (__teams__)
UNION ALL SELECT 'contacts', x.id, c.name || ' · ' || x.name
    FROM contacts x JOIN customers c ON c.id = x.customer_id WHERE x.id IN (__contacts__)
UNION ALL SELECT x.table_name, x.id, c.name
FROM (SELECT 'follow_ups' AS table_name, id, customer_id FROM follow_ups WHERE id IN (__follow_ups__)
      UNION ALL SELECT 'needs', id, customer_id FROM needs WHERE id IN (__needs__)
      UNION ALL SELECT 'contracts', id, customer_id FROM contracts WHERE id IN (__contracts__)
      UNION ALL SELECT 'stage_changes', id, customer_id FROM stage_changes WHERE id IN (__stage_changes__)
      UNION ALL SELECT 'risks', id, customer_id FROM risks WHERE id IN (__risks__)
      UNION ALL SELECT 'feedback', id, customer_id FROM feedback WHERE id IN (__feedback__)
      UNION ALL SELECT 'surveys', id, customer_id FROM surveys WHERE id IN (__surveys__)
      UNION ALL SELECT 'ownership_changes', id, customer_id FROM ownership_changes
          WHERE id IN (__ownership_changes__)) x
JOIN customers c ON c.id = x.customer_id
