-- 007, SQLite part: the uniqueness of the ID hash becomes a named index,
-- person_id_card_hash, instead of the column's UNIQUE constraint, whose index SQLite
-- makes itself and never lets be dropped. jiceng demo drops the named index while it
-- loads the city and builds it at the end (docs/people.md). A constraint cannot be
-- removed from a column in SQLite, so the table is rebuilt the way
-- https://sqlite.org/lang_altertable.html ("Making Other Kinds Of Table Schema
-- Changes") describes. The migration runner runs SQLite's migrations with foreign keys
-- off (dropping the old table must not cascade to the residents' tags and memberships)
-- and runs foreign_key_check before each commit (src/db/migrate.c).
-- The same columns, in the same order, as 002 without UNIQUE on id_card_hash.
CREATE TABLE person_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES org(id),
    household_id INTEGER REFERENCES household(id),
    relation TEXT CHECK (relation IN ('户主', '配偶', '子女', '父母', '祖父母', '孙子女', '兄弟姐妹', '其他')),
    name TEXT NOT NULL,
    gender TEXT NOT NULL CHECK (gender IN ('M', 'F')),
    birth_date TEXT NOT NULL,
    id_card_enc TEXT NOT NULL,
    id_card_hash TEXT NOT NULL,
    id_card_masked TEXT NOT NULL,    -- 340104********1234: what every answer shows
    id_card_tail TEXT NOT NULL,
    phone_enc TEXT,
    phone_hash TEXT,
    phone_masked TEXT,               -- 138****5678
    phone_tail TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
-- SELECT * into a table of the same shape: SQLite copies the records as they are.
INSERT INTO person_new SELECT * FROM person;
-- AUTOINCREMENT: the rebuilt table continues past every id ever used, not only the present ones.
DELETE FROM sqlite_sequence WHERE name = 'person_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'person_new', seq FROM sqlite_sequence WHERE name = 'person';
DROP TABLE person;
ALTER TABLE person_new RENAME TO person;
CREATE UNIQUE INDEX person_id_card_hash ON person (id_card_hash);
CREATE INDEX person_org ON person (org_id, id);
CREATE INDEX person_household ON person (household_id);
CREATE INDEX person_phone ON person (phone_hash);
CREATE INDEX person_name ON person (name);
CREATE INDEX person_id_tail ON person (id_card_tail);
CREATE INDEX person_phone_tail ON person (phone_tail);
