-- 004, PostgreSQL part: the same unit grants as the SQLite part, by ALTER TABLE
-- (PostgreSQL changes a column's constraints in place; SQLite rebuilds the table).
ALTER TABLE user_grant DROP CONSTRAINT user_grant_role_check;
ALTER TABLE user_grant ADD CONSTRAINT user_grant_role_check
    CHECK (role IN ('admin', 'org_staff', 'grid_worker', 'party_member', 'resident', 'delegate', 'auditor',
                    'unit_staff'));
ALTER TABLE user_grant ADD COLUMN unit_id INTEGER REFERENCES unit(id);
ALTER TABLE user_grant ADD CONSTRAINT user_grant_unit_role CHECK ((role = 'unit_staff') = (unit_id IS NOT NULL));
DROP INDEX user_grant_unique;
CREATE UNIQUE INDEX user_grant_unique ON user_grant(user_id, role, org_id) WHERE unit_id IS NULL;
CREATE UNIQUE INDEX user_grant_unit_unique ON user_grant(user_id, unit_id) WHERE unit_id IS NOT NULL;
CREATE INDEX user_grant_unit ON user_grant(unit_id);
