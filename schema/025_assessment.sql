-- 025: the annual comprehensive assessment (年度综合考核, docs/assessment.md).
-- A plan is issued by an org (the scoring org) for a year and a target class
-- (district, street, township, community, village): the units assessed are the
-- orgs of that class in the issuer's subtree. Its indicator tree: every node a
-- half (party_building, development), max points, a weight and a sort order;
-- leaves a method (pass, ratio, rank, deduct, bonus, veto), a source (a record
-- source key, or entered) and the method's parameters (JSON text).
--
-- Entered values (the scoring department's, for leaves with no record) carry
-- their evidence. A run is one computation of every unit (version 1, 2, ...):
-- a copy of the tree as it was (tree, JSON text), each unit's score per node
-- (measure, the numbers behind it, the computed points, an adjustment with its
-- reason kept apart) and each unit's result (halves, bonus, total, rank, grade,
-- vetoed, barred). A published run is frozen: nothing changes its rows.
CREATE TABLE assess_plan (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES org(id),          -- the issuing (scoring) org
    year INTEGER NOT NULL,
    class TEXT NOT NULL,                                  -- district, street, township, community, village
    name TEXT NOT NULL,
    published_run_id INTEGER,                             -- the run published now (assess_run.id), or NULL
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (org_id, year, class)
);

CREATE TABLE assess_indicator (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id INTEGER NOT NULL REFERENCES assess_plan(id),
    parent_id INTEGER REFERENCES assess_indicator(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    half TEXT NOT NULL,                                   -- party_building, development (the top node's)
    max_points REAL NOT NULL,
    weight REAL NOT NULL DEFAULT 1,
    method TEXT,                                          -- a leaf's; NULL for an inner node
    source TEXT,                                          -- a leaf's: a record source key, or entered
    params TEXT NOT NULL DEFAULT '{}',                    -- the method's parameters (JSON object)
    sort INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (plan_id, code)
);
CREATE INDEX assess_indicator_plan ON assess_indicator (plan_id, sort, id);
CREATE INDEX assess_indicator_parent ON assess_indicator (parent_id);

CREATE TABLE assess_entry (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    indicator_id INTEGER NOT NULL REFERENCES assess_indicator(id),
    org_id INTEGER NOT NULL REFERENCES org(id),           -- the unit
    plan_id INTEGER NOT NULL REFERENCES assess_plan(id),
    value REAL NOT NULL,
    evidence TEXT NOT NULL,
    entered_by INTEGER REFERENCES app_user(id),
    entered_at INTEGER NOT NULL,
    UNIQUE (indicator_id, org_id)
);
CREATE INDEX assess_entry_plan ON assess_entry (plan_id, org_id);

CREATE TABLE assess_run (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id INTEGER NOT NULL REFERENCES assess_plan(id),
    version INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'computed',               -- computed, published, superseded
    tree TEXT NOT NULL,                                   -- the indicator tree computed with (JSON array)
    unit_count INTEGER NOT NULL,
    ms INTEGER NOT NULL,
    computed_at INTEGER NOT NULL,
    computed_by INTEGER REFERENCES app_user(id),
    published_at INTEGER,
    published_by INTEGER REFERENCES app_user(id),
    UNIQUE (plan_id, version)
);

-- A unit's result in a run. Scores are kept in hundredths of a point (integers),
-- so ranks and ties read the same on both backends.
CREATE TABLE assess_result (
    run_id INTEGER NOT NULL REFERENCES assess_run(id),
    org_id INTEGER NOT NULL REFERENCES org(id),
    party_building INTEGER NOT NULL,
    development INTEGER NOT NULL,
    bonus INTEGER NOT NULL,
    total INTEGER NOT NULL,
    rank INTEGER NOT NULL,
    grade TEXT,
    vetoed INTEGER NOT NULL DEFAULT 0,
    barred INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, org_id)
);
CREATE INDEX assess_result_rank ON assess_result (run_id, rank, org_id);

-- A unit's score on one node of the tree in a run (inner nodes: their roll-up).
CREATE TABLE assess_score (
    run_id INTEGER NOT NULL REFERENCES assess_run(id),
    org_id INTEGER NOT NULL REFERENCES org(id),
    indicator_id INTEGER NOT NULL,                        -- of the run's tree (the indicator may be gone since)
    state INTEGER NOT NULL DEFAULT 0,                     -- a leaf's measure: 0 a value, 1 none entered, 2 nothing due
    measure REAL,
    numbers TEXT,                                         -- the numbers behind the measure (JSON object)
    computed INTEGER NOT NULL,                            -- hundredths of a point
    adjusted INTEGER,                                     -- hundredths; NULL: not adjusted
    reason TEXT,
    PRIMARY KEY (run_id, org_id, indicator_id)
);
