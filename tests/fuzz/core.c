/* The small text parsers of src/core, each given the input as a NUL-terminated
 * string (how the API hands them a decoded value): ID numbers, credit codes,
 * RFC 3339 times and dates, UTF-8 and the text rules, personal numbers in free
 * text and their masking, network addresses, CIDR blocks and
 * forwarding headers, tile URL templates,
 * tree paths and division codes. The first byte picks nothing: every parser sees
 * every input, so one corpus serves them all. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/credit_code.h"
#include "core/division.h"
#include "core/idcard.h"
#include "core/netaddr.h"
#include "core/path.h"
#include "core/pii_text.h"
#include "core/redact.h"
#include "core/tile_url.h"
#include "core/timefmt.h"
#include "core/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    char out[512];
    const char *why;
    idcard_info_t info;
    idcard_parse(s, 20261207, &info, &why);
    idcard_check_char(s);
    idcard_mask(out, sizeof out, s);
    phone_mask(out, sizeof out, s);
    name_mask(out, sizeof out, s);
    phone_valid(s);
    credit_code_valid(s);
    credit_code_check_char(s);
    division_code_valid(s);
    division_code_level(s);
    division_code_parent(out, sizeof out, s);
    int64_t t;
    if (time_parse_rfc3339(s, &t) == 0)
        time_format_rfc3339(out, t);
    time_days_of_date(s);
    date_within(s, 1900, 5, 20261207);
    utf8_valid((const char *)data, size);
    if (utf8_valid(s, strlen(s))) {
        utf8_count(s);
        text_field_valid(s, 0, 200);
        text_block_valid(s, 1, 2000);
        text_name_valid(s, 1, 50);
    }
    pii_text_found(s);
    redact_may_hold(s);
    char *copy = strdup(s);
    redact_numbers(copy, strlen(copy));
    memcpy(copy, s, strlen(s));
    redact_found_t found;
    memset(&found, 0, sizeof found);
    redact_numbers_shown(copy, strlen(copy), &found);
    memcpy(copy, s, strlen(s));
    redact_json_strings(copy);
    free(copy);
    netaddr_t a;
    if (netaddr_parse((const char *)data, size, &a) == 0) {
        netaddr_format(&a, out, sizeof out);
        netaddr_is_loopback(&a);
    }
    cidr_t c;
    if (cidr_parse(s, &c) == 0 && netaddr_parse("10.1.2.3", 8, &a) == 0)
        cidr_list_contains(&c, 1, &a);
    /* The input as an X-Forwarded-For header from a trusted proxy, and as X-Real-IP. */
    netaddr_t peer, client;
    cidr_t trusted;
    if (netaddr_parse("127.0.0.1", 9, &peer) == 0 && cidr_parse("127.0.0.0/8", &trusted) == 0) {
        const char *xff[1] = {(const char *)data};
        size_t xff_len[1] = {size};
        netaddr_forwarded_client(&peer, &trusted, 1, xff, xff_len, 1, NULL, 0, &client);
        netaddr_forwarded_client(&peer, &trusted, 1, NULL, NULL, 0, (const char *)data, size, &client);
    }
    tile_url_origin(s, out, sizeof out);
    if (path_valid(s)) {
        int64_t ids[64];
        path_depth(s);
        path_is_within(s, "/1/");
        path_subtree_upper(out, sizeof out, s);
        if (path_is_within(s, "/1/"))
            path_rebase(out, sizeof out, s, "/1/", "/1/2/");
        path_ids(s, ids, 64);
        path_last_id(s);
        path_child(out, sizeof out, s, 42);
    }
    free(s);
    return 0;
}
