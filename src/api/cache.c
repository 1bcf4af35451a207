/* A small read cache per event-loop thread: answers of heavy reads (a subtree's
 * dashboard, a page of residents) kept until the database next changes. The
 * key must hold everything the answer depends on besides the data (the node,
 * the caller's resolved scope range, the query); the access check runs before
 * every lookup. Entries carry the connection's data version, which moves on
 * every commit by anyone, so a cached answer is never stale. */
#include "api/internal.h"

#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

#define SLOTS 256
/* A map of real outlines (orgs.map) is the largest answer kept; the thread's
 * entries together stay under MAX_TOTAL, a new one past it not kept. */
#define MAX_BODY (2 * 1024 * 1024)
#define MAX_TOTAL (32 * 1024 * 1024)

typedef struct slot {
    uint64_t hash;
    char *key;
    int64_t version;
    char *body;
    size_t len;
} slot_t;

static _Thread_local slot_t slots[SLOTS];
static _Thread_local size_t total; /* bytes of the bodies kept */

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

int cache_reply(api_req_t *req, const char *key, api_reply_t *rep)
{
    int64_t version = db_data_version(req->db);
    req->cache_version = version;
    uint64_t h = fnv(key);
    slot_t *s = &slots[h % SLOTS];
    if (version < 0 || s->key == NULL || s->hash != h || s->version != version || strcmp(s->key, key) != 0)
        return 0;
    rep->status = 200;
    rep->raw = xmalloc(s->len);
    memcpy(rep->raw, s->body, s->len);
    rep->raw_len = s->len;
    rep->content_type = "application/json; charset=utf-8";
    return 1;
}

void cache_store(api_req_t *req, const char *key, const json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT);
    if (text != NULL)
        cache_store_text(req, key, text);
}

void cache_store_text(api_req_t *req, const char *key, char *text)
{
    /* The version read before the body was: a commit in between makes the entry
     * older than its body, so it is recomputed, never served stale. */
    int64_t version = req->cache_version;
    size_t len = strlen(text);
    if (version < 0 || len > MAX_BODY) {
        free(text);
        return;
    }
    uint64_t h = fnv(key);
    slot_t *s = &slots[h % SLOTS];
    if (total - s->len + len > MAX_TOTAL) {
        free(text);
        return;
    }
    total = total - s->len + len;
    free(s->key);
    free(s->body);
    s->hash = h;
    s->key = xstrdup(key);
    s->version = version;
    s->body = text;
    s->len = len;
}

void api_thread_exit(void)
{
    for (int i = 0; i < SLOTS; i++) {
        free(slots[i].key);
        free(slots[i].body);
        slots[i] = (slot_t){0};
    }
    total = 0;
}
