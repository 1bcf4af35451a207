/* Request header bytes the server reads itself: the input as a Cookie header's
 * value (cookie_value for the session cookie, the token read back whole) and as
 * the raw HTTP/1 header block a request arrived with (header_block_lengths, the
 * request-smuggling guard). */
#include <stdint.h>
#include <string.h>

#include "http/headers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t len = 0;
    const char *v = cookie_value((const char *)data, size, "jiceng_session", &len);
    volatile size_t sum = 0;
    for (size_t i = 0; v != NULL && i < len; i++)
        sum += (unsigned char)v[i];
    (void)sum;
    header_block_lengths((const char *)data, size);
    return 0;
}
