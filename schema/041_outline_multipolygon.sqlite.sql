-- 041, SQLite part: org_geometry may hold a MultiPolygon too, for a district's real
-- outline made of several pieces (data/divisions/hefei-outlines.geojson; grids and
-- communities stay Polygon, PUT /orgs/{id}/geometry takes Polygon and Point only).
-- SQLite cannot change a CHECK in place: the table is rebuilt, same columns, keys and
-- rows; the check written as kind = 'a' OR ... (no IN list, see 008). The migration
-- runner turns foreign keys off around the rebuild and checks them before the commit.
CREATE TABLE org_geometry_new (
    org_id INTEGER PRIMARY KEY REFERENCES org(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind = 'Polygon' OR kind = 'MultiPolygon' OR kind = 'Point'),
    geojson TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
INSERT INTO org_geometry_new (org_id, kind, geojson, updated_at)
    SELECT org_id, kind, geojson, updated_at FROM org_geometry;
DROP TABLE org_geometry;
ALTER TABLE org_geometry_new RENAME TO org_geometry;
