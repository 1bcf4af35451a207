/* A4 documents drawn with cairo and pango in the Noto CJK fonts: the notices'
 * official documents (notice.c) and the volunteers' certificates of hours
 * (team.c). Text flows line by line onto new pages at the bottom margin. */
#ifndef JICENG_API_PDF_H
#define JICENG_API_PDF_H

#include <cairo-pdf.h>
#include <pango/pangocairo.h>

#include <jansson.h>

#include "api/api.h"
#include "lib/util.h"

/* A4 in points, margins as the national standard for official documents
 * (GB/T 9704: 37 mm top, 28 mm left, 26 mm right, 35 mm bottom). */
#define PT_PER_MM (72.0 / 25.4)
#define PAGE_W (210 * PT_PER_MM)
#define PAGE_H (297 * PT_PER_MM)
#define M_TOP (37 * PT_PER_MM)
#define M_LEFT (28 * PT_PER_MM)
#define M_RIGHT (26 * PT_PER_MM)
#define M_BOTTOM (35 * PT_PER_MM)
#define TEXT_W (PAGE_W - M_LEFT - M_RIGHT)

/* An A4 PDF surface writing into out (a strbuf_t the caller frees). */
cairo_surface_t *pdf_surface_new(strbuf_t *out);
/* A layout of text in font ("Noto Serif CJK SC 16"), width TEXT_W, aligned. */
PangoLayout *pdf_layout(cairo_t *cr, const char *font, const char *text, PangoAlignment align);
/* Draw layout l at *y, line by line, starting a new page where a line would
 * pass the bottom margin; *y moves below it. */
void pdf_flow(cairo_t *cr, PangoLayout *l, double *y);
/* A layout of text drawn at *y, then after points more. */
void pdf_block(cairo_t *cr, const char *font, const char *text, PangoAlignment align, double *y, double after);
/* Finish the document: 0 if cairo wrote it whole, else -1. Destroys cr and s. */
int pdf_finish(cairo_t *cr, cairo_surface_t *s);
/* "2026年12月6日": the day of unix time t in Asia/Shanghai, into out. */
void pdf_date(char *out, size_t cap, int64_t t);
/* Answer doc drawn by render as application/pdf named filename: 0, or -1 with
 * rep 500 when it could not be drawn. Takes doc's reference. */
int pdf_reply(api_reply_t *rep, const char *lang, int (*render)(const json_t *doc, strbuf_t *out), json_t *doc,
              const char *filename);

#endif
