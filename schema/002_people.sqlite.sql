-- 002, SQLite part: the geometry boxes in an R*Tree.
CREATE VIRTUAL TABLE org_geometry_box USING rtree (org_id, min_lng, max_lng, min_lat, max_lat);
