/* The command line: one table of commands (src/main.c), one file per family. */
#ifndef JICENG_CLI_H
#define JICENG_CLI_H

#include "api/api.h"
#include "db/db.h"
#include "lib/keys.h"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
    const char *usage;
} command_t;

/* Options: "--name value" or "--name=value"; flags without values. */
typedef struct {
    const char *name;
    int takes_value;
    const char *value;   /* filled: the value, or "1" for a flag */
    const char *help;
} option_t;

/* Parse argv (after the command words) against opts; positional arguments go
 * to pos (at most maxpos). Prints the usage and returns 1 for --help, -1 (after
 * printing why) for bad arguments, 0 otherwise. */
int cli_parse(int argc, char **argv, option_t *opts, const char **pos, int maxpos, int *npos, const char *usage);

/* The value of option name, or def. */
const char *cli_opt(const option_t *opts, const char *name, const char *def);

/* Every value of a repeatable option name (cli_opt keeps the last), in order,
 * from the argv cli_parse accepted: at most max go to out; returns how many
 * were given (more than max means some were left out). */
int cli_opt_all(int argc, char **argv, const option_t *opts, const char *name, const char **out, int max);

/* The database URL from --db, else env JICENG_DB, else data/jiceng.db. */
const char *cli_db_url(const option_t *opts);

/* Open the database and its keys, applying migrations. 0 or -1 (printed). */
int cli_open(const char *url, db_t **db, keys_t *keys);

/* A write context for the CLI acting as the system. The first call makes this
 * thread keep state between its transactions (tx_keep), like the writer. */
void cli_write_ctx(write_ctx_t *w, const keys_t *keys, const char *what);

/* Run a write function in its own transaction through the write pipeline
 * (api/tx.h, tx_write), as the server's writer does: every hook runs, and once
 * committed the reply's after_commit builds the answer. An answer of 400 or
 * more rolls back. Print the error reply if any. Returns 0 on success; *out
 * (may be NULL) receives the reply body (caller decrefs). */
int cli_write(db_t *db, write_fn fn, const write_ctx_t *w, json_t *data, json_t **out);

/* The same, handing back the whole reply (a file in raw, with its filename);
 * the caller frees rep->json, rep->raw and rep->filename. */
int cli_write_reply(db_t *db, write_fn fn, const write_ctx_t *w, json_t *data, api_reply_t *rep);

/* An org given as a division code or an id: its id; 0 if v is NULL, -1 (printed) if unknown. */
int64_t cli_resolve_org(db_t *db, const char *v);

/* Act as the user username (NULL: stay the system): load its grants into w->who,
 * so the same scope checks as over HTTP apply and audit rows name it. 0, or -1
 * (printed) if there is no such enabled user. */
int cli_actor(db_t *db, const char *username, write_ctx_t *w);

/* Messages' language: --lang, else $LC_ALL or $LANG; "zh-CN" for zh*, else "en". */
const char *cli_lang(const option_t *opts);

/* A stage of a long run: on a terminal (standard error) a bar with the rate and
 * the time left, redrawn as cli_stage_show reports; elsewhere one line when the
 * stage ends (done reaches total). Reports after the end are ignored. */
typedef struct cli_stage {
    const char *name;
    int64_t total;
    double t0, shown;
    int tty, ended;
} cli_stage_t;
void cli_stage_start(cli_stage_t *s, const char *name, int64_t total);
void cli_stage_show(cli_stage_t *s, int64_t done);

/* A progress_t (api.h) that shows its stages through s. */
void cli_progress(progress_t *p, cli_stage_t *s);

/* Read a password: env var, else one line from standard input. NULL if none. Caller frees. */
char *cli_read_password(const char *env);
/* A random password that meets the default policy: 20 characters from four classes. */
void cli_generate_password(char out[21]);
/* jiceng demo --accounts-file: a party member's and a resident's own accounts in the demo
 * city, their passwords written to file (mode 0600). 0, or -1 with the reason printed. */
int demo_accounts(db_t *db, const write_ctx_t *w, const char *file);

/* demo_places.c: where the demo's communities lie. A community and its
 * district's code (a development zone's own). */
typedef struct demo_place {
    int64_t id;
    char district_code[7];
} demo_place_t;

/* Each community's rectangle, min_lng, max_lng, min_lat, max_lat, into rects[i]
 * (zeroed by the caller): inside its district's real outline (a development
 * zone's in its host district's), none overlapping another. 0, or -1 with msg
 * (a district without an outline). */
int demo_places(db_t *db, const demo_place_t *cs, size_t ncomm, double (*rects)[4], char *msg, size_t cap);

/* Command families. */
int cmd_init(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_import_divisions(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_routes(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_copy_data(int argc, char **argv);
int cmd_errors(int argc, char **argv);
int cmd_figures(int argc, char **argv);

#endif
