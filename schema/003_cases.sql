-- Casework (一线为民): residents' problems carried from report to rating through an
-- explicit state machine, with an append-only log of every transition.

-- Categories: a configurable tree; per category the time limit of each stage (hours)
-- and who handles it (an org node below, or a resident unit).
CREATE TABLE case_category (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    parent_id INTEGER REFERENCES case_category(id),
    code TEXT NOT NULL UNIQUE,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    accept_hours INTEGER NOT NULL,
    dispatch_hours INTEGER NOT NULL,
    claim_hours INTEGER NOT NULL,
    handle_hours INTEGER NOT NULL,
    verify_hours INTEGER NOT NULL,
    handler_kind TEXT NOT NULL CHECK (handler_kind IN ('org', 'unit')),
    sort INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1
);
INSERT INTO case_category (code, name_zh, name_en, accept_hours, dispatch_hours, claim_hours, handle_hours,
                           verify_hours, handler_kind, sort) VALUES
    ('sanitation', '环境卫生', 'sanitation', 4, 8, 4, 48, 24, 'org', 10),
    ('municipal', '市政设施', 'municipal facilities', 4, 8, 8, 120, 24, 'unit', 20),
    ('safety', '治安隐患', 'public safety hazard', 2, 4, 2, 24, 24, 'org', 30),
    ('dispute', '矛盾纠纷', 'dispute', 4, 8, 4, 72, 24, 'org', 40),
    ('livelihood', '民生服务', 'livelihood services', 8, 24, 8, 120, 48, 'org', 50),
    ('custom_help', '定制帮', 'custom help', 8, 24, 8, 72, 48, 'org', 60),
    ('other', '其他', 'other', 8, 24, 8, 120, 48, 'org', 70);

CREATE TABLE casefile (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tracking_code TEXT NOT NULL UNIQUE,
    category_id INTEGER NOT NULL REFERENCES case_category(id),
    source TEXT NOT NULL CHECK (source IN ('grid_worker', 'resident', 'hotline', 'open311')),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    lat REAL,
    lng REAL,
    building_id INTEGER REFERENCES org(id),
    org_id INTEGER NOT NULL REFERENCES org(id),      -- the grid it is in, or the community when in no grid
    outside_grid INTEGER NOT NULL DEFAULT 0,
    reporter_id INTEGER REFERENCES app_user(id),
    state TEXT NOT NULL CHECK (state IN ('reported', 'accepted', 'rejected', 'dispatched', 'handling', 'handled',
                                         'verified', 'closed', 'rated')),
    handler_org_id INTEGER REFERENCES org(id),
    handler_unit_id INTEGER REFERENCES unit(id),
    handler_user_id INTEGER REFERENCES app_user(id),
    stage_deadline INTEGER,
    close_due_at INTEGER,         -- when the whole case should be closed, from its category
    returns INTEGER NOT NULL DEFAULT 0,
    escalation_level INTEGER NOT NULL DEFAULT 0,   -- 0 none, 1 the street, 2 the district (吹哨)
    escalated_org_id INTEGER REFERENCES org(id),
    merged_into INTEGER REFERENCES casefile(id),
    supervised_org_id INTEGER REFERENCES org(id),  -- 督办: the higher level watching it
    supervise_deadline INTEGER,
    rating TEXT CHECK (rating IN ('满意', '基本满意', '不满意')),
    rating_comment TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    handled_at INTEGER,
    closed_at INTEGER,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX casefile_org ON casefile (org_id, id);
CREATE INDEX casefile_state ON casefile (state, stage_deadline);
CREATE INDEX casefile_handler_org ON casefile (handler_org_id);

CREATE TABLE case_event (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL REFERENCES casefile(id),
    at INTEGER NOT NULL,
    actor_id INTEGER NOT NULL,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    note TEXT
);
CREATE INDEX case_event_case ON case_event (case_id, id);

-- Each escalation happens once per case, stage deadline and level, whatever restarts
-- or timers run in between.
CREATE TABLE case_escalation (
    case_id INTEGER NOT NULL REFERENCES casefile(id),
    deadline INTEGER NOT NULL,
    level INTEGER NOT NULL,
    org_id INTEGER NOT NULL REFERENCES org(id),
    at INTEGER NOT NULL,
    PRIMARY KEY (case_id, deadline, level)
);

-- Photos of a case (JPEG, PNG or WebP, type from the bytes, at most 10 MiB).
CREATE TABLE case_photo (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL REFERENCES casefile(id),
    mime TEXT NOT NULL CHECK (mime IN ('image/jpeg', 'image/png', 'image/webp')),
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    bytes BLOB NOT NULL,
    actor_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX case_photo_case ON case_photo (case_id, id);
