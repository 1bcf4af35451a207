-- 011: nothing stored in clear narrows a resident's ID number to fewer than about
-- 16,000 candidates (docs/people.md, "What a masked number tells"; issue #13 item 1).
--
-- Before, the table held the full birth date, the mask kept the first 6 and the last 4
-- characters, and the last 4 of the ID number and the phone sat in clear for search by
-- tail: with the region known, the file alone named every number. Now:
-- - birth_year instead of birth_date (ages and age filters count in whole years; the
--   full date lives only inside the encrypted number);
-- - id_card_masked keeps the city (4 digits) and the check character only;
-- - id_tail_hash and phone_tail_hash hold a keyed hash of the last 4 characters, which
--   the binary computes right after this script in the same transaction, with the key
--   file (src/db/migrate.c): SQL has no keyed hash. Until then they hold the old tails.
-- SQLite overwrites what it deletes (secure_delete, set by the binary for this step)
-- and the binary truncates the WAL afterwards; PostgreSQL keeps the old row versions
-- until VACUUM FULL person (docs/operations.md).
DROP INDEX person_org;
ALTER TABLE person ADD COLUMN birth_year INTEGER NOT NULL DEFAULT 0;
UPDATE person SET birth_year = CAST(substr(birth_date, 1, 4) AS INTEGER),
    id_card_masked = substr(id_card_masked, 1, 4) || '*************' || substr(id_card_masked, 18, 1);
ALTER TABLE person DROP COLUMN birth_date;
ALTER TABLE person RENAME COLUMN id_card_tail TO id_tail_hash;
ALTER TABLE person RENAME COLUMN phone_tail TO phone_tail_hash;
CREATE INDEX person_org ON person (org_id, id, household_id, name, id_tail_hash, phone_tail_hash);
