-- 038: resident work teams (驻村工作队) and the poverty ledger (建档立卡),
-- docs/work-teams.md.
--
-- A work team serves a village (org_id, a node of kind village) for a term
-- (year_from..year_to, three years by the norm workteam.term_years when not
-- given). Its members are registry persons with a role; the composition rule
-- (exactly one leader: 第一书记 or 书记; at least one township contact) is
-- checked on every answer and counted by the figure workteam.complete.
CREATE TABLE work_team (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES org(id),        -- the village
    year_from INTEGER NOT NULL,
    year_to INTEGER,                                   -- set on create from the term norm when not given
    note TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX work_team_org ON work_team (org_id, year_from);

CREATE TABLE work_team_member (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id INTEGER NOT NULL REFERENCES work_team(id),
    person_id INTEGER NOT NULL REFERENCES person(id),
    role TEXT NOT NULL CHECK (role IN ('first_secretary', 'secretary', 'member', 'township_contact',
                                       'graduate_official')),
    unit_level TEXT CHECK (unit_level IN ('city', 'county', 'township')), -- 帮扶单位's level
    unit_id INTEGER REFERENCES unit(id),               -- the helping unit, when it is a registered unit
    unit_name TEXT,                                    -- or its name as written
    created_at INTEGER NOT NULL,
    UNIQUE (team_id, person_id)
);
CREATE INDEX work_team_member_person ON work_team_member (person_id);

-- Days in the village of a member in a month (YYYY-MM).
CREATE TABLE work_team_attendance (
    member_id INTEGER NOT NULL REFERENCES work_team_member(id),
    month TEXT NOT NULL,
    year INTEGER NOT NULL,
    days INTEGER NOT NULL CHECK (days BETWEEN 0 AND 31),
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (member_id, month)
);

-- 民情日记: a member's visit of a kind of villager, with notes.
CREATE TABLE work_team_visit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id INTEGER NOT NULL REFERENCES work_team(id),
    member_id INTEGER REFERENCES work_team_member(id),
    kind TEXT NOT NULL CHECK (kind IN ('village_cadre', 'former_cadre', 'old_member', 'poor_household', 'capable')),
    visited_on TEXT NOT NULL,
    note TEXT NOT NULL,
    created_by INTEGER REFERENCES app_user(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX work_team_visit_team ON work_team_visit (team_id, visited_on);

-- A village's analysis for a year: problems, comparative advantages, funds
-- sought (yuan) and projects brought in.
CREATE TABLE village_analysis (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES org(id),
    year INTEGER NOT NULL,
    problems TEXT,
    advantages TEXT,
    funds_sought INTEGER CHECK (funds_sought >= 0),          -- yuan; NULL: not entered
    projects TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (org_id, year)
);

-- 建档立卡户: a household of the ledger, its head a registry person (whose
-- ID number and phone stay encrypted in person: no second copy here).
CREATE TABLE poverty_household (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES org(id),        -- the village
    head_person_id INTEGER NOT NULL UNIQUE REFERENCES person(id),
    helper_person_id INTEGER REFERENCES person(id),    -- the responsible helper (帮扶责任人)
    attribute TEXT NOT NULL CHECK (attribute IN ('general', 'dibao', 'tekun')),
    cause TEXT NOT NULL CHECK (cause IN ('illness', 'disability', 'schooling', 'skills', 'labour', 'funds',
                                         'other')),
    size INTEGER NOT NULL CHECK (size BETWEEN 1 AND 30),
    year_in INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'not_exited' CHECK (status IN ('not_exited', 'exited', 'returned')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX poverty_household_org ON poverty_household (org_id);

-- Per-capita income of a year (yuan): the ledger's yearly review. A household
-- counts in a year's figures when its income of the year is recorded.
CREATE TABLE poverty_income (
    household_id INTEGER NOT NULL REFERENCES poverty_household(id),
    year INTEGER NOT NULL,
    per_capita INTEGER NOT NULL CHECK (per_capita >= 0),
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (household_id, year)
);

-- The status changes: exited (with the conditions that held) or returned.
CREATE TABLE poverty_status_change (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    household_id INTEGER NOT NULL REFERENCES poverty_household(id),
    status TEXT NOT NULL CHECK (status IN ('exited', 'returned')),
    year INTEGER NOT NULL,
    on_date TEXT NOT NULL,
    line INTEGER,                                      -- the poverty line applied (exit)
    income INTEGER,                                    -- the per-capita income it was compared with
    conditions TEXT,                                   -- JSON: the conditions recorded
    note TEXT,
    created_by INTEGER REFERENCES app_user(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX poverty_status_change_household ON poverty_status_change (household_id, on_date);

CREATE TABLE poverty_visit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    household_id INTEGER NOT NULL REFERENCES poverty_household(id),
    visitor_person_id INTEGER REFERENCES person(id),
    visited_on TEXT NOT NULL,
    note TEXT NOT NULL,
    created_by INTEGER REFERENCES app_user(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX poverty_visit_household ON poverty_visit (household_id, visited_on);
