-- 007, PostgreSQL part: the uniqueness of the ID hash under the same name as on SQLite,
-- a unique index person_id_card_hash instead of the column's constraint (the same
-- unique_violation on a duplicate; see the SQLite part for why).
CREATE UNIQUE INDEX person_id_card_hash ON person (id_card_hash);
ALTER TABLE person DROP CONSTRAINT person_id_card_hash_key;
