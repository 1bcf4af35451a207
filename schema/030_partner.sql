-- 030: 结对共建 and purchased social services (docs/partner.md).
--
-- A pairing: an agency (a resident unit of type agency, through its party
-- organisation) paired with a community (org_id) for a year, with the
-- agreement's items (what, when, who) and their completion: the agency side
-- (its unit's own accounts) or the community reports an item done with the
-- date and a note, the community confirms it.
CREATE TABLE pairing (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES org(id),      -- the community
    unit_id INTEGER NOT NULL REFERENCES unit(id),    -- the agency
    party_org_id INTEGER REFERENCES party_org(id),   -- the agency's party organisation
    year INTEGER NOT NULL,
    note TEXT,
    created_by INTEGER REFERENCES app_user(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (org_id, unit_id, year)
);
CREATE INDEX pairing_unit ON pairing (unit_id, year);
CREATE INDEX pairing_year ON pairing (year, org_id);

CREATE TABLE pairing_item (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pairing_id INTEGER NOT NULL REFERENCES pairing(id),
    content TEXT NOT NULL,                -- what
    due_on TEXT NOT NULL,                 -- when: YYYY-MM-DD
    responsible TEXT NOT NULL,            -- who: a responsible person's name
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done', 'confirmed')),
    done_on TEXT,                         -- YYYY-MM-DD, as reported
    done_note TEXT,
    done_by INTEGER REFERENCES app_user(id),
    done_at INTEGER,
    confirmed_by INTEGER REFERENCES app_user(id),
    confirmed_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX pairing_item_pairing ON pairing_item (pairing_id, id);

-- A contract of purchased social services (政府购买服务): the purchaser (a
-- community or street, org_id) buys a service from a social-work organisation
-- (a unit of type social_organisation) for a period, for an amount in fen,
-- for its beneficiaries (residents of its subtree), with contracted
-- quantities (visits per beneficiary per month, minutes per visit).
CREATE TABLE service_contract (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES org(id),      -- the purchaser
    unit_id INTEGER NOT NULL REFERENCES unit(id),    -- the social-work organisation
    title TEXT NOT NULL,
    service TEXT NOT NULL,                           -- home_elderly_care, housekeeping, ...
    start_on TEXT NOT NULL,                          -- YYYY-MM-DD
    end_on TEXT NOT NULL,
    amount_fen INTEGER NOT NULL CHECK (amount_fen >= 0),
    visits_per_month INTEGER NOT NULL CHECK (visits_per_month >= 0),   -- per beneficiary
    minutes_per_visit INTEGER NOT NULL CHECK (minutes_per_visit >= 0),
    created_by INTEGER REFERENCES app_user(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX service_contract_org ON service_contract (org_id, start_on);
CREATE INDEX service_contract_unit ON service_contract (unit_id);

CREATE TABLE service_beneficiary (
    contract_id INTEGER NOT NULL REFERENCES service_contract(id),
    person_id INTEGER NOT NULL REFERENCES person(id),
    PRIMARY KEY (contract_id, person_id)
);
CREATE INDEX service_beneficiary_person ON service_beneficiary (person_id);

CREATE TABLE service_visit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    contract_id INTEGER NOT NULL REFERENCES service_contract(id),
    person_id INTEGER NOT NULL REFERENCES person(id),
    visited_on TEXT NOT NULL,                        -- YYYY-MM-DD
    minutes INTEGER NOT NULL CHECK (minutes > 0),
    content TEXT NOT NULL,
    satisfaction INTEGER CHECK (satisfaction BETWEEN 1 AND 5),
    created_by INTEGER REFERENCES app_user(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX service_visit_contract ON service_visit (contract_id, visited_on);
