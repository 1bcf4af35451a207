-- 036: venues (党群服务中心/阵地) and operating funds (运转经费) of communities
-- and villages, per node and year (docs/venues-funds.md). Their standards and
-- tiers come from norms (venue.min_area, venue.area_per_100_households,
-- funds.population_tiers) and their figures are kept in year_figure
-- (venue., funds.).
--
-- A venue record: the node's venue in a year: its area in tenths of a square
-- metre, its functions (a JSON array of codes), its address, and the
-- households the per-household norm reads: the registry's count at entry
-- (households_source 'registry') or a figure entered where the registry is
-- incomplete ('entered'); NULL: none known, the per-household norm is not applied.
CREATE TABLE venue (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES org(id),
    year INTEGER NOT NULL,
    name TEXT,
    area_x10 INTEGER NOT NULL CHECK (area_x10 > 0),
    functions TEXT,                      -- a JSON array of function codes (venue.c)
    address TEXT,
    households INTEGER CHECK (households IS NULL OR households >= 0),
    households_source TEXT CHECK (households_source IS NULL OR households_source IN ('registry', 'entered')),
    note TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (org_id, year)
);
CREATE INDEX venue_year ON venue (year, org_id);

-- An operating funds record: the node's funds in a year by component, in
-- yuan, and the population its tier is read from, fixed when entered: the
-- registry's residents at the node then ('registry') or a figure entered
-- where the registry is incomplete ('entered').
CREATE TABLE operating_fund (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES org(id),
    year INTEGER NOT NULL,
    basic_pay INTEGER NOT NULL DEFAULT 0 CHECK (basic_pay >= 0),
    office INTEGER NOT NULL DEFAULT 0 CHECK (office >= 0),
    service_ops INTEGER NOT NULL DEFAULT 0 CHECK (service_ops >= 0),
    special_fund INTEGER NOT NULL DEFAULT 0 CHECK (special_fund >= 0),
    others INTEGER NOT NULL DEFAULT 0 CHECK (others >= 0),
    population INTEGER NOT NULL DEFAULT 0 CHECK (population >= 0),
    population_source TEXT NOT NULL DEFAULT 'registry' CHECK (population_source IN ('registry', 'entered')),
    note TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (org_id, year)
);
CREATE INDEX operating_fund_year ON operating_fund (year, org_id);
