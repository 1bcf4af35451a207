/* jiceng: the working system of a city's grassroots party organisations and
 * grid governance. `jiceng <command> [options]`. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "api/tx.h"
#include "cli/cli.h"

static const command_t commands[] = {
    {"init", cmd_init, "create a database, its key file and the admin account",
     "jiceng init [--db PATH] [--password-file FILE]"},
    {"migrate", cmd_migrate, "apply pending schema migrations", "jiceng migrate [--db PATH]"},
    {"serve", cmd_serve, "serve the API and the web app", "jiceng serve [--db PATH] [--listen ADDR:PORT] [options]"},
    {"user", cmd_user, "manage user accounts and grants", "jiceng user add|list|passwd|grant|revoke [--db PATH] ..."},
    {"import-divisions", cmd_import_divisions, "load real administrative divisions from a CSV",
     "jiceng import-divisions [--db PATH] [--city CODE] FILE"},
    {"import", cmd_import, "import residents from a .csv (UTF-8 or GBK) or .xlsx file",
     "jiceng import persons --org ID|CODE [--db PATH] [--partial] [--dry-run] [--as USER] FILE"},
    {"export", cmd_export, "export residents to a .csv or .xlsx file (masked unless --reveal)",
     "jiceng export persons --org ID|CODE -o FILE [--db PATH] [--format csv|xlsx] [--reveal] [filters]"},
    {"backup", cmd_backup, "write a consistent copy of the database", "jiceng backup [--db PATH] FILE"},
    {"restore", cmd_restore, "put a backup in place of a stopped server's database (SQLite), after checking it",
     "jiceng restore [--db PATH] [--force] BACKUP"},
    {"audit", cmd_audit, "verify the audit chain, or anchor it", "jiceng audit verify|anchor [--db PATH]"},
    {"demo", cmd_demo, "fill the real divisions with a synthetic city",
     "jiceng demo [--db PATH] [--residents N] [--seed S]"},
    {"routes", cmd_routes, "print the API's operation table", "jiceng routes [--json]"},
    {"copy-data", cmd_copy_data, "move a whole deployment into an empty database (e.g. SQLite to PostgreSQL)",
     "jiceng copy-data --from URL --to URL"},
    {"figures", cmd_figures, "verify the kept yearly figures against the records, or rebuild them",
     "jiceng figures verify|rebuild [--db PATH]"},
    {"errors", cmd_errors, "print the error catalogue (every error answer's status, code and messages)",
     "jiceng errors [--json]"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: jiceng <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-18s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n`jiceng <command> --help` shows a command's options.\n");
}

int main(int argc, char **argv)
{
    /* Whatever the program or a library it uses creates (databases, WAL, backups,
     * exports, key files, scratch files) is the owner's alone; the places that
     * create such files set their mode explicitly as well. */
    umask(077);
    if (sodium_init() < 0) {
        fprintf(stderr, "jiceng: libsodium failed to initialise\n");
        return 1;
    }
    api_hooks_register(); /* the write pipeline's, before any thread writes */
    db_set_command_timeout_ms(30000); /* a command's bound on PostgreSQL (--db-timeout-ms); serve's own later */
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 2, argv + 2);
    fprintf(stderr, "jiceng: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
