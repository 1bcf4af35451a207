-- 009: a narrower person table and fewer of its indexes (docs/people.md, "Finding
-- residents").
--
-- The keyed lookup hashes keep 128 of their 256 bits (32 hex characters): plenty for an
-- exact match among a city's ID numbers and phones, and 64 bytes less in every row and
-- half the key in the unique index. The binary keeps the same prefix of the same
-- digest (src/lib/pii.c), so the cut values still match.
--
-- The residents' list looks within the caller's subtree: through the subtree's orgs
-- and, for each, its residents in id order. Its household, name and tail filters now
-- read the narrow person_org index, which carries those columns, instead of the table
-- rows. The separate name, tail and phone-hash indexes were never chosen by those
-- queries (a filter that is either a bound value or absent cannot drive an index) and
-- each cost a full sort whenever a city was loaded. An exact ID number narrows the
-- subtree first through the unique hash index (src/api/people.c).
DROP INDEX person_id_card_hash;
DROP INDEX person_phone;
DROP INDEX person_name;
DROP INDEX person_id_tail;
DROP INDEX person_phone_tail;
DROP INDEX person_org;
UPDATE person SET id_card_hash = substr(id_card_hash, 1, 32), phone_hash = substr(phone_hash, 1, 32);
CREATE UNIQUE INDEX person_id_card_hash ON person (id_card_hash);
CREATE INDEX person_org ON person (org_id, id, household_id, name, id_card_tail, phone_tail);
