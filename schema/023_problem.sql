-- 023: rectification problems (问题清单; 任务清单 and 责任清单 are views of the
-- same rows). A problem concerns an org (org_id) and was raised by an org at
-- or above it (raised_org_id); it has a source, a severity, a description and
-- evidence, a task (measure, deadline) and a responsibility (lead, unit and
-- person, names as text). States (core/rectfsm.c): pending → fixing → applied
-- → closed, applied → fixing on a return (with its reason). Past its deadline
-- an open problem gets a 督办 at the raiser (supervise_level 1), a week later
-- at the raiser's parent (2). An open problem carried into the next year is a
-- new row (source carried_over) linking the original (carried_from_id).
--
-- Inspections (日常督查, 明查, 暗访) by an org of nodes at or below it: a team
-- (user ids and/or names), the nodes sampled, a checklist per node with
-- results; a failed item becomes a problem (inspection_id). A covert (暗访)
-- inspection and its problems stay hidden from everyone but its team and the
-- grants at or above the inspecting org until it is published (通报).
CREATE TABLE inspection (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES org(id),    -- the inspecting org
    type TEXT NOT NULL,                            -- daily, open, covert
    title TEXT NOT NULL,
    held_on TEXT NOT NULL,                         -- YYYY-MM-DD
    team_names TEXT,                               -- names as the inspecting org wrote them, JSON array
    published_at INTEGER,                          -- its 通报
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX inspection_org ON inspection (org_id, held_on);

CREATE TABLE inspection_member (
    inspection_id INTEGER NOT NULL REFERENCES inspection(id),
    user_id INTEGER NOT NULL REFERENCES app_user(id),
    PRIMARY KEY (inspection_id, user_id)
);
CREATE INDEX inspection_member_user ON inspection_member (user_id);

CREATE TABLE inspection_node (
    inspection_id INTEGER NOT NULL REFERENCES inspection(id),
    org_id INTEGER NOT NULL REFERENCES org(id),
    PRIMARY KEY (inspection_id, org_id)
);
CREATE INDEX inspection_node_org ON inspection_node (org_id);

CREATE TABLE problem (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES org(id),
    raised_org_id INTEGER NOT NULL REFERENCES org(id),
    year INTEGER NOT NULL,
    source TEXT NOT NULL,
    category TEXT,
    severity TEXT NOT NULL,
    description TEXT NOT NULL,
    evidence TEXT,
    measure TEXT NOT NULL,           -- 整改措施
    deadline TEXT NOT NULL,          -- YYYY-MM-DD
    lead_name TEXT,                  -- 牵头领导
    unit_name TEXT,                  -- 责任单位
    person_name TEXT,                -- 责任人
    state TEXT NOT NULL DEFAULT 'pending',
    return_reason TEXT,
    supervise_level INTEGER NOT NULL DEFAULT 0,
    supervise_org_id INTEGER REFERENCES org(id),
    supervised_at INTEGER,
    closed_at INTEGER,
    carried_from_id INTEGER UNIQUE REFERENCES problem(id),
    inspection_id INTEGER REFERENCES inspection(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX problem_org ON problem (org_id, year);
CREATE INDEX problem_raised ON problem (raised_org_id, year);
CREATE INDEX problem_open ON problem (state, deadline);
CREATE INDEX problem_inspection ON problem (inspection_id);

-- A checklist item of an inspection at one sampled node, its result, and the
-- problem it became.
CREATE TABLE inspection_item (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    inspection_id INTEGER NOT NULL REFERENCES inspection(id),
    org_id INTEGER NOT NULL REFERENCES org(id),
    item TEXT NOT NULL,
    result TEXT,                                   -- NULL (not yet), pass, fail
    note TEXT,
    problem_id INTEGER UNIQUE REFERENCES problem(id),
    recorded_at INTEGER,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX inspection_item_inspection ON inspection_item (inspection_id, id);

CREATE TABLE problem_event (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    problem_id INTEGER NOT NULL REFERENCES problem(id),
    action TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    reason TEXT,
    at INTEGER NOT NULL,
    user_id INTEGER REFERENCES app_user(id)
);
CREATE INDEX problem_event_problem ON problem_event (problem_id, id);
