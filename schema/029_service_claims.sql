-- 029: service posts (认领服务岗位) and 微心愿 (docs/service-claims.md).
-- A post is a slot of service at a community (category, date, start and end
-- minute of the day, capacity); in-service party members reported to that
-- community claim it. `claimed` counts the live claims and never passes
-- `capacity`: a claim is one conditional UPDATE (claimed < capacity) plus its
-- row, so no interleaving of requests can overfill a post.
CREATE TABLE service_post (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES org(id),
    category TEXT NOT NULL,
    title TEXT NOT NULL,
    content TEXT,
    served_on TEXT NOT NULL,          -- YYYY-MM-DD
    start_min INTEGER NOT NULL,       -- minutes of the day, Asia/Shanghai
    end_min INTEGER NOT NULL,
    capacity INTEGER NOT NULL CHECK (capacity >= 1),
    claimed INTEGER NOT NULL DEFAULT 0 CHECK (claimed >= 0 AND claimed <= capacity),
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'cancelled')),
    cancel_reason TEXT,
    created_by INTEGER REFERENCES app_user(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    CHECK (end_min > start_min)
);
CREATE INDEX service_post_org ON service_post (org_id, served_on);

-- A member's claim of a post: claimed → withdrawn (before the slot starts) or
-- attended / absent (the community's confirmation; attended adds a verified
-- service record). One claim that is not withdrawn per member and post.
CREATE TABLE post_claim (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    post_id INTEGER NOT NULL REFERENCES service_post(id),
    person_id INTEGER NOT NULL REFERENCES person(id),
    state TEXT NOT NULL DEFAULT 'claimed' CHECK (state IN ('claimed', 'withdrawn', 'attended', 'absent')),
    claimed_at INTEGER NOT NULL,
    ended_at INTEGER,
    ended_by INTEGER REFERENCES app_user(id),
    record_id INTEGER,                -- the service record attendance added
    version INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX post_claim_live ON post_claim (post_id, person_id) WHERE state <> 'withdrawn';
CREATE INDEX post_claim_person ON post_claim (person_id, id);

-- A 微心愿 for a household in need (core/wishfsm.c for its states). org_id is
-- the household's node; one open wish per household (the partial unique index
-- holds it under any concurrency); one live claim per wish (claim_id, set by
-- one conditional UPDATE from 'published').
CREATE TABLE wish (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES org(id),
    household_id INTEGER NOT NULL REFERENCES household(id),
    beneficiary_id INTEGER NOT NULL REFERENCES person(id),
    kind TEXT NOT NULL CHECK (kind IN ('实物', '服务')),
    value_fen INTEGER NOT NULL CHECK (value_fen >= 0),
    content TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'collecting',
    posted_by INTEGER REFERENCES app_user(id),
    by_staff INTEGER NOT NULL DEFAULT 0,   -- posted by a grid worker or staff for the household
    return_reason TEXT,
    cancel_reason TEXT,
    claim_id INTEGER,                      -- the live (or fulfilling) claim
    published_at INTEGER,
    fulfilled_on TEXT,                     -- YYYY-MM-DD: the figures count a wish by it
    start_min INTEGER,
    end_min INTEGER,
    fulfil_note TEXT,
    confirmed_at INTEGER,
    confirmed_by INTEGER REFERENCES app_user(id),
    confirmed_for INTEGER NOT NULL DEFAULT 0, -- confirmed by a grid worker on the beneficiary's behalf
    record_id INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX wish_org ON wish (org_id, id);
CREATE INDEX wish_state ON wish (state, org_id);
CREATE UNIQUE INDEX wish_open_household ON wish (household_id)
    WHERE state IN ('collecting', 'checking', 'published', 'claimed', 'fulfilled');

CREATE TABLE wish_claim (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    wish_id INTEGER NOT NULL REFERENCES wish(id),
    person_id INTEGER NOT NULL REFERENCES person(id),
    state TEXT NOT NULL DEFAULT 'live' CHECK (state IN ('live', 'withdrawn', 'expired', 'done')),
    claimed_at INTEGER NOT NULL,
    ended_at INTEGER
);
CREATE UNIQUE INDEX wish_claim_live ON wish_claim (wish_id) WHERE state = 'live';
CREATE INDEX wish_claim_person ON wish_claim (person_id, id);
CREATE INDEX wish_claim_open ON wish_claim (state, claimed_at);

-- A wish's history: every move, who made it, a reason.
CREATE TABLE wish_event (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    wish_id INTEGER NOT NULL REFERENCES wish(id),
    action TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    reason TEXT,
    at INTEGER NOT NULL,
    user_id INTEGER REFERENCES app_user(id)
);
CREATE INDEX wish_event_wish ON wish_event (wish_id, id);
