-- 010: the partial index of open cases (casefile_open_deadline, schema 005) says
-- "open" as the three ended states it excludes instead of an IN list of the six open
-- ones. Its WHERE is evaluated on every new or changed case, and SQLite builds an IN
-- list of more than two values as a temporary b-tree each time it runs (schema 008
-- says the same of the CHECK constraints): measured, one prepared casefile insert took
-- 9.3-11.7 us with the IN list and 5.3-9.0 us without (bench/RESULTS.md, Run 3d).
-- The states a case can have are fixed by
-- casefile's CHECK, so both say the same. The one query that reads this index
-- (overdue_now, src/api/casework.c) repeats the same three terms, which is what lets
-- SQLite and PostgreSQL prove the index covers it.
DROP INDEX casefile_open_deadline;
CREATE INDEX casefile_open_deadline ON casefile (org_id, stage_deadline)
    WHERE state <> 'rejected' AND state <> 'closed' AND state <> 'rated';
