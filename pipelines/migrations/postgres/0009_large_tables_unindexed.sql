-- 0009 (PostgreSQL twin): nothing to change. The DuckDB file's largest tables lose their
-- primary key index there (see ../0009_large_tables_unindexed.sql); PostgreSQL's keys cost a
-- B-tree insert per row and keep their tables' point reads indexed.
SELECT 1;
