/* A case's photos: added (JPEG, PNG, WebP, told by the bytes), listed, read. */
#include "api/case.h"

#include "api/handlers.h"

#include <stdlib.h>
#include <string.h>

#include "core/token.h"
#include "http/server.h"
#include "lib/util.h"

/* ---- photos ---- */

#define PHOTO_MAX (10 * 1024 * 1024)

/* A photo as the writer takes it (w->in): its type, told by its bytes, and the bytes. */
typedef struct {
    const char *mime; /* a static string */
    size_t n;
    unsigned char bytes[];
} photo_in_t;

/* Add the photo in (w->in) to case id at org; the answer 201. */
static int photo_insert(db_t *db, const write_ctx_t *w, int64_t id, int64_t org, api_reply_t *rep)
{
    const photo_in_t *in = w->in;
    int64_t pid = 0;
    size_t n = in->n;
    const unsigned char *bytes = in->bytes;
    char hex[65];
    attach_sha256(hex, bytes, n);
    int rc = db_one_int(db, &pid,
                        "INSERT INTO case_photo (case_id, mime, size, sha256, bytes, actor_id, created_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        "ititbii", id, in->mime, (int64_t)n, hex, bytes, n, w->who.user_id, w->now);
    if (rc == DB_OK)
        rc = audit_append_new(db, w, "case.photo_added", "case", id, org,
                              json_pack("{s:I, s:s, s:I}", "photo", (json_int_t)pid, "sha256", hex, "size", (json_int_t)n));
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    return api_json(rep, 201, json_pack("{s:I, s:I, s:s, s:I, s:s}", "id", (json_int_t)pid, "case_id", (json_int_t)id,
                                        "mime", in->mime, "size", (json_int_t)n, "sha256", hex));
}

static int photo_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    (void)data;
    int64_t org;
    char path[ACCESS_PATH_MAX];
    int rc = case_visible(db, &w->who, w->id, &org, path, sizeof path);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "case");
    return photo_insert(db, w, w->id, org, rep);
}

/* The type of req's body if it is a photo the API takes (told by its bytes), or
 * NULL with rep the refusal. */
static const char *photo_check(api_req_t *req, api_reply_t *rep)
{
    const char *mime = attach_sniff((const unsigned char *)req->upload, req->upload_len, 1);
    if (mime == NULL)
        api_fail(rep, req->lang, E_IMAGE_TYPE_UNSUPPORTED, "file");
    else if (req->upload_len > PHOTO_MAX)
        api_fail(rep, req->lang, E_IMAGE_TOO_LARGE, "file");
    else
        return mime;
    return NULL;
}

/* Fill in (its bytes allocated by the caller) with req's photo of type mime. */
static void photo_fill(photo_in_t *in, const api_req_t *req, const char *mime)
{
    in->mime = mime;
    in->n = req->upload_len;
    memcpy(in->bytes, req->upload, req->upload_len);
}

int case_photo_add(api_req_t *req, api_reply_t *rep)
{
    int64_t org;
    char path[ACCESS_PATH_MAX];
    int rc = case_visible(req->db, req->who, req->params[0], &org, path, sizeof path);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "case");
    const char *mime = photo_check(req, rep);
    if (mime == NULL)
        return -1;
    photo_in_t *in = xmalloc(sizeof *in + req->upload_len);
    photo_fill(in, req, mime);
    return api_defer_in(req, photo_write, NULL, in);
}

/* ---- a visitor's photos of their report ---- */

/* The case whose photo token hashes to hash and still works at now, and its org;
 * DB_NOTFOUND when none. */
static int token_case(db_t *db, const char *hash, int64_t now, int64_t *id, int64_t *org)
{
    db_stmt_t *st = db_q(db, "SELECT id, org_id FROM casefile WHERE photo_token_hash = ? AND photo_token_until > ?", "ti",
                         hash, now);
    if (st == NULL)
        return DB_ERR;
    int rc = db_step(st);
    if (rc == DB_ROW) {
        *id = db_col_int(st, 0);
        *org = db_col_int(st, 1);
    }
    db_done(st);
    return rc == DB_ROW ? DB_OK : rc == DB_DONE ? DB_NOTFOUND : DB_ERR;
}

typedef struct {
    char hash[TOKEN_HASH_HEX + 1];
    photo_in_t photo; /* last: its bytes follow */
} public_photo_in_t;

static int public_photo_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    (void)data;
    const public_photo_in_t *in = w->in;
    int64_t id = 0, org = 0, n = 0;
    int rc = token_case(db, in->hash, w->now, &id, &org);
    if (rc == DB_NOTFOUND)
        return api_fail(rep, w->lang, E_PHOTO_TOKEN_INVALID, "X-Upload-Token");
    if (rc == DB_OK)
        rc = db_one_int(db, &n, "SELECT COUNT(*) FROM case_photo WHERE case_id = ?", "i", id);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    if (n >= PUBLIC_PHOTOS_MAX)
        return api_fail(rep, w->lang, E_PUBLIC_PHOTO_LIMIT, "file");
    write_ctx_t pw = *w;
    pw.in = &in->photo;
    return photo_insert(db, &pw, id, org, rep);
}

/* POST /api/v1/public/case-photos: a photo of the report the X-Upload-Token
 * header's token came with (public.cases.create's photo_token), for
 * PUBLIC_PHOTO_SECONDS after it was sent and up to PUBLIC_PHOTOS_MAX photos. The
 * token travels in a header, never in a path or query, so no log line holds it. */
int public_case_photo_add(api_req_t *req, api_reply_t *rep)
{
    if (api_rate_limited("public-photo", req->remote, req->cfg->public_rate * PUBLIC_PHOTOS_MAX))
        return api_fail(rep, req->lang, E_REPORT_RATE_LIMITED, NULL);
    const char *token = req->upload_token;
    if (token == NULL || !token_well_formed(token))
        return api_fail(rep, req->lang, E_PHOTO_TOKEN_INVALID, "X-Upload-Token");
    char hash[TOKEN_HASH_HEX + 1];
    token_hash(hash, token);
    int64_t id = 0, org = 0;
    int rc = token_case(req->db, hash, clock_now(), &id, &org);
    if (rc == DB_NOTFOUND)
        return api_fail(rep, req->lang, E_PHOTO_TOKEN_INVALID, "X-Upload-Token");
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, NULL);
    const char *mime = photo_check(req, rep);
    if (mime == NULL)
        return -1;
    public_photo_in_t *in = xmalloc(sizeof *in + req->upload_len);
    memcpy(in->hash, hash, sizeof in->hash);
    photo_fill(&in->photo, req, mime);
    return api_defer_in(req, public_photo_write, NULL, in);
}

int case_photo_get(api_req_t *req, api_reply_t *rep)
{
    int64_t org;
    char path[ACCESS_PATH_MAX];
    int rc = case_visible(req->db, req->who, req->params[0], &org, path, sizeof path);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "case");
    db_stmt_t *st = db_q(req->db, "SELECT mime, bytes FROM case_photo WHERE id = ? AND case_id = ?", "ii",
                         req->params[1], req->params[0]);
    if (st == NULL)
        return api_db_error(rep, req->lang, DB_ERR, NULL);
    if (db_step(st) != DB_ROW) {
        db_done(st);
        return api_db_error(rep, req->lang, DB_NOTFOUND, "photo");
    }
    static const char *const types[] = {"image/jpeg", "image/png", "image/webp"};
    const char *mime = db_col_text(st, 0);
    rep->content_type = types[0];
    for (int i = 0; i < 3; i++)
        if (strcmp(mime, types[i]) == 0)
            rep->content_type = types[i];
    size_t n = 0;
    const void *p = db_col_blob(st, 1, &n);
    rep->raw = xmalloc(n ? n : 1);
    memcpy(rep->raw, p, n);
    rep->raw_len = n;
    rep->status = 200;
    db_done(st);
    return 0;
}

/* ---- photo list ---- */

int case_photo_list(api_req_t *req, api_reply_t *rep)
{
    int64_t org;
    char path[ACCESS_PATH_MAX];
    int rc = case_visible(req->db, req->who, req->params[0], &org, path, sizeof path);
    json_t *items = rc != DB_OK ? NULL
                                : db_rows_json(req->db,
                                               "SELECT id, case_id, mime, size, sha256 FROM case_photo"
                                               " WHERE case_id = ? ORDER BY id",
                                               "i", req->params[0]);
    if (items == NULL)
        return api_db_error(rep, req->lang, rc != DB_OK ? rc : DB_ERR, "case");
    return api_json(rep, 200, json_pack("{s:o, s:n}", "items", items, "next"));
}
