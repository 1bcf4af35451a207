-- 019: norms (规则参数): the thresholds, weights, grade bands and quotas the
-- modules apply, each set by an issuing org node and in force from a year on.
-- What applies at a node in a year: of the norms of that key issued by the node
-- or a node above it with year_from <= the year, the nearest issuer's latest
-- (a district's own rule refines the city's). value is JSON of the key's kind,
-- as the catalogue in src/api/norm.c declares and checks it.
CREATE TABLE norm (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES org(id),
    key TEXT NOT NULL,
    year_from INTEGER NOT NULL,
    value TEXT NOT NULL,
    basis TEXT,                       -- the document it rests on: 文号 or title
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (org_id, key, year_from)
);
CREATE INDEX norm_key ON norm (key, org_id, year_from);
