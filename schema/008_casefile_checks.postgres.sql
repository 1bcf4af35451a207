-- Nothing to change on PostgreSQL: its IN-list checks on casefile cost nothing worth
-- a rebuild (the SQLite part, 008_casefile_checks.sqlite.sql, says why SQLite's do).
-- The version is recorded all the same, so both backends stand at the same number.
SELECT 1;
