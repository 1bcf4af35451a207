-- 015: which cases the public sees (Open311 GET requests, the duplicate hints shown
-- to residents). A case is public when reported by a resident or through Open311,
-- not when staff or the hotline recorded it (their titles name people and homes:
-- '…张三家漏水'); staff may withhold a public case or publish another
-- (POST /api/v1/cases/{id}/publicity, audited). Existing cases follow the same rule.
ALTER TABLE casefile ADD COLUMN is_public INTEGER NOT NULL DEFAULT 0;
UPDATE casefile SET is_public = 1 WHERE source = 'resident' OR source = 'open311';
-- Open311 lists public cases by time, newest first.
CREATE INDEX casefile_public ON casefile (created_at) WHERE is_public = 1;
