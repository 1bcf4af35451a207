-- 013: 迁入申请, a resident's move into another org asked for by that org's staff.
-- The person is named by the ID number the requesting staff typed, matched by the
-- keyed hash; the number itself is never stored here. The holding org is the
-- person's current org while the request is pending (so a request follows a move
-- made meanwhile); from_org_id records the org the person left, or held them,
-- when the request was decided.
CREATE TABLE person_transfer (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
    to_org_id INTEGER NOT NULL REFERENCES org(id),
    reason TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined')),
    requested_by INTEGER REFERENCES app_user(id),
    requested_at INTEGER NOT NULL,
    from_org_id INTEGER REFERENCES org(id),
    decided_by INTEGER REFERENCES app_user(id),
    decided_at INTEGER,
    note TEXT,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX person_transfer_person ON person_transfer (person_id, status);
CREATE INDEX person_transfer_to ON person_transfer (to_org_id, id);
CREATE INDEX person_transfer_from ON person_transfer (from_org_id, id);

-- The refused registrations of a number held elsewhere (person.exists_elsewhere),
-- which the holding org's staff read with ?box=attempts without reading the audit
-- log: a partial index, so the hot audit writes pay nothing for it.
CREATE INDEX audit_log_elsewhere ON audit_log (org_path, id) WHERE action = 'person.exists_elsewhere';
