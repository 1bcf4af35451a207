-- 012: every stored column of an audit row under its MAC, and the chain's head
-- authenticated (issue #13, item 15).
-- mac_version says which MAC format a row's hash is in: 1 for the rows written
-- before this version (their MAC leaves org_path out; they keep verifying as they
-- were, protected per column only where format 1 covers them and as a whole by the
-- chain that follows them), 2 for every row written from now on (all columns,
-- org_path included). A row of format 1 after one of format 2 fails verification.
-- The head's mac is the HMAC of (last_id, last_hash) under the audit key; a head
-- written before this version has none ('') until the next audited change
-- writes it, and a chain holding any row of format 2 must have a head with a MAC.
-- Old rows are not given new MACs here: nothing can vouch now for what their
-- org_path said when they were written.
ALTER TABLE audit_log ADD COLUMN mac_version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE audit_head ADD COLUMN mac TEXT NOT NULL DEFAULT '';
