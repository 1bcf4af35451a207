-- 014: wrong passwords are counted per (user name, client address), not per account:
-- from one address nobody can lock an account for its owner elsewhere, and a name
-- that does not exist is counted and locked exactly like one that does, so the
-- answers never tell which names exist. Rows are kept for any name tried (bounded by
-- the per-address login rate) and deleted lockout_seconds after their last failure
-- once no lock holds. app_user.failed_logins and app_user.locked_until are no longer
-- read or written.
CREATE TABLE login_failure (
    username TEXT NOT NULL,
    source TEXT NOT NULL,                 -- the client address, as the server derives it
    failed INTEGER NOT NULL,              -- wrong passwords in a row since the last lock or success
    locked_until INTEGER NOT NULL,        -- unix seconds; 0 when not locked
    last_failed_at INTEGER NOT NULL,
    PRIMARY KEY (username, source)
);
CREATE INDEX login_failure_last ON login_failure (last_failed_at);
