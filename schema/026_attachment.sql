-- 026: attachments (docs/attachments.md). One store for the files the families
-- take: a duty item's progress evidence, a notice and a notice reply, a 述职
-- report, an inspection's photos. A row names its owner by kind and id (the
-- family declares which records take files and who may write them, in
-- src/api/attachment.c's table); the type is told by the bytes, never by the
-- name or the Content-Type; the bytes are kept in the row like a case's photos.
CREATE TABLE attachment (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_kind TEXT NOT NULL,                  -- duty_item, notice, notice_receipt, review_reporter, inspection
    owner_id INTEGER NOT NULL,
    org_id INTEGER NOT NULL REFERENCES org(id), -- the owner's org when it was added (audit)
    name TEXT NOT NULL,                        -- the file's name as given (shown, and the download's name)
    mime TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    bytes BLOB NOT NULL,
    created_by INTEGER NOT NULL REFERENCES app_user(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX attachment_owner ON attachment (owner_kind, owner_id, id);

-- A problem raised from a 述职点评 keeps the reporter it was raised on
-- (docs/rectification.md, "From 述职点评").
ALTER TABLE problem ADD COLUMN review_reporter_id INTEGER REFERENCES review_reporter(id);

-- 述职评议: a delegate's code reissued by the session's staff (docs/review.md,
-- "A lost code"). The (delegate, reporter) pairs the delegate had voted for
-- when their code was reissued: those ballots were cast with the lost code and
-- stand as cast (the new code's token differs, so it could only add a second
-- ballot). Like review_voted: no grade, no time.
CREATE TABLE review_locked (
    delegate_id INTEGER NOT NULL REFERENCES review_delegate(id),
    reporter_id INTEGER NOT NULL REFERENCES review_reporter(id),
    PRIMARY KEY (delegate_id, reporter_id)
);
