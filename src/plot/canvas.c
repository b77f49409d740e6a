/* canvas.c - the drawing layer every figure shares (canvas.h). */
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <ctype.h>
#include <fontconfig/fontconfig.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>

#include "cohort/outfile.h"
#include "core/core.h"
#include "plot/canvas.h"

void coh_plot_style_init(coh_plot_style *s)
{
    memset(s, 0, sizeof *s);
    s->dpi = 300;
    s->font = "DejaVu Sans";
    s->font_size = 9;
}

bool coh_plot_font_available(const char *family, char *used, size_t size)
{
    if (used != NULL && size > 0)
        used[0] = '\0';
    if (family == NULL)
        return false;
    FcPattern *pat = FcNameParse((const FcChar8 *)family);
    if (pat == NULL)
        return false;
    /* match as cairo does: the configuration's substitutions, then the
     * defaults, then the best installed font */
    FcConfigSubstitute(NULL, pat, FcMatchPattern);
    FcDefaultSubstitute(pat);
    FcResult res;
    FcPattern *match = FcFontMatch(NULL, pat, &res);
    bool found = false;
    FcChar8 *got = NULL;
    if (match != NULL && FcPatternGetString(match, FC_FAMILY, 0, &got) == FcResultMatch) {
        found = strcasecmp((const char *)got, family) == 0;
        if (used != NULL && size > 0)
            snprintf(used, size, "%s", (const char *)got);
    }
    if (match != NULL)
        FcPatternDestroy(match);
    FcPatternDestroy(pat);
    return found;
}

coh_status coh_plot_format_of(const char *path, coh_plot_format *out)
{
    const char *dot = path != NULL ? strrchr(path, '.') : NULL;
    if (dot == NULL)
        return COH_EINVAL;
    if (strcasecmp(dot, ".svg") == 0)
        *out = COH_PLOT_SVG;
    else if (strcasecmp(dot, ".pdf") == 0)
        *out = COH_PLOT_PDF;
    else if (strcasecmp(dot, ".png") == 0)
        *out = COH_PLOT_PNG;
    else
        return COH_EINVAL;
    return COH_OK;
}

const char *coh_plot_format_name(coh_plot_format f)
{
    switch (f) {
    case COH_PLOT_SVG: return "svg";
    case COH_PLOT_PDF: return "pdf";
    case COH_PLOT_PNG: return "png";
    }
    return "?";
}

/* Hinting off, so that the layout does not depend on the output
 * resolution: a figure measured on one surface has the same widths on
 * every other.  (PDF keeps text as text; cairo's SVG writes glyph
 * outlines.) */
static void set_font_options(cairo_t *cr)
{
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    cairo_set_font_options(cr, fo);
    cairo_font_options_destroy(fo);
}

coh_status canvas_open(canvas *c, const char *path, double width, double height,
                       const coh_plot_style *style, coh_error *err)
{
    memset(c, 0, sizeof *c);
    c->style = style;
    if (coh_plot_format_of(path, &c->format) != COH_OK)
        return coh_error_set(err, COH_EINVAL,
                             "%s: the figure's file name must end in .svg, .pdf or .png", path);
    /* 200 inches bounds every journal page; PNG also by cairo's 2^15
     * pixels per side */
    if (!(width > 0 && height > 0 && width <= 200 * 72 && height <= 200 * 72))
        return coh_error_set(err, COH_EINVAL, "figure size %.3g x %.3g inches is not usable",
                             width / 72, height / 72);
    double scale = 1;
    if (c->format == COH_PLOT_PNG) {
        if (!(style->dpi >= 10 && style->dpi <= 2400))
            return coh_error_set(err, COH_EINVAL, "dpi must be 10 to 2400, not %g", style->dpi);
        scale = style->dpi / 72;
        if (ceil(width * scale - 1e-6) > 32767 || ceil(height * scale - 1e-6) > 32767)
            return coh_error_set(err, COH_EINVAL,
                                 "a PNG of %.0f x %.0f pixels is too large (at most 32767)",
                                 ceil(width * scale), ceil(height * scale));
    }
    c->width = width;
    c->height = height;
    c->path = coh_strdup(path);
    if (c->path == NULL)
        return coh_error_set(err, COH_ENOMEM, "out of memory");
    coh_status st = coh_outfile_temp_path(path, &c->tmp, err);
    if (st != COH_OK) {
        free(c->path);
        c->path = NULL;
        return st;
    }
    switch (c->format) {
    case COH_PLOT_SVG:
        c->surface = cairo_svg_surface_create(c->tmp, width, height);
        if (cairo_surface_status(c->surface) == CAIRO_STATUS_SUCCESS)
            cairo_svg_surface_restrict_to_version(c->surface, CAIRO_SVG_VERSION_1_1);
        break;
    case COH_PLOT_PDF:
        c->surface = cairo_pdf_surface_create(c->tmp, width, height);
        if (cairo_surface_status(c->surface) == CAIRO_STATUS_SUCCESS) {
            /* no creation date: the same figure gives the same bytes */
            cairo_pdf_surface_set_metadata(c->surface, CAIRO_PDF_METADATA_CREATOR, "Cohort");
            cairo_pdf_surface_set_metadata(c->surface, CAIRO_PDF_METADATA_CREATE_DATE, "");
        }
        break;
    case COH_PLOT_PNG:
        /* 6.5 in at 300 dpi is 468 * (300 / 72) = 1950.0000000000002 in
         * floating point: the 1e-6 keeps it 1950 pixels, not 1951 */
        c->surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32,
                                                (int)ceil(width * scale - 1e-6),
                                                (int)ceil(height * scale - 1e-6));
        break;
    }
    if (cairo_surface_status(c->surface) != CAIRO_STATUS_SUCCESS) {
        const char *why = cairo_status_to_string(cairo_surface_status(c->surface));
        canvas_abort(c);
        return coh_error_set(err, COH_EIO, "%s: cannot create the figure: %s", path, why);
    }
    c->cr = cairo_create(c->surface);
    if (cairo_status(c->cr) != CAIRO_STATUS_SUCCESS) {
        canvas_abort(c);
        return coh_error_set(err, COH_ENOMEM, "out of memory");
    }
    cairo_scale(c->cr, scale, scale);
    /* a white page: PNG starts transparent, and journals want white */
    cairo_set_source_rgb(c->cr, 1, 1, 1);
    cairo_paint(c->cr);
    cairo_set_line_join(c->cr, CAIRO_LINE_JOIN_MITER);
    cairo_set_line_cap(c->cr, CAIRO_LINE_CAP_BUTT);
    set_font_options(c->cr);
    return COH_OK;
}

coh_status canvas_measure_open(canvas *c, const coh_plot_style *style)
{
    memset(c, 0, sizeof *c);
    c->style = style;
    c->width = c->height = 1;
    c->format = COH_PLOT_PNG;
    c->surface = cairo_image_surface_create(CAIRO_FORMAT_A8, 1, 1);
    c->cr = cairo_create(c->surface);
    if (cairo_status(c->cr) != CAIRO_STATUS_SUCCESS) {
        canvas_abort(c);
        return COH_ENOMEM;
    }
    set_font_options(c->cr);
    return COH_OK;
}

void canvas_abort(canvas *c)
{
    if (c->cr != NULL)
        cairo_destroy(c->cr);
    if (c->surface != NULL) {
        cairo_surface_finish(c->surface);
        cairo_surface_destroy(c->surface);
    }
    if (c->tmp != NULL)
        unlink(c->tmp);
    free(c->tmp);
    free(c->path);
    memset(c, 0, sizeof *c);
}

/* ---- PNG with its resolution ------------------------------------------- */

typedef struct png_buf {
    unsigned char *data;
    size_t len, cap;
} png_buf;

static cairo_status_t png_append(void *closure, const unsigned char *data, unsigned int length)
{
    png_buf *b = closure;
    if (b->len + length > b->cap) {
        size_t cap = b->cap ? b->cap : 1 << 16;
        while (cap < b->len + length)
            cap *= 2;
        unsigned char *nd = realloc(b->data, cap);
        if (nd == NULL)
            return CAIRO_STATUS_NO_MEMORY;
        b->data = nd;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, length);
    b->len += length;
    return CAIRO_STATUS_SUCCESS;
}

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* cairo writes no pHYs chunk, so readers assume 72 dpi and a 300 dpi
 * figure would open 4 times too large in Word or a journal's checker.
 * The PNG is made in memory and a pHYs chunk (ISO/IEC 15948 section
 * 11.3.5.3: pixels per metre, unit 1) goes right after IHDR, which is
 * always the first chunk, 8 + 25 bytes into the file. */
static cairo_status_t write_png(canvas *c)
{
    png_buf b = {NULL, 0, 0};
    cairo_status_t cs = cairo_surface_write_to_png_stream(c->surface, png_append, &b);
    if (cs != CAIRO_STATUS_SUCCESS) {
        free(b.data);
        return cs;
    }
    const size_t after_ihdr = 8 + 25;
    if (b.len < after_ihdr || memcmp(b.data + 12, "IHDR", 4) != 0) {
        free(b.data);
        return CAIRO_STATUS_WRITE_ERROR;
    }
    unsigned char phys[21];
    uint32_t ppm = (uint32_t)lround(c->style->dpi / 0.0254);
    put_be32(phys, 9);
    memcpy(phys + 4, "pHYs", 4);
    put_be32(phys + 8, ppm);
    put_be32(phys + 12, ppm);
    phys[16] = 1; /* the unit is the metre */
    put_be32(phys + 17, (uint32_t)crc32(crc32(0L, Z_NULL, 0), phys + 4, 13));
    FILE *f = fopen(c->tmp, "wb");
    bool ok = f != NULL && fwrite(b.data, 1, after_ihdr, f) == after_ihdr &&
              fwrite(phys, 1, sizeof phys, f) == sizeof phys &&
              fwrite(b.data + after_ihdr, 1, b.len - after_ihdr, f) == b.len - after_ihdr;
    if (f != NULL)
        ok = (fclose(f) == 0) && ok;
    free(b.data);
    return ok ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

/* cairo names an SVG's drawing group "surfaceN" with N from a counter of
 * the whole process, so the second figure drawn by a program differs in
 * its bytes from the same figure drawn first.  The id is renamed
 * "surface1" (references to it follow), so that a figure is a function of
 * its inputs alone.  false when the file cannot be rewritten. */
static bool svg_fix_ids(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    size_t cap = 1 << 16, len = 0, got;
    char *buf = malloc(cap + 1);
    while (buf != NULL && (got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            char *nb = realloc(buf, cap * 2 + 1);
            if (nb == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    bool ok = buf != NULL && !ferror(f);
    fclose(f);
    if (!ok) {
        free(buf);
        return false;
    }
    /* the number after the first id="surface, as text (SVG has no NUL) */
    buf[len] = '\0';
    const char *key = "id=\"surface";
    char *at = strstr(buf, key);
    if (at == NULL) {
        free(buf);
        return true;
    }
    char *num = at + strlen(key), *end = num;
    while (end < buf + len && *end >= '0' && *end <= '9')
        end++;
    char old_id[40];
    int ol = snprintf(old_id, sizeof old_id, "surface%.*s", (int)(end - num), num);
    if (ol <= 0 || (size_t)ol >= sizeof old_id) {
        free(buf);
        return true;
    }
    f = fopen(path, "wb");
    if (f == NULL) {
        free(buf);
        return false;
    }
    /* every "surfaceN" followed by a non-digit becomes "surface1" */
    for (size_t i = 0; i < len;) {
        if (i + (size_t)ol <= len && memcmp(buf + i, old_id, (size_t)ol) == 0 &&
            (i + (size_t)ol == len || buf[i + (size_t)ol] < '0' || buf[i + (size_t)ol] > '9') &&
            (i == 0 || buf[i - 1] == '"' || buf[i - 1] == '#')) {
            fputs("surface1", f);
            i += (size_t)ol;
        } else {
            fputc(buf[i++], f);
        }
    }
    free(buf);
    ok = !ferror(f);
    return (fclose(f) == 0) && ok;
}

coh_status canvas_finish(canvas *c, coh_error *err)
{
    cairo_status_t cs = cairo_status(c->cr);
    cairo_destroy(c->cr);
    c->cr = NULL;
    if (cs == CAIRO_STATUS_SUCCESS && c->format == COH_PLOT_PNG) {
        cairo_surface_flush(c->surface);
        cs = write_png(c);
    }
    cairo_surface_finish(c->surface);
    if (cs == CAIRO_STATUS_SUCCESS)
        cs = cairo_surface_status(c->surface);
    cairo_surface_destroy(c->surface);
    c->surface = NULL;
    if (cs != CAIRO_STATUS_SUCCESS) {
        coh_status st = cs == CAIRO_STATUS_NO_MEMORY ? COH_ENOMEM : COH_EIO;
        coh_error_set(err, st, "%s: cannot write the figure: %s", c->path,
                      cairo_status_to_string(cs));
        canvas_abort(c);
        return st;
    }
    if (c->format == COH_PLOT_SVG && !svg_fix_ids(c->tmp)) {
        coh_error_set(err, COH_EIO, "%s: cannot write the figure", c->path);
        canvas_abort(c);
        return COH_EIO;
    }
    /* the file's blocks on disk before its name (as coh_outfile_commit) */
    FILE *f = fopen(c->tmp, "r+");
    bool synced = f != NULL && fsync(fileno(f)) == 0;
    if (f != NULL)
        fclose(f);
    if (!synced) {
        coh_error_set(err, COH_EIO, "%s: cannot write the figure: sync failed", c->path);
        canvas_abort(c);
        return COH_EIO;
    }
    coh_status st = coh_outfile_rename(c->tmp, c->path, err);
    free(c->tmp);
    c->tmp = NULL; /* renamed, or removed by coh_outfile_rename */
    canvas_abort(c);
    return st;
}

/* ---- text ------------------------------------------------------------ */

text_style text_plain(const canvas *c)
{
    text_style ts = {c->style->font_size, false, false, 0, 0, 0};
    return ts;
}

static void set_font(canvas *c, const text_style *ts)
{
    cairo_select_font_face(c->cr, c->style->font != NULL ? c->style->font : "DejaVu Sans",
                           ts->italic ? CAIRO_FONT_SLANT_ITALIC : CAIRO_FONT_SLANT_NORMAL,
                           ts->bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(c->cr, ts->size > 0 ? ts->size : c->style->font_size);
}

/* s with control characters as '?' (cairo would draw nothing or a box),
 * in buf when it fits, else a new string (NULL: out of memory). */
static const char *clean(const char *s, char *buf, size_t size, char **heap)
{
    size_t len = strlen(s);
    *heap = NULL;
    char *d = buf;
    if (len + 1 > size) {
        d = *heap = malloc(len + 1);
        if (d == NULL)
            return NULL;
    }
    for (size_t i = 0; i <= len; i++)
        d[i] = (i < len && ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)) ? '?' : s[i];
    return d;
}

double canvas_text_width(canvas *c, const char *s, const text_style *ts)
{
    char buf[256], *heap;
    const char *t = clean(s, buf, sizeof buf, &heap);
    if (t == NULL)
        return 0;
    set_font(c, ts);
    cairo_text_extents_t e;
    cairo_text_extents(c->cr, t, &e);
    free(heap);
    return e.x_advance;
}

double canvas_cap_height(canvas *c, const text_style *ts)
{
    set_font(c, ts);
    cairo_text_extents_t e;
    cairo_text_extents(c->cr, "H", &e);
    return -e.y_bearing;
}

void canvas_text(canvas *c, double x, double y, const char *s, const text_style *ts,
                 double halign, double valign)
{
    char buf[256], *heap;
    const char *t = clean(s, buf, sizeof buf, &heap);
    if (t == NULL)
        return;
    set_font(c, ts);
    cairo_text_extents_t e;
    cairo_text_extents(c->cr, t, &e);
    double cap = canvas_cap_height(c, ts);
    double bx = x - halign * e.x_advance;
    double by = y + valign * cap;
    cairo_set_source_rgb(c->cr, ts->r, ts->g, ts->b);
    cairo_move_to(c->cr, bx, by);
    cairo_show_text(c->cr, t);
    cairo_new_path(c->cr);
    free(heap);
}

/* ---- shapes -------------------------------------------------------------- */

void canvas_line(canvas *c, double x0, double y0, double x1, double y1, double width, double r,
                 double g, double b)
{
    cairo_set_source_rgb(c->cr, r, g, b);
    cairo_set_line_width(c->cr, width);
    cairo_move_to(c->cr, x0, y0);
    cairo_line_to(c->cr, x1, y1);
    cairo_stroke(c->cr);
}

void canvas_rect(canvas *c, double x, double y, double w, double h, double line_width,
                 const double *stroke_rgb, const double *fill_rgb)
{
    cairo_rectangle(c->cr, x, y, w, h);
    if (fill_rgb != NULL) {
        cairo_set_source_rgb(c->cr, fill_rgb[0], fill_rgb[1], fill_rgb[2]);
        if (stroke_rgb != NULL)
            cairo_fill_preserve(c->cr);
        else
            cairo_fill(c->cr);
    }
    if (stroke_rgb != NULL) {
        cairo_set_source_rgb(c->cr, stroke_rgb[0], stroke_rgb[1], stroke_rgb[2]);
        cairo_set_line_width(c->cr, line_width);
        cairo_stroke(c->cr);
    }
    cairo_new_path(c->cr);
}

/* The Okabe-Ito palette without its yellow (too light on white) and its
 * black (kept for text): blue, vermillion, bluish green, reddish purple,
 * orange, sky blue, then black and gray for groups 7 and 8. */
static const double okabe_ito[8][3] = {
    {0x00 / 255.0, 0x72 / 255.0, 0xB2 / 255.0}, {0xD5 / 255.0, 0x5E / 255.0, 0x00 / 255.0},
    {0x00 / 255.0, 0x9E / 255.0, 0x73 / 255.0}, {0xCC / 255.0, 0x79 / 255.0, 0xA7 / 255.0},
    {0xE6 / 255.0, 0x9F / 255.0, 0x00 / 255.0}, {0x56 / 255.0, 0xB4 / 255.0, 0xE9 / 255.0},
    {0.0, 0.0, 0.0},                            {0.5, 0.5, 0.5},
};

void palette_color(const coh_plot_style *s, size_t k, double rgb[3])
{
    if (s->grayscale) {
        /* black, then grays light enough to tell apart, dark enough to print */
        static const double gray[4] = {0.0, 0.45, 0.25, 0.6};
        rgb[0] = rgb[1] = rgb[2] = gray[k % 4];
        return;
    }
    memcpy(rgb, okabe_ito[k % 8], sizeof okabe_ito[0]);
}

size_t palette_dash(const coh_plot_style *s, size_t k, double dash[4])
{
    if (!s->grayscale)
        return 0;
    switch (k % 8) {
    case 0: return 0;                                            /* solid */
    case 1: dash[0] = 4; dash[1] = 2; return 2;                  /* dashed */
    case 2: dash[0] = 1; dash[1] = 1.5; return 2;                /* dotted */
    case 3: dash[0] = 4; dash[1] = 1.5; dash[2] = 1; dash[3] = 1.5; return 4;
    case 4: dash[0] = 7; dash[1] = 2; return 2;                  /* long dash */
    case 5: dash[0] = 2; dash[1] = 2; return 2;
    case 6: dash[0] = 7; dash[1] = 2; dash[2] = 1; dash[3] = 2; return 4;
    default: dash[0] = 1; dash[1] = 3; return 2;
    }
}

/* ---- axes ----------------------------------------------------------------- */

/* The decimals a step has (0.25: 2), at most 12. */
static int step_decimals(double step)
{
    int d = 0;
    while (d < 12 && fabs(step * pow(10, d) - round(step * pow(10, d))) >
                         1e-9 * fmax(1, fabs(step) * pow(10, d)))
        d++;
    return d;
}

double snap_to_step(double v, double step)
{
    double scale = pow(10, step_decimals(step));
    double r = round(v * scale) / scale;
    return r == 0 ? 0 : r; /* no negative zero */
}

size_t axis_ticks(double lo, double hi, double step, int target, double *ticks, size_t max)
{
    if (!(hi > lo) || !isfinite(lo) || !isfinite(hi) || max == 0)
        return 0;
    if (!(step > 0)) {
        /* of 1, 2, 2.5, 5 x 10^k around the raw step, the one whose number
         * of intervals inside [lo, hi] is closest to `target` (ties: the
         * larger step), as R's pretty() aims at its n */
        if (target < 1)
            target = 5;
        double raw = (hi - lo) / target;
        double mag = pow(10, floor(log10(raw)));
        static const double mult[] = {0.5, 1, 2, 2.5, 5, 10, 20};
        double best = INFINITY;
        for (size_t i = 0; i < sizeof mult / sizeof mult[0]; i++) {
            double s = mult[i] * mag;
            double intervals = floor(hi / s + 1e-9) - ceil(lo / s - 1e-9);
            double miss = fabs(intervals - target);
            if (miss <= best) {
                best = miss;
                step = s;
            }
        }
    }
    size_t n = 0;
    /* multiples of step from the first at or above lo; a relative slack
     * of 1e-9 keeps hi itself when it is a multiple up to rounding */
    double first = ceil(lo / step - 1e-9);
    for (double k = first; n < max; k++) {
        double v = k * step;
        if (v > hi + 1e-9 * step)
            break;
        /* k * step in floating point is off the decimal value (3 * 0.2 =
         * 0.6000000000000001), and a number at risk counted there would
         * miss the subjects whose time is exactly 0.6: snap it back */
        ticks[n++] = fabs(v) < 1e-12 * step ? 0 : snap_to_step(v, step);
    }
    return n;
}

void tick_label(double v, double step, char *buf, size_t size)
{
    /* as many decimals as the step has; the origin is plain "0" */
    if (v == 0 || fabs(v) < 1e-12 * fabs(step)) {
        snprintf(buf, size, "0");
        return;
    }
    snprintf(buf, size, "%.*f", step_decimals(step), v);
}
