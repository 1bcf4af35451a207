/* Query strings and form bodies as handlers read them: every parameter a list
 * route or an Open311 form names looked up and decoded (api_query: percent
 * escapes, '+', UTF-8 and control characters checked; with line breaks allowed,
 * as a form's block of text), as integers where a route takes one
 * (api_query_int), and each '&'-separated component decoded strictly, as the
 * dispatcher checks a query before any handler (api_query_decode). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {
    "limit", "after", "sort", "q", "org", "status", "from", "to", "name", "owner", "owner_id", "lng", "lat",
    /* an Open311 service request's form body */
    "api_key", "service_code", "lat", "long", "description", "phone", NULL,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *q = malloc(size + 1);
    memcpy(q, data, size);
    q[size] = '\0';
    api_req_t req;
    memset(&req, 0, sizeof req);
    req.query = q;
    for (int i = 0; names[i]; i++)
        free(api_query(&req, names[i]));
    int64_t v;
    api_query_int(&req, "limit", 50, 1, 500, &v);
    api_query_int(&req, "after", 0, 0, INT64_MAX, &v);
    for (const char *p = q; *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        free(api_query_decode(p, len, 0));
        if (amp == NULL)
            break;
        p = amp + 1;
    }
    free(q);
    return 0;
}
