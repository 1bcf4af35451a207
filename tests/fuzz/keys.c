/* The key file as the server reads it at start (keys_load: an owner-only file of
 * 64 hex digits and a line break, the keys derived from it), the input written to
 * a private file first; and the input as a --db URL whose key file is looked up
 * beside it (keys_path). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

static void remove_file(void)
{
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (path[0] == '\0') {
        int fd = -1;
        /* on a memory file system where there is one: the disk is not what is tested */
        snprintf(path, sizeof path, "%s/jiceng-fuzz-keyXXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
        if ((fd = mkstemp(path)) < 0)
            abort();
        close(fd); /* mkstemp makes it 0600, as keys_create does */
        atexit(remove_file);
    }
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    keys_t k;
    char err[256];
    keys_load(&k, path, err, sizeof err);
    char *url = malloc(size + 1);
    memcpy(url, data, size);
    url[size] = '\0';
    char out[4096];
    keys_path(out, sizeof out, url);
    free(url);
    return 0;
}
