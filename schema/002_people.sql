-- People: households, residents, their tags, party members and cadres, and the
-- per-node rollups the dashboards read. Personal identifiers are stored only
-- encrypted (AEAD under the key file's PII key) with a keyed hash for exact
-- lookup and the last four characters for search by tail.

-- The tags residents can carry (独居老人, 低保户, ...): a configurable list.
CREATE TABLE person_tag_kind (
    code TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    sort INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1
);
INSERT INTO person_tag_kind (code, name_zh, name_en, sort) VALUES
    ('elderly_alone', '独居老人', 'elderly living alone', 10),
    ('empty_nest', '空巢老人', 'empty-nest elderly', 20),
    ('disabled', '残疾人', 'person with disability', 30),
    ('low_income', '低保户', 'minimum living allowance', 40),
    ('poverty_monitored', '脱贫户/监测户', 'lifted from poverty / monitored', 50),
    ('veteran', '退役军人', 'veteran', 60),
    ('left_behind_child', '留守儿童', 'left-behind child', 70),
    ('key_attention', '重点关注', 'needs close attention', 80);

-- 户: lives in a building (or directly in a grid or community before buildings are mapped).
CREATE TABLE household (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES org(id),
    address TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX household_org ON household (org_id, id);

CREATE TABLE person (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES org(id),
    household_id INTEGER REFERENCES household(id),
    relation TEXT CHECK (relation IN ('户主', '配偶', '子女', '父母', '祖父母', '孙子女', '兄弟姐妹', '其他')),
    name TEXT NOT NULL,
    gender TEXT NOT NULL CHECK (gender IN ('M', 'F')),
    birth_date TEXT NOT NULL,
    id_card_enc TEXT NOT NULL,
    id_card_hash TEXT NOT NULL UNIQUE,
    id_card_masked TEXT NOT NULL,    -- 340104********1234: what every answer shows
    id_card_tail TEXT NOT NULL,
    phone_enc TEXT,
    phone_hash TEXT,
    phone_masked TEXT,               -- 138****5678
    phone_tail TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX person_org ON person (org_id, id);
CREATE INDEX person_household ON person (household_id);
CREATE INDEX person_phone ON person (phone_hash);
CREATE INDEX person_name ON person (name);
CREATE INDEX person_id_tail ON person (id_card_tail);
CREATE INDEX person_phone_tail ON person (phone_tail);

CREATE TABLE person_tag (
    person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
    tag TEXT NOT NULL REFERENCES person_tag_kind(code),
    PRIMARY KEY (person_id, tag)
);
CREATE INDEX person_tag_tag ON person_tag (tag, person_id);

-- 党员: a resident's membership. registered_org_id is the residential community an
-- in-service member reported to (报到).
CREATE TABLE party_member (
    person_id INTEGER PRIMARY KEY REFERENCES person(id) ON DELETE CASCADE,
    party_org_id INTEGER NOT NULL REFERENCES party_org(id),
    status TEXT NOT NULL CHECK (status IN ('正式', '预备')),
    joined_on TEXT NOT NULL,
    in_service INTEGER NOT NULL DEFAULT 0,
    employer_unit_id INTEGER REFERENCES unit(id),
    registered_org_id INTEGER REFERENCES org(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX party_member_org ON party_member (party_org_id);
CREATE INDEX party_member_registered ON party_member (registered_org_id);

-- 干部 and 网格员: posts held at an org node for a term.
CREATE TABLE cadre (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id INTEGER NOT NULL REFERENCES person(id),
    org_id INTEGER NOT NULL REFERENCES org(id),
    post TEXT NOT NULL CHECK (post IN ('书记', '主任', '两委委员', '网格员')),
    term_start TEXT NOT NULL,
    term_end TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX cadre_org ON cadre (org_id);
CREATE INDEX cadre_person ON cadre (person_id);

-- Rollups: for every node, the figures of its whole subtree, kept on every write
-- up the path, so a dashboard reads a handful of rows.
CREATE TABLE org_figure (
    org_id INTEGER NOT NULL REFERENCES org(id) ON DELETE CASCADE,
    figure TEXT NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (org_id, figure)
);

-- Geometry: a GeoJSON polygon per grid (and any area node), a point per building.
-- The bounding boxes (org_geometry_box: org_id, min_lng, max_lng, min_lat, max_lat)
-- serve candidate search, the exact test is ours; the table is per dialect
-- (002_people.sqlite.sql, 002_people.postgres.sql).
CREATE TABLE org_geometry (
    org_id INTEGER PRIMARY KEY REFERENCES org(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('Polygon', 'Point')),
    geojson TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
