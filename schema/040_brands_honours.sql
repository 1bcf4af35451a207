-- 040: 党建品牌 and 荣誉 (docs/honours.md).
--
-- A party-building brand (一线为民工作法, 财富广场楼宇党建, 温暖快递, ...) of an
-- org node (and optionally its party organisation): its name, the year it
-- started, what it is and what it achieved. A name is unique at its node.
CREATE TABLE brand (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES org(id),
    party_org_id INTEGER REFERENCES party_org(id),
    name TEXT NOT NULL,
    started_year INTEGER NOT NULL,
    description TEXT,
    results TEXT,                                    -- 成效
    created_by INTEGER REFERENCES app_user(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (org_id, name)
);
CREATE INDEX brand_year ON brand (started_year, org_id);

-- An honour (全国先进基层党组织, 全国优秀共产党员, ...) held by an org node, by a
-- party organisation at it, or by a person (a resident: org_id is then the
-- person's node when it was recorded): title, level, awarding body, year and
-- document number (文号). One honour per holder, title and year.
CREATE TABLE honour (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES org(id),
    party_org_id INTEGER REFERENCES party_org(id),
    person_id INTEGER REFERENCES person(id),
    title TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('national', 'provincial', 'city', 'district')),
    awarding_body TEXT NOT NULL,
    year INTEGER NOT NULL,
    doc_no TEXT,                                     -- 文号
    note TEXT,
    created_by INTEGER REFERENCES app_user(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX honour_year ON honour (year, org_id);
CREATE INDEX honour_org ON honour (org_id, year);
CREATE UNIQUE INDEX honour_person_title ON honour (person_id, title, year) WHERE person_id IS NOT NULL;
CREATE UNIQUE INDEX honour_party_org_title ON honour (party_org_id, title, year)
    WHERE person_id IS NULL AND party_org_id IS NOT NULL;
CREATE UNIQUE INDEX honour_org_title ON honour (org_id, title, year) WHERE person_id IS NULL AND party_org_id IS NULL;
