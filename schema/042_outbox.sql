-- 041: the outbox of messages to deliver by SMS, WeChat or the server's log
-- (docs/notifications.md).
--
-- A row is written in the same transaction as the change that warrants it (a
-- case dispatched to a grid: one per grid worker there), so a message is queued
-- exactly when its change commits. It names its recipient by user id, never by
-- phone number: the adapter resolves the address when it delivers, through the
-- encrypted store (the user's person record). template is a key the adapter
-- words (case.dispatched); params a JSON object of ids and codes, never a
-- personal value. org_id is the node of the change, for the list's scope.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL REFERENCES org(id),
    channel TEXT NOT NULL CHECK (channel IN ('sms', 'wechat', 'console')),
    recipient_id INTEGER NOT NULL REFERENCES app_user(id),
    template TEXT NOT NULL,
    params TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,                -- queued: not before this time
    last_error TEXT,                                 -- the adapter's words, no personal value
    created_at INTEGER NOT NULL,
    sent_at INTEGER
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_org ON outbox (org_id, id);
