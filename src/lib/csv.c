/* CSV read in one pass (csv.h): a field's bytes gathered in the caller's
 * buffer, handed over when a comma or a line break ends it. */
#include "lib/csv.h"

/* The field gathered so far ends: hand it over and start the next one. */
static int field_end(csv_parser_t *p, size_t *len)
{
    size_t n = *len, col = p->col++;
    *len = 0;
    return p->cell(p->arg, p->field, n, col, p->row);
}

csv_fail_t csv_parse(csv_parser_t *p, const char *data, size_t n)
{
    size_t len = 0; /* bytes of the current field in p->field */
    int in_quotes = 0, any = 0; /* any: the line holds a field, even an empty one */
    p->col = 0;
    p->row = 1;
    for (size_t i = 0; i < n; i++) {
        char b = data[i];
        int add = 0;
        if (in_quotes) {
            if (b == '"' && i + 1 < n && data[i + 1] == '"')
                add = 1, i++;
            else if (b == '"')
                in_quotes = 0;
            else
                add = 1;
        } else if (b == '"') {
            in_quotes = any = 1;
        } else if (b == ',') {
            if (field_end(p, &len) != 0)
                return CSV_STOPPED;
            any = 1;
        } else if (b == '\n' || b == '\r') {
            if (any || len) {
                if (field_end(p, &len) != 0)
                    return CSV_STOPPED;
                if (p->row_end)
                    p->row_end(p->arg);
                p->row++;
            }
            p->col = 0;
            any = 0;
            if (b == '\r' && i + 1 < n && data[i + 1] == '\n')
                i++;
        } else {
            add = any = 1;
        }
        if (add) {
            if (len >= p->cap)
                return CSV_TOO_LONG;
            p->field[len++] = b;
        }
    }
    if (in_quotes)
        return CSV_OPEN_QUOTE;
    if (any || len) {
        if (field_end(p, &len) != 0)
            return CSV_STOPPED;
        if (p->row_end)
            p->row_end(p->arg);
    }
    return CSV_OK;
}
