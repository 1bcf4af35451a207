-- 023: rectification problems (问题清单; 任务清单 and 责任清单 are views of the
-- same rows). A problem concerns an org (org_id) and was raised by an org at
-- or above it (raised_org_id); it has a source, a severity, a description and
-- evidence, a task (measure, deadline) and a responsibility (lead, unit and
-- person, names as text). States (core/rectfsm.c): pending → fixing → applied
-- → closed, applied → fixing on a return (with its reason). Past its deadline
-- an open problem gets a 督办 at the raiser (supervise_level 1), a week later
-- at the raiser's parent (2). An open problem carried into the next year is a
-- new row (source carried_over) linking the original (carried_from_id).
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
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX problem_org ON problem (org_id, year);
CREATE INDEX problem_raised ON problem (raised_org_id, year);
CREATE INDEX problem_open ON problem (state, deadline);

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
