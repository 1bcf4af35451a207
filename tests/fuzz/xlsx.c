/* An uploaded .xlsx as the import reads it (xlsx_read: the package opened in
 * place with libzip, the workbook, its relations, the shared strings and the first
 * worksheet parsed with expat in chunks, caps on expansion and ratio checked as the
 * parts are read), then every cell read back. */
#include "sheet_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_sheet_read(xlsx_read, data, size);
    return 0;
}
