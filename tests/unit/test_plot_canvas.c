/* test_plot_canvas.c - the drawing layer of the figures (src/plot/canvas.c):
 * file formats and their validity, sizes, whole-or-nothing writing, axis
 * breaks, tick labels and the palette. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../check.h"
#include "../plot_check.h"
#include "plot/canvas.h"

static char dir[] = "/tmp/cohort-canvas-XXXXXX";

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* A small drawing in each format: text, lines, a box. */
static coh_status draw(const char *path, const coh_plot_style *st, coh_error *err)
{
    canvas c;
    coh_status s = canvas_open(&c, path, 144, 72, st, err);
    if (s != COH_OK)
        return s;
    text_style ts = text_plain(&c);
    canvas_text(&c, 72, 36, "Größe ≥ 5 cm <&>\x01", &ts, 0.5, 0.5);
    canvas_line(&c, 10, 60, 134, 60, 0.6, 0, 0, 0);
    double black[3] = {0, 0, 0}, fill[3] = {0.9, 0.9, 0.9};
    canvas_rect(&c, 5, 5, 30, 20, 0.6, black, fill);
    return canvas_finish(&c, err);
}

static void test_formats(void)
{
    coh_plot_style st;
    coh_plot_style_init(&st);
    check_str(st.font, "DejaVu Sans", "default font");
    char path[128], why[200];
    coh_error err;
    snprintf(path, sizeof path, "%s/a.svg", dir);
    check_int(draw(path, &st, &err), COH_OK, "svg");
    check(svg_check(path, why, sizeof why), why);
    snprintf(path, sizeof path, "%s/a.pdf", dir);
    check_int(draw(path, &st, &err), COH_OK, "pdf");
    check(pdf_check(path, why, sizeof why), why);
    snprintf(path, sizeof path, "%s/a.PNG", dir);
    check_int(draw(path, &st, &err), COH_OK, "png");
    uint32_t w = 0, h = 0;
    check(png_check(path, &w, &h, why, sizeof why), why);
    check_int(w, 600, "2 in at 300 dpi");
    check_int(h, 300, "1 in at 300 dpi");
    check(fabs(png_dpi(path) - 300) < 0.01, "the PNG records 300 dpi (pHYs)");
    st.dpi = 72;
    check_int(draw(path, &st, &err), COH_OK, "png 72 dpi");
    check(png_check(path, &w, &h, why, sizeof why) && w == 144 && h == 72, "72 dpi size");
    check(fabs(png_dpi(path) - 72) < 0.02, "the PNG records 72 dpi");
    /* the same drawing gives the same bytes (no dates in the PDF) */
    snprintf(path, sizeof path, "%s/b.pdf", dir);
    check_int(draw(path, &st, &err), COH_OK, "pdf again");
    char p1[128];
    snprintf(p1, sizeof p1, "%s/a.pdf", dir);
    size_t l1, l2;
    char *b1 = plot_slurp(p1, &l1), *b2 = plot_slurp(path, &l2);
    check(b1 != NULL && b2 != NULL && l1 == l2 && memcmp(b1, b2, l1) == 0, "PDF reproducible");
    free(b1);
    free(b2);
    /* the checkers can fail */
    FILE *f = fopen(path, "wb");
    fputs("%PDF-1.5\nnot a pdf\n%%EOF\n", f);
    fclose(f);
    check(!pdf_check(path, why, sizeof why), "a broken PDF is caught");
    snprintf(path, sizeof path, "%s/bad.svg", dir);
    f = fopen(path, "wb");
    fputs("<svg><g></svg>", f);
    fclose(f);
    check(!svg_check(path, why, sizeof why), "a broken SVG is caught");
}

static void test_errors(void)
{
    coh_plot_style st;
    coh_plot_style_init(&st);
    coh_error err;
    canvas c;
    char path[160];
    snprintf(path, sizeof path, "%s/x.gif", dir);
    check_int(canvas_open(&c, path, 100, 100, &st, &err), COH_EINVAL, "extension");
    check_contains(err.msg, "must end in .svg, .pdf or .png", "message");
    snprintf(path, sizeof path, "%s/x.png", dir);
    check_int(canvas_open(&c, path, 0, 100, &st, &err), COH_EINVAL, "zero width");
    check_int(canvas_open(&c, path, 300 * 72, 100, &st, &err), COH_EINVAL, "too wide");
    st.dpi = 5;
    check_int(canvas_open(&c, path, 100, 100, &st, &err), COH_EINVAL, "dpi");
    st.dpi = 2400;
    check_int(canvas_open(&c, path, 20 * 72, 20 * 72, &st, &err), COH_EINVAL, "too many pixels");
    st.dpi = 300;
    check(!exists(path), "nothing written on errors");
    snprintf(path, sizeof path, "%s/missing/x.svg", dir);
    check_int(draw(path, &st, &err), COH_EIO, "missing directory");
    check_contains(err.msg, "missing/x.svg", "message names the file");
    /* abort leaves an existing file alone and no temporary file */
    snprintf(path, sizeof path, "%s/keep.svg", dir);
    FILE *f = fopen(path, "w");
    fputs("old", f);
    fclose(f);
    check_int(canvas_open(&c, path, 100, 100, &st, &err), COH_OK, "open");
    canvas_abort(&c);
    size_t len;
    char *b = plot_slurp(path, &len);
    check(b != NULL && strcmp(b, "old") == 0, "old file kept");
    free(b);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "test -z \"$(ls %s | grep tmp-)\"", dir);
    check_int(system(cmd), 0, "no temporary files left");
}

static void test_axes(void)
{
    double t[64];
    size_t n = axis_ticks(0, 60, 12, 5, t, 64);
    check_int(n, 6, "0..60 by 12");
    check(t[5] == 60 && t[1] == 12, "multiples of 12");
    n = axis_ticks(0, 1022, 0, 5, t, 64);
    check(n >= 5 && n <= 7 && t[1] == 200, "nice steps: 200");
    n = axis_ticks(0, 1, 0, 5, t, 64);
    check(n == 6 && fabs(t[1] - 0.2) < 1e-15, "0, 0.2, ..., 1");
    n = axis_ticks(0, 100, 25, 5, t, 64);
    check(n == 5 && t[4] == 100, "0..100 by 25");
    n = axis_ticks(0.3, 0.3, 0, 5, t, 64);
    check_int(n, 0, "empty range");
    n = axis_ticks(0, 1e6, 1, 5, t, 8);
    check_int(n, 8, "at most max");
    char buf[32];
    tick_label(12, 12, buf, sizeof buf);
    check_str(buf, "12", "integer step");
    tick_label(0.4, 0.2, buf, sizeof buf);
    check_str(buf, "0.4", "one decimal");
    tick_label(0.75, 0.25, buf, sizeof buf);
    check_str(buf, "0.75", "two decimals");
    tick_label(-0.0, 1, buf, sizeof buf);
    check_str(buf, "0", "no negative zero");
    coh_plot_format f;
    check(coh_plot_format_of("a/b.Svg", &f) == COH_OK && f == COH_PLOT_SVG, "svg");
    check(coh_plot_format_of("b.pdf", &f) == COH_OK && f == COH_PLOT_PDF, "pdf");
    check(coh_plot_format_of("b", &f) == COH_EINVAL, "no extension");
    check_str(coh_plot_format_name(COH_PLOT_PNG), "png", "name");
}

static void test_fonts(void)
{
    char used[128];
    check(coh_plot_font_available("DejaVu Sans", used, sizeof used), "DejaVu Sans installed");
    check_str(used, "DejaVu Sans", "matched family");
    check(!coh_plot_font_available("No Such Font Family", used, sizeof used), "missing font");
    check(used[0] != '\0', "the substitute is named");
    check(!coh_plot_font_available(NULL, NULL, 0), "NULL");
}

static void test_palette(void)
{
    coh_plot_style st;
    coh_plot_style_init(&st);
    double a[3], b[3], dash[4];
    /* 8 distinct colours */
    for (size_t i = 0; i < 8; i++)
        for (size_t j = i + 1; j < 8; j++) {
            palette_color(&st, i, a);
            palette_color(&st, j, b);
            check(a[0] != b[0] || a[1] != b[1] || a[2] != b[2], "distinct colours");
        }
    check_int(palette_dash(&st, 3, dash), 0, "solid lines in colour");
    st.grayscale = true;
    palette_color(&st, 1, a);
    check(a[0] == a[1] && a[1] == a[2], "gray");
    check_int(palette_dash(&st, 0, dash), 0, "first solid");
    check(palette_dash(&st, 1, dash) > 0, "then dashed");
}

int main(void)
{
    if (mkdtemp(dir) == NULL)
        return 1;
    RUN(test_formats);
    RUN(test_errors);
    RUN(test_axes);
    RUN(test_palette);
    RUN(test_fonts);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return check_report("test_plot_canvas");
}
