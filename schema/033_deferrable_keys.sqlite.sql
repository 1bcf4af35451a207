-- 033, SQLite part: nothing to change. SQLite defers every foreign key of a
-- transaction with PRAGMA defer_foreign_keys (copy-data), whatever its clause;
-- the PostgreSQL part makes three keys deferrable there too.
SELECT 1;
