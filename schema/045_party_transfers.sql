-- 045: membership transfers (组织关系转接) of party members between party
-- organisations (docs/party-transfers.md). The sending side (staff over the
-- member's party organisation when it was asked) reviews and issues the letter
-- (介绍信); the receiving side (staff over the destination party organisation)
-- receives, returns or holds it; the sending side closes it when the receipt
-- (回执) is back. Only completion moves the member (party_member.party_org_id),
-- with the rollups, in the same write.
CREATE TABLE party_transfer (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id INTEGER NOT NULL REFERENCES person(id),
    from_party_org_id INTEGER NOT NULL REFERENCES party_org(id),
    from_org_id INTEGER NOT NULL REFERENCES org(id),      -- the sending party organisation's node, as it was
    to_party_org_id INTEGER NOT NULL REFERENCES party_org(id),
    to_org_id INTEGER NOT NULL REFERENCES org(id),        -- the receiving party organisation's node
    type TEXT NOT NULL CHECK (type IN ('same_committee', 'in_province', 'cross_province')),
    form TEXT NOT NULL CHECK (form IN ('formal', 'certificate', 'mobile_card')),
    away_months INTEGER NOT NULL,                         -- how long the member is away, as declared
    fixed_place INTEGER NOT NULL,                         -- 1: at a fixed place
    purpose TEXT NOT NULL,                                -- why (工作调动, 升学, 迁居...), as entered
    dues_paid_to TEXT NOT NULL,                           -- YYYY-MM: the month the dues are paid up to
    state TEXT NOT NULL DEFAULT 'applied' CHECK (state IN ('applied', 'out_reviewed', 'received', 'returned',
                                                           'suspended', 'completed', 'cancelled')),
    letter_no TEXT,                                       -- 介绍信编号, given when the sending side issues it
    issued_on TEXT,                                       -- YYYY-MM-DD
    valid_days INTEGER,
    expires_on TEXT,                                      -- YYYY-MM-DD: the last day the letter is accepted
    note TEXT,                                            -- the last return's or hold's reason
    received_at INTEGER,                                  -- 接收: when the receipt (回执) was made out
    received_by INTEGER REFERENCES app_user(id),
    completed_at INTEGER,
    created_by INTEGER REFERENCES app_user(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX party_transfer_from ON party_transfer (from_org_id, state);
CREATE INDEX party_transfer_to ON party_transfer (to_org_id, state);
-- At most one transfer in progress per member.
CREATE UNIQUE INDEX party_transfer_open ON party_transfer (person_id)
    WHERE state NOT IN ('completed', 'cancelled');

CREATE TABLE party_transfer_event (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    transfer_id INTEGER NOT NULL REFERENCES party_transfer(id),
    action TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    reason TEXT,
    at INTEGER NOT NULL,
    user_id INTEGER REFERENCES app_user(id)
);
CREATE INDEX party_transfer_event_transfer ON party_transfer_event (transfer_id, id);
