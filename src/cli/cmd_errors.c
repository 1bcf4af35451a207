/* errors: the error catalogue (api/errors.def), for the documentation and its
 * test: with --json, a JSON array of {id, status, code, zh, en}, in the
 * catalogue's order; else one line per entry. */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>

#include "api/errors.h"

int cmd_errors(int argc, char **argv)
{
    option_t opts[] = {{"json", 0, NULL, "print the catalogue as JSON"}, {NULL, 0, NULL, NULL}};
    const char *pos[1];
    int npos;
    int rc = cli_parse(argc, argv, opts, pos, 0, &npos, "jiceng errors [--json]");
    if (rc != 0)
        return rc < 0 ? 2 : 0;
    int as_json = cli_opt(opts, "json", NULL) != NULL;
    json_t *all = json_array();
    for (int e = 0; e < E__COUNT; e++) {
        const err_info_t *i = err_info((err_t)e);
        if (as_json)
            json_array_append_new(all, json_pack("{s:s, s:i, s:s, s:s, s:s}", "id", i->id, "status", i->status, "code",
                                                 i->code, "zh", i->zh, "en", i->en));
        else
            printf("%d %-24s %-28s %s\n", i->status, i->code, i->id, i->en);
    }
    if (as_json) {
        char *text = json_dumps(all, JSON_INDENT(1));
        puts(text);
        free(text);
    }
    json_decref(all);
    return 0;
}
