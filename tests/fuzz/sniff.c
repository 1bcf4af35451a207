/* An upload's bytes as the attachment and photo routes judge them: the type
 * told by the first bytes and, for Office files, the ZIP's directory names
 * (attach_sniff, with and without images_only). The body is the file: uploads
 * are raw bodies, not multipart. */
#include <stdint.h>

#include "api/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    attach_sniff(data, size, 0); /* libFuzzer's copy is exactly size bytes: a read past it is caught */
    attach_sniff(data, size, 1);
    return 0;
}
