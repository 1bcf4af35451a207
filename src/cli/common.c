#include "cli/cli.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/tx.h"
#include "core/redact.h"
#include "db/migrate.h"
#include "http/server.h"
#include "lib/util.h"

/* Refuse argument a, quoted with personal numbers masked (a mistyped
 * --id-card=... must not land in a terminal's scrollback or a cron mail). */
static int refuse_arg(const char *what, const char *a, const char *usage)
{
    char *shown = xstrdup(a);
    redact_numbers(shown, strlen(shown));
    fprintf(stderr, "jiceng: %s '%s'\nusage: %s\n", what, shown, usage);
    free(shown);
    return -1;
}

#define DB_TIMEOUT_HELP                                                                                             \
    "PostgreSQL: the longest wait to connect, or for an answer while the server does not answer a new connection "  \
    "either; then the command fails (default 30000)"

static int cli_has_opt(const option_t *opts, const char *name)
{
    for (const option_t *o = opts; o && o->name; o++)
        if (strcmp(o->name, name) == 0)
            return 1;
    return 0;
}

static void print_usage(const option_t *opts, const char *usage)
{
    printf("usage: %s\n", usage);
    if (opts && opts[0].name) {
        printf("\noptions:\n");
        for (const option_t *o = opts; o->name; o++)
            printf("  --%-22s %s\n", o->name, o->help ? o->help : "");
    }
    if (!cli_has_opt(opts, "db-timeout-ms"))
        printf("  --%-22s %s\n", "db-timeout-ms", DB_TIMEOUT_HELP);
    printf("  --%-22s %s\n", "help", "show this help");
}

/* --db-timeout-ms MS, every command's: 0, or -1 (printed). */
static int db_timeout_opt(const char *v)
{
    char *end;
    long x = strtol(v, &end, 10);
    if (*v == '\0' || *end != '\0' || x < 100 || x > 3600000) {
        fprintf(stderr, "jiceng: --db-timeout-ms must be an integer from 100 to 3600000\n");
        return -1;
    }
    db_set_command_timeout_ms((int)x);
    return 0;
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
            if ((o == NULL || o->name == NULL) && nlen == 13 && strncmp(name, "db-timeout-ms", nlen) == 0) {
                /* every command's (a command's own, serve's, comes first) */
                const char *v = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
                if (v == NULL) {
                    fprintf(stderr, "jiceng: option --db-timeout-ms needs a value\n");
                    return -1;
                }
                if (db_timeout_opt(v) != 0)
                    return -1;
                continue;
            }
            if (o == NULL || o->name == NULL)
                return refuse_arg("unknown option", a, usage);
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
        if (*npos >= maxpos)
            return refuse_arg("unexpected argument", a, usage);
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

int cli_opt_all(int argc, char **argv, const option_t *opts, const char *name, const char **out, int max)
{
    int n = 0;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "--", 2) != 0)
            continue;
        const char *a = argv[i] + 2, *eq = strchr(a, '=');
        size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
        const option_t *o = opts;
        while (o->name && !(strlen(o->name) == nlen && strncmp(o->name, a, nlen) == 0))
            o++;
        if (o->name == NULL || !o->takes_value)
            continue;
        const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (v != NULL && strcmp(o->name, name) == 0) {
            if (n < max)
                out[n] = v;
            n++;
        }
    }
    return n;
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
        /* A command writes like the server's writer thread: keeping the audit
         * chain's head and org nodes between its changes (api/tx.h). */
        tx_keep();
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
    if (cli_write_reply(db, fn, w, data, &rep) != 0)
        return -1;
    if (out)
        *out = rep.json;
    else
        json_decref(rep.json);
    free(rep.raw);
    free(rep.filename);
    free(rep.set_cookie);
    return 0;
}

/* A write function as a step of the write pipeline: kept when it returns 0
 * with an answer that is not an error. */
typedef struct {
    write_fn fn;
    const write_ctx_t *w;
    json_t *data;
    api_reply_t *rep;
} cli_step_t;

static int cli_step(db_t *db, void *arg)
{
    cli_step_t *s = arg;
    int rc = s->fn(db, s->w, s->data, s->rep);
    return rc == 0 && s->rep->status < 400 ? 0 : -1;
}

int cli_write_reply(db_t *db, write_fn fn, const write_ctx_t *w, json_t *data, api_reply_t *out)
{
    api_reply_t rep;
    memset(&rep, 0, sizeof rep);
    memset(out, 0, sizeof *out);
    cli_step_t step = {fn, w, data, &rep};
    int committing = 0;
    int rc = tx_write(db, cli_step, &step, &committing);
    json_decref(data);
    if (rc != DB_OK) {
        json_t *e = json_object_get(rep.json, "error");
        if (committing || e == NULL) {
            fprintf(stderr, "jiceng: %s%s\n", committing ? "commit failed: " : "", db_errmsg(db));
        } else {
            const char *field = json_string_value(json_object_get(e, "field"));
            fprintf(stderr, "jiceng: %s%s%s: %s\n", json_string_value(json_object_get(e, "code")),
                    field ? " field " : "", field ? field : "", json_string_value(json_object_get(e, "message")));
        }
        json_decref(rep.json);
        free(rep.raw);
        free(rep.filename);
        free(rep.set_cookie);
        free(rep.after_data);
        return -1;
    }
    /* The answer as the API builds it once the change is committed. */
    if (rep.after_commit != NULL && rep.status < 300)
        rep.after_commit(db, &rep);
    rep.after_commit = NULL;
    free(rep.after_data);
    rep.after_data = NULL;
    *out = rep;
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

int64_t cli_resolve_org(db_t *db, const char *v)
{
    if (v == NULL)
        return 0;
    int64_t id = 0;
    if (db_one_int(db, &id, "SELECT id FROM org WHERE code = ?", "t", v) == DB_OK)
        return id;
    char *end;
    long long x = strtoll(v, &end, 10);
    if (*v && *end == '\0' && db_one_int(db, &id, "SELECT id FROM org WHERE id = ?", "i", (int64_t)x) == DB_OK)
        return id;
    fprintf(stderr, "jiceng: no organisation with code or id %s\n", v);
    return -1;
}

int cli_actor(db_t *db, const char *username, write_ctx_t *w)
{
    if (username == NULL)
        return 0;
    int64_t id = 0, disabled = 0;
    if (db_one_int(db, &id, "SELECT id FROM app_user WHERE username = ?", "t", username) != DB_OK) {
        fprintf(stderr, "jiceng: no user %s\n", username);
        return -1;
    }
    db_one_int(db, &disabled, "SELECT disabled FROM app_user WHERE id = ?", "i", id);
    if (disabled || access_load_grants(db, &w->who, id) != DB_OK) {
        fprintf(stderr, "jiceng: user %s is disabled or its grants cannot be read\n", username);
        return -1;
    }
    str_copy(w->who.username, sizeof w->who.username, username);
    return 0;
}

const char *cli_lang(const option_t *opts)
{
    const char *v = cli_opt(opts, "lang", NULL);
    if (v == NULL) {
        v = getenv("LC_ALL");
        if (v == NULL || *v == '\0')
            v = getenv("LANG");
    }
    return v && strncmp(v, "zh", 2) == 0 ? "zh-CN" : "en";
}

/* ---- progress: a bar with rate and time left on a terminal, a line per stage elsewhere ---- */

static double now_s(void)
{
    return (double)clock_mono_ns() / 1e9;
}

void cli_stage_show(cli_stage_t *s, int64_t done)
{
    double t = now_s(), dt = t - s->t0;
    double rate = dt > 0 ? done / dt : 0;
    if (s->ended)
        return;
    s->ended = done >= s->total;
    if (s->tty) {
        /* Redrawn at most ten times a second, and always at the start and the end. */
        if (done > 0 && done < s->total && t - s->shown < 0.1)
            return;
        s->shown = t;
        int width = 30, fill = s->total > 0 ? (int)(width * (done < s->total ? done : s->total) / s->total) : width;
        fprintf(stderr, "\r%-12s [%.*s%*s] %lld/%lld  %.0f/s  %.0fs left ", s->name, fill,
                "##############################", width - fill, "", (long long)done, (long long)s->total, rate,
                rate > 0 && done < s->total ? (s->total - done) / rate : 0);
        if (done >= s->total)
            fputc('\n', stderr);
    } else if (done >= s->total && s->total >= 1000) {
        fprintf(stderr, "%s: %lld in %.1fs (%.0f/s)\n", s->name, (long long)s->total, dt, rate);
    } else if (done >= s->total) {
        fprintf(stderr, "%s: %lld in %.1fs\n", s->name, (long long)s->total, dt);
    }
}

void cli_stage_start(cli_stage_t *s, const char *name, int64_t total)
{
    s->name = name;
    s->total = total;
    s->t0 = now_s();
    s->shown = 0;
    s->ended = 0;
    s->tty = isatty(STDERR_FILENO);
    cli_stage_show(s, 0);
}

static void progress_stage(void *arg, const char *name, int64_t total)
{
    cli_stage_start(arg, name, total);
}

static void progress_step(void *arg, int64_t done)
{
    cli_stage_show(arg, done);
}

void cli_progress(progress_t *p, cli_stage_t *s)
{
    memset(s, 0, sizeof *s);
    p->stage = progress_stage;
    p->step = progress_step;
    p->arg = s;
}

/* A random password that meets the default policy: 20 characters from four classes. */
void cli_generate_password(char out[21])
{
    static const char *sets[4] = {"ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz", "23456789", "-_.+!@#%"};
    for (int i = 0; i < 20; i++) {
        const char *set = sets[i < 4 ? (uint32_t)i : randombytes_uniform(3)];
        out[i] = set[randombytes_uniform((uint32_t)strlen(set))];
    }
    /* Shuffle so the first four are not always upper, lower, digit, symbol. */
    for (int i = 19; i > 0; i--) {
        int j = (int)randombytes_uniform((uint32_t)i + 1);
        char t = out[i];
        out[i] = out[j];
        out[j] = t;
    }
    out[20] = '\0';
}
