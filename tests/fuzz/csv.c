/* An uploaded CSV as the import reads it (csv_read: UTF-8 or, cell by cell,
 * GB18030/GBK; a BOM dropped; caps checked while reading), then every cell read
 * back. */
#include "sheet_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_sheet_read(csv_read, data, size);
    return 0;
}
