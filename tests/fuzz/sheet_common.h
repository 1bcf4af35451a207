/* What the CSV and XLSX harnesses share: the caps they read under and a walk
 * over what was read. The caps are small (a fuzzer's inputs are small), so each
 * one is reached and refused as it would be by a hostile upload under the
 * import's own caps (person_io.c). */
#ifndef JICENG_FUZZ_SHEET_COMMON_H
#define JICENG_FUZZ_SHEET_COMMON_H

#include <stdint.h>
#include <string.h>

#include "api/sheet.h"

static const sheet_limits_t fuzz_limits = {
    .rows = 200,
    .cols = 16,
    .cell = 256,
    .text = 16 << 10,
    .cells = 4000,
    .unzipped = 1 << 20,
    .ratio = 100,
    .strings = 1000,
    .strings_text = 16 << 10,
};

/* Read every cell back (each must be a NUL-terminated string inside the text)
 * and name a cell as an error would. */
static inline void fuzz_sheet_walk(const sheet_t *t)
{
    volatile size_t sum = 0;
    char where[16];
    for (size_t r = 0; r < sheet_rows(t); r++)
        for (size_t c = 0; c <= sheet_width(t, r); c++)
            sum += strlen(sheet_get(t, r, c));
    sheet_cell_name(where, sheet_width(t, 0), (long)sheet_rows(t));
    (void)sum;
}

/* One input read by read (csv_read or xlsx_read) under the caps, walked, freed. */
static inline void fuzz_sheet_read(int (*read)(sheet_t *, const char *, size_t), const uint8_t *data, size_t size)
{
    sheet_t t;
    sheet_init(&t, &fuzz_limits);
    if (read(&t, (const char *)data, size) == 0)
        fuzz_sheet_walk(&t);
    sheet_free(&t);
}

#endif
