/* The built web app (web/dist): hashed assets cached for a year, everything
 * else revalidated by ETag, pre-compressed .gz variants sent to clients that
 * accept them, and index.html for any other GET so client-side routes load. */
#include "http/internal.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"

static char g_index[4096];

static h2o_iovec_t hdr_cache = {H2O_STRLIT("cache-control")};

static h2o_headers_command_t immutable_headers[] = {
    {H2O_HEADERS_CMD_SET, &hdr_cache, {H2O_STRLIT("public, max-age=31536000, immutable")}},
    {H2O_HEADERS_CMD_NULL, NULL, {NULL, 0}},
};

/* API answers set their own (no-store); files are revalidated by ETag. */
static h2o_headers_command_t revalidate_headers[] = {
    {H2O_HEADERS_CMD_SETIFEMPTY, &hdr_cache, {H2O_STRLIT("no-cache")}},
    {H2O_HEADERS_CMD_NULL, NULL, {NULL, 0}},
};

/* A client route (/orgs/12/detail): answer the app's index.html. Paths that
 * look like files (a dot in the last segment) stay 404, so a missing script
 * is not answered with HTML. */
static int on_fallback(h2o_handler_t *self, h2o_req_t *req)
{
    (void)self;
    if (!h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET")) &&
        !h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD")))
        return -1;
    h2o_iovec_t p = req->path_normalized;
    size_t last = p.len;
    while (last > 0 && p.base[last - 1] != '/')
        last--;
    if (memchr(p.base + last, '.', p.len - last) != NULL)
        return -1;
    return h2o_file_send(req, 200, "OK", g_index, h2o_iovec_init(H2O_STRLIT("text/html; charset=utf-8")),
                         H2O_FILE_FLAG_SEND_COMPRESSED);
}

/* h2o's default types, with the charset of our text files spelled out. */
static h2o_mimemap_t *mimemap(void)
{
    static h2o_mimemap_t *m;
    if (m == NULL) {
        m = h2o_mimemap_create();
        h2o_mimemap_define_mimetype(m, "html", "text/html; charset=utf-8", NULL);
        h2o_mimemap_define_mimetype(m, "js", "text/javascript; charset=utf-8", NULL);
        h2o_mimemap_define_mimetype(m, "mjs", "text/javascript; charset=utf-8", NULL);
        h2o_mimemap_define_mimetype(m, "css", "text/css; charset=utf-8", NULL);
        h2o_mimemap_define_mimetype(m, "json", "application/json; charset=utf-8", NULL);
        h2o_mimemap_define_mimetype(m, "svg", "image/svg+xml; charset=utf-8", NULL);
        h2o_mimemap_define_mimetype(m, "webmanifest", "application/manifest+json; charset=utf-8", NULL);
        h2o_mimemap_define_mimetype(m, "woff2", "font/woff2", NULL);
    }
    return m;
}

int static_register(h2o_hostconf_t *host, const char *web_root, h2o_pathconf_t **root_out,
                     h2o_headers_command_t *security)
{
    snprintf(g_index, sizeof g_index, "%s/index.html", web_root);
    if (access(g_index, R_OK) != 0)
        return -1;
    static const char *index_files[] = {"index.html", NULL};
    char assets[4096];
    snprintf(assets, sizeof assets, "%s/assets", web_root);
    h2o_pathconf_t *pa = h2o_config_register_path(host, "/assets", 0);
    h2o_handler_t *guard = h2o_create_handler(pa, sizeof *guard);
    guard->on_req = dispatch_guard_on_req;
    h2o_file_register(pa, assets, index_files, mimemap(), H2O_FILE_FLAG_SEND_COMPRESSED);
    h2o_headers_register(pa, immutable_headers);
    h2o_headers_register(pa, security);

    h2o_pathconf_t *pc = h2o_config_register_path(host, "/", 0);
    *root_out = pc;
    return 0;
}

void static_register_root(h2o_pathconf_t *pc, const char *web_root)
{
    static const char *index_files[] = {"index.html", NULL};
    h2o_file_register(pc, web_root, index_files, mimemap(), H2O_FILE_FLAG_SEND_COMPRESSED);
    h2o_handler_t *fb = h2o_create_handler(pc, sizeof *fb);
    fb->on_req = on_fallback;
    h2o_headers_register(pc, revalidate_headers);
}
