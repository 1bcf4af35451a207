-- 047: 民主评议党员, the yearly democratic evaluation of party members
-- (docs/member-evaluation.md).
--
-- A round: one per party organisation (a branch) and year, opened by its
-- staff with the members it had then (each entry keeps the member's status at
-- the opening: a 预备党员 takes part and is not graded), closed when every
-- entry has its last step.
CREATE TABLE member_eval_round (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    party_org_id INTEGER NOT NULL REFERENCES party_org(id),
    org_id INTEGER NOT NULL REFERENCES org(id),      -- the party organisation's node (scope, figures)
    year INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    closed_at INTEGER,
    created_by INTEGER REFERENCES app_user(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (party_org_id, year)
);
CREATE INDEX member_eval_round_org ON member_eval_round (org_id, year);
CREATE INDEX member_eval_round_year ON member_eval_round (year, org_id);

-- A member's evaluation in a round, its steps in order: self-assessment (text),
-- peer assessment (the tally of peers' grades), branch assessment (a grade),
-- the org's decision (the final grade), and after 不合格 the follow-up decided
-- (限期改正 rectify / 劝退 persuade / 除名 expel; recorded, never automatic).
-- step: the last step done (NULL: none yet). Grades: excellent 优秀, qualified
-- 合格, basic 基本合格, unqualified 不合格.
CREATE TABLE member_eval (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    round_id INTEGER NOT NULL REFERENCES member_eval_round(id),
    person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
    probationary INTEGER NOT NULL DEFAULT 0,         -- 预备党员 at the opening: not graded
    step TEXT CHECK (step IN ('self', 'peer', 'branch', 'decision', 'follow_up')),
    self_text TEXT,
    self_at INTEGER,
    peer_excellent INTEGER,
    peer_qualified INTEGER,
    peer_basic INTEGER,
    peer_unqualified INTEGER,
    peer_at INTEGER,
    branch_grade TEXT CHECK (branch_grade IN ('excellent', 'qualified', 'basic', 'unqualified')),
    branch_at INTEGER,
    grade TEXT CHECK (grade IN ('excellent', 'qualified', 'basic', 'unqualified')),
    decided_at INTEGER,
    decided_by INTEGER REFERENCES app_user(id),
    follow_up TEXT CHECK (follow_up IN ('rectify', 'persuade', 'expel')),
    follow_up_note TEXT,
    follow_up_at INTEGER,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (round_id, person_id),
    CHECK (probationary = 0 OR (branch_grade IS NULL AND grade IS NULL))
);
CREATE INDEX member_eval_person ON member_eval (person_id, round_id);
