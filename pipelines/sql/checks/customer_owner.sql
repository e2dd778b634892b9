-- Customers owned by an account that does not exist.
SELECT c.id, c.owner_id FROM customers c LEFT JOIN users u ON u.id = c.owner_id WHERE u.id IS NULL
