-- 022: duty lists (书记抓基层党建责任清单): a list per secretary (a cadre in the
-- post 书记) per year, at the secretary's org node. States (core/dutyfsm.c):
-- draft → review → signed → published, review → draft on a return (with its
-- reason). Items say what (抓什么), how (怎么抓), by when, the indicator and
-- the evidence; an item issued by a node above (duty_common) is copied into
-- every list below it for the year, marked with its issuer. Progress is
-- reported per item; the level above reviews each list once a quarter. Every
-- move is kept in duty_event (and audited).
CREATE TABLE duty_list (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES org(id),
    cadre_id INTEGER NOT NULL REFERENCES cadre(id),
    year INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'draft',
    return_reason TEXT,               -- the last return's reason, until the next submit
    signed_at INTEGER,
    published_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (cadre_id, year)
);
CREATE INDEX duty_list_org ON duty_list (org_id, year);

-- A common item issued by a node to every list below it for a year.
CREATE TABLE duty_common (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES org(id),
    year INTEGER NOT NULL,
    what TEXT NOT NULL,
    how TEXT NOT NULL,
    deadline TEXT NOT NULL,           -- YYYY-MM-DD
    indicator TEXT,
    evidence TEXT,
    secretary_project INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE INDEX duty_common_org ON duty_common (org_id, year);

CREATE TABLE duty_item (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    list_id INTEGER NOT NULL REFERENCES duty_list(id),
    common_id INTEGER REFERENCES duty_common(id),   -- issued from above; the list's node may not change it
    what TEXT NOT NULL,
    how TEXT NOT NULL,
    deadline TEXT NOT NULL,
    indicator TEXT,
    evidence TEXT,
    secretary_project INTEGER NOT NULL DEFAULT 0,  -- 书记项目
    done INTEGER NOT NULL DEFAULT 0,
    done_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX duty_item_list ON duty_item (list_id);
CREATE INDEX duty_item_common ON duty_item (common_id);

CREATE TABLE duty_progress (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id INTEGER NOT NULL REFERENCES duty_item(id),
    note TEXT NOT NULL,
    done INTEGER NOT NULL,
    at INTEGER NOT NULL,
    user_id INTEGER REFERENCES app_user(id)
);
CREATE INDEX duty_progress_item ON duty_progress (item_id, id);

-- The level above's review of a list, one per quarter.
CREATE TABLE duty_review (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    list_id INTEGER NOT NULL REFERENCES duty_list(id),
    quarter INTEGER NOT NULL,
    rating TEXT NOT NULL,
    comment TEXT NOT NULL,
    at INTEGER NOT NULL,
    user_id INTEGER REFERENCES app_user(id),
    UNIQUE (list_id, quarter)
);

-- The list's history: every move, who made it, and a return's reason.
CREATE TABLE duty_event (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    list_id INTEGER NOT NULL REFERENCES duty_list(id),
    action TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    reason TEXT,
    at INTEGER NOT NULL,
    user_id INTEGER REFERENCES app_user(id)
);
CREATE INDEX duty_event_list ON duty_event (list_id, id);
