-- 024: 述职评议 (docs/review.md). A session held by an org node for a year; the
-- secretaries reporting (cadres in the post 书记 at nodes below it) with their
-- report, last year's rectification status, the superior's comment (点评), the
-- questions put (质询) and answered, and, once the session closes, the count and
-- the confirmed grade; the delegates' roster (a keyed hash of each one-time
-- code, never the code).
--
-- Secrecy: a reporter's ballots are one text kept with the reporter
-- (review_reporter.ballots): records of a token (32 hex characters) and a grade
-- (one digit: good, fairly_good, average, poor, unknown), sorted by token,
-- rewritten on every vote: no ballot has an id, a time or a row of its own whose
-- place could follow the voting order. token = a keyed hash (server key) of the delegate's code and
-- the reporter, so the same delegate replaces their ballot, and nothing in the
-- database leads from a token to a roster row. That a delegate voted is kept
-- apart (review_voted: delegate and reporter, no grade, no time).
CREATE TABLE review_session (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES org(id),          -- the holding org
    year INTEGER NOT NULL,
    held_on TEXT NOT NULL,                                -- YYYY-MM-DD
    title TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'open',                   -- open, closed
    closed_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX review_session_org ON review_session (org_id, id);

CREATE TABLE review_reporter (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id INTEGER NOT NULL REFERENCES review_session(id),
    cadre_id INTEGER NOT NULL REFERENCES cadre(id),
    org_id INTEGER NOT NULL REFERENCES org(id),           -- the secretary's node
    report TEXT,
    rectification TEXT,                                   -- last year's rectification status
    comment TEXT,                                         -- the superior's 点评 (a hook for the rectification list)
    ballots TEXT NOT NULL DEFAULT '',                     -- token+grade records sorted by token (see above)
    counted TEXT,                                         -- the count at close (JSON)
    proposed_grade TEXT,
    final_grade TEXT,
    final_reason TEXT,
    confirmed_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (session_id, cadre_id)
);
CREATE INDEX review_reporter_org ON review_reporter (org_id);

CREATE TABLE review_question (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    reporter_id INTEGER NOT NULL REFERENCES review_reporter(id),
    question TEXT NOT NULL,
    answer TEXT,
    asked_at INTEGER NOT NULL,
    answered_at INTEGER
);
CREATE INDEX review_question_reporter ON review_question (reporter_id, id);

CREATE TABLE review_delegate (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id INTEGER NOT NULL REFERENCES review_session(id),
    name TEXT NOT NULL,
    code_hash TEXT NOT NULL UNIQUE,                       -- keyed hash of the one-time code
    created_at INTEGER NOT NULL
);
CREATE INDEX review_delegate_session ON review_delegate (session_id, id);

CREATE TABLE review_voted (
    delegate_id INTEGER NOT NULL REFERENCES review_delegate(id),
    reporter_id INTEGER NOT NULL REFERENCES review_reporter(id),
    PRIMARY KEY (delegate_id, reporter_id)
);
CREATE INDEX review_voted_reporter ON review_voted (reporter_id);
