/* outbox.h: messages to deliver by SMS, WeChat or the server's log, and the
 * adapters that deliver them (docs/notifications.md).
 *
 * A change that warrants a message queues it in its own transaction
 * (outbox_to_grid_workers, outbox_to_staff): a row naming the recipient by user
 * id, a template key and params without personal data. The delivery thread
 * (outbox_start) hands due rows to the adapter of their channel, on a
 * connection of its own, and marks them sent, or queued again later (backoff),
 * or failed after OUTBOX_ATTEMPTS_MAX tries. */
#ifndef JICENG_API_OUTBOX_H
#define JICENG_API_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "api/api.h"

#define OUTBOX_ATTEMPTS_MAX 6

/* One message as an adapter gets it. The strings live until deliver returns. */
typedef struct outbox_msg {
    int64_t id;
    int64_t org_id;
    int64_t recipient_id;      /* app_user.id: resolve the address with outbox_recipient_phone */
    const char *channel;
    const char *template_key;  /* "case.dispatched" */
    const char *params;        /* a JSON object of ids and codes: {"case_id":12} */
    int attempts;              /* tries before this one */
} outbox_msg_t;

/* What an adapter may use: the delivery thread's own connection (reads only)
 * and the keys, to decrypt the recipient's phone number. */
typedef struct notify_env {
    db_t *db;
    const keys_t *keys;
} notify_env_t;

/* A delivery channel. deliver: 0 when the message was handed over; -1 with a
 * short reason in err (cap bytes) to try again later. The reason is stored and
 * listed: never a personal value (a phone number) in it, nor in a log line. */
typedef struct notify_adapter {
    const char *channel;       /* "console", "sms", "wechat": outbox.channel */
    int (*deliver)(const notify_env_t *env, const outbox_msg_t *m, char *err, size_t cap);
} notify_adapter_t;

/* The adapter of channel, or NULL when none is built in. */
const notify_adapter_t *notify_adapter_find(const char *channel);

/* The recipient's mobile number in clear into out (cap bytes), from the person
 * record the user is linked to (app_user.person_id), decrypted: DB_OK,
 * DB_NOTFOUND (no linked person or no phone), or an error. The caller wipes out
 * (sodium_memzero) once it is sent, and never logs it. */
int outbox_recipient_phone(const notify_env_t *env, int64_t user_id, char *out, size_t cap);

/* In a write: queue template (params: a JSON object without personal values,
 * borrowed) for every grid worker whose grant is at grid (org id), or for the
 * org_staff of the community or grid the case's node lies in (case_path: its
 * path), on the channel w->cfg names (console without one). DB_OK or an error. */
int outbox_to_grid_workers(db_t *db, const write_ctx_t *w, int64_t grid, const char *template_key,
                           const json_t *params);
int outbox_to_staff(db_t *db, const write_ctx_t *w, int64_t org, const char *case_path, const char *template_key,
                    const json_t *params);

/* Start the delivery thread over db_url (its own connection), with the adapter
 * of channel: 0, or -1 (logged) when the channel has no adapter or the database
 * cannot be opened. outbox_stop ends it (a delivery under way finishes first). */
int outbox_start(const char *db_url, const keys_t *keys, const char *channel);
void outbox_stop(void);

#endif
