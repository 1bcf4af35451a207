-- 020: indexes for the lists' sorts (src/api/list.h): a sorted page reads the
-- index from its cursor on, (column, id) as the order and the keyset condition
-- name them, instead of sorting the whole subtree. SQLite's index on (name)
-- already ends with the rowid; PostgreSQL's does not, so the residents' name
-- index becomes (name, id) on both (it still serves the name-prefix search).
-- IF NOT EXISTS: a database whose person table was rebuilt runs this again.
DROP INDEX IF EXISTS person_name;
CREATE INDEX IF NOT EXISTS person_name ON person (name, id);
CREATE INDEX IF NOT EXISTS person_birth_year ON person (birth_year, id);
CREATE INDEX IF NOT EXISTS household_address ON household (address, id);
