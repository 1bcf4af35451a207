-- 021: notices (调度通报) sent down the tree, one receipt per recipient org.
-- A notice is issued by an org node (org_id) to the nodes of the chosen levels
-- in target_org_id's subtree; the receipts are written with it, in the same
-- write. A receipt records the first read (when, by whom), the reply and the
-- reminders. Times are seconds since the epoch (UTC).
CREATE TABLE notice (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES org(id),         -- the issuer
    kind TEXT NOT NULL,                                 -- dispatch, commendation, criticism, work_tip
    title TEXT NOT NULL,
    doc_no TEXT,                                        -- 文号
    body TEXT NOT NULL,
    target_org_id INTEGER NOT NULL REFERENCES org(id),
    levels TEXT NOT NULL,                               -- the recipients' levels, comma separated
    reply_due_at INTEGER,                               -- a reply is asked for by then (NULL: none asked)
    recipients INTEGER NOT NULL,
    created_by INTEGER REFERENCES app_user(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX notice_org ON notice (org_id, id);

CREATE TABLE notice_receipt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    notice_id INTEGER NOT NULL REFERENCES notice(id),
    org_id INTEGER NOT NULL REFERENCES org(id),         -- the recipient
    delivered_at INTEGER NOT NULL,
    read_at INTEGER,
    read_by INTEGER REFERENCES app_user(id),
    reply TEXT,
    replied_at INTEGER,
    replied_by INTEGER REFERENCES app_user(id),
    reminded_at INTEGER,
    reminders INTEGER NOT NULL DEFAULT 0,
    UNIQUE (notice_id, org_id)
);
CREATE INDEX notice_receipt_org ON notice_receipt (org_id, read_at);
