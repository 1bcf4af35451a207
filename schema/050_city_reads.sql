-- 050: the indexes that let the case and audit filters of the console drive their
-- own queries at city scale (docs/decisions.md, "Query plans at city scale: cases,
-- audit, coverage, figures"). The lists write each filter only when it is given,
-- so an equality or a range on one of these columns is what the plan starts from,
-- in id order where the list reads in id order: no scan of the table, no sort of
-- a district's rows, and a count (共 N 条, up to --list-total-cap) that reads at
-- most that many index entries.
-- The audit log's carry the row's path last, so a count at any node checks the scope
-- in the index without reading the rows.
CREATE INDEX audit_log_action ON audit_log (action, id, org_path);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id, org_path);
CREATE INDEX audit_log_at ON audit_log (at, org_path);
-- An entity without its id: in id order (audit_log_entity, by entity_id, would sort
-- every row of the kind).
CREATE INDEX audit_log_entity_order ON audit_log (entity, id, org_path);
CREATE INDEX casefile_state_id ON casefile (state, id);
CREATE INDEX casefile_category ON casefile (category_id, id);
-- Only a stage that has a deadline (a case not finished) can be overdue.
CREATE INDEX casefile_overdue ON casefile (stage_deadline) WHERE stage_deadline IS NOT NULL;
-- The coverage check asks for the nodes of one level in a subtree (grids without a
-- branch, a worker, an outline; communities without grids; households above the
-- grids): a range of this index each, not every node of the subtree.
CREATE INDEX org_level_path ON org (level, path);
