-- 001: the platform core: the organisation tree, party organisations, resident
-- units, users and their grants, sessions, idempotency keys and the audit chain.
-- Portable SQL: runs on SQLite 3.35+ and (through src/db/) PostgreSQL 15.
-- Ids are INTEGER PRIMARY KEY AUTOINCREMENT, so an id is never reused (the audit log
-- names rows by id); times are INTEGER unix seconds (UTC).

-- 组织体系: city 市 > district 区/县 > street 街道/乡镇 > community 社区/村 > grid 网格 > building 楼栋.
CREATE TABLE org (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    parent_id INTEGER REFERENCES org(id),
    level TEXT NOT NULL CHECK (level IN ('city', 'district', 'street', 'community', 'grid', 'building')),
    kind TEXT NOT NULL,
    code TEXT UNIQUE,                 -- GB/T 2260 based division code; NULL for grids/buildings without one
    name TEXT NOT NULL,
    path TEXT NOT NULL UNIQUE,        -- materialized path '/1/4/37/': a subtree is one range scan
    depth INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX org_parent ON org(parent_id, name);

-- 驻区单位: resident units (agencies, enterprises, schools, social organisations).
CREATE TABLE unit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES org(id),
    name TEXT NOT NULL,
    type TEXT NOT NULL CHECK (type IN ('agency', 'enterprise', 'non_public_enterprise', 'school', 'social_organisation')),
    credit_code TEXT UNIQUE,          -- 统一社会信用代码, optional
    address TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX unit_org ON unit(org_id, id);

-- 党组织: 党委 / 党工委 / 党总支 / 党支部 / 联合党支部 / 党小组, attached to an org node or a unit.
CREATE TABLE party_org (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES org(id),   -- where it sits (the unit's node when attached to a unit)
    unit_id INTEGER REFERENCES unit(id),
    parent_id INTEGER REFERENCES party_org(id),   -- the higher party organisation, optional
    kind TEXT NOT NULL CHECK (kind IN ('党委', '党工委', '党总支', '党支部', '联合党支部', '党小组')),
    name TEXT NOT NULL,
    secretary TEXT,                               -- 书记 name
    founded_on TEXT,                              -- YYYY-MM-DD
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX party_org_org ON party_org(org_id, id);
CREATE INDEX party_org_unit ON party_org(unit_id);

CREATE TABLE app_user (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    org_id INTEGER REFERENCES org(id),            -- the node the account belongs to; NULL: the whole system
    password_hash TEXT NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER NOT NULL DEFAULT 0,
    disabled INTEGER NOT NULL DEFAULT 0,
    lang TEXT NOT NULL DEFAULT 'zh-CN',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    password_changed_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX app_user_org ON app_user(org_id, id);

-- A grant gives a role over an org's whole subtree; org_id NULL: over everything.
CREATE TABLE user_grant (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES app_user(id),
    role TEXT NOT NULL CHECK (role IN ('admin', 'org_staff', 'grid_worker', 'party_member', 'resident', 'delegate', 'auditor')),
    org_id INTEGER REFERENCES org(id),
    created_by INTEGER,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX user_grant_unique ON user_grant(user_id, role, org_id);
CREATE INDEX user_grant_org ON user_grant(org_id);

-- Sessions (kind 'cookie') and API tokens (kind 'api'); only the SHA-256 of the token is kept.
CREATE TABLE session (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES app_user(id),
    kind TEXT NOT NULL CHECK (kind IN ('cookie', 'api')),
    name TEXT,
    csrf_token TEXT,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0,
    source TEXT
);
CREATE INDEX "session_user" ON session(user_id);  -- quoted: a reserved word in PostgreSQL

-- A creating POST with an Idempotency-Key answers what the first one did.
CREATE TABLE idempotency (
    user_id INTEGER NOT NULL,
    idem_key TEXT NOT NULL,
    route TEXT NOT NULL,
    request_hash TEXT NOT NULL,   -- SHA-256 of route, path and body: a key reused for another request is refused
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, idem_key)
);

-- The audit log: append-only, each row's MAC covers the previous row's.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor_id INTEGER NOT NULL,
    actor_name TEXT NOT NULL,
    source TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    org_id INTEGER NOT NULL,          -- 0: not tied to a node (system-wide)
    org_path TEXT NOT NULL,           -- the node's path then ('/' for system-wide), for scoped reading
    summary TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_path ON audit_log(org_path, id);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);

-- The newest audit row's id and MAC, so truncating the tail is detected too.
CREATE TABLE audit_head (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    last_id INTEGER NOT NULL,
    last_hash TEXT NOT NULL
);
