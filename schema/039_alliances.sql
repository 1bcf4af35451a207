-- 039: regional party alliances (区域化党建联盟, docs/alliances.md). An alliance
-- is led from an org node (a street or district, usually) and optionally by a
-- party organisation there; territorial (区域型) or industrial (行业/产业型);
-- founded on a date, dissolved on another (optional). Its members are resident
-- units, party organisations or org nodes, each once, with a role. Joint
-- meetings (联席会议) list the members that attended. Three lists: needs,
-- resources and projects, each item raised by a member; a member offers to
-- take an item (a claim), the item's raiser accepts one offer, and the item is
-- completed with a date and a note.
CREATE TABLE alliance (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES org(id),            -- the lead node (scope, figures)
    party_org_id INTEGER REFERENCES party_org(id),         -- the leading party organisation, optional
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('territorial', 'industrial')),
    founded_on TEXT NOT NULL,                              -- YYYY-MM-DD
    dissolved_on TEXT,                                     -- YYYY-MM-DD, not before founded_on
    description TEXT,
    created_by INTEGER REFERENCES app_user(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX alliance_org ON alliance (org_id, id);

CREATE TABLE alliance_member (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alliance_id INTEGER NOT NULL REFERENCES alliance(id),
    unit_id INTEGER REFERENCES unit(id),                   -- exactly one of the three
    party_org_id INTEGER REFERENCES party_org(id),
    member_org_id INTEGER REFERENCES org(id),
    role TEXT NOT NULL CHECK (role IN ('lead', 'rotating_chair', 'member')),
    joined_on TEXT NOT NULL,                               -- YYYY-MM-DD
    created_at INTEGER NOT NULL,
    CHECK ((CASE WHEN unit_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN party_org_id IS NULL THEN 0 ELSE 1 END)
           + (CASE WHEN member_org_id IS NULL THEN 0 ELSE 1 END) = 1)
);
CREATE UNIQUE INDEX alliance_member_unit ON alliance_member (alliance_id, unit_id);
CREATE UNIQUE INDEX alliance_member_party_org ON alliance_member (alliance_id, party_org_id);
CREATE UNIQUE INDEX alliance_member_org ON alliance_member (alliance_id, member_org_id);

CREATE TABLE alliance_meeting (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alliance_id INTEGER NOT NULL REFERENCES alliance(id),
    held_on TEXT NOT NULL,                                 -- YYYY-MM-DD
    topic TEXT NOT NULL,
    minutes TEXT,                                          -- 会议纪要 / decisions
    created_by INTEGER REFERENCES app_user(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX alliance_meeting_alliance ON alliance_meeting (alliance_id, held_on);

CREATE TABLE alliance_attendee (
    meeting_id INTEGER NOT NULL REFERENCES alliance_meeting(id),
    member_id INTEGER NOT NULL REFERENCES alliance_member(id),
    PRIMARY KEY (meeting_id, member_id)
);

CREATE TABLE alliance_item (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alliance_id INTEGER NOT NULL REFERENCES alliance(id),
    list TEXT NOT NULL CHECK (list IN ('need', 'resource', 'project')),
    title TEXT NOT NULL,
    detail TEXT,
    raised_by INTEGER NOT NULL REFERENCES alliance_member(id),
    raised_on TEXT NOT NULL,                               -- YYYY-MM-DD
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'taken', 'done', 'withdrawn')),
    taken_by INTEGER REFERENCES alliance_member(id),       -- the accepted claim's member
    done_on TEXT,                                          -- YYYY-MM-DD
    done_note TEXT,
    created_by INTEGER REFERENCES app_user(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX alliance_item_alliance ON alliance_item (alliance_id, list, id);

CREATE TABLE alliance_claim (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id INTEGER NOT NULL REFERENCES alliance_item(id),
    member_id INTEGER NOT NULL REFERENCES alliance_member(id),
    resource_id INTEGER REFERENCES alliance_item(id),      -- an offer to a need may name the member's resource
    note TEXT,
    state TEXT NOT NULL DEFAULT 'offered' CHECK (state IN ('offered', 'accepted', 'declined')),
    offered_on TEXT NOT NULL,                              -- YYYY-MM-DD
    decided_on TEXT,
    created_by INTEGER REFERENCES app_user(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX alliance_claim_item ON alliance_claim (item_id, id);
