/* user add|list|passwd|grant|revoke: accounts from the command line, through
 * the same write functions as the HTTP API. */
#include "cli/cli.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/internal.h"
#include "lib/pwcheck.h"
#include "lib/util.h"

static const char *usage_text =
    "jiceng user add [--db PATH] USERNAME --name NAME [--org ID|CODE] [--role ROLE [--unit ID]]\n"
    "       jiceng user list [--db PATH]\n"
    "       jiceng user passwd [--db PATH] USERNAME\n"
    "       jiceng user grant [--db PATH] USERNAME ROLE [--org ID|CODE | --unit ID]\n"
    "       jiceng user revoke [--db PATH] USERNAME ROLE [--org ID|CODE | --unit ID]\n"
    "  Passwords come from $JICENG_PASSWORD or one line on standard input.\n"
    "  Without --org a grant covers everything; unit_staff is granted over a resident unit (--unit).";

/* A resident unit given by its id; 0 if absent, -1 if unknown. */
static int64_t resolve_unit(db_t *db, const char *v)
{
    if (v == NULL)
        return 0;
    char *end;
    long long x = strtoll(v, &end, 10);
    int64_t id = 0;
    if (*v && *end == '\0' && x > 0 && db_one_int(db, &id, "SELECT id FROM unit WHERE id = ?", "i", (int64_t)x) == DB_OK)
        return id;
    fprintf(stderr, "jiceng: no resident unit with id %s\n", v);
    return -1;
}

/* The grant of role over org or unit (both 0: over everything) as POST
 * /users/{id}/grants takes it (the user: the write's w->id). */
static json_t *grant_data(const char *role, int64_t org, int64_t unit)
{
    json_t *g = json_pack("{s:s}", "role", role);
    if (org > 0)
        json_object_set_new(g, "org_id", json_integer(org));
    if (unit > 0)
        json_object_set_new(g, "unit_id", json_integer(unit));
    return g;
}

static int64_t user_id_of(db_t *db, const char *username)
{
    int64_t id = 0;
    if (db_one_int(db, &id, "SELECT id FROM app_user WHERE username = ?", "t", username) != DB_OK) {
        fprintf(stderr, "jiceng: no user %s\n", username);
        return -1;
    }
    return id;
}

static int hash_password(char *hash, const char *username)
{
    char *pw = cli_read_password("JICENG_PASSWORD");
    if (pw == NULL) {
        fprintf(stderr, "jiceng: no password given ($JICENG_PASSWORD or standard input)\n");
        return -1;
    }
    pw_policy_t policy = PW_POLICY_DEFAULT;
    const char *reason;
    int rc = 0;
    if (password_acceptable(&policy, pw, username, &reason) != 0) {
        char why[200];
        password_refusal_text(why, sizeof why, &policy, reason, "en");
        fprintf(stderr, "jiceng: password refused (%s): %s\n", reason, why);
        rc = -1;
    } else if (password_hash(hash, pw) != 0) {
        rc = -1;
    }
    sodium_memzero(pw, strlen(pw));
    free(pw);
    return rc;
}

int cmd_user(int argc, char **argv)
{
    option_t opts[] = {{"db", 1, NULL, "database path"},
                       {"name", 1, NULL, "display name (add)"},
                       {"org", 1, NULL, "organisation code or id"},
                       {"role", 1, NULL, "role to grant on the org (add)"},
                       {"unit", 1, NULL, "resident unit id (a unit_staff grant)"},
                       {NULL, 0, NULL, NULL}};
    const char *pos[3];
    int npos;
    int r = cli_parse(argc, argv, opts, pos, 3, &npos, usage_text);
    if (r != 0)
        return r > 0 ? 0 : 2;
    if (npos < 1) {
        fprintf(stderr, "usage: %s\n", usage_text);
        return 2;
    }
    const char *sub = pos[0];
    db_t *db;
    keys_t keys;
    if (cli_open(cli_db_url(opts), &db, &keys) != 0)
        return 1;
    write_ctx_t w;
    cli_write_ctx(&w, &keys, "cli");
    int rc = 2;
    int64_t org = cli_resolve_org(db, cli_opt(opts, "org", NULL));
    int64_t unit = org < 0 ? 0 : resolve_unit(db, cli_opt(opts, "unit", NULL));
    if (org < 0 || unit < 0) {
        rc = 1;
    } else if (strcmp(sub, "list") == 0 && npos == 1) {
        json_t *rows = db_rows_json(db,
                                    "SELECT u.id, u.username, u.display_name, COALESCE(o.name, '') AS org, u.disabled,"
                                    " (SELECT group_concat(g.role || '@' || COALESCE(go.code, go.name, '*'), ' ')"
                                    "  FROM user_grant g LEFT JOIN org go ON go.id = g.org_id WHERE g.user_id = u.id)"
                                    " AS grants FROM app_user u LEFT JOIN org o ON o.id = u.org_id ORDER BY u.id",
                                    "");
        size_t i;
        json_t *row;
        printf("%-6s %-24s %-20s %-20s %s\n", "id", "username", "name", "org", "grants");
        json_array_foreach(rows, i, row) {
            const char *grants = json_string_value(json_object_get(row, "grants"));
            printf("%-6lld %-24s %-20s %-20s %s%s\n", (long long)json_integer_value(json_object_get(row, "id")),
                   json_string_value(json_object_get(row, "username")),
                   json_string_value(json_object_get(row, "display_name")),
                   json_string_value(json_object_get(row, "org")), grants ? grants : "-",
                   json_integer_value(json_object_get(row, "disabled")) ? " (disabled)" : "");
        }
        json_decref(rows);
        rc = 0;
    } else if (strcmp(sub, "add") == 0 && npos == 2) {
        char hash[crypto_pwhash_STRBYTES];
        const char *name = cli_opt(opts, "name", pos[1]);
        if (hash_password(hash, pos[1]) != 0) {
            rc = 1;
        } else {
            json_t *out = NULL;
            /* POST /users's input; the password's hash beside it, as the API hands it. */
            json_t *data = json_pack("{s:s, s:s}", "username", pos[1], "display_name", name);
            if (org > 0)
                json_object_set_new(data, "org_id", json_integer(org));
            write_ctx_t uw = w;
            uw.in = hash;
            rc = cli_write(db, user_create_write, &uw, data, &out) == 0 ? 0 : 1;
            const char *role = cli_opt(opts, "role", NULL);
            if (rc == 0 && role) {
                /* A unit account is homed at its unit's node, its grant over the unit alone. */
                write_ctx_t gw = w;
                gw.id = json_integer_value(json_object_get(out, "id"));
                rc = cli_write(db, user_grant_write, &gw, grant_data(role, unit ? 0 : org, unit), NULL) == 0 ? 0 : 1;
            }
            if (rc == 0)
                printf("created user %s (id %lld)\n", pos[1], (long long)json_integer_value(json_object_get(out, "id")));
            json_decref(out);
        }
    } else if (strcmp(sub, "passwd") == 0 && npos == 2) {
        int64_t id = user_id_of(db, pos[1]);
        char hash[crypto_pwhash_STRBYTES];
        rc = 1;
        w.id = id;
        w.in = hash; /* PATCH /users/{id} with only a password: an empty input and the hash */
        if (id > 0 && hash_password(hash, pos[1]) == 0 && cli_write(db, user_update_write, &w, json_object(), NULL) == 0) {
            printf("password of %s changed; its sessions have ended\n", pos[1]);
            rc = 0;
        }
    } else if ((strcmp(sub, "grant") == 0 || strcmp(sub, "revoke") == 0) && npos == 3) {
        int64_t id = user_id_of(db, pos[1]);
        rc = 1;
        w.id = id;
        if (id > 0 && strcmp(sub, "grant") == 0) {
            if (cli_write(db, user_grant_write, &w, grant_data(pos[2], org, unit), NULL) == 0) {
                printf("granted %s to %s\n", pos[2], pos[1]);
                rc = 0;
            }
        } else if (id > 0) {
            int64_t gid = 0;
            if (db_one_int(db, &gid,
                           "SELECT id FROM user_grant WHERE user_id = ? AND role = ? AND (CASE WHEN ? > 0 THEN"
                           " COALESCE(unit_id, 0) = ? ELSE COALESCE(org_id, 0) = ? AND unit_id IS NULL END)",
                           "itiii", id, pos[2], unit, unit, org) != DB_OK) {
                fprintf(stderr, "jiceng: %s has no such grant\n", pos[1]);
            } else if (cli_write(db, user_revoke_write, &w,
                                 json_pack("{s:I, s:I}", "user_id", (json_int_t)id, "grant_id", (json_int_t)gid),
                                 NULL) == 0) {
                printf("revoked %s from %s\n", pos[2], pos[1]);
                rc = 0;
            }
        }
    } else {
        fprintf(stderr, "usage: %s\n", usage_text);
    }
    db_close(db);
    return rc;
}
