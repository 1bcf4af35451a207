/* audit verify: walk the chain and name the first bad row; with --anchor, also
 * check that the chain still extends an anchor the operator kept. audit anchor:
 * write such an anchor (the last row's id and MAC, the time, a MAC). */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/internal.h"
#include "lib/util.h"

#define ANCHOR_MAX 4096

static int write_private(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    size_t n = strlen(text);
    int ok = fd >= 0 && fchmod(fd, 0600) == 0 && write(fd, text, n) == (ssize_t)n && write(fd, "\n", 1) == 1 &&
             fsync(fd) == 0;
    int saved = errno;
    if (fd >= 0 && close(fd) != 0)
        ok = 0;
    if (!ok)
        fprintf(stderr, "jiceng: cannot write %s: %s\n", path, strerror(saved));
    return ok ? 0 : -1;
}

int cmd_audit(int argc, char **argv)
{
    option_t opts[] = {{"db", 1, NULL, "database path"},
                       {"anchor", 1, NULL, "verify: an anchor file the chain must still extend"},
                       {"output", 1, NULL, "anchor: the file to write (also -o FILE; mode 0600), else stdout"},
                       {NULL, 0, NULL, NULL}};
    const char *pos[1];
    int npos;
    const char *usage = "jiceng audit verify [--db PATH] [--anchor FILE]\n"
                        "       jiceng audit anchor [--db PATH] [-o FILE]";
    char *args[64];
    if (argc > 64) {
        fprintf(stderr, "usage: %s\n", usage);
        return 2;
    }
    for (int i = 0; i < argc; i++)
        args[i] = strcmp(argv[i], "-o") == 0 ? "--output" : argv[i];
    int r = cli_parse(argc, args, opts, pos, 1, &npos, usage);
    if (r != 0)
        return r > 0 ? 0 : 2;
    int anchor = npos == 1 && strcmp(pos[0], "anchor") == 0;
    if (npos != 1 || (!anchor && strcmp(pos[0], "verify") != 0) || (anchor && cli_opt(opts, "anchor", NULL)) ||
        (!anchor && cli_opt(opts, "output", NULL))) {
        fprintf(stderr, "usage: %s\n", usage);
        return 2;
    }
    char *anchor_text = NULL;
    const char *anchor_file = cli_opt(opts, "anchor", NULL);
    if (anchor_file && (anchor_text = file_read_all(anchor_file, ANCHOR_MAX, NULL)) == NULL) {
        fprintf(stderr, "jiceng: cannot read the anchor file %s\n", anchor_file);
        return 1;
    }
    db_t *db;
    keys_t keys;
    if (cli_open(cli_db_url(opts), &db, &keys) != 0) {
        free(anchor_text);
        return 1;
    }
    audit_tail_t tail;
    int64_t bad = 0;
    char msg[512] = "";
    int rc = audit_verify_tail(db, keys.audit, &tail, &bad, msg, sizeof msg);
    if (rc != DB_OK) {
        db_close(db);
        free(anchor_text);
        printf("audit chain BROKEN at row %lld: %s\n", (long long)bad, msg);
        return 1;
    }
    if (anchor_text) {
        rc = audit_anchor_check(db, keys.audit, anchor_text, msg, sizeof msg);
        free(anchor_text);
        db_close(db);
        if (rc != DB_OK) {
            printf("audit chain does NOT extend the anchor %s: %s\n", anchor_file, msg);
            return 1;
        }
        printf("audit chain ok: %lld rows verified, extending the anchor %s\n", (long long)tail.rows, anchor_file);
        return 0;
    }
    db_close(db);
    if (!anchor) {
        printf("audit chain ok: %lld rows verified\n", (long long)tail.rows);
        return 0;
    }
    char *text = audit_anchor_text(keys.audit, &tail, clock_now());
    const char *out = cli_opt(opts, "output", NULL);
    int ret = 0;
    if (out) {
        ret = write_private(out, text) == 0 ? 0 : 1;
        if (ret == 0)
            fprintf(stderr, "anchored audit row %lld in %s: keep a copy off this machine\n", (long long)tail.last_id,
                    out);
    } else {
        printf("%s\n", text);
    }
    free(text);
    return ret;
}
