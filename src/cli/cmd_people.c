/* import persons, export persons: the residents' files from the command line,
 * through the same functions as POST /persons/import and GET /persons/export
 * (person_import_prepare / person_export_prepare and their writes, person_io.c). */
#include "cli/cli.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/internal.h"
#include "lib/util.h"

#define IMPORT_FILE_MAX (256u << 20) /* the rows are capped at 100000 anyway */
#define QUERY_MAX 2048

static const char *import_usage =
    "jiceng import persons --org ID|CODE [--db PATH] [--partial] [--dry-run] [--as USER] [--lang zh-CN|en] FILE\n"
    "  FILE is .csv (UTF-8 or GBK) or .xlsx, told by its bytes; columns as in the import template.\n"
    "  All or nothing unless --partial. Exit status: 0 imported (or a dry run without errors),\n"
    "  1 refused (rows with errors in all-or-nothing mode or a dry run, a bad file, no such org/user),\n"
    "  2 bad arguments.";

static const char *export_usage =
    "jiceng export persons --org ID|CODE -o FILE [--db PATH] [--format csv|xlsx] [--reveal --reason TEXT] [--as USER]\n"
    "                      [--q NAME] [--tag CODE] [--household ID] [--id-tail XXXX] [--phone-tail XXXX]\n"
    "                      [--id-card NUMBER]\n"
    "  ID numbers and phones are masked unless --reveal (an audited reveal, with its --reason). FILE is created\n"
    "  with mode 0600;\n"
    "  --format defaults to xlsx for a .xlsx FILE, else csv.";

/* Append name=value to a query string, percent-encoding the value. -1 if it does not fit. */
static int query_add(char *q, size_t cap, const char *name, const char *value)
{
    if (value == NULL)
        return 0;
    size_t n = strlen(q);
    int k = snprintf(q + n, cap - n, "%s%s=", n ? "&" : "", name);
    if (k < 0 || (size_t)k >= cap - n)
        return -1;
    n += (size_t)k;
    for (const unsigned char *c = (const unsigned char *)value; *c; c++) {
        if (n + 4 > cap)
            return -1;
        if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || strchr("-._~", *c))
            q[n++] = (char)*c;
        else
            n += (size_t)snprintf(q + n, cap - n, "%%%02X", *c);
    }
    q[n] = '\0';
    return 0;
}

/* A request as the handlers see it, for the CLI acting as w->who. */
static void cli_request(api_req_t *req, db_t *db, const keys_t *keys, write_ctx_t *w, const char *query)
{
    memset(req, 0, sizeof *req);
    req->db = db;
    req->who = &w->who;
    req->keys = keys;
    req->cfg = w->cfg;
    req->query = query;
    str_copy(req->remote, sizeof req->remote, "cli");
    str_copy(req->lang, sizeof req->lang, w->lang);
}

/* Open the database and set up the actor, language and progress of a people
 * command. *org gets the --org node's id. 0, or the exit status (printed). */
static int people_open(const option_t *opts, db_t **db, keys_t *keys, write_ctx_t *w, int64_t *org)
{
    if (cli_opt(opts, "org", NULL) == NULL) {
        fprintf(stderr, "jiceng: --org is required (an organisation's code or id)\n");
        return 2;
    }
    if (cli_open(cli_db_url(opts), db, keys) != 0)
        return 1;
    cli_write_ctx(w, keys, "cli");
    str_copy(w->lang, sizeof w->lang, cli_lang(opts));
    *org = cli_resolve_org(*db, cli_opt(opts, "org", NULL));
    if (*org <= 0 || cli_actor(*db, cli_opt(opts, "as", NULL), w) != 0) {
        db_close(*db);
        return 1;
    }
    return 0;
}

/* An error reply on standard error: code, field, message. */
static void print_error(const json_t *reply)
{
    json_t *e = json_object_get(reply, "error");
    const char *field = json_string_value(json_object_get(e, "field"));
    fprintf(stderr, "jiceng: %s%s%s: %s\n", json_string_value(json_object_get(e, "code")), field ? " field " : "",
            field ? field : "", json_string_value(json_object_get(e, "message")));
}

/* The import's report: a line of counts and the rows refused. */
static void print_report(const json_t *report, int zh)
{
    json_int_t rows = json_integer_value(json_object_get(report, "rows"));
    json_int_t invalid = json_integer_value(json_object_get(report, "invalid"));
    json_t *imported = json_object_get(report, "imported"), *errors = json_object_get(report, "errors");
    if (imported)
        printf(zh ? "共 %lld 行：导入 %lld，已登记未变 %lld，有错 %lld\n"
                  : "%lld rows: %lld imported, %lld already registered (unchanged), %lld with errors\n",
               (long long)rows, (long long)json_integer_value(imported),
               (long long)json_integer_value(json_object_get(report, "unchanged")), (long long)invalid);
    else
        printf(zh ? "共 %lld 行：有效 %lld，有错 %lld（未导入）\n" : "%lld rows: %lld valid, %lld with errors (nothing imported)\n",
               (long long)rows, (long long)json_integer_value(json_object_get(report, "valid")), (long long)invalid);
    if (json_array_size(errors) > 0)
        printf("%-6s %-12s %-20s %s\n", zh ? "行" : "row", zh ? "字段" : "field", zh ? "代码" : "code",
               zh ? "说明" : "message");
    size_t i;
    json_t *e;
    json_array_foreach(errors, i, e) {
        const char *field = json_string_value(json_object_get(e, "field"));
        printf("%-6lld %-12s %-20s %s\n", (long long)json_integer_value(json_object_get(e, "row")), field ? field : "-",
               json_string_value(json_object_get(e, "code")), json_string_value(json_object_get(e, "message")));
    }
}

int cmd_import(int argc, char **argv)
{
    option_t opts[] = {{"db", 1, NULL, "database path (default data/jiceng.db or $JICENG_DB)"},
                       {"org", 1, NULL, "the organisation the file is for: its code or id (required)"},
                       {"partial", 0, NULL, "import the good rows and report the others"},
                       {"dry-run", 0, NULL, "check the file, write nothing"},
                       {"as", 1, NULL, "act as this user: its grants limit the rows, audit rows name it"},
                       {"lang", 1, NULL, "messages in zh-CN or en (default from $LANG)"},
                       {NULL, 0, NULL, NULL}};
    const char *pos[2];
    int npos;
    int r = cli_parse(argc, argv, opts, pos, 2, &npos, import_usage);
    if (r != 0)
        return r > 0 ? 0 : 2;
    if (npos != 2 || strcmp(pos[0], "persons") != 0) {
        fprintf(stderr, "usage: %s\n", import_usage);
        return 2;
    }
    size_t len = 0;
    char *bytes = file_read_all(pos[1], IMPORT_FILE_MAX, &len);
    if (bytes == NULL) {
        fprintf(stderr, "jiceng: cannot read %s: %s\n", pos[1], strerror(errno));
        return 1;
    }
    db_t *db;
    keys_t keys;
    write_ctx_t w;
    int64_t org;
    int rc = people_open(opts, &db, &keys, &w, &org);
    if (rc != 0) {
        free(bytes);
        return rc;
    }
    char query[QUERY_MAX];
    snprintf(query, sizeof query, "org=%lld&mode=%s&dry_run=%d", (long long)org,
             cli_opt(opts, "partial", NULL) ? "partial" : "all", cli_opt(opts, "dry-run", NULL) ? 1 : 0);
    api_req_t req;
    cli_request(&req, db, &keys, &w, query);
    req.upload = bytes;
    req.upload_len = len;
    progress_t progress;
    cli_stage_t stage;
    cli_progress(&progress, &stage);
    w.progress = &progress;
    int zh = strcmp(w.lang, "zh-CN") == 0;
    json_t *data = NULL;
    api_reply_t rep = {0};
    person_import_prepare(&req, &progress, &data, &rep);
    free(bytes);
    if (data == NULL && rep.status == 200) { /* a dry run */
        print_report(rep.json, zh);
        rc = json_integer_value(json_object_get(rep.json, "invalid")) > 0;
    } else if (data == NULL) {
        print_error(rep.json);
        if (json_object_get(rep.json, "errors"))
            print_report(rep.json, zh);
        rc = 1;
    } else {
        rc = cli_write(db, person_import_write, &w, data, &rep.json);
        if (rc == 0)
            print_report(rep.json, zh);
        rc = rc == 0 ? 0 : 1;
    }
    json_decref(rep.json);
    db_close(db);
    return rc;
}

/* Write len bytes to path through a file beside it (mode 0600), renamed over
 * path once on disk: no other directory ever holds a copy. 0 or -1 (printed). */
static int write_beside(const char *path, const char *body, size_t len)
{
    size_t n = strlen(path);
    char *tmp = xmalloc(n + 8);
    memcpy(tmp, path, n);
    memcpy(tmp + n, ".XXXXXX", 8);
    int fd = mkstemp(tmp); /* mode 0600 */
    int rc = fd < 0 ? -1 : 0;
    for (size_t done = 0; rc == 0 && done < len;) {
        ssize_t k = write(fd, body + done, len - done);
        if (k < 0 && errno != EINTR)
            rc = -1;
        else if (k > 0)
            done += (size_t)k;
    }
    if (rc == 0 && fsync(fd) != 0)
        rc = -1;
    if (fd >= 0 && close(fd) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -1;
    if (rc != 0) {
        fprintf(stderr, "jiceng: cannot write %s: %s\n", path, strerror(errno));
        if (fd >= 0)
            unlink(tmp);
    }
    free(tmp);
    return rc;
}

int cmd_export(int argc, char **argv)
{
    option_t opts[] = {{"db", 1, NULL, "database path (default data/jiceng.db or $JICENG_DB)"},
                       {"org", 1, NULL, "the subtree to export: an organisation's code or id (required)"},
                       {"output", 1, NULL, "the file to write (also -o FILE; required)"},
                       {"format", 1, NULL, "csv or xlsx (default: by the file's extension, else csv)"},
                       {"reveal", 0, NULL, "full ID numbers and phones (needs the reveal permission; audited)"},
                       {"reason", 1, NULL, "why the full values are needed (required with --reveal; audited)"},
                       {"as", 1, NULL, "act as this user: its grants limit the rows, audit rows name it"},
                       {"lang", 1, NULL, "messages in zh-CN or en (default from $LANG)"},
                       {"q", 1, NULL, "names starting with this text"},
                       {"tag", 1, NULL, "residents with this tag (code)"},
                       {"household", 1, NULL, "residents of this household (id)"},
                       {"id-tail", 1, NULL, "ID numbers ending with these 4 characters"},
                       {"phone-tail", 1, NULL, "phones ending with these 4 digits"},
                       {"id-card", 1, NULL, "the resident with this ID number"},
                       {NULL, 0, NULL, NULL}};
    /* -o FILE is --output FILE. */
    char **args = xcalloc((size_t)argc + 1, sizeof *args);
    for (int i = 0; i < argc; i++)
        args[i] = strcmp(argv[i], "-o") == 0 ? "--output" : argv[i];
    const char *pos[1];
    int npos;
    int r = cli_parse(argc, args, opts, pos, 1, &npos, export_usage);
    free(args);
    if (r != 0)
        return r > 0 ? 0 : 2;
    const char *out = cli_opt(opts, "output", NULL);
    if (npos != 1 || strcmp(pos[0], "persons") != 0 || out == NULL) {
        fprintf(stderr, "usage: %s\n", export_usage);
        return 2;
    }
    size_t olen = strlen(out);
    const char *format = cli_opt(opts, "format", olen > 5 && strcmp(out + olen - 5, ".xlsx") == 0 ? "xlsx" : "csv");
    db_t *db;
    keys_t keys;
    write_ctx_t w;
    int64_t org;
    int rc = people_open(opts, &db, &keys, &w, &org);
    if (rc != 0)
        return rc;
    char query[QUERY_MAX] = "", id[24];
    snprintf(id, sizeof id, "%lld", (long long)org);
    static const char *const filters[][2] = {{"q", "q"},
                                             {"tag", "tag"},
                                             {"household", "household"},
                                             {"id-tail", "id_tail"},
                                             {"phone-tail", "phone_tail"},
                                             {"id-card", "id_card"},
                                             {"reason", "reason"}};
    int fits = query_add(query, sizeof query, "org", id) == 0 &&
               query_add(query, sizeof query, "format", format) == 0 &&
               query_add(query, sizeof query, "reveal", cli_opt(opts, "reveal", NULL)) == 0;
    for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++)
        fits = fits && query_add(query, sizeof query, filters[i][1], cli_opt(opts, filters[i][0], NULL)) == 0;
    if (!fits) {
        fprintf(stderr, "jiceng: the filters are too long\n");
        db_close(db);
        return 2;
    }
    api_req_t req;
    cli_request(&req, db, &keys, &w, query);
    progress_t progress;
    cli_stage_t stage;
    cli_progress(&progress, &stage);
    json_t *data = NULL;
    api_reply_t rep = {0};
    person_export_prepare(&req, out, &progress, &data, &rep);
    if (data == NULL) {
        print_error(rep.json);
        json_decref(rep.json);
        db_close(db);
        return 1;
    }
    int64_t rows = json_integer_value(json_object_get(data, "rows"));
    int revealed = json_is_true(json_object_get(data, "revealed"));
    rc = cli_write_reply(db, person_export_write, &w, data, &rep);
    db_close(db);
    if (rc != 0)
        return 1;
    cli_stage_start(&stage, "file", 1);
    rc = write_beside(out, rep.raw, rep.raw_len);
    if (rc == 0)
        cli_stage_show(&stage, 1);
    sodium_memzero(rep.raw, rep.raw_len);
    free(rep.raw);
    free(rep.filename);
    json_decref(rep.json);
    if (rc != 0)
        return 1;
    printf("wrote %s: %lld residents, %s (mode 0600)\n", out, (long long)rows,
           revealed ? "full ID numbers and phones (the reveal is in the audit log)" : "masked");
    return 0;
}
