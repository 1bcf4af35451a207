/* audit verify: walk the chain and name the first bad row. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

#include "api/internal.h"

int cmd_audit(int argc, char **argv)
{
    option_t opts[] = {{"db", 1, NULL, "database path"}, {NULL, 0, NULL, NULL}};
    const char *pos[1];
    int npos;
    const char *usage = "jiceng audit verify [--db PATH]";
    int r = cli_parse(argc, argv, opts, pos, 1, &npos, usage);
    if (r != 0)
        return r > 0 ? 0 : 2;
    if (npos != 1 || strcmp(pos[0], "verify") != 0) {
        fprintf(stderr, "usage: %s\n", usage);
        return 2;
    }
    db_t *db;
    keys_t keys;
    if (cli_open(cli_db_url(opts), &db, &keys) != 0)
        return 1;
    int64_t bad = 0, rows = 0;
    char msg[512] = "";
    int rc = audit_verify(db, keys.audit, &bad, &rows, msg, sizeof msg);
    db_close(db);
    if (rc != DB_OK) {
        printf("audit chain BROKEN at row %lld: %s\n", (long long)bad, msg);
        return 1;
    }
    printf("audit chain ok: %lld rows verified\n", (long long)rows);
    return 0;
}
