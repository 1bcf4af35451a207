-- Casework indicators kept as they change: per org node and per day (Asia/Shanghai,
-- days since 1970-01-01) the counts behind 结案率, 按期结案率, 按期处置率, 返工率 and 满意率
-- of the cases of the node's whole subtree due to close that day (rejected ones left
-- out), the seconds spent in each state by those cases (a sum and a count per state,
-- from their logs), and the cases reported and closed that day. Every case write
-- changes the rows of the case's node and its ancestors in the same transaction
-- (src/api/casework.c), so a subtree's figures over a period read one row per day.
CREATE TABLE case_day (
    org_id INTEGER NOT NULL REFERENCES org(id) ON DELETE CASCADE,
    day INTEGER NOT NULL,
    due INTEGER NOT NULL DEFAULT 0,
    closed INTEGER NOT NULL DEFAULT 0,
    closed_on_time INTEGER NOT NULL DEFAULT 0,
    handled_on_time INTEGER NOT NULL DEFAULT 0,
    handled INTEGER NOT NULL DEFAULT 0,
    reworked INTEGER NOT NULL DEFAULT 0,
    rated INTEGER NOT NULL DEFAULT 0,
    satisfied INTEGER NOT NULL DEFAULT 0,
    reported INTEGER NOT NULL DEFAULT 0,
    closed_in INTEGER NOT NULL DEFAULT 0,
    secs_reported INTEGER NOT NULL DEFAULT 0,
    n_reported INTEGER NOT NULL DEFAULT 0,
    secs_accepted INTEGER NOT NULL DEFAULT 0,
    n_accepted INTEGER NOT NULL DEFAULT 0,
    secs_dispatched INTEGER NOT NULL DEFAULT 0,
    n_dispatched INTEGER NOT NULL DEFAULT 0,
    secs_handling INTEGER NOT NULL DEFAULT 0,
    n_handling INTEGER NOT NULL DEFAULT 0,
    secs_handled INTEGER NOT NULL DEFAULT 0,
    n_handled INTEGER NOT NULL DEFAULT 0,
    secs_verified INTEGER NOT NULL DEFAULT 0,
    n_verified INTEGER NOT NULL DEFAULT 0,
    secs_closed INTEGER NOT NULL DEFAULT 0,
    n_closed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, day)
);

-- The exact edges of a period that does not start or end at a Shanghai midnight are
-- read from the cases themselves, by these times.
CREATE INDEX casefile_close_due ON casefile (close_due_at);
CREATE INDEX casefile_created ON casefile (created_at);
CREATE INDEX casefile_closed ON casefile (closed_at) WHERE closed_at IS NOT NULL;
-- overdue_now: per node of a subtree, its open cases by stage deadline.
CREATE INDEX casefile_open_deadline ON casefile (org_id, stage_deadline)
    WHERE state IN ('reported', 'accepted', 'dispatched', 'handling', 'handled', 'verified');

-- The figures of the cases already there (the same rules as src/api/casework.c).
INSERT INTO case_day (org_id, day, due, closed, closed_on_time, handled_on_time, handled, reworked, rated, satisfied, reported, closed_in, secs_reported, n_reported, secs_accepted, n_accepted, secs_dispatched, n_dispatched, secs_handling, n_handling, secs_handled, n_handled, secs_verified, n_verified, secs_closed, n_closed)
WITH RECURSIVE up (org_id, anc_id) AS (
    SELECT DISTINCT org_id, org_id FROM casefile
    UNION ALL
    SELECT u.org_id, o.parent_id FROM up u JOIN org o ON o.id = u.anc_id WHERE o.parent_id IS NOT NULL
), span (case_id, from_state, secs) AS (
    SELECT case_id, from_state, at - prev_at FROM (
        SELECT e.case_id, e.from_state, e.at, LAG(e.at) OVER (PARTITION BY e.case_id ORDER BY e.id) AS prev_at
        FROM case_event e WHERE e.from_state IS NULL OR e.from_state <> e.to_state) t
    WHERE from_state IS NOT NULL AND prev_at IS NOT NULL
), part (org_id, day, due, closed, closed_on_time, handled_on_time, handled, reworked, rated, satisfied, reported, closed_in, secs_reported, n_reported, secs_accepted, n_accepted, secs_dispatched, n_dispatched, secs_handling, n_handling, secs_handled, n_handled, secs_verified, n_verified, secs_closed, n_closed) AS (
    SELECT c.org_id, (c.close_due_at + 28800) / 86400, 1, CASE WHEN c.state IN ('closed', 'rated') THEN 1 ELSE 0 END, CASE WHEN c.state IN ('closed', 'rated') AND c.closed_at <= c.close_due_at THEN 1 ELSE 0 END, CASE WHEN c.handled_at IS NOT NULL AND c.handled_at <= c.close_due_at THEN 1 ELSE 0 END, CASE WHEN c.handled_at IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN c.returns > 0 THEN 1 ELSE 0 END, CASE WHEN c.rating IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN c.rating IN ('满意', '基本满意') THEN 1 ELSE 0 END, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    FROM casefile c WHERE c.state <> 'rejected' AND c.close_due_at IS NOT NULL
    UNION ALL
    SELECT c.org_id, (c.close_due_at + 28800) / 86400, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, CASE WHEN s.from_state = 'reported' THEN s.secs ELSE 0 END, CASE WHEN s.from_state = 'reported' THEN 1 ELSE 0 END, CASE WHEN s.from_state = 'accepted' THEN s.secs ELSE 0 END, CASE WHEN s.from_state = 'accepted' THEN 1 ELSE 0 END, CASE WHEN s.from_state = 'dispatched' THEN s.secs ELSE 0 END, CASE WHEN s.from_state = 'dispatched' THEN 1 ELSE 0 END, CASE WHEN s.from_state = 'handling' THEN s.secs ELSE 0 END, CASE WHEN s.from_state = 'handling' THEN 1 ELSE 0 END, CASE WHEN s.from_state = 'handled' THEN s.secs ELSE 0 END, CASE WHEN s.from_state = 'handled' THEN 1 ELSE 0 END, CASE WHEN s.from_state = 'verified' THEN s.secs ELSE 0 END, CASE WHEN s.from_state = 'verified' THEN 1 ELSE 0 END, CASE WHEN s.from_state = 'closed' THEN s.secs ELSE 0 END, CASE WHEN s.from_state = 'closed' THEN 1 ELSE 0 END
    FROM span s JOIN casefile c ON c.id = s.case_id WHERE c.state <> 'rejected' AND c.close_due_at IS NOT NULL
    UNION ALL
    SELECT c.org_id, (c.created_at + 28800) / 86400, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    FROM casefile c
    UNION ALL
    SELECT c.org_id, (c.closed_at + 28800) / 86400, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    FROM casefile c WHERE c.closed_at IS NOT NULL
)
SELECT u.anc_id, p.day, SUM(p.due), SUM(p.closed), SUM(p.closed_on_time), SUM(p.handled_on_time), SUM(p.handled), SUM(p.reworked), SUM(p.rated), SUM(p.satisfied), SUM(p.reported), SUM(p.closed_in), SUM(p.secs_reported), SUM(p.n_reported), SUM(p.secs_accepted), SUM(p.n_accepted), SUM(p.secs_dispatched), SUM(p.n_dispatched), SUM(p.secs_handling), SUM(p.n_handling), SUM(p.secs_handled), SUM(p.n_handled), SUM(p.secs_verified), SUM(p.n_verified), SUM(p.secs_closed), SUM(p.n_closed)
FROM part p JOIN up u ON u.org_id = p.org_id GROUP BY u.anc_id, p.day;
