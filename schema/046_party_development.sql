-- 046: 发展党员, the development of new party members (docs/party-development.md).
--
-- A candidate is a registered person on their way into a party branch: the
-- 25 steps of the 2014 细则 in five stages, each step's record with its date,
-- its own facts (a vote's counts, a training's days) and its documents (the
-- attachments of owner kind party_candidate_step). org_id is the branch's node
-- (party_org.org_id), for the scope. step is the last step done, stage its
-- stage; state: active, joined (step 25 done: a full member, the file archived),
-- closed (not approved, or the probation cancelled).
CREATE TABLE party_candidate (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id INTEGER NOT NULL REFERENCES person(id),
    party_org_id INTEGER NOT NULL REFERENCES party_org(id),
    org_id INTEGER NOT NULL REFERENCES org(id),
    step INTEGER NOT NULL CHECK (step BETWEEN 1 AND 25),
    stage INTEGER NOT NULL CHECK (stage BETWEEN 1 AND 5),
    state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'joined', 'closed')),
    applied_on TEXT NOT NULL,
    probation_end TEXT,                  -- the branch vote + the probation (+ an extension)
    extended_months INTEGER,             -- the probation's extension, once at most
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX party_candidate_org ON party_candidate (org_id, id);
CREATE INDEX party_candidate_branch ON party_candidate (party_org_id, state);
-- One open record per person.
CREATE UNIQUE INDEX party_candidate_active ON party_candidate (person_id) WHERE state = 'active';

-- A step's record. outcome: done; not_adopted (a valid vote that did not pass:
-- the step may be held again); extended (a conversion vote extending the
-- probation); not_approved / cancelled (the record closes). detail: the step's
-- own facts as JSON text (never a personal number).
CREATE TABLE party_candidate_step (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    candidate_id INTEGER NOT NULL REFERENCES party_candidate(id) ON DELETE CASCADE,
    step INTEGER NOT NULL CHECK (step BETWEEN 1 AND 25),
    done_on TEXT NOT NULL,
    outcome TEXT NOT NULL DEFAULT 'done'
        CHECK (outcome IN ('done', 'not_adopted', 'extended', 'not_approved', 'cancelled')),
    detail TEXT,
    note TEXT,
    recorded_by INTEGER REFERENCES app_user(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX party_candidate_step_of ON party_candidate_step (candidate_id, id);
