-- The casefile table rebuilt with its value checks written as x = 'a' OR x = 'b' ...
-- instead of x IN ('a', 'b', ...): SQLite builds each IN list of more than two values
-- as a temporary index on every run of the statement, about 7 µs per new case of the
-- writer's time (bench/RESULTS.md, Run 3); the OR form accepts the same values for a
-- tenth of that. Same columns in the same order, same keys, indexes, id sequence and
-- rows. The migration runner turns SQLite's foreign keys off around migrations and
-- checks them before each commit (src/db/migrate.c), as a table rebuild needs.
-- PostgreSQL keeps its IN lists (cheap there): 008_casefile_checks.postgres.sql.
CREATE TABLE casefile_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tracking_code TEXT NOT NULL UNIQUE,
    category_id INTEGER NOT NULL REFERENCES case_category(id),
    source TEXT NOT NULL CHECK (source = 'grid_worker' OR source = 'resident' OR source = 'hotline'
                                OR source = 'open311'),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    lat REAL,
    lng REAL,
    building_id INTEGER REFERENCES org(id),
    org_id INTEGER NOT NULL REFERENCES org(id),      -- the grid it is in, or the community when in no grid
    outside_grid INTEGER NOT NULL DEFAULT 0,
    reporter_id INTEGER REFERENCES app_user(id),
    state TEXT NOT NULL CHECK (state = 'reported' OR state = 'accepted' OR state = 'rejected'
                               OR state = 'dispatched' OR state = 'handling' OR state = 'handled'
                               OR state = 'verified' OR state = 'closed' OR state = 'rated'),
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
    rating TEXT CHECK (rating = '满意' OR rating = '基本满意' OR rating = '不满意'),
    rating_comment TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    handled_at INTEGER,
    closed_at INTEGER,
    version INTEGER NOT NULL DEFAULT 1
);
INSERT INTO casefile_new SELECT * FROM casefile;
-- The id sequence goes on where it was (ids are never reused), not at the highest id left.
DELETE FROM sqlite_sequence WHERE name = 'casefile_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'casefile_new', seq FROM sqlite_sequence WHERE name = 'casefile';
DROP TABLE casefile;
ALTER TABLE casefile_new RENAME TO casefile;
CREATE INDEX casefile_org ON casefile (org_id, id);
CREATE INDEX casefile_state ON casefile (state, stage_deadline);
CREATE INDEX casefile_handler_org ON casefile (handler_org_id);
CREATE INDEX casefile_close_due ON casefile (close_due_at);
CREATE INDEX casefile_created ON casefile (created_at);
CREATE INDEX casefile_closed ON casefile (closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX casefile_open_deadline ON casefile (org_id, stage_deadline)
    WHERE state IN ('reported', 'accepted', 'dispatched', 'handling', 'handled', 'verified');
