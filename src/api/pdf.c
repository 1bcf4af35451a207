/* A4 documents with cairo and pango (api/pdf.h). */
#include "api/pdf.h"

#include <stdlib.h>
#include <time.h>

#include "api/errors.h"

static cairo_status_t pdf_out(void *closure, const unsigned char *data, unsigned int len)
{
    strbuf_addn(closure, (const char *)data, len);
    return CAIRO_STATUS_SUCCESS;
}

cairo_surface_t *pdf_surface_new(strbuf_t *out)
{
    return cairo_pdf_surface_create_for_stream(pdf_out, out, PAGE_W, PAGE_H);
}

PangoLayout *pdf_layout(cairo_t *cr, const char *font, const char *text, PangoAlignment align)
{
    PangoLayout *l = pango_cairo_create_layout(cr);
    PangoFontDescription *fd = pango_font_description_from_string(font);
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    pango_layout_set_width(l, (int)(TEXT_W * PANGO_SCALE));
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(l, align);
    pango_layout_set_text(l, text ? text : "", -1);
    return l;
}

void pdf_flow(cairo_t *cr, PangoLayout *l, double *y)
{
    PangoLayoutIter *it = pango_layout_get_iter(l);
    double top = -1;
    do {
        PangoRectangle logical;
        pango_layout_iter_get_line_extents(it, NULL, &logical);
        double baseline = pango_layout_iter_get_baseline(it) / (double)PANGO_SCALE;
        double ly = logical.y / (double)PANGO_SCALE, lh = logical.height / (double)PANGO_SCALE;
        if (top < 0)
            top = ly;
        if (*y + (ly - top) + lh > PAGE_H - M_BOTTOM) {
            cairo_show_page(cr);
            *y = M_TOP - (ly - top);
        }
        cairo_move_to(cr, M_LEFT + logical.x / (double)PANGO_SCALE, *y + (baseline - top));
        pango_cairo_show_layout_line(cr, pango_layout_iter_get_line_readonly(it));
    } while (pango_layout_iter_next_line(it));
    int w, h;
    pango_layout_get_size(l, &w, &h);
    *y += h / (double)PANGO_SCALE - top;
    pango_layout_iter_free(it);
}

void pdf_block(cairo_t *cr, const char *font, const char *text, PangoAlignment align, double *y, double after)
{
    PangoLayout *l = pdf_layout(cr, font, text, align);
    pdf_flow(cr, l, y);
    g_object_unref(l);
    *y += after;
}

int pdf_finish(cairo_t *cr, cairo_surface_t *s)
{
    cairo_destroy(cr);
    cairo_surface_finish(s);
    int ok = cairo_surface_status(s) == CAIRO_STATUS_SUCCESS;
    cairo_surface_destroy(s);
    return ok ? 0 : -1;
}

void pdf_date(char *out, size_t cap, int64_t t)
{
    time_t local = (time_t)(t + 8 * 3600); /* Asia/Shanghai: UTC+8, no summer time */
    struct tm tm;
    gmtime_r(&local, &tm);
    snprintf(out, cap, "%d年%d月%d日", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

int pdf_reply(api_reply_t *rep, const char *lang, int (*render)(const json_t *doc, strbuf_t *out), json_t *doc,
              const char *filename)
{
    strbuf_t out = {0};
    int rc = render(doc, &out);
    json_decref(doc);
    if (rc != 0 || out.s == NULL) {
        free(out.s);
        return api_fail(rep, lang, E_INTERNAL, NULL);
    }
    rep->status = 200;
    rep->raw = out.s;
    rep->raw_len = out.len;
    rep->content_type = "application/pdf";
    rep->filename = xstrdup(filename);
    return 0;
}
