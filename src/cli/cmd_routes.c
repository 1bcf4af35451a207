/* jiceng routes: the operation table (api/op.h), as a list or as JSON. */
#include <stdio.h>
#include <stdlib.h>

#include "api/op.h"
#include "cli/cli.h"

int cmd_routes(int argc, char **argv)
{
    option_t opts[] = {
        {"json", 0, NULL, "print the whole table as JSON (what docs/openapi.yaml is tested against)"},
        {NULL, 0, NULL, NULL},
    };
    const char *usage = "jiceng routes [--json]";
    int npos;
    int rc = cli_parse(argc, argv, opts, NULL, 0, &npos, usage);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    if (ops_init() != 0)
        return 1;
    json_t *table = ops_json();
    if (cli_opt(opts, "json", NULL) != NULL) {
        char *text = json_dumps(table, JSON_INDENT(1) | JSON_ENSURE_ASCII);
        puts(text);
        free(text);
    } else {
        size_t i;
        json_t *op;
        json_array_foreach(table, i, op) {
            printf("%-6s %-44s %-26s %s\n", json_string_value(json_object_get(op, "method")),
                   json_string_value(json_object_get(op, "pattern")), json_string_value(json_object_get(op, "name")),
                   json_string_value(json_object_get(op, "access")));
        }
    }
    json_decref(table);
    return 0;
}
