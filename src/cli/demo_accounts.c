/* jiceng demo --accounts-file: the demo city's people who act for themselves
 * (docs/service-records.md), so a new user sees the phone pages at work: an
 * in-service party member of 龙居社区 (or the first community with one) and an
 * adult resident of a household there, each with their own account (app_user.
 * person_id) and a grant at the community, made through the same writes as
 * POST /api/v1/users. The passwords are generated and written to the file. */
#include "cli/cli.h"

#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "api/internal.h"
#include "lib/util.h"

/* The community a person lives in: the community node on their node's path. */
#define COMMUNITY_OF(p)                                                                                               \
    "(SELECT c.id FROM org c, org at WHERE at.id = " p ".org_id AND c.level = 'community'"                           \
    " AND at.path >= c.path AND at.path < c.path || '~')"

static int account(db_t *db, const write_ctx_t *w, const char *username, const char *display, int64_t person,
                   const char *role, int64_t community, char password[21])
{
    char hash[crypto_pwhash_STRBYTES];
    cli_generate_password(password);
    if (password_hash(hash, password) != 0)
        return -1;
    json_t *out = NULL;
    write_ctx_t uw = *w;
    uw.in = hash;
    int rc = cli_write(db, user_create_write, &uw,
                       json_pack("{s:s, s:s, s:I, s:I}", "username", username, "display_name", display, "org_id",
                                 (json_int_t)community, "person_id", (json_int_t)person),
                       &out);
    if (rc == 0) {
        write_ctx_t gw = *w;
        gw.id = json_integer_value(json_object_get(out, "id"));
        rc = cli_write(db, user_grant_write, &gw,
                       json_pack("{s:s, s:I}", "role", role, "org_id", (json_int_t)community), NULL);
    }
    json_decref(out);
    return rc;
}

int demo_accounts(db_t *db, const write_ctx_t *w, const char *file)
{
    /* The member: in service, living in a community where an adult of a household is
     * no party member (the resident), 龙居社区's first if it has one. */
    int64_t adult = api_today_ymd() / 10000 - 19; /* born that year or before: 18 whatever the day */
    json_t *m = db_rows_json(db,
                             "SELECT p.id, p.name, " COMMUNITY_OF("p") " AS community FROM party_member pm"
                             " JOIN person p ON p.id = pm.person_id JOIN org o ON o.id = p.org_id"
                             " WHERE pm.in_service = 1 AND " COMMUNITY_OF("p") " IS NOT NULL"
                             " ORDER BY CASE WHEN o.code LIKE '340104006006%' THEN 0 ELSE 1 END, p.id LIMIT 200",
                             "");
    json_t *mrow = NULL, *r = NULL;
    int64_t community = 0;
    size_t i;
    json_t *cand;
    json_array_foreach(m, i, cand) {
        community = json_integer_value(json_object_get(cand, "community"));
        r = db_rows_json(db,
                         "SELECT p.id, p.name FROM person p JOIN org c ON c.id = ? JOIN org o ON o.id = p.org_id"
                         " WHERE p.household_id IS NOT NULL AND p.birth_year <= ? AND o.path >= c.path"
                         " AND o.path < c.path || '~' AND NOT EXISTS (SELECT 1 FROM party_member pm"
                         " WHERE pm.person_id = p.id) ORDER BY p.id LIMIT 1",
                         "ii", community, adult);
        if (r && json_array_size(r) == 1) {
            mrow = cand;
            break;
        }
        json_decref(r);
        r = NULL;
    }
    if (mrow == NULL) {
        fprintf(stderr, "jiceng: demo accounts: no in-service party member with an adult resident beside them\n");
        json_decref(m);
        return -1;
    }
    json_t *rrow = json_array_get(r, 0);
    char mpw[21], rpw[21];
    int rc = account(db, w, "demo.member", json_string_value(json_object_get(mrow, "name")),
                     json_integer_value(json_object_get(mrow, "id")), "party_member", community, mpw);
    if (rc == 0)
        rc = account(db, w, "demo.resident", json_string_value(json_object_get(rrow, "name")),
                     json_integer_value(json_object_get(rrow, "id")), "resident", community, rpw);
    json_decref(m);
    json_decref(r);
    if (rc != 0)
        return -1;
    int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (f == NULL) {
        fprintf(stderr, "jiceng: demo accounts: cannot write %s\n", file);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    fprintf(f, "# The demo city's own accounts (a party member and a resident), for the phone pages.\n"
               "demo.member %s\ndemo.resident %s\n",
            mpw, rpw);
    sodium_memzero(mpw, sizeof mpw);
    sodium_memzero(rpw, sizeof rpw);
    return fclose(f) == 0 ? 0 : -1;
}
