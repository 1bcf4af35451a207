-- 044: 党费 (party dues, docs/party-dues.md).
--
-- A member's yearly declaration: the category (in_service, retired, farmer,
-- student, unemployed, dibao) and, for the first two, the base: the fixed
-- monthly after-tax pay in fen. monthly_fen and rate_bp (basis points) are
-- computed from the norms in force at the member's node in the year when the
-- declaration is written (a farmer's amount is the branch's pick, fixed_fen).
-- org_id: the node of the member's branch then.
CREATE TABLE dues_declaration (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id INTEGER NOT NULL REFERENCES party_member(person_id) ON DELETE CASCADE,
    org_id INTEGER NOT NULL REFERENCES org(id),
    year INTEGER NOT NULL,
    category TEXT NOT NULL CHECK (category IN ('in_service', 'retired', 'farmer', 'student', 'unemployed', 'dibao')),
    base_fen INTEGER,
    fixed_fen INTEGER,
    rate_bp INTEGER,
    monthly_fen INTEGER NOT NULL DEFAULT 0,
    note TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (person_id, year)
);
CREATE INDEX dues_declaration_org ON dues_declaration (org_id, year);

-- A member's month (yyyymm): what is due (from the declaration that applies,
-- NULL when the member has none), what was paid, when and how, and the reason
-- recorded for not paying (a month with a reason does not count towards the
-- arrears list). Written when the branch's month is opened (the sheet).
CREATE TABLE dues_month (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id INTEGER NOT NULL REFERENCES party_member(person_id) ON DELETE CASCADE,
    party_org_id INTEGER NOT NULL REFERENCES party_org(id),
    org_id INTEGER NOT NULL REFERENCES org(id),
    month INTEGER NOT NULL,
    due_fen INTEGER,
    paid_fen INTEGER NOT NULL DEFAULT 0,
    paid_on TEXT,
    channel TEXT CHECK (channel IN ('cash', 'bank', 'wechat', 'alipay', 'payroll')),
    reason TEXT,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (person_id, month)
);
CREATE INDEX dues_month_org ON dues_month (org_id, month);
CREATE INDEX dues_month_branch ON dues_month (party_org_id, month);

-- A voluntary payment beyond the dues (自愿多交); upward: a one-off of at least
-- the norm dues.upward_fen goes upward whole (上缴), NULL when no norm applied.
CREATE TABLE dues_extra (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id INTEGER NOT NULL REFERENCES party_member(person_id) ON DELETE CASCADE,
    org_id INTEGER NOT NULL REFERENCES org(id),
    paid_on TEXT NOT NULL,
    amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
    channel TEXT NOT NULL CHECK (channel IN ('cash', 'bank', 'wechat', 'alipay', 'payroll')),
    upward INTEGER,
    note TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX dues_extra_org ON dues_extra (org_id, paid_on);

-- The branch's decision on a member in arrears: educate (批评教育，限期补交),
-- excuse (有正当理由), lapse (按自行脱党处理: recorded, never a status set
-- by the system; the member's record is changed by staff through the usual
-- procedure).
CREATE TABLE dues_decision (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id INTEGER NOT NULL REFERENCES party_member(person_id) ON DELETE CASCADE,
    org_id INTEGER NOT NULL REFERENCES org(id),
    decision TEXT NOT NULL CHECK (decision IN ('educate', 'excuse', 'lapse')),
    decided_on TEXT NOT NULL,
    note TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX dues_decision_person ON dues_decision (person_id, decided_on);
CREATE INDEX dues_decision_org ON dues_decision (org_id);
