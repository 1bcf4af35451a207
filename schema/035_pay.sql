-- 035: 村/社区干部报酬 (docs/pay.md). A pay record: what a resident holding a
-- post at a community or village node was paid in a year, in integer yuan
-- (basic, performance (考核), income-growth reward, other); one per person,
-- node, post and year. A benchmark: a county's or district's (or the city's)
-- amounts of a year that the pay standard (norm pay.standard) is measured
-- against: a new civil servant's pay (新招录公务员工资) and the rural
-- per-capita disposable income (农村居民人均可支配收入), either may be absent.
CREATE TABLE pay_record (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES org(id),
    person_id INTEGER NOT NULL REFERENCES person(id),
    post TEXT NOT NULL CHECK (post IN ('secretary', 'director', 'secretary_director', 'deputy_secretary',
                                       'deputy_director', 'member', 'other')),
    year INTEGER NOT NULL,
    basic INTEGER NOT NULL DEFAULT 0,
    performance INTEGER NOT NULL DEFAULT 0,
    growth_reward INTEGER NOT NULL DEFAULT 0,
    other INTEGER NOT NULL DEFAULT 0,
    note TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX pay_record_unique ON pay_record (person_id, org_id, post, year);
CREATE INDEX pay_record_org_year ON pay_record (org_id, year);

CREATE TABLE pay_benchmark (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES org(id),
    year INTEGER NOT NULL,
    civil_servant_pay INTEGER,
    rural_income INTEGER,
    basis TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX pay_benchmark_unique ON pay_benchmark (org_id, year);
CREATE INDEX pay_benchmark_year ON pay_benchmark (year, org_id);
