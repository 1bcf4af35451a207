-- 041, PostgreSQL part: org_geometry may hold a MultiPolygon too (a district's real
-- outline in several pieces; see the SQLite part).
ALTER TABLE org_geometry DROP CONSTRAINT org_geometry_kind_check;
ALTER TABLE org_geometry ADD CONSTRAINT org_geometry_kind_check
    CHECK (kind IN ('Polygon', 'MultiPolygon', 'Point'));
