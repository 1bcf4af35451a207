-- Case categories get optimistic locking like other records: a PATCH may carry the
-- version it read, and a stale one is refused (409 version_conflict).
ALTER TABLE case_category ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
