-- 037: village collective economy (村级集体经济, docs/village-economy.md). One
-- account per village (org.kind = 'village') and year, integer yuan. Operating
-- income (经营性收入) is the sum of the three operating items; subsidies and
-- other income are kept apart and never count towards a village's band. The
-- band (strong, general, weak, shell = 空壳村) is not stored: it comes from the
-- village.income_bands norm in force at the village that year.
CREATE TABLE village_account (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES org(id),  -- the village
    year INTEGER NOT NULL,
    contracting INTEGER NOT NULL DEFAULT 0,      -- 发包上交 (operating)
    investment INTEGER NOT NULL DEFAULT 0,       -- 投资收益 (operating)
    business INTEGER NOT NULL DEFAULT 0,         -- 经营收入 (operating)
    subsidy INTEGER NOT NULL DEFAULT 0,          -- 补助 (not operating)
    other_income INTEGER NOT NULL DEFAULT 0,     -- 其他 (not operating)
    assets INTEGER,                              -- total assets at the year's end
    measures TEXT,                               -- JSON array of the measures' codes
    note TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (org_id, year)
);
CREATE INDEX village_account_year ON village_account (year, org_id);
