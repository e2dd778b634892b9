-- contacts rows whose customer does not exist (no foreign keys in DuckDB: this check stands in for one).
SELECT x.id, x.customer_id FROM contacts x LEFT JOIN customers c ON c.id = x.customer_id WHERE c.id IS NULL
