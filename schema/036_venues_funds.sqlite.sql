-- 036, SQLite part: the standard of each venue record and the tier of each
-- operating funds record, from the norms in force at its node in its year
-- (docs/norms.md: of the norms issued at the node or above with year_from <=
-- the year, the nearest issuer's latest), as views: the lists, their filters
-- and the kept figures (venue., funds.) read the same rows. Only the reading of
-- a norm's JSON value differs between the dialects.
--
-- venue_standard: min_x10, the venue.min_area share of the node's kind in
-- tenths of m²; per_household_x10, venue.area_per_100_households x the
-- record's households / 100 in tenths (rounded down; NULL without households);
-- standard_x10, the higher of the two that apply (NULL: neither does).
CREATE VIEW venue_standard AS
SELECT x.id, x.min_x10, x.per_household_x10,
       CASE WHEN x.min_x10 IS NULL THEN x.per_household_x10
            WHEN x.per_household_x10 IS NULL OR x.min_x10 >= x.per_household_x10 THEN x.min_x10
            ELSE x.per_household_x10 END AS standard_x10
FROM (SELECT v.id,
             (SELECT CAST(ROUND(json_extract(n.value, '$.' || o.kind) * 10) AS INTEGER)
              FROM norm n JOIN org i ON i.id = n.org_id WHERE n.key = 'venue.min_area' AND n.year_from <= v.year AND substr(o.path, 1, length(i.path)) = i.path ORDER BY length(i.path) DESC, n.year_from DESC LIMIT 1) AS min_x10,
             CASE WHEN v.households IS NULL THEN NULL ELSE
             (SELECT CAST(ROUND(CAST(n.value AS REAL) * 10) AS INTEGER) * v.households / 100
              FROM norm n JOIN org i ON i.id = n.org_id WHERE n.key = 'venue.area_per_100_households' AND n.year_from <= v.year AND substr(o.path, 1, length(i.path)) = i.path ORDER BY length(i.path) DESC, n.year_from DESC LIMIT 1) END AS per_household_x10
      FROM venue v JOIN org o ON o.id = v.org_id) x;

-- fund_tier: tier, 1 + the cut-offs of funds.population_tiers at or below the
-- record's population (NULL: no tier norm applies: unclassified).
CREATE VIEW fund_tier AS
SELECT f.id,
       (SELECT 1 + (SELECT COUNT(*) FROM json_each(n.value) c WHERE c.value <= f.population)
        FROM norm n JOIN org i ON i.id = n.org_id WHERE n.key = 'funds.population_tiers' AND n.year_from <= f.year AND substr(o.path, 1, length(i.path)) = i.path ORDER BY length(i.path) DESC, n.year_from DESC LIMIT 1) AS tier
FROM operating_fund f JOIN org o ON o.id = f.org_id;
