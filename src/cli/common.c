#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/migrate.h"
#include "http/server.h"
#include "lib/util.h"

static void print_usage(const option_t *opts, const char *usage)
{
    printf("usage: %s\n", usage);
    if (opts && opts[0].name) {
        printf("\noptions:\n");
        for (const option_t *o = opts; o->name; o++)
            printf("  --%-22s %s\n", o->name, o->help ? o->help : "");
    }
    printf("  --%-22s %s\n", "help", "show this help");
}

int cli_parse(int argc, char **argv, option_t *opts, const char **pos, int maxpos, int *npos, const char *usage)
{
    *npos = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            print_usage(opts, usage);
            return 1;
        }
        if (strncmp(a, "--", 2) == 0) {
            const char *name = a + 2, *eq = strchr(name, '=');
            size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
            option_t *o = opts;
            while (o && o->name && !(strlen(o->name) == nlen && strncmp(o->name, name, nlen) == 0))
                o++;
            if (o == NULL || o->name == NULL) {
                fprintf(stderr, "jiceng: unknown option %s\nusage: %s\n", a, usage);
                return -1;
            }
            if (o->takes_value) {
                if (eq)
                    o->value = eq + 1;
                else if (i + 1 < argc)
                    o->value = argv[++i];
                else {
                    fprintf(stderr, "jiceng: option --%s needs a value\n", o->name);
                    return -1;
                }
            } else {
                o->value = "1";
            }
            continue;
        }
        if (*npos >= maxpos) {
            fprintf(stderr, "jiceng: unexpected argument '%s'\nusage: %s\n", a, usage);
            return -1;
        }
        pos[(*npos)++] = a;
    }
    return 0;
}

const char *cli_opt(const option_t *opts, const char *name, const char *def)
{
    for (const option_t *o = opts; o->name; o++)
        if (strcmp(o->name, name) == 0 && o->value)
            return o->value;
    return def;
}

const char *cli_db_url(const option_t *opts)
{
    const char *env = getenv("JICENG_DB");
    return cli_opt(opts, "db", env && *env ? env : "data/jiceng.db");
}

int cli_open(const char *url, db_t **db, keys_t *keys)
{
    char err[512], kpath[1024];
    if (db_open(db, url, 0, err, sizeof err) != DB_OK) {
        fprintf(stderr, "jiceng: %s\n", err);
        return -1;
    }
    if (migrate_up(*db, NULL) != DB_OK) {
        fprintf(stderr, "jiceng: migration failed: %s\n", db_errmsg(*db));
        db_close(*db);
        return -1;
    }
    keys_path(kpath, sizeof kpath, url);
    if (keys && keys_load(keys, kpath, err, sizeof err) != 0) {
        fprintf(stderr, "jiceng: %s\n", err);
        db_close(*db);
        return -1;
    }
    return 0;
}

void cli_write_ctx(write_ctx_t *w, const keys_t *keys, const char *what)
{
    static server_config_t cfg;
    static int ready;
    if (!ready) {
        server_config_defaults(&cfg);
        ready = 1;
    }
    memset(w, 0, sizeof *w);
    access_system(&w->who, what ? what : "cli");
    str_copy(w->source, sizeof w->source, "cli");
    str_copy(w->lang, sizeof w->lang, "en");
    w->now = clock_now();
    w->keys = keys;
    w->cfg = &cfg;
}

int cli_write(db_t *db, write_fn fn, const write_ctx_t *w, json_t *data, json_t **out)
{
    api_reply_t rep;
    memset(&rep, 0, sizeof rep);
    int rc = db_begin(db);
    if (rc != DB_OK) {
        fprintf(stderr, "jiceng: %s\n", db_errmsg(db));
        json_decref(data);
        return -1;
    }
    rc = fn(db, w, data, &rep);
    json_decref(data);
    if (rc == 0 && rep.status < 400) {
        if (db_commit(db) != DB_OK) {
            fprintf(stderr, "jiceng: commit failed: %s\n", db_errmsg(db));
            db_rollback(db);
            json_decref(rep.json);
            return -1;
        }
    } else {
        db_rollback(db);
        json_t *e = json_object_get(rep.json, "error");
        const char *field = json_string_value(json_object_get(e, "field"));
        fprintf(stderr, "jiceng: %s%s%s: %s\n", json_string_value(json_object_get(e, "code")),
                field ? " field " : "", field ? field : "", json_string_value(json_object_get(e, "message")));
        json_decref(rep.json);
        return -1;
    }
    if (out)
        *out = rep.json;
    else
        json_decref(rep.json);
    free(rep.set_cookie);
    return 0;
}

char *cli_read_password(const char *env)
{
    const char *v = getenv(env);
    if (v && *v)
        return xstrdup(v);
    char line[512];
    if (fgets(line, sizeof line, stdin) == NULL)
        return NULL;
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    return n ? xstrdup(line) : NULL;
}
