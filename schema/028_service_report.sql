-- 028: 双报到 (docs/service-report.md). Resident units' party organisations and
-- in-service party members report to the community where they sit or live; the
-- community receives them; units sign an annual 共建协议; each quarter the
-- community sends every member's employer party organisation a service card
-- (the records, verified hours and the community's grade, frozen as sent),
-- which the employer acknowledges. Service records themselves are 027's.

-- 单位报到单: a unit's party organisation reports to a community (org_id).
CREATE TABLE unit_report (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES org(id),          -- the community reported to
    unit_id INTEGER NOT NULL REFERENCES unit(id),
    party_org_id INTEGER NOT NULL REFERENCES party_org(id),
    reported_on TEXT NOT NULL,                           -- YYYY-MM-DD
    contact_role TEXT NOT NULL,                          -- the unit's contact, by role (no personal data)
    offers TEXT NOT NULL,                                -- what the unit offers the community
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'received')),
    received_by INTEGER REFERENCES app_user(id),
    received_at INTEGER,
    created_by INTEGER REFERENCES app_user(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (unit_id, org_id)
);
CREATE INDEX unit_report_org ON unit_report (org_id, id);

-- 共建协议: a unit and a community, for a year, with its items.
CREATE TABLE unit_agreement (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id INTEGER NOT NULL REFERENCES unit_report(id),
    org_id INTEGER NOT NULL REFERENCES org(id),
    unit_id INTEGER NOT NULL REFERENCES unit(id),
    year INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (unit_id, org_id, year)
);
CREATE INDEX unit_agreement_org ON unit_agreement (org_id, year);

CREATE TABLE unit_agreement_item (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agreement_id INTEGER NOT NULL REFERENCES unit_agreement(id),
    what TEXT NOT NULL,
    due_on TEXT NOT NULL,                                -- YYYY-MM-DD, in the agreement's year
    responsible TEXT NOT NULL,                           -- the responsible person, by name
    done INTEGER NOT NULL DEFAULT 0,
    done_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX unit_agreement_item_agreement ON unit_agreement_item (agreement_id);

-- 在职党员报到: states in core/reportfsm.c. At most one active report (pending or
-- reported) per member: the partial unique index holds under any concurrency.
CREATE TABLE member_report (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES org(id),          -- the residence community
    person_id INTEGER NOT NULL REFERENCES person(id),    -- the member (a party_member)
    employer_unit_id INTEGER REFERENCES unit(id),
    employer_party_org_id INTEGER NOT NULL REFERENCES party_org(id),
    skills TEXT,
    preferred_grid_id INTEGER REFERENCES org(id),
    preferred_team TEXT,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'reported', 'returned', 'cancelled')),
    reason TEXT,                                         -- the last decline, leave or cancel's reason
    received_by INTEGER REFERENCES app_user(id),
    received_at INTEGER,
    ended_at INTEGER,
    created_by INTEGER REFERENCES app_user(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX member_report_active ON member_report (person_id) WHERE state IN ('pending', 'reported');
CREATE INDEX member_report_org ON member_report (org_id, state, id);
CREATE INDEX member_report_employer ON member_report (employer_party_org_id, id);
CREATE INDEX member_report_person ON member_report (person_id, id);

CREATE TABLE member_report_event (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id INTEGER NOT NULL REFERENCES member_report(id),
    action TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    reason TEXT,
    at INTEGER NOT NULL,
    user_id INTEGER REFERENCES app_user(id)
);
CREATE INDEX member_report_event_report ON member_report_event (report_id, id);

-- 服务反馈卡: what the community sent the employer party organisation for a
-- member and a quarter: a frozen copy (records, counts, the norm's status).
CREATE TABLE service_card (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES org(id),          -- the issuing community
    report_id INTEGER NOT NULL REFERENCES member_report(id),
    person_id INTEGER NOT NULL REFERENCES person(id),
    party_org_id INTEGER NOT NULL REFERENCES party_org(id), -- the employer party organisation addressed
    year INTEGER NOT NULL,
    quarter INTEGER NOT NULL CHECK (quarter BETWEEN 1 AND 4),
    grade TEXT NOT NULL CHECK (grade IN ('excellent', 'qualified', 'basic', 'unqualified')),
    comment TEXT,
    records TEXT NOT NULL,                               -- JSON: the quarter's records as sent
    activities INTEGER NOT NULL,                         -- verified records in the quarter
    minutes INTEGER NOT NULL,                            -- verified minutes in the quarter
    year_activities INTEGER NOT NULL,                    -- verified, the year up to the quarter's end
    year_minutes INTEGER NOT NULL,
    norm TEXT,                                           -- JSON: the year's norm as it stood, or NULL
    issued_by INTEGER REFERENCES app_user(id),
    issued_at INTEGER NOT NULL,
    acknowledged_by INTEGER REFERENCES app_user(id),
    acknowledged_at INTEGER,
    ack_note TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (report_id, year, quarter)
);
CREATE INDEX service_card_org ON service_card (org_id, year, quarter);
CREATE INDEX service_card_party_org ON service_card (party_org_id, id);
CREATE INDEX service_card_person ON service_card (person_id, id);
