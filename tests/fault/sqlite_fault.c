/* A fault-injecting SQLite VFS for the tests, loaded into the real server with
 * LD_PRELOAD (the server links libsqlite3 dynamically): its constructor
 * registers a VFS wrapping the default one as the new default, so every
 * connection the server opens goes through it. Nothing in the product knows.
 *
 * The test steers it through a control file named by JICENG_FAULT_CTL, re-read
 * whenever it changes (replace it by rename: a new inode is a new control),
 * one "key=value" a line:
 *   full=1          a write that would grow a database or WAL file fails with
 *                   SQLITE_FULL (a full file system: space already allocated
 *                   can still be overwritten)
 *   write_error=N   from the Nth write to a database or WAL file after this
 *                   control was read, every write fails with SQLITE_IOERR_WRITE
 *                   (a failing device; a background write cannot use it up)
 *   sync_error=N    from the Nth sync on, likewise SQLITE_IOERR_FSYNC
 *   drop_unsynced=1 writes are kept in this process's memory until their file
 *                   is synced (visible to every connection of the process, as
 *                   the page cache is), so a kill -9 loses exactly what was
 *                   never synced, as a power cut would; a failed sync drops
 *                   them (the kernel may forget dirty pages whose write-back
 *                   failed). Read at start only: set it before the server starts.
 * Every fault injected is counted in the file named by JICENG_FAULT_LOG, one
 * line per fault ("full", "write_error", "sync_error"), so a test can tell a
 * fault happened. Only database, WAL and rollback journal files are touched;
 * temporary files pass through. */
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    sqlite3_int64 off;
    int n;
    unsigned char *data;
} pending_t;

/* What the process knows of one file by name: its writes not yet synced. */
typedef struct shared {
    struct shared *next;
    char *name;
    pending_t *p;
    int np, cap;
} shared_t;

typedef struct {
    sqlite3_file base;
    shared_t *sh; /* NULL: a file the shim leaves alone */
    sqlite3_file *real;
} ffile_t;

static sqlite3_vfs *real_vfs;
static sqlite3_vfs fault_vfs;
static sqlite3_io_methods fault_io;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static shared_t *files;
static int drop_unsynced;

/* The control in force, and how many writes and syncs it has seen. */
static struct {
    ino_t ino;
    struct timespec mtime;
    int full, write_error, sync_error;
    long writes, syncs;
} ctl;

static void note(const char *what)
{
    const char *path = getenv("JICENG_FAULT_LOG");
    if (path == NULL)
        return;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0600);
    if (fd >= 0) {
        ssize_t ignored = write(fd, what, strlen(what));
        (void)ignored;
        close(fd);
    }
}

/* Re-read the control file if it changed (under mu). */
static void ctl_refresh(void)
{
    const char *path = getenv("JICENG_FAULT_CTL");
    struct stat st;
    if (path == NULL || stat(path, &st) != 0) {
        if (ctl.ino != 0)
            memset(&ctl, 0, sizeof ctl);
        return;
    }
    if (st.st_ino == ctl.ino && st.st_mtim.tv_sec == ctl.mtime.tv_sec && st.st_mtim.tv_nsec == ctl.mtime.tv_nsec)
        return;
    memset(&ctl, 0, sizeof ctl);
    ctl.ino = st.st_ino;
    ctl.mtime = st.st_mtim;
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return;
    char line[128];
    while (fgets(line, sizeof line, f)) {
        int v;
        if (sscanf(line, "full=%d", &v) == 1)
            ctl.full = v;
        else if (sscanf(line, "write_error=%d", &v) == 1)
            ctl.write_error = v;
        else if (sscanf(line, "sync_error=%d", &v) == 1)
            ctl.sync_error = v;
    }
    fclose(f);
}

static shared_t *shared_get(const char *name)
{
    for (shared_t *s = files; s; s = s->next)
        if (strcmp(s->name, name) == 0)
            return s;
    shared_t *s = calloc(1, sizeof *s);
    s->name = strdup(name);
    s->next = files;
    files = s;
    return s;
}

static void pending_clear(shared_t *s)
{
    for (int i = 0; i < s->np; i++)
        free(s->p[i].data);
    s->np = 0;
}

/* The file's size as the process sees it: on disk, or as far as a pending write reaches. */
static int size_seen(ffile_t *f, sqlite3_int64 *size)
{
    int rc = f->real->pMethods->xFileSize(f->real, size);
    if (rc != SQLITE_OK)
        return rc;
    for (int i = 0; i < f->sh->np; i++)
        if (f->sh->p[i].off + f->sh->p[i].n > *size)
            *size = f->sh->p[i].off + f->sh->p[i].n;
    return SQLITE_OK;
}

/* Write the pending writes out, in order. */
static int pending_flush(ffile_t *f)
{
    int rc = SQLITE_OK;
    for (int i = 0; i < f->sh->np && rc == SQLITE_OK; i++)
        rc = f->real->pMethods->xWrite(f->real, f->sh->p[i].data, f->sh->p[i].n, f->sh->p[i].off);
    pending_clear(f->sh);
    return rc;
}

static int f_close(sqlite3_file *file)
{
    ffile_t *f = (ffile_t *)file;
    int rc = f->real->pMethods->xClose(f->real);
    sqlite3_free(f->real);
    return rc;
}

static int f_read(sqlite3_file *file, void *buf, int amt, sqlite3_int64 off)
{
    ffile_t *f = (ffile_t *)file;
    if (f->sh == NULL)
        return f->real->pMethods->xRead(f->real, buf, amt, off);
    pthread_mutex_lock(&mu);
    int rc = f->real->pMethods->xRead(f->real, buf, amt, off);
    if ((rc == SQLITE_OK || rc == SQLITE_IOERR_SHORT_READ) && f->sh->np > 0) {
        sqlite3_int64 size;
        for (int i = 0; i < f->sh->np; i++) {
            pending_t *p = &f->sh->p[i];
            sqlite3_int64 lo = p->off > off ? p->off : off;
            sqlite3_int64 hi = p->off + p->n < off + amt ? p->off + p->n : off + amt;
            if (lo < hi)
                memcpy((unsigned char *)buf + (lo - off), p->data + (lo - p->off), (size_t)(hi - lo));
        }
        if (rc == SQLITE_IOERR_SHORT_READ && size_seen(f, &size) == SQLITE_OK && size >= off + amt)
            rc = SQLITE_OK;
    }
    pthread_mutex_unlock(&mu);
    return rc;
}

static int f_write(sqlite3_file *file, const void *buf, int amt, sqlite3_int64 off)
{
    ffile_t *f = (ffile_t *)file;
    if (f->sh == NULL)
        return f->real->pMethods->xWrite(f->real, buf, amt, off);
    pthread_mutex_lock(&mu);
    ctl_refresh();
    int rc = SQLITE_OK;
    ctl.writes++;
    sqlite3_int64 size = 0;
    if (ctl.write_error > 0 && ctl.writes >= ctl.write_error) {
        note("write_error\n");
        rc = SQLITE_IOERR_WRITE;
    } else if (ctl.full && size_seen(f, &size) == SQLITE_OK && off + amt > size) {
        note("full\n");
        rc = SQLITE_FULL;
    } else if (drop_unsynced) {
        shared_t *s = f->sh;
        if (s->np == s->cap) {
            s->cap = s->cap ? 2 * s->cap : 64;
            s->p = realloc(s->p, (size_t)s->cap * sizeof *s->p);
        }
        pending_t *p = &s->p[s->np++];
        p->off = off;
        p->n = amt;
        p->data = malloc((size_t)amt);
        memcpy(p->data, buf, (size_t)amt);
    } else {
        rc = f->real->pMethods->xWrite(f->real, buf, amt, off);
    }
    pthread_mutex_unlock(&mu);
    return rc;
}

static int f_truncate(sqlite3_file *file, sqlite3_int64 size)
{
    ffile_t *f = (ffile_t *)file;
    if (f->sh == NULL)
        return f->real->pMethods->xTruncate(f->real, size);
    pthread_mutex_lock(&mu);
    int rc = pending_flush(f); /* simpler than cutting pending writes: a truncate may reach the disk first anyway */
    if (rc == SQLITE_OK)
        rc = f->real->pMethods->xTruncate(f->real, size);
    pthread_mutex_unlock(&mu);
    return rc;
}

static int f_sync(sqlite3_file *file, int flags)
{
    ffile_t *f = (ffile_t *)file;
    if (f->sh == NULL)
        return f->real->pMethods->xSync(f->real, flags);
    pthread_mutex_lock(&mu);
    ctl_refresh();
    int rc;
    ctl.syncs++;
    if (ctl.sync_error > 0 && ctl.syncs >= ctl.sync_error) {
        note("sync_error\n");
        pending_clear(f->sh); /* the worst case: the unsynced pages are gone */
        rc = SQLITE_IOERR_FSYNC;
    } else {
        rc = pending_flush(f);
        if (rc == SQLITE_OK)
            rc = f->real->pMethods->xSync(f->real, flags);
    }
    pthread_mutex_unlock(&mu);
    return rc;
}

static int f_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
    ffile_t *f = (ffile_t *)file;
    if (f->sh == NULL)
        return f->real->pMethods->xFileSize(f->real, size);
    pthread_mutex_lock(&mu);
    int rc = size_seen(f, size);
    pthread_mutex_unlock(&mu);
    return rc;
}

#define PASS(name, ...) ((ffile_t *)file)->real->pMethods->name(((ffile_t *)file)->real, __VA_ARGS__)
static int f_lock(sqlite3_file *file, int l) { return PASS(xLock, l); }
static int f_unlock(sqlite3_file *file, int l) { return PASS(xUnlock, l); }
static int f_check_reserved(sqlite3_file *file, int *out) { return PASS(xCheckReservedLock, out); }
static int f_file_control(sqlite3_file *file, int op, void *arg) { return PASS(xFileControl, op, arg); }
static int f_shm_map(sqlite3_file *file, int pg, int sz, int ext, void volatile **pp) { return PASS(xShmMap, pg, sz, ext, pp); }
static int f_shm_lock(sqlite3_file *file, int off, int n, int flags) { return PASS(xShmLock, off, n, flags); }
static int f_shm_unmap(sqlite3_file *file, int del) { return PASS(xShmUnmap, del); }
static int f_sector_size(sqlite3_file *file) { return ((ffile_t *)file)->real->pMethods->xSectorSize(((ffile_t *)file)->real); }
static int f_device_chars(sqlite3_file *file) { return ((ffile_t *)file)->real->pMethods->xDeviceCharacteristics(((ffile_t *)file)->real); }
static void f_shm_barrier(sqlite3_file *file) { ((ffile_t *)file)->real->pMethods->xShmBarrier(((ffile_t *)file)->real); }

static int v_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *out_flags)
{
    (void)vfs;
    ffile_t *f = (ffile_t *)file;
    memset(f, 0, sizeof *f);
    f->real = sqlite3_malloc(real_vfs->szOsFile);
    if (f->real == NULL)
        return SQLITE_NOMEM;
    memset(f->real, 0, (size_t)real_vfs->szOsFile);
    int rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out_flags);
    if (rc != SQLITE_OK || f->real->pMethods == NULL) {
        if (f->real->pMethods)
            f->real->pMethods->xClose(f->real);
        sqlite3_free(f->real);
        f->real = NULL;
        return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
    }
    if (name != NULL && (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL | SQLITE_OPEN_MAIN_JOURNAL))) {
        pthread_mutex_lock(&mu);
        f->sh = shared_get(name);
        pthread_mutex_unlock(&mu);
    }
    f->base.pMethods = &fault_io;
    return SQLITE_OK;
}

static int v_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
    (void)vfs;
    pthread_mutex_lock(&mu);
    for (shared_t *s = files; s; s = s->next)
        if (strcmp(s->name, name) == 0)
            pending_clear(s);
    pthread_mutex_unlock(&mu);
    return real_vfs->xDelete(real_vfs, name, sync_dir);
}

static int v_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    (void)vfs;
    return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int v_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
    (void)vfs;
    return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static int v_randomness(sqlite3_vfs *vfs, int n, char *out) { (void)vfs; return real_vfs->xRandomness(real_vfs, n, out); }
static int v_sleep(sqlite3_vfs *vfs, int us) { (void)vfs; return real_vfs->xSleep(real_vfs, us); }
static int v_current_time(sqlite3_vfs *vfs, double *t) { (void)vfs; return real_vfs->xCurrentTime(real_vfs, t); }
static int v_last_error(sqlite3_vfs *vfs, int n, char *out) { (void)vfs; return real_vfs->xGetLastError(real_vfs, n, out); }
static void *v_dl_open(sqlite3_vfs *vfs, const char *name) { (void)vfs; return real_vfs->xDlOpen(real_vfs, name); }
static void v_dl_error(sqlite3_vfs *vfs, int n, char *out) { (void)vfs; real_vfs->xDlError(real_vfs, n, out); }
static void (*v_dl_sym(sqlite3_vfs *vfs, void *h, const char *sym))(void) { (void)vfs; return real_vfs->xDlSym(real_vfs, h, sym); }
static void v_dl_close(sqlite3_vfs *vfs, void *h) { (void)vfs; real_vfs->xDlClose(real_vfs, h); }
static int v_current_time64(sqlite3_vfs *vfs, sqlite3_int64 *t) { (void)vfs; return real_vfs->xCurrentTimeInt64(real_vfs, t); }

__attribute__((constructor)) static void fault_init(void)
{
    real_vfs = sqlite3_vfs_find(NULL);
    if (real_vfs == NULL)
        return;
    const char *drop = getenv("JICENG_FAULT_DROP_UNSYNCED");
    drop_unsynced = drop != NULL && strcmp(drop, "1") == 0;
    fault_io = (sqlite3_io_methods){
        .iVersion = 2, /* no xFetch: every read goes through f_read, never a memory map */
        .xClose = f_close,
        .xRead = f_read,
        .xWrite = f_write,
        .xTruncate = f_truncate,
        .xSync = f_sync,
        .xFileSize = f_file_size,
        .xLock = f_lock,
        .xUnlock = f_unlock,
        .xCheckReservedLock = f_check_reserved,
        .xFileControl = f_file_control,
        .xSectorSize = f_sector_size,
        .xDeviceCharacteristics = f_device_chars,
        .xShmMap = f_shm_map,
        .xShmLock = f_shm_lock,
        .xShmBarrier = f_shm_barrier,
        .xShmUnmap = f_shm_unmap,
    };
    fault_vfs = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = (int)sizeof(ffile_t),
        .mxPathname = real_vfs->mxPathname,
        .zName = "jiceng-fault",
        .xOpen = v_open,
        .xDelete = v_delete,
        .xAccess = v_access,
        .xFullPathname = v_full_pathname,
        .xDlOpen = v_dl_open,
        .xDlError = v_dl_error,
        .xDlSym = v_dl_sym,
        .xDlClose = v_dl_close,
        .xRandomness = v_randomness,
        .xSleep = v_sleep,
        .xCurrentTime = v_current_time,
        .xGetLastError = v_last_error,
        .xCurrentTimeInt64 = v_current_time64,
    };
    sqlite3_vfs_register(&fault_vfs, 1);
}
