/* Changes to many residents at once, from the console's selected rows: move them to
 * a node (a grid or building of their community), add or remove a tag, or delete
 * them. One request is one write: every row scope-checked in the transaction, all
 * of it or nothing, one audit row with the action, the count and the ids (never a
 * name or a number), at most PERSON_BULK_MAX rows. docs/people.md. */
#include "api/person.h"

#include "api/handlers.h"
#include "api/op.h"

#include <string.h>

#include "core/path.h"
#include "core/role.h"
#include "lib/util.h"

#define PERSON_BULK_MAX 200

static const char *const bulk_actions[] = {"move", "tag_add", "tag_remove", "delete", NULL};

typedef struct {
    uint64_t given;
    const char *action;
    const json_t *ids;
    int64_t org_id;
    const char *tag;
} bulk_in_t;

static const field_t bulk_fields[] = {
    IN(bulk_in_t, action, F_ENUM, 1, 0, 0, bulk_actions),
    IN(bulk_in_t, ids, F_IDS, 1, 1, PERSON_BULK_MAX, NULL),
    IN(bulk_in_t, org_id, F_INT, 0, 1, INT64_MAX, NULL),
    IN(bulk_in_t, tag, F_TEXT, 0, 1, 64, NULL),
    FIELDS_END,
};

/* Shorten common to the longest path that holds both it and path ("/1/4/" of
 * "/1/4/37/" and "/1/4/40/"); an empty common takes path whole. */
static void path_meet(char common[ACCESS_PATH_MAX], const char *path)
{
    if (common[0] == '\0') {
        str_copy(common, ACCESS_PATH_MAX, path);
        return;
    }
    size_t last = 0;
    for (size_t i = 0; common[i] && common[i] == path[i]; i++)
        if (common[i] == '/')
            last = i + 1;
    common[last] = '\0';
}

/* The row named in a refusal, beside the field. */
static int bulk_refused(api_reply_t *rep, int64_t id)
{
    json_object_set_new(json_object_get(rep->json, "error"), "id", json_integer((json_int_t)id));
    return -1;
}

/* One resident's change in the write's transaction: 1 changed, 0 unchanged, -1 refused (rep set). */
static int bulk_one(db_t *db, const write_ctx_t *w, const bulk_in_t *in, int64_t id, int64_t org, api_reply_t *rep)
{
    int rc = DB_OK, changed = 1;
    if (strcmp(in->action, "delete") == 0)
        return person_remove(db, w, id, org, "ids", rep) != 0 ? bulk_refused(rep, id) : 1;
    if (strcmp(in->action, "move") == 0) {
        if (org == in->org_id)
            return 0;
        rc = person_rollup(db, id, -1);
        if (rc == DB_OK)
            rc = db_exec(db, NULL, "UPDATE person SET org_id = ? WHERE id = ?", "ii", in->org_id, id);
        if (rc == DB_OK)
            rc = person_rollup(db, id, +1);
    } else {
        int adding = strcmp(in->action, "tag_add") == 0;
        int64_t has = 0;
        char figure[80];
        snprintf(figure, sizeof figure, "tag.%s", in->tag);
        rc = db_one_int(db, &has, "SELECT COUNT(*) FROM person_tag WHERE person_id = ? AND tag = ?", "it", id,
                        in->tag);
        changed = rc == DB_OK && (has > 0) != adding;
        if (changed)
            rc = adding ? db_exec(db, NULL, "INSERT INTO person_tag (person_id, tag) VALUES (?, ?)", "it", id, in->tag)
                        : db_exec(db, NULL, "DELETE FROM person_tag WHERE person_id = ? AND tag = ?", "it", id,
                                  in->tag);
        if (changed && rc == DB_OK)
            rc = rollup_add(db, org, figure, adding ? 1 : -1);
    }
    if (changed && rc == DB_OK)
        rc = db_exec(db, NULL, "UPDATE person SET updated_at = ?, version = version + 1 WHERE id = ?", "ii", w->now,
                     id);
    return rc == DB_OK ? changed : api_db_error(rep, w->lang, rc, NULL);
}

static int bulk_write(db_t *db, const write_ctx_t *w, json_t *data, api_reply_t *rep)
{
    bulk_in_t in = {0};
    api_input_fill(bulk_fields, data, &in);
    char common[ACCESS_PATH_MAX] = "", path[ACCESS_PATH_MAX];
    int rc;
    /* The node moved to: within the caller's writing scope, like a single move. */
    if (strcmp(in.action, "move") == 0) {
        rc = access_org(db, &w->who, PERM_PEOPLE_WRITE, in.org_id, path, sizeof path);
        if (rc == DB_NOTFOUND)
            return api_fail(rep, w->lang, E_ORG_NOT_FOUND, "org_id");
        if (rc != DB_OK)
            return api_db_error(rep, w->lang, rc, NULL);
        path_meet(common, path);
    }
    int64_t changed = 0;
    size_t i;
    json_t *v;
    json_array_foreach(in.ids, i, v) {
        int64_t id = json_integer_value(v), org = 0;
        /* Each row in the caller's scope, checked here: one outside it is missing, as for a single change. */
        rc = db_one_int(db, &org, "SELECT org_id FROM person WHERE id = ?", "i", id);
        if (rc == DB_OK)
            rc = access_org(db, &w->who, PERM_PEOPLE_WRITE, org, path, sizeof path);
        if (rc == DB_NOTFOUND) {
            api_fail(rep, w->lang, E_PERSON_NOT_FOUND, "ids");
            return bulk_refused(rep, id);
        }
        if (rc != DB_OK)
            return api_db_error(rep, w->lang, rc, NULL);
        path_meet(common, path);
        int one = bulk_one(db, w, &in, id, org, rep);
        if (one < 0)
            return -1;
        changed += one;
    }
    /* One audit row for the batch, at the node holding all of it: the action, the counts, the ids. */
    json_t *sum = json_pack("{s:s, s:I, s:I, s:O}", "action", in.action, "count", (json_int_t)json_array_size(in.ids),
                            "changed", (json_int_t)changed, "ids", in.ids);
    if (in.org_id)
        json_object_set_new(sum, "org_id", json_integer((json_int_t)in.org_id));
    if (in.tag)
        json_object_set_new(sum, "tag", json_string(in.tag));
    int64_t at = path_last_id(common);
    rc = audit_append_new(db, w, "persons.bulk_changed", "org", at, at, sum);
    if (rc != DB_OK)
        return api_db_error(rep, w->lang, rc, NULL);
    api_json(rep, 200,
             json_pack("{s:s, s:I, s:I}", "action", in.action, "count", (json_int_t)json_array_size(in.ids), "changed",
                       (json_int_t)changed));
    return 0;
}

/* POST /api/v1/persons/bulk: the body as declared, then what each action needs
 * (a node to move to, a known tag), then the one write. */
static int person_bulk(api_req_t *req, api_reply_t *rep)
{
    bulk_in_t in = {0};
    api_input_fill(bulk_fields, req->body, &in);
    int move = strcmp(in.action, "move") == 0, tagging = strncmp(in.action, "tag_", 4) == 0;
    if (move && !in.org_id)
        return api_fail(rep, req->lang, E_FIELD_REQUIRED, "org_id");
    if (tagging && !in.tag)
        return api_fail(rep, req->lang, E_FIELD_REQUIRED, "tag");
    int64_t known = 0;
    if (tagging && (db_one_int(req->db, &known, "SELECT COUNT(*) FROM person_tag_kind WHERE code = ? AND active = 1",
                               "t", in.tag) != DB_OK ||
                    known == 0))
        return api_fail(rep, req->lang, E_UNKNOWN_TAG, "tag");
    json_t *data = req->body;
    req->body = NULL;
    return api_defer_kept(req, bulk_write, data);
}

const op_t person_bulk_ops[] = {
    {OP(HTTP_POST, "/api/v1/persons/bulk", "persons.bulk", PERM(PERM_PEOPLE_WRITE), RF_BODY | RF_WRITES,
        person_bulk), .body = bulk_fields},
    OPS_END,
};
