-- 002, PostgreSQL part.
-- The geometry boxes: a plain table answering the same containment query
-- (min_lng <= x AND max_lng >= x AND min_lat <= y AND max_lat >= y) through a
-- B-tree on one corner; a city has thousands of grids, not millions.
CREATE TABLE org_geometry_box (
    org_id INTEGER PRIMARY KEY,
    min_lng REAL NOT NULL,
    max_lng REAL NOT NULL,
    min_lat REAL NOT NULL,
    max_lat REAL NOT NULL
);
CREATE INDEX org_geometry_box_corner ON org_geometry_box (min_lng, min_lat);

-- SQLite built-ins the shared SQL uses, as PostgreSQL aggregates of the same name
-- and meaning: group_concat(text, separator) and SUM over a boolean condition
-- (SQLite counts a true condition as 1).
CREATE FUNCTION jiceng_concat_step(acc TEXT, value TEXT, sep TEXT) RETURNS TEXT
    LANGUAGE SQL IMMUTABLE
    AS $$ SELECT CASE WHEN value IS NULL THEN acc WHEN acc IS NULL THEN value ELSE acc || sep || value END $$;
CREATE AGGREGATE group_concat(TEXT, TEXT) (SFUNC = jiceng_concat_step, STYPE = TEXT);

CREATE FUNCTION jiceng_bool_sum_step(acc INTEGER, value BOOLEAN) RETURNS INTEGER
    LANGUAGE SQL IMMUTABLE
    AS $$ SELECT CASE WHEN value IS NULL THEN acc ELSE COALESCE(acc, 0) + CASE WHEN value THEN 1 ELSE 0 END END $$;
CREATE AGGREGATE sum(BOOLEAN) (SFUNC = jiceng_bool_sum_step, STYPE = INTEGER);
