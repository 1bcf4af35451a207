/* A case's photos: added (JPEG, PNG, WebP, told by the bytes), listed, read. */
#include "api/case.h"

#include "api/handlers.h"

#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

/* ---- photos ---- */

#define PHOTO_MAX (10 * 1024 * 1024)

/* A photo as the writer takes it (w->in): its type, told by its bytes, and the bytes. */
typedef struct {
    const char *mime; /* a static string */
    size_t n;
    unsigned char bytes[];
} photo_in_t;

static int photo_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    (void)data;
    const photo_in_t *in = w->in;
    int64_t id = w->id, org, pid = 0;
    char path[ACCESS_PATH_MAX];
    int rc = case_visible(db, &w->who, id, &org, path, sizeof path);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, "case");
    size_t n = in->n;
    const unsigned char *bytes = in->bytes;
    char hex[65];
    attach_sha256(hex, bytes, n);
    rc = db_one_int(db, &pid,
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

int case_photo_add(api_req_t *req, api_reply_t *rep)
{
    int64_t org;
    char path[ACCESS_PATH_MAX];
    int rc = case_visible(req->db, req->who, req->params[0], &org, path, sizeof path);
    if (rc != DB_OK)
        return api_db_error(rep, req->lang, rc, "case");
    const char *mime = attach_sniff((const unsigned char *)req->upload, req->upload_len, 1);
    if (mime == NULL)
        return api_fail(rep, req->lang, E_IMAGE_TYPE_UNSUPPORTED, "file");
    if (req->upload_len > PHOTO_MAX)
        return api_fail(rep, req->lang, E_IMAGE_TOO_LARGE, "file");
    photo_in_t *in = xmalloc(sizeof *in + req->upload_len);
    in->mime = mime;
    in->n = req->upload_len;
    memcpy(in->bytes, req->upload, req->upload_len);
    return api_defer_in(req, photo_write, NULL, in);
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
