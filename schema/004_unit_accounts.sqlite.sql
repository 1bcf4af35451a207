-- 004, SQLite part (the PostgreSQL part alters the table in place).
-- Unit accounts: a grant may be over a resident unit (驻区单位) instead of an org
-- node. Its role is unit_staff: the cases dispatched to that unit (to see, claim
-- 报到 and handle), nothing else. org_id records the unit's node when granted (for
-- management and the audit); access follows the unit's current node.
CREATE TABLE user_grant_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES app_user(id),
    role TEXT NOT NULL CHECK (role IN ('admin', 'org_staff', 'grid_worker', 'party_member', 'resident', 'delegate',
                                       'auditor', 'unit_staff')),
    org_id INTEGER REFERENCES org(id),
    unit_id INTEGER REFERENCES unit(id),
    created_by INTEGER,
    created_at INTEGER NOT NULL,
    CHECK ((role = 'unit_staff') = (unit_id IS NOT NULL))
);
INSERT INTO user_grant_new (id, user_id, role, org_id, created_by, created_at)
    SELECT id, user_id, role, org_id, created_by, created_at FROM user_grant;
-- Ids are never reused: the new table continues the old one's sequence (SQLite's bookkeeping).
INSERT INTO sqlite_sequence (name, seq) SELECT 'user_grant_new', seq FROM sqlite_sequence WHERE name = 'user_grant'
    AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'user_grant_new');
UPDATE sqlite_sequence SET seq = (SELECT MAX(seq) FROM sqlite_sequence WHERE name IN ('user_grant', 'user_grant_new'))
    WHERE name = 'user_grant_new';
DROP TABLE user_grant;
ALTER TABLE user_grant_new RENAME TO user_grant;
CREATE UNIQUE INDEX user_grant_unique ON user_grant(user_id, role, org_id) WHERE unit_id IS NULL;
CREATE UNIQUE INDEX user_grant_unit_unique ON user_grant(user_id, unit_id) WHERE unit_id IS NOT NULL;
CREATE INDEX user_grant_org ON user_grant(org_id);
CREATE INDEX user_grant_unit ON user_grant(unit_id);
