#include "lib/keys.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/db.h"

void keys_path(char *out, size_t cap, const char *db_url)
{
    if (db_url_is_postgres(db_url)) {
        const char *env = getenv("JICENG_KEY_FILE");
        snprintf(out, cap, "%s", env && *env ? env : "data/jiceng.key");
        return;
    }
    const char *p = strncmp(db_url, "sqlite:", 7) == 0 ? db_url + 7 : db_url;
    snprintf(out, cap, "%s.key", p);
}

int keys_create(const char *key_path, char *err, size_t cap)
{
    unsigned char key[32];
    char hex[65];
    randombytes_buf(key, sizeof key);
    sodium_bin2hex(hex, sizeof hex, key, sizeof key);
    sodium_memzero(key, sizeof key);
    int fd = open(key_path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        snprintf(err, cap, "cannot create key file %s: %s", key_path, strerror(errno));
        return -1;
    }
    hex[64] = '\n';
    ssize_t n = write(fd, hex, 65);
    int ok = n == 65 && fsync(fd) == 0;
    close(fd);
    sodium_memzero(hex, sizeof hex);
    if (!ok) {
        snprintf(err, cap, "cannot write key file %s", key_path);
        unlink(key_path);
        return -1;
    }
    return 0;
}

int keys_load(keys_t *k, const char *key_path, char *err, size_t cap)
{
    int fd = open(key_path, O_RDONLY);
    if (fd < 0) {
        snprintf(err, cap, "cannot open key file %s: %s (run `jiceng init` to create one)", key_path,
                 strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || (st.st_mode & 077) != 0) {
        close(fd);
        snprintf(err, cap, "key file %s must be readable by its owner only (chmod 600)", key_path);
        return -1;
    }
    char hex[80];
    ssize_t n = read(fd, hex, sizeof hex - 1);
    close(fd);
    size_t bin_len = 0;
    if (n < 64 || sodium_hex2bin(k->master, sizeof k->master, hex, 64, NULL, &bin_len, NULL) != 0 || bin_len != 32) {
        sodium_memzero(hex, sizeof hex);
        snprintf(err, cap, "key file %s is malformed", key_path);
        return -1;
    }
    sodium_memzero(hex, sizeof hex);
    crypto_kdf_derive_from_key(k->audit, sizeof k->audit, 1, "jcaudit_", k->master);
    crypto_kdf_derive_from_key(k->pii, sizeof k->pii, 2, "jcpii___", k->master);
    crypto_kdf_derive_from_key(k->lookup, sizeof k->lookup, 3, "jclookup", k->master);
    return 0;
}
