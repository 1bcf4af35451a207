-- A year of a city's casework in the audit log, for bench/city_pages.py on a copy of
-- the demo city (whose log holds only its setup rows): one row per case event, as
-- the API writes them (case.reported, case.moved), in time order, at the case's node.
-- The rows are not sealed (empty hashes) and take ids below the chain's first row
-- (negative: older than it, and the chain's head and its next id stay as they are),
-- so the server appends to the chain as before but `jiceng audit verify` fails on
-- such a copy, which only serves the read measurement. Never run it on a database
-- in use.
--   sqlite3 copy.db < bench/city_audit_volume.sql
BEGIN;
INSERT INTO audit_log (id, at, actor_id, actor_name, source, action, entity, entity_id, org_id, org_path, summary,
                       prev_hash, hash)
SELECT row_number() OVER (ORDER BY e.at, e.id) - (SELECT COUNT(*) FROM case_event) - 1,
       e.at, e.actor_id, e.actor_name, '127.0.0.1',
       CASE e.action WHEN 'report' THEN 'case.reported' ELSE 'case.moved' END, 'casefile', e.case_id,
       c.org_id, o.path, json_object('action', e.action, 'to', e.to_state), '', ''
FROM case_event e JOIN casefile c ON c.id = e.case_id JOIN org o ON o.id = c.org_id;
COMMIT;
