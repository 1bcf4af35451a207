/* api.h: what a handler sees. No server library types here: src/http/ turns a
 * request into an api_req_t and an api_reply_t into a response, so the server
 * library can be swapped without touching a handler. */
#ifndef JICENG_API_H
#define JICENG_API_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "api/errors.h"
#include "db/access.h"
#include "db/db.h"

enum { HTTP_GET = 1, HTTP_POST = 2, HTTP_PATCH = 4, HTTP_DELETE = 8, HTTP_PUT = 16 };

/* Answer a handler gives when it has handed a write to the writer thread.
 * Otherwise a handler returns 0, or -1 as api_fail does: either way rep is
 * the answer. */
#define API_DEFERRED 1

typedef struct api_reply {
    int status;
    json_t *json;              /* body, owned; NULL with raw or for 204 */
    char *raw;                 /* alternative body, owned (malloc) */
    size_t raw_len;
    const char *content_type;  /* for raw bodies (static string) */
    char *set_cookie;          /* owned */
    char *allow;               /* 405 Allow header, owned */
    char *filename;            /* a download: Content-Disposition attachment with this
                                * name (ASCII letters, digits, . _ -), owned */
    /* Set by a write: run on the request's own loop thread after the commit, with
     * that loop's read connection, to build the answer there instead of in the
     * single writer (e.g. reading back what was written). */
    void (*after_commit)(db_t *db, struct api_reply *rep);
    void *after_data;          /* what after_commit needs besides json, owned (free) */
} api_reply_t;

typedef struct keys keys_t;

/* Progress of a long job (an import, an export), shown by the CLI as a bar or a
 * line per stage; the server passes none. stage() begins a named stage of total
 * steps, step() reports done of them; arg is the shower's. */
typedef struct progress {
    void (*stage)(void *arg, const char *name, int64_t total);
    void (*step)(void *arg, int64_t done);
    void *arg;
} progress_t;

/* What a change runs with: copied into the writer's job, so it outlives the request. */
typedef struct write_ctx {
    principal_t who;
    char source[64];           /* client address, or "cli" */
    char lang[8];              /* "zh-CN" or "en", for messages */
    int64_t now;
    const keys_t *keys;
    const struct server_config *cfg;
    const progress_t *progress; /* NULL but in the CLI */
    const struct op *op;       /* the operation that queued the change (api/op.h); NULL in the CLI */
    int64_t id;                /* the {id} its path named, or 0 */
    const void *in;            /* what the handler prepared for the write (api_defer_in), or NULL */
} write_ctx_t;

/* A change: runs on the writer's connection inside a transaction (a savepoint
 * per job). Return 0 to keep its changes, negative to roll them back; the reply
 * is sent either way. data is the handler's validated input (owned by the job). */
typedef int (*write_fn)(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep);

typedef struct api_req {
    const struct op *route;    /* the operation matched (api/op.h) */
    int method;
    const char *path;          /* NUL-terminated copy, without the query */
    const char *query;         /* after '?', NUL-terminated, "" if none */
    json_t *body;              /* parsed JSON object for POST/PATCH/PUT, else NULL; freed after the
                                * handler, which may take it instead (setting it NULL) */
    int64_t params[4];         /* {id} path parameters in order */
    int nparams;
    int64_t entity_org;        /* the org of the entity {id} names, when the op declares one (checked) */
    principal_t *who;          /* NULL on public routes without a session */
    char session_csrf[64];     /* the session's CSRF token (cookie sessions), "" if none */
    int64_t session_id;
    int64_t session_last_seen;
    db_t *db;                  /* this loop's read connection */
    const struct server_config *cfg;
    const keys_t *keys;
    char remote[64];
    char lang[8];
    const char *idem_key;      /* Idempotency-Key header, or NULL */
    const char *upload;        /* RF_UPLOAD routes: the body's bytes (not NUL-terminated) */
    size_t upload_len;
    const char *upload_type;   /* its Content-Type header, or NULL */
    const char *upload_token;  /* its X-Upload-Token header (a visitor's photo), or NULL */
    const char *cookie_token;  /* session token from the cookie, or NULL */
    int64_t cache_version;     /* the data version cache_reply read, for cache_store */
    int gone;                  /* an offloaded job's completion: the client has gone (api_offload) */
    void *priv;                /* the HTTP layer's */
} api_req_t;

/* Hand a change to the writer thread. Takes ownership of data. Returns
 * API_DEFERRED for the handler to return. */
int api_defer(api_req_t *req, write_fn fn, json_t *data);

/* api_defer for a write that leaves its data as it came (reads it, at most
 * holds a reference): the writer then keeps no copy of it for a redo. */
int api_defer_kept(api_req_t *req, write_fn fn, json_t *data);

/* api_defer_kept with what the handler derived for the write (a typed input
 * and the facts read on the request's own connection, in one block the job
 * frees with free() once the answer is sent): the write finds it as w->in and
 * leaves it as it came (a redo runs it again). data may be NULL. */
int api_defer_in(api_req_t *req, write_fn fn, json_t *data, void *in);

/* Hand a change to the writer that no request waits for (e.g. a session's
 * last-seen time). Takes ownership of data. */
void api_defer_background(api_req_t *req, write_fn fn, json_t *data);

/* Answer with the inbox's event stream (text/event-stream, kept open by the
 * HTTP layer: http/events.c, docs/notifications.md). API_DEFERRED, or -1 with
 * rep set (503 event_streams_full past --max-event-streams). */
int api_event_stream(api_req_t *req, api_reply_t *rep);

/* Fill a write context for the request (who, source, lang, now). */
void api_write_ctx(const api_req_t *req, write_ctx_t *w);

/* Set rep to a JSON body with status. Takes ownership of body. Returns 0. */
int api_json(api_reply_t *rep, int status, json_t *body);

/* Set rep to the error envelope {"error":{"code","message","field"}}; message
 * in the request's language (zh-CN or en). field may be NULL. Returns 0. What
 * api_fail (errors.h) calls: callers name a catalogue entry instead of text. */
int api_error(api_reply_t *rep, const char *lang, int status, const char *code, const char *field, const char *zh,
              const char *en);

/* Map a DB_* code to the matching error reply (404 not_found, 409 conflict,
 * 503 busy, 500 internal). Returns -1 (so a write_fn can return it). */
int api_db_error(api_reply_t *rep, const char *lang, int rc, const char *entity);

/* An org id given as input field: 0 if the caller holds perm over it, else -1
 * with rep set (404 not_found naming field when missing or out of scope). */
int api_org_input(db_t *db, const write_ctx_t *w, uint32_t perm, int64_t org, const char *field, api_reply_t *rep);

/* In a write: the org of the entity its operation declares (w->op's entity,
 * org_sql, named by w->id), the caller still holding the operation's
 * permission over it, as the dispatcher checked before queuing (grants and the
 * row may have changed since). DB_OK with *org, DB_NOTFOUND (gone or out of
 * scope, alike), or an error. */
int api_entity_org(db_t *db, const write_ctx_t *w, int64_t *org);

/* Check every parameter of the query string: its name and value must decode
 * (percent-escapes well formed, UTF-8, no control character). 0, or -1 with rep
 * set to 400 invalid_query naming the parameter (the value is never echoed).
 * The dispatcher calls it before any handler, so api_query never meets a
 * malformed value on a request. */
int api_query_check(const api_req_t *req, api_reply_t *rep);

/* Query string helpers: the decoded value of name (caller frees) or NULL (absent
 * or malformed; tab and line breaks are let through for form bodies read this way). */
char *api_query(const api_req_t *req, const char *name);
/* 1 if key names a personal number or a searched form of one (id_card, phone,
 * id_tail, phone_tail, ...): its value never enters an audit summary. */
int api_personal_key(const char *key);

/* The query parameters of names that the request carries, as facts for an
 * audit summary: {"org": 12, "format": "csv", "id_card": true}: a personal
 * key's value is only said to be there, integers are numbers. New object. */
json_t *api_query_facts(const api_req_t *req, const char *const *names);

/* Integer query parameter: 0 and *out set (def if absent); -1 if malformed or out of [min, max]. */
int api_query_int(const api_req_t *req, const char *name, int64_t def, int64_t min, int64_t max, int64_t *out);

/* A LIKE pattern "%text%" (with % _ \\ escaped, for ESCAPE '\\') from query
 * parameter name; NULL if absent or empty. Caller frees. */
char *api_like_param(const api_req_t *req, const char *name);
/* The same as a prefix pattern "text%": names match from their start (an index
 * on the name can serve it). Caller frees. */
char *api_prefix_param(const api_req_t *req, const char *name);

/* Input validation by declaration. One field per entry; the first failure
 * fills rep with 400 validation_failed naming the field. Unknown fields in the
 * body are refused too. */
typedef enum {
    F_TEXT,
    F_INT,
    F_BOOL,
    F_ENUM,
    F_DATE,  /* "YYYY-MM-DD" from min (yyyymmdd, 0: any) to max years after today (core/timefmt.h) */
    F_BLOCK, /* text with line breaks */
    F_NAME,  /* a name or title: text without format characters, not only blanks (text_name_valid) */
    F_NUMBER, /* a JSON number from min to max */
    F_LIST,  /* an array of at most max names (each 1 to 50 code points) */
    F_JSON,  /* any JSON value of at most max bytes as compact text; its shape is the family's rule */
    F_IDS    /* an array of at least min and at most max ids (integers from 1), each once */
} field_type_t;
typedef struct {
    const char *name;
    field_type_t type;
    int required;              /* 1 required; F_NOT_NULL may be absent but not null (updates) */
    int64_t min, max;          /* text: code points; int: value; date: earliest yyyymmdd, years after today */
    const char *const *choices; /* F_ENUM: NULL-terminated */
    size_t at;                 /* typed input: 1 + the offset of its member in the input struct; 0: none */
} field_t;
#define F_NOT_NULL 2
#define FIELDS_END {NULL, 0, 0, 0, 0, NULL, 0}

/* Typed input: a struct whose first member is `uint64_t given` and whose
 * fields are declared with IN(struct, member, ...): int64_t for F_INT, int for
 * F_BOOL, double for F_NUMBER, const json_t * for F_LIST and F_IDS (the array) and F_JSON,
 * const char * for the others. api_input_fill sets each member from a body the same
 * fields validated (strings and lists point into the body, which must outlive
 * the struct), bit i of given when field i (of the first 32) is there and not
 * null, and bit 32 + i when it is there and null (a PATCH clearing it); the
 * members of absent or null fields are left as they are (start from a zeroed
 * struct). */
#define IN(T, m, type, req, min, max, choices) {#m, type, req, min, max, choices, offsetof(T, m) + 1}
#define IN_GIVEN(in, fields, i) (((in)->given >> (i)) & 1)
#define IN_CLEARED(in, fields, i) (((in)->given >> (32 + (i))) & 1)
/* Bit i for each field i sent, with a value or as null: what a PATCH touches. */
#define IN_SENT(in) (((in)->given | ((in)->given >> 32)) & 0xffffffffu)
void api_input_fill(const field_t *fields, const json_t *body, void *out);
/* The member of field i of a typed input, as type T (for a walk over the fields). */
#define IN_MEMBER(in, fields, i, T) (*(T *)((char *)(in) + (fields)[i].at - 1))

/* Check body against fields. Returns 0 if valid, else -1 with rep filled. */
int api_validate(const api_req_t *req, const json_t *body, const field_t *fields, api_reply_t *rep);

/* Audit: append a row in the current transaction. summary is a JSON object
 * (borrowed; NULL = {}). org_id 0 means system-wide. Returns DB_OK or error.
 * No personal number enters the log: the value of a personal key
 * (api_personal_key) at any depth is written as "(changed)" or "(removed)" (a
 * boolean, a fact such as "this filter was used", stays), and ID or phone
 * numbers typed into any other string are masked (core/redact.h). */
int audit_append(db_t *db, const write_ctx_t *w, const char *action, const char *entity, int64_t entity_id,
                 int64_t org_id, json_t *summary);

/* The same, taking summary's reference (for a summary built in the call). */
int audit_append_new(db_t *db, const write_ctx_t *w, const char *action, const char *entity, int64_t entity_id,
                     int64_t org_id, json_t *summary);

/* The same with the summary as JSON text, written as it is: the text
 * json_dumps(summary, JSON_COMPACT | JSON_SORT_KEYS) would give (personal
 * numbers in its strings masked too; the caller leaves personal keys out). */
int audit_append_text(db_t *db, const write_ctx_t *w, const char *action, const char *entity, int64_t entity_id,
                      int64_t org_id, const char *summary);

/* An org node's path and name (either may be NULL) as the current transaction
 * sees them: DB_OK, DB_NOTFOUND or an error (DB_ERR also when a buffer is too
 * small). A thread that keeps state in the write pipeline (tx_keep: the writer,
 * a CLI command) keeps the nodes it read between requests and transactions; the
 * pipeline forgets them on a rollback or when another connection wrote, and
 * every change to an org's name or path calls orgs_changed(). Everyone else
 * reads the table. */
int org_brief(db_t *db, int64_t id, char *path, size_t path_cap, char *name, size_t name_cap);
void orgs_changed(void);
/* Name the places of rows: each row of items gets "place", the nodes on the
 * path of the node its key names (an org path as text, or an org id), root
 * first and down to the node itself ([{id, level, name}]), read in a few
 * batched statements for the whole page (never one per row). DB_OK or DB_ERR. */
int org_places(db_t *db, json_t *items, const char *key);

/* Optimistic locking: if data carries "version", compare it with the value
 * version_sql (one parameter: the id) reads. 0 if absent or equal; else -1
 * with rep set to 409 version_conflict. */
int api_check_version(db_t *db, const write_ctx_t *w, const char *version_sql, int64_t id, const json_t *data,
                      api_reply_t *rep);

/* 1 if addr went over per_minute requests this minute for this bucket ("login", ...). */
int api_rate_limited(const char *bucket, const char *addr, int per_minute);

/* Release what a loop thread's handlers keep (the read cache); call as the thread ends. */
void api_thread_exit(void);

/* Keyset pagination: limit from ?limit= (1..200, default 50), cursor from ?after=. */
int api_page(const api_req_t *req, api_reply_t *rep, int64_t *limit, int64_t *after);
/* Wrap items into {"items":[...],"next":cursor|null}; takes ownership of items.
 * Items beyond limit are dropped and the last kept item's "id" becomes next. */
json_t *api_page_result(json_t *items, int64_t limit);

#endif
