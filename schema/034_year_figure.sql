-- 034: kept yearly figures (docs/figures.md). For each org node, year and
-- figure: `own`, what the node's own records give, and `total`, the sum of
-- `own` over the node's subtree (itself included). Written only through
-- src/api/yfig.c, which recomputes a node's own figures of a year from its
-- records whenever they change (or a norm they depend on does).
CREATE TABLE year_figure (
    org_id INTEGER NOT NULL REFERENCES org(id),
    year INTEGER NOT NULL,
    figure TEXT NOT NULL,
    own INTEGER NOT NULL DEFAULT 0,
    total INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, year, figure)
);
