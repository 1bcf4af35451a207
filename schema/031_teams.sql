-- 031: volunteer teams and service teams (docs/teams.md). A team sits at an
-- org node; its members are persons (residents or party members; a service
-- team's retired member names the enterprise they retired from). A volunteer
-- activity of a team has a random check-in token (the QR code's target);
-- a member's sign-up records the server's times of check-in and check-out,
-- the minutes they give (capped by the activity's times) and who verified
-- them: only verified minutes count. A service team's visits to the
-- non-public enterprises of its area may turn a problem into a case.
CREATE TABLE team (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES org(id),
    kind TEXT NOT NULL CHECK (kind IN ('volunteer', 'service')),
    name TEXT NOT NULL,
    leader_name TEXT,
    description TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX team_org ON team (org_id, id);

CREATE TABLE team_member (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id INTEGER NOT NULL REFERENCES team(id),
    person_id INTEGER NOT NULL REFERENCES person(id),
    retired_from_unit_id INTEGER REFERENCES unit(id), -- a service team's retired member: the enterprise
    joined_on TEXT NOT NULL,                          -- YYYY-MM-DD
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX team_member_unique ON team_member (team_id, person_id);
CREATE INDEX team_member_person ON team_member (person_id);

CREATE TABLE team_activity (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id INTEGER NOT NULL REFERENCES team(id),
    org_id INTEGER NOT NULL REFERENCES org(id),       -- the team's node (scope)
    title TEXT NOT NULL,
    place TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    capacity INTEGER NOT NULL,
    token TEXT NOT NULL UNIQUE,                       -- 32 random hex digits: /checkin/<token>
    created_by INTEGER REFERENCES app_user(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX team_activity_team ON team_activity (team_id, starts_at);
CREATE INDEX team_activity_org ON team_activity (org_id, starts_at);

CREATE TABLE team_signup (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id INTEGER NOT NULL REFERENCES team_activity(id),
    person_id INTEGER NOT NULL REFERENCES person(id),
    signed_by INTEGER REFERENCES app_user(id),
    signed_at INTEGER NOT NULL,
    checkin_at INTEGER,
    checkout_at INTEGER,
    minutes INTEGER,                                  -- at check-out: capped by the activity's times
    verified_by INTEGER REFERENCES app_user(id),
    verified_at INTEGER
);
CREATE UNIQUE INDEX team_signup_unique ON team_signup (activity_id, person_id);
CREATE INDEX team_signup_person ON team_signup (person_id, verified_at);

CREATE TABLE enterprise_visit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id INTEGER NOT NULL REFERENCES team(id),
    org_id INTEGER NOT NULL REFERENCES org(id),       -- the team's node (scope)
    unit_id INTEGER NOT NULL REFERENCES unit(id),     -- a non_public_enterprise in the team's subtree
    visited_on TEXT NOT NULL,                         -- YYYY-MM-DD
    month TEXT NOT NULL,                              -- YYYY-MM of visited_on (the monthly figure)
    branch_state TEXT NOT NULL,
    problems TEXT,
    help_given TEXT,
    follow_up TEXT,
    case_id INTEGER REFERENCES casefile(id),
    created_by INTEGER REFERENCES app_user(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX enterprise_visit_team ON enterprise_visit (team_id, month);
CREATE INDEX enterprise_visit_org ON enterprise_visit (org_id, month);
CREATE INDEX enterprise_visit_unit ON enterprise_visit (unit_id, month);
