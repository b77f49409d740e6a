/* test_plot_forest.c - forest plots (src/plot/forest_plot.c): files valid in
 * every format and of the size asked for; what was drawn agrees with the
 * numbers (positions linear in log HR, the reference line at 1, intervals
 * around their estimates, squares ordered by precision, no marker for
 * reference and aliased rows, infinite bounds cut at the panel's edge);
 * estimates off the axis (a monotone likelihood's 5.6e-10 (0-Inf) neither
 * stretches the axis nor reads as an estimate); layout (long labels
 * shortened with an ellipsis, UTF-8-safe; titles wrapped; every text
 * inside the figure; explicit sizes); errors; the CSV (with each row's
 * term and the infinite flag); and a real fit on R's lung data against the
 * hazard ratios of R's coxph. */
#include <cairo.h>
#include <dlfcn.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../check.h"
#include "../plot_check.h"
#include "cohort/cohort.h"
#include "cohort/plot.h"
#include "plot/canvas.h"

static char dir[] = "/tmp/cohort-forest-XXXXXX";

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static void path_in(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);
}

/* Draw `spec` to NAME.svg, .pdf and .png in the temporary folder, check
 * each file, and return the PNG's drawn (the caller's). */
static coh_plot_forest_drawn *render_all(const coh_plot_forest_spec *spec, const char *name)
{
    static const char *const ext[] = {"svg", "pdf", "png"};
    coh_plot_forest_drawn *keep = NULL;
    for (size_t k = 0; k < 3; k++) {
        char path[256], why[300], what[300];
        snprintf(path, sizeof path, "%s/%s.%s", dir, name, ext[k]);
        snprintf(what, sizeof what, "%s.%s drawn", name, ext[k]);
        coh_plot_forest_drawn *d = NULL;
        coh_error err;
        coh_status st = coh_plot_forest(spec, path, &d, &err);
        if (st != COH_OK)
            fprintf(stderr, "%s: %s\n", path, err.msg);
        check_int(st, COH_OK, what);
        if (st != COH_OK)
            continue;
        check(d != NULL && d->n_rows == spec->n_rows, what);
        if (k == 0)
            check(svg_check(path, why, sizeof why), why);
        if (k == 1)
            check(pdf_check(path, why, sizeof why), why);
        if (k == 2) {
            uint32_t w = 0, h = 0;
            check(png_check(path, &w, &h, why, sizeof why), why);
            double dpi = spec->style.dpi;
            check_int(w, (uint32_t)ceil(d->width_pt / 72 * dpi), "PNG width = ceil(in * dpi)");
            check_int(h, (uint32_t)ceil(d->height_pt / 72 * dpi), "PNG height = ceil(in * dpi)");
            keep = d;
            continue;
        }
        coh_plot_forest_drawn_free(d);
    }
    return keep;
}

/* Points per unit of log HR, from row i's estimate and the line at 1. */
static double scale_of(const coh_plot_forest_drawn *d, const coh_plot_forest_row *rows, size_t i)
{
    return (d->x_hr[i] - d->x_one) / log(rows[i].hr);
}

/* The HR value at x (points) on the axis of d, from the line at 1 and the
 * points per unit of log HR. */
static double hr_at(const coh_plot_forest_drawn *d, double scale, double x)
{
    return exp((x - d->x_one) / scale);
}

/* The text of `kind` drawn for row `row` (0 for texts not of a row), the
 * k-th such; NULL when there is none. */
static const coh_plot_forest_text *text_of(const coh_plot_forest_drawn *d,
                                           coh_plot_forest_text_kind kind, size_t row, size_t k)
{
    for (size_t t = 0; d->texts != NULL && t < d->n_texts; t++)
        if (d->texts[t].kind == kind && d->texts[t].row == row && k-- == 0)
            return &d->texts[t];
    return NULL;
}

static size_t count_texts(const coh_plot_forest_drawn *d, coh_plot_forest_text_kind kind)
{
    size_t n = 0;
    for (size_t t = 0; d->texts != NULL && t < d->n_texts; t++)
        n += d->texts[t].kind == kind;
    return n;
}

/* The string of text_of(d, kind, row, k), or NULL. */
static const char *text_str(const coh_plot_forest_drawn *d, coh_plot_forest_text_kind kind,
                            size_t row, size_t k)
{
    const coh_plot_forest_text *t = text_of(d, kind, row, k);
    return t != NULL ? t->text : NULL;
}

/* Does s end with the ellipsis "…"? */
static int ends_with_ellipsis(const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;
    return n >= 3 && strcmp(s + n - 3, "\xe2\x80\xa6") == 0;
}

/* Every text lies inside the figure's margins (0.7 font sizes); labels
 * and headings end before the panel's gap (2 font sizes). */
static void check_texts_inside(const coh_plot_forest_drawn *d, double fs, const char *what)
{
    check(d->texts != NULL && d->n_texts > 0, what);
    double m = 0.7 * fs;
    for (size_t t = 0; d->texts != NULL && t < d->n_texts; t++) {
        const coh_plot_forest_text *x = &d->texts[t];
        if (!(x->x >= m - 1e-6 && x->x + x->w <= d->width_pt - m + 1e-6)) {
            fprintf(stderr, "  text '%.60s' at %g, %g wide, in a figure %g wide\n", x->text,
                    x->x, x->w, d->width_pt);
            check(0, what);
        }
        if ((x->kind == COH_FOREST_LABEL || x->kind == COH_FOREST_HEADING) &&
            !(x->x + x->w <= d->panel_left - 2 * fs + 1e-6)) {
            fprintf(stderr, "  label '%.60s' ends at %g, the panel starts at %g\n", x->text,
                    x->x + x->w, d->panel_left);
            check(0, what);
        }
    }
}

/* Every drawn estimate lies on x = x_one + scale ln(hr); the intervals
 * around their estimates; reference and non-estimable rows unmarked;
 * estimates beyond the axis (or infinite) as an arrow at an edge, no
 * square. */
static void check_geometry(const coh_plot_forest_drawn *d, const coh_plot_forest_row *rows,
                           size_t n, double scale)
{
    check(d->beyond != NULL, "the side of each estimate beyond the axis");
    for (size_t i = 0; i < n; i++) {
        const coh_plot_forest_row *r = &rows[i];
        if (r->reference || !isfinite(r->hr)) {
            check(isnan(d->x_hr[i]) && isnan(d->x_lower[i]) && isnan(d->x_upper[i]) &&
                      isnan(d->box[i]),
                  "no marker for a reference or non-estimable row");
            check(d->beyond == NULL || d->beyond[i] == 0, "no arrow either");
            continue;
        }
        if (d->beyond != NULL && (d->beyond[i] != 0 || r->infinite)) {
            check(isnan(d->x_hr[i]) && isnan(d->box[i]), "no square beyond the axis");
            check((d->beyond[i] < 0) == (r->hr < 1), "the arrow on the estimate's side");
            continue;
        }
        check_rel(d->x_hr[i], d->x_one + scale * log(r->hr), 1e-9, "x linear in log HR");
        check(d->x_lower[i] <= d->x_hr[i] && d->x_hr[i] <= d->x_upper[i],
              "x_lower <= x_hr <= x_upper");
        check((r->hr < 1 && d->x_hr[i] < d->x_one) || (r->hr > 1 && d->x_hr[i] > d->x_one) ||
                  r->hr == 1,
              "the line at 1 separates HR < 1 from HR > 1");
        if (isfinite(r->upper) && r->lower > 0)
            check_rel(d->x_upper[i] - d->x_lower[i], scale * log(r->upper / r->lower), 1e-9,
                      "interval length in log units");
        if (i > 0)
            check(d->y[i] > d->y[i - 1], "rows go down the page");
    }
}

/* ---- hand-made rows ------------------------------------------------------------- */

static const coh_plot_forest_row hand_rows[] = {
    {"Age (per 10 years)", "age", NULL, 1.11, 0.93, 1.34, 0.25, false, false, false},
    {"Female", "sex", "Sex", NAN, NAN, NAN, NAN, true, true, false},
    {"Male", "sex", NULL, 1.73, 1.24, 2.40, 0.0012, false, false, false},
    {"Aliased column", "aliased", NULL, NAN, NAN, NAN, NAN, false, false, false},
    {"Infinite upper bound", "inf", NULL, 2.0, 0.5, INFINITY, 0.3, false, false, false},
    {"Protective", "protective", NULL, 0.6, 0.42, 0.86, 0.00004, false, false, false},
};
#define N_HAND (sizeof hand_rows / sizeof hand_rows[0])

static void test_defaults(void)
{
    coh_plot_forest_spec s;
    coh_plot_forest_spec_init(&s);
    check_int(s.p_digits, 2, "p digits");
    check(s.rows == NULL && s.n_rows == 0 && s.title == NULL && s.x_title == NULL, "empty");
    check(s.style.dpi == 300 && s.style.font_size == 9, "style defaults");
    check(s.style.width <= 0 && s.style.height <= 0, "the figure's default size");
}

static void test_hand(void)
{
    coh_plot_forest_spec s;
    coh_plot_forest_spec_init(&s);
    s.rows = hand_rows;
    s.n_rows = N_HAND;
    s.title = "Overall survival";
    coh_plot_forest_drawn *d = render_all(&s, "hand");
    if (d == NULL)
        return;
    /* default size: 7 in wide, about 0.9 in + 0.22 in per row (6 rows and
     * a heading row), and the title */
    check_rel(d->width_pt, 7 * 72, 1e-12, "default width 7 in");
    check(d->height_pt > (0.9 + 0.22 * 7) * 72 - 8 && d->height_pt < (0.9 + 0.22 * 7) * 72 + 30,
          "default height from the rows");
    double scale = scale_of(d, hand_rows, 2);
    check(scale > 0, "HR grows to the right");
    check_geometry(d, hand_rows, N_HAND, scale);
    /* the heading takes a row of its own: the gap between rows 0 and 2 is
     * three rows (0, the heading, 1, 2) */
    check_rel(d->y[2] - d->y[0], 3 * (d->y[2] - d->y[1]), 1e-9, "a heading row before row 1");
    /* 0.42 to 2.40: the steps of about 1.25 from 0.4 to 2.5 crowd a 3.5 in
     * panel, so powers of 2 from 0.25 to 4; the infinite upper bound is cut
     * at 4, the panel's right edge */
    check_rel(d->x_upper[4], d->x_one + scale * log(4), 1e-9, "Inf cut at the right edge");
    check_rel(d->x_lower[4], d->x_one + scale * log(0.5), 1e-9, "its lower bound");
    for (size_t i = 0; i < N_HAND; i++)
        check(!(d->x_upper[i] > d->x_upper[4]), "nothing beyond the right edge");
    /* squares by precision: 1 / ln(upper / lower) */
    check(d->box[0] > d->box[2] && d->box[2] > d->box[5] && d->box[5] >= d->box[4],
          "squares ordered by precision");
    check_rel(d->box[2] / d->box[0], log(1.34 / 0.93) / log(2.40 / 1.24), 1e-9,
              "side proportional to 1 / SE");
    check(d->box[4] > 0, "an infinite interval keeps a visible square");
    check(d->x_one > 0 && d->x_one < d->width_pt, "x_one on the page");
    coh_plot_forest_drawn_free(d);

    /* grayscale, a larger font, an explicit size */
    s.style.grayscale = true;
    s.style.font_size = 11;
    s.style.width = 6;
    s.style.height = 3;
    /* 432 pt * (150 / 72) is 900.0000000000001 in doubles: still 900 pixels */
    s.style.dpi = 150;
    s.x_title = "Hazard ratio";
    d = render_all(&s, "hand_gray");
    if (d != NULL) {
        check_rel(d->width_pt, 6 * 72, 1e-12, "width 6 in");
        check_rel(d->height_pt, 3 * 72, 1e-12, "height 3 in");
        char path[256], why[300];
        uint32_t w = 0, h = 0;
        path_in(path, sizeof path, "hand_gray.png");
        check(png_check(path, &w, &h, why, sizeof why) && w == 900 && h == 450,
              "6 x 3 in at 150 dpi: 900 x 450 pixels");
        check_geometry(d, hand_rows, N_HAND, scale_of(d, hand_rows, 2));
    }
    coh_plot_forest_drawn_free(d);
}

/* Narrow ranges get 0.9, 1, 1.1 ticks; values beyond 1000 are cut. */
static void test_axis(void)
{
    const coh_plot_forest_row narrow[] = {
        {"a", "a", NULL, 1.04, 0.98, 1.10, 0.2, false, false, false},
        {"b", "b", NULL, 1.02, 0, INFINITY, 0.9, false, false, false},
    };
    coh_plot_forest_spec s;
    coh_plot_forest_spec_init(&s);
    s.rows = narrow;
    s.n_rows = 2;
    coh_plot_forest_drawn *d = render_all(&s, "narrow");
    if (d != NULL) {
        double scale = scale_of(d, narrow, 0);
        check_rel((d->x_lower[1] - d->x_one) / scale, log(0.9), 1e-9, "axis from 0.9");
        check_rel((d->x_upper[1] - d->x_one) / scale, log(1.1), 1e-9, "axis to 1.1");
    }
    coh_plot_forest_drawn_free(d);

    const coh_plot_forest_row wide[] = {
        {"a", "a", NULL, 2, 1.2, 4, 0.01, false, false, false},
        {"b", "b", NULL, 5000, 2000, 12000, 0.001, false, false, false},
    };
    s.rows = wide;
    d = render_all(&s, "beyond");
    if (d != NULL) {
        /* b (5000) does not set the axis: a's 1.2 to 4 make it 0.5 to 4 on
         * powers of 2, and b is an arrow at the right edge, its interval
         * all beyond it */
        double scale = scale_of(d, wide, 0);
        check_rel(hr_at(d, scale, d->panel_left), 0.5, 1e-9, "axis from 0.5");
        check_rel(hr_at(d, scale, d->panel_right), 4, 1e-9, "axis to 4, not 1000");
        check(isnan(d->x_hr[1]) && isnan(d->box[1]), "an estimate beyond the axis has no square");
        check(d->beyond != NULL && d->beyond[1] == 1 && d->beyond[0] == 0,
              "an arrow at the right edge instead");
        check_rel(d->x_lower[1], d->panel_right, 1e-9, "its interval cut at the edge");
        check_rel(d->x_upper[1], d->panel_right, 1e-9, "cut at the edge, upper");
        const coh_plot_forest_text *hr = text_of(d, COH_FOREST_HR, 1, 0);
        check(hr != NULL && strcmp(hr->text, "5000 (2000\xe2\x80\x93" "12000)") == 0,
              "its numbers shown as given");
    }
    coh_plot_forest_drawn_free(d);
}

/* The monotone likelihood of tests/data/cox/monotone.csv: level b has no
 * event, its coefficient runs to minus infinity and the fit stops at HR
 * 5.6e-10 with the interval 0 to Inf.  That row must not stretch the axis
 * over the valid row x (0.03 to 19), must not read as an estimate, and
 * the row x must be drawn as if b were not there. */
static void test_off_axis(void)
{
    coh_plot_forest_row rows[] = {
        {"a", "g", "g", NAN, NAN, NAN, NAN, true, true, false},
        {"b", "g", NULL, 5.564008920001238e-10, 0, INFINITY, 0.9991686967130895, false, true,
         true},
        {"x", "x", NULL, 0.7017184463922379, 0.02584237805419175, 19.05431369259244,
         0.8334440664042733, false, false, false},
    };
    coh_plot_forest_spec s;
    coh_plot_forest_spec_init(&s);
    s.rows = rows;
    s.n_rows = 3;
    /* x alone: the axis the row x makes */
    s.rows = rows + 2;
    s.n_rows = 1;
    coh_plot_forest_drawn *alone = render_all(&s, "x_alone");
    s.rows = rows;
    s.n_rows = 3;
    coh_plot_forest_drawn *d = render_all(&s, "monotone");
    if (d == NULL || alone == NULL)
        goto out;
    double scale = scale_of(d, rows, 2), scale_alone = scale_of(alone, rows + 2, 0);
    check_geometry(d, rows, 3, scale);
    check(hr_at(d, scale, d->panel_left) >= 0.01 - 1e-12, "the axis does not run to 0.001");
    check_rel(hr_at(d, scale, d->panel_left), hr_at(alone, scale_alone, alone->panel_left), 1e-9,
              "the axis starts where x alone makes it start");
    check_rel(hr_at(d, scale, d->panel_right), hr_at(alone, scale_alone, alone->panel_right),
              1e-9, "and ends there");
    check(d->beyond != NULL && d->beyond[1] == -1, "b: an arrow at the left edge (HR -> 0)");
    check(isnan(d->x_lower[1]) && isnan(d->x_upper[1]), "b: no interval (a Wald interval of an "
                                                        "infinite coefficient means nothing)");
    const coh_plot_forest_text *t = text_of(d, COH_FOREST_HR, 1, 0);
    check(t != NULL && strcmp(t->text, "not estimable (HR \xe2\x86\x92 0)") == 0,
          "b: not estimable, tending to 0");
    check(text_of(d, COH_FOREST_P, 1, 0) == NULL, "b: no p");
    t = text_of(d, COH_FOREST_HR, 2, 0);
    check(t != NULL && strcmp(t->text, "0.70 (0.03\xe2\x80\x93" "19.05)") == 0, "x: as before");
    t = text_of(d, COH_FOREST_P, 2, 0);
    check(t != NULL && strcmp(t->text, "0.83") == 0, "x: its p");
    check_rel(d->box[2], alone->box[0], 1e-12, "x: the same square");
    check_rel(d->width_pt, 7 * 72, 1e-12, "7 in");
    coh_plot_forest_drawn_free(d);
    d = NULL;

    /* the same numbers without the model's flag (a fit that ran out of
     * iterations): still not setting the axis; the estimate an arrow at
     * the left edge, the interval across the panel; the numbers shown */
    rows[1].infinite = false;
    d = render_all(&s, "monotone_unflagged");
    if (d == NULL)
        goto out;
    scale = scale_of(d, rows, 2);
    check_geometry(d, rows, 3, scale);
    check_rel(hr_at(d, scale, d->panel_left), hr_at(alone, scale_alone, alone->panel_left), 1e-9,
              "unflagged: the axis of x alone");
    check(d->beyond != NULL && d->beyond[1] == -1, "unflagged: an arrow at the left edge");
    check_rel(d->x_lower[1], d->panel_left, 1e-12, "unflagged: 0 cut at the left edge");
    check_rel(d->x_upper[1], d->panel_right, 1e-12, "unflagged: Inf cut at the right edge");
    t = text_of(d, COH_FOREST_HR, 1, 0);
    check(t != NULL && strcmp(t->text, "5.56e-10 (0\xe2\x80\x93\xe2\x88\x9e)") == 0,
          "unflagged: the numbers");
    coh_plot_forest_drawn_free(d);
    d = NULL;

    /* the other side: a coefficient running to plus infinity, and a row
     * with a finite interval whose estimate is beyond 1000 */
    rows[1] = (coh_plot_forest_row){"b", "g", NULL, 3.2e12, 0, INFINITY, 1, false, true, true};
    coh_plot_forest_row more[4];
    memcpy(more, rows, sizeof rows);
    more[3] = (coh_plot_forest_row){"huge", "h", NULL, 2e4, 1.5e3, 3e5, 0.001, false, false, false};
    s.rows = more;
    s.n_rows = 4;
    d = render_all(&s, "monotone_up");
    if (d == NULL)
        goto out;
    scale = scale_of(d, more, 2);
    check_geometry(d, more, 4, scale);
    check_rel(hr_at(d, scale, d->panel_right), hr_at(alone, scale_alone, alone->panel_right),
              1e-9, "neither sets the axis");
    check(d->beyond != NULL && d->beyond[1] == 1 && d->beyond[3] == 1, "arrows at the right edge");
    t = text_of(d, COH_FOREST_HR, 1, 0);
    check(t != NULL && strcmp(t->text, "not estimable (HR \xe2\x86\x92 \xe2\x88\x9e)") == 0,
          "tending to infinity");
out:
    coh_plot_forest_drawn_free(d);
    coh_plot_forest_drawn_free(alone);
}

/* Long labels push the panel right, up to a cap: the label column takes
 * at most 40% of the width and what leaves the panel 2.5 in (1 in at a
 * width given); longer labels and headings are shortened with "…", cut
 * between UTF-8 characters; the figure stays 7 in (or the width given),
 * whatever the labels' length; a width given that cannot hold the columns
 * is an error. */
static void test_long_labels(void)
{
    coh_plot_forest_row rows[N_HAND];
    memcpy(rows, hand_rows, sizeof rows);
    rows[3] = (coh_plot_forest_row){"Unbounded", NULL, NULL, 1.5, 0, INFINITY, 0.5, false, false,
                                     false};
    coh_plot_forest_spec s;
    coh_plot_forest_spec_init(&s);
    s.rows = rows;
    s.n_rows = N_HAND;
    char path[256];
    coh_plot_forest_drawn *d0 = NULL, *d1 = NULL, *d2 = NULL, *d3 = NULL, *d4 = NULL;
    char *giant = NULL, *wide_chars = NULL;
    coh_error err;
    path_in(path, sizeof path, "short.svg");
    check_int(coh_plot_forest(&s, path, &d0, &err), COH_OK, "short labels");
    rows[0].label = "Age at diagnosis (per 10 y)";
    path_in(path, sizeof path, "long.svg");
    check_int(coh_plot_forest(&s, path, &d1, &err), COH_OK, "long label");
    const char *huge = "A label long enough to need more than half of a seven-inch figure by "
                       "itself, as free text from a registry might";
    rows[5].label = huge;
    rows[1].heading = "A heading as long as a label that needs more than half of the figure too";
    d2 = render_all(&s, "huge");
    if (d0 == NULL || d1 == NULL || d2 == NULL)
        goto out;
    check(d1->x_one > d0->x_one, "a longer label moves the panel right");
    check_rel(d1->width_pt, 7 * 72, 1e-12, "still 7 in");
    check_str(text_str(d1, COH_FOREST_LABEL, 0, 0), rows[0].label,
              "a label that fits is drawn whole");
    /* a huge label: shortened, and the figure stays 7 in with the panel
     * at least 2.5 in wide */
    check_rel(d2->width_pt, 7 * 72, 1e-12, "a huge label keeps 7 in");
    check(d2->panel_right - d2->panel_left >= 2.5 * 72 - 1e-9, "the panel keeps 2.5 in");
    check(d2->panel_left - 2 * 9 - 0.7 * 9 <= 0.4 * 7 * 72 + 1e-9,
          "the label column at most 40% of the width");
    const coh_plot_forest_text *t = text_of(d2, COH_FOREST_LABEL, 5, 0);
    check(t != NULL && ends_with_ellipsis(t->text), "the huge label ends in an ellipsis");
    if (t != NULL) {
        size_t kept = strlen(t->text) - 3;
        check(kept > 10 && strncmp(t->text, huge, kept) == 0, "a prefix of the label");
        check(t->text[kept - 1] != ' ', "no space before the ellipsis");
        /* as much as fits: the column is as wide as the drawn label */
        check(t->x + t->w > d2->panel_left - 2 * 9 - 9, "the column used");
    }
    t = text_of(d2, COH_FOREST_HEADING, 1, 0);
    check(t != NULL && ends_with_ellipsis(t->text), "a long heading shortened too");
    check_texts_inside(d2, 9, "huge: every text inside");
    check_rel(d2->x_lower[3], d2->panel_left, 1e-12, "row 3 from the panel's left edge");

    /* 5000 characters, and 2000 two-byte ones: the same 7 in, cut between
     * characters */
    giant = malloc(5001);
    wide_chars = malloc(4001);
    if (giant == NULL || wide_chars == NULL)
        goto out;
    for (size_t k = 0; k < 5000; k++)
        giant[k] = (char)('a' + k % 26);
    giant[5000] = '\0';
    for (size_t k = 0; k < 2000; k++)
        memcpy(wide_chars + 2 * k, "\xc3\xa9", 2); /* é */
    wide_chars[4000] = '\0';
    rows[5].label = giant;
    rows[0].label = wide_chars;
    d3 = render_all(&s, "giant");
    if (d3 == NULL)
        goto out;
    check_rel(d3->width_pt, 7 * 72, 1e-12, "a 5000-character label keeps 7 in");
    check_texts_inside(d3, 9, "giant: every text inside");
    t = text_of(d3, COH_FOREST_LABEL, 0, 0);
    check(t != NULL && ends_with_ellipsis(t->text), "two-byte characters shortened");
    if (t != NULL) {
        check(coh_text_is_utf8(t->text), "cut between characters: valid UTF-8");
        check_int((strlen(t->text) - 3) % 2, 0, "whole characters kept");
    }

    /* a width given larger than 7 in: the cap grows with it */
    s.style.width = 10;
    rows[0].label = hand_rows[0].label;
    rows[5].label = huge;
    d4 = render_all(&s, "huge_wide");
    if (d4 != NULL) {
        check_rel(d4->width_pt, 10 * 72, 1e-12, "10 in as given");
        check(d4->panel_left > d2->panel_left, "a wider label column at 10 in");
        check(d4->panel_left - 2 * 9 - 0.7 * 9 <= 0.4 * 10 * 72 + 1e-9, "at most 40% of 10 in");
        check_texts_inside(d4, 9, "10 in: every text inside");
    }
    /* a width given is kept: too narrow for the columns is an error */
    s.style.width = 4;
    path_in(path, sizeof path, "narrow_fig.svg");
    check_int(coh_plot_forest(&s, path, NULL, &err), COH_EINVAL, "too narrow");
    check_contains(err.msg, "leave no room for the plot", "message");
    check(!exists(path), "nothing written");
    /* a large font at the default width: even the shortest label column
     * leaves no 2.5 in panel in 7 in, and the figure grows (the CLI says
     * so) */
    s.style.width = 0;
    s.style.font_size = 16;
    path_in(path, sizeof path, "big_font.svg");
    coh_plot_forest_drawn *d5 = NULL;
    check_int(coh_plot_forest(&s, path, &d5, &err), COH_OK, "16 points");
    if (d5 != NULL) {
        check(d5->width_pt > 7 * 72, "wider than 7 in at 16 points");
        check_rel(d5->panel_right - d5->panel_left, 2.5 * 72, 1e-9, "with the panel at 2.5 in");
        check_texts_inside(d5, 16, "16 points: every text inside");
    }
    coh_plot_forest_drawn_free(d5);
out:
    free(giant);
    free(wide_chars);
    coh_plot_forest_drawn_free(d0);
    coh_plot_forest_drawn_free(d1);
    coh_plot_forest_drawn_free(d2);
    coh_plot_forest_drawn_free(d3);
    coh_plot_forest_drawn_free(d4);
}

/* A title and an axis title longer than the figure are wrapped at spaces
 * to its width (3 and 2 lines at most, the last shortened with "…"), the
 * figure keeping its width and growing in height by the lines added. */
static void test_titles(void)
{
    coh_plot_forest_spec s;
    coh_plot_forest_spec_init(&s);
    s.rows = hand_rows;
    s.n_rows = N_HAND;
    s.title = "Overall survival";
    coh_plot_forest_drawn *d1 = render_all(&s, "title_short");
    s.title = "A very long title that goes on and on beyond the width of a seven inch figure at "
              "nine points";
    coh_plot_forest_drawn *d2 = render_all(&s, "title_long");
    char *endless = malloc(3001);
    if (endless != NULL) {
        for (size_t k = 0; k < 3000; k++)
            endless[k] = k % 7 == 6 ? ' ' : (char)('a' + k % 7);
        endless[3000] = '\0';
    }
    s.title = endless;
    s.x_title = endless;
    coh_plot_forest_drawn *d3 = endless ? render_all(&s, "title_endless") : NULL;
    s.title = "Supercalifragilisticexpialidocious-and-then-some-more-without-any-space-at-all-"
              "so-it-must-be-cut-between-characters";
    s.x_title = "Hazard ratio of death from any cause, adjusted for age, sex and the ECOG "
                "performance status at baseline (95% CI, log scale)";
    coh_plot_forest_drawn *d4 = render_all(&s, "title_word");
    if (d1 == NULL || d2 == NULL || d3 == NULL || d4 == NULL)
        goto out;
    check_int(count_texts(d1, COH_FOREST_TITLE), 1, "a short title: one line");
    check_int(count_texts(d1, COH_FOREST_X_TITLE), 1, "the axis title: one line");
    check_int(count_texts(d2, COH_FOREST_TITLE), 2, "a long title: two lines");
    check_rel(d2->width_pt, 7 * 72, 1e-12, "a long title keeps 7 in");
    check_texts_inside(d1, 9, "short title: every text inside");
    check_texts_inside(d2, 9, "long title: every text inside");
    check_rel(d2->height_pt - d1->height_pt, 1.2 * 1.15 * 9, 1e-9, "one line higher");
    check(d2->y[0] > d1->y[0], "the rows move down");
    const coh_plot_forest_text *a = text_of(d2, COH_FOREST_TITLE, 0, 0),
                               *b = text_of(d2, COH_FOREST_TITLE, 0, 1);
    check(a != NULL && b != NULL && strncmp(a->text, "A very long title", 17) == 0 &&
              !ends_with_ellipsis(b->text) && b->y > a->y,
          "wrapped, not shortened");
    if (a != NULL && b != NULL) {
        char joined[300];
        snprintf(joined, sizeof joined, "%s %s", a->text, b->text);
        check_str(joined,
                  "A very long title that goes on and on beyond the width of a seven inch "
                  "figure at nine points",
                  "the words of the title, in order");
    }
    check_int(count_texts(d3, COH_FOREST_TITLE), 3, "3000 characters: three lines");
    check(ends_with_ellipsis(text_str(d3, COH_FOREST_TITLE, 0, 2)), "the last one cut");
    check_int(count_texts(d3, COH_FOREST_X_TITLE), 2, "the axis title: two lines");
    check(ends_with_ellipsis(text_str(d3, COH_FOREST_X_TITLE, 0, 1)), "the second cut");
    check_rel(d3->width_pt, 7 * 72, 1e-12, "an endless title keeps 7 in");
    check_texts_inside(d3, 9, "endless titles: every text inside");
    check_int(count_texts(d4, COH_FOREST_TITLE), 2, "one long word: cut onto two lines");
    check_int(count_texts(d4, COH_FOREST_X_TITLE), 2, "a long axis title: two lines");
    check(text_str(d4, COH_FOREST_X_TITLE, 0, 1) != NULL &&
              !ends_with_ellipsis(text_str(d4, COH_FOREST_X_TITLE, 0, 1)),
          "wrapped whole");
    check_texts_inside(d4, 9, "long axis title: every text inside");
out:
    free(endless);
    coh_plot_forest_drawn_free(d1);
    coh_plot_forest_drawn_free(d2);
    coh_plot_forest_drawn_free(d3);
    coh_plot_forest_drawn_free(d4);
}

static void test_errors(void)
{
    coh_plot_forest_spec s;
    coh_plot_forest_spec_init(&s);
    s.rows = hand_rows;
    s.n_rows = N_HAND;
    coh_error err;
    char path[256];
    coh_plot_forest_drawn *d = (coh_plot_forest_drawn *)&s; /* must be reset */
    snprintf(path, sizeof path, "%s/missing/f.svg", dir);
    check_int(coh_plot_forest(&s, path, &d, &err), COH_EIO, "missing directory");
    check(d == NULL, "no drawn on failure");
    check_contains(err.msg, "missing/f.svg", "message names the file");
    check(!exists(path), "nothing written");
    char cmd[300];
    snprintf(cmd, sizeof cmd, "test -z \"$(ls -a %s | grep tmp)\"", dir);
    check_int(system(cmd), 0, "no temporary file left");

    path_in(path, sizeof path, "f.gif");
    check_int(coh_plot_forest(&s, path, NULL, &err), COH_EINVAL, "extension");
    check_contains(err.msg, ".svg, .pdf or .png", "extension message");
    path_in(path, sizeof path, "bad.svg");
    s.n_rows = 0;
    check_int(coh_plot_forest(&s, path, NULL, &err), COH_EINVAL, "no rows");
    check_contains(err.msg, "no rows", "no rows message");

    coh_plot_forest_row bad[2] = {{"ok", NULL, NULL, 1.5, 1.1, 2, 0.01, false, false, false},
                                  {"bad", NULL, NULL, 3, 1.1, 2, 0.01, false, false, false}};
    s.rows = bad;
    s.n_rows = 2;
    check_int(coh_plot_forest(&s, path, NULL, &err), COH_EINVAL, "HR outside its interval");
    check_contains(err.msg, "row 2: the interval 1.1 to 2 does not contain the hazard ratio 3",
                   "interval message");
    bad[1] = (coh_plot_forest_row){"bad", NULL, NULL, -1, NAN, NAN, NAN, false, false, false};
    check_int(coh_plot_forest(&s, path, NULL, &err), COH_EINVAL, "negative HR");
    bad[1] = (coh_plot_forest_row){"bad", NULL, NULL, 1, 0.5, 2, 1.5, false, false, false};
    check_int(coh_plot_forest(&s, path, NULL, &err), COH_EINVAL, "p > 1");
    bad[1] = (coh_plot_forest_row){"b\xff", NULL, NULL, 1, 0.5, 2, 0.5, false, false, false};
    check_int(coh_plot_forest(&s, path, NULL, &err), COH_EENCODING, "label not UTF-8");
    check_contains(err.msg, "row 2: the label is not valid UTF-8", "UTF-8 message");
    bad[1].label = "b";
    bad[1].term = "t\xe2\x80";
    check_int(coh_plot_forest(&s, path, NULL, &err), COH_EENCODING, "term not UTF-8");
    check_contains(err.msg, "row 2: the term is not valid UTF-8", "UTF-8 message (term)");
    bad[1].term = NULL;
    s.title = "\xc3";
    check_int(coh_plot_forest(&s, path, NULL, &err), COH_EENCODING, "title not UTF-8");
    s.title = NULL;
    s.p_digits = 0;
    check_int(coh_plot_forest(&s, path, NULL, &err), COH_EINVAL, "p digits");
    s.p_digits = 2;
    s.style.height = 1;
    s.rows = hand_rows;
    s.n_rows = N_HAND;
    check_int(coh_plot_forest(&s, path, NULL, &err), COH_EINVAL, "too short");
    check_contains(err.msg, "too small for 7 rows", "height message");
    s.style.height = 0;
    s.style.dpi = 5;
    path_in(path, sizeof path, "bad.png");
    check_int(coh_plot_forest(&s, path, NULL, &err), COH_EINVAL, "dpi");
    check(!exists(path), "nothing written on errors");
    path_in(path, sizeof path, "bad.svg");
    check(!exists(path), "nothing written on errors (svg)");
    coh_plot_forest_drawn_free(NULL);
}

static void test_csv(void)
{
    const coh_plot_forest_row rows[] = {
        {"age (per 10)", "age", NULL, 1.1139884298080105, 0.9281447938364873,
         1.3370437780688993, 0.2463720088624085, false, false, false},
        {"female", "sex", "Sex, \"self-reported\"", NAN, NAN, NAN, NAN, true, true, false},
        {"male", "sex", NULL, 1.726041297709848, 1.2412388546778488, 2.4001976333339345,
         0.0011761969011452843, false, false, false},
        {"line\nbreak", NULL, NULL, 2, 0.5, INFINITY, 0.5, false, false, false},
        {"aliased", "x,y", NULL, NAN, NAN, NAN, NAN, false, false, false},
        {"b", "g", NULL, 5.564008920001238e-10, 0, INFINITY, 0.9991686967130895, false, true,
         true},
    };
    coh_plot_forest_spec s;
    coh_plot_forest_spec_init(&s);
    s.rows = rows;
    s.n_rows = sizeof rows / sizeof rows[0];
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    check_int(coh_plot_forest_csv(&s, f), COH_OK, "csv");
    fclose(f);
    check_str(buf,
              "label,term,heading,hr,lower,upper,p,reference,infinite\n"
              "age (per 10),age,,1.1139884298080105,0.9281447938364873,1.3370437780688993,"
              "0.2463720088624085,false,false\n"
              "female,sex,\"Sex, \"\"self-reported\"\"\",,,,,true,false\n"
              "male,sex,,1.726041297709848,1.2412388546778488,2.4001976333339345,"
              "0.0011761969011452843,false,false\n"
              "\"line\nbreak\",,,2,0.5,Inf,0.5,false,false\n"
              "aliased,\"x,y\",,,,,,false,false\n"
              "b,g,,5.564008920001238e-10,0,Inf,0.9991686967130895,false,true\n",
              "CSV content");
    free(buf);
    check_int(coh_plot_forest_csv(NULL, stdout), COH_EINVAL, "no spec");
}

/* ---- a real fit: R's lung data, age (per 10) + sex + factor(ph.ecog) ------------ */

static void test_lung(void)
{
    coh_table *t = NULL;
    coh_error err;
    if (coh_read("tests/golden/data/lung.csv", NULL, &t, &err) != COH_OK) {
        fprintf(stderr, "lung.csv: %s\n", err.msg);
        check_failed++;
        return;
    }
    const char *terms[] = {"age", "sex", "ph.ecog"}, *categorical[] = {"ph.ecog"};
    const char *per_col[] = {"age"};
    const double per_step[] = {10};
    coh_cox_spec surv = {"time", "status", NULL, 0, NULL, 0, NULL, NULL, NULL, NULL};
    coh_design_spec spec = {terms, 3, categorical, 1, NULL, NULL, 0, per_col, per_step, 1};
    coh_design *des = NULL;
    coh_cox_data *data = NULL;
    coh_cox_model *fit = NULL;
    coh_dropped dropped;
    coh_cox_options opt;
    coh_cox_options_init(&opt);
    check_int(coh_cox_data_build(t, &surv, &spec, NULL, &des, &data, &dropped, &err), COH_OK,
              "lung design");
    check_int(coh_cox_fit(data, &opt, &fit), COH_OK, "lung fit");
    if (fit == NULL || des == NULL || fit->p != 5)
        goto out;
    /* the rows as `cohort plot forest` builds them: a heading and the
     * reference level first for each factor */
    coh_plot_forest_row rows[7];
    const char *labels[7] = {"age (per 10)", "female", "male", "0", "1", "2", "3"};
    const char *headings[7] = {NULL, "sex", NULL, "ph.ecog", NULL, NULL, NULL};
    const char *row_terms[7] = {"age", "sex", "sex", "ph.ecog", "ph.ecog", "ph.ecog", "ph.ecog"};
    const long col[7] = {0, -1, 1, -1, 2, 3, 4};
    double z = coh_dist_norm_quantile(0.975);
    for (size_t i = 0; i < 7; i++) {
        rows[i] = (coh_plot_forest_row){labels[i], row_terms[i], headings[i], NAN, NAN, NAN,
                                        NAN, col[i] < 0, col[i] < 0, false};
        if (col[i] < 0)
            continue;
        size_t j = (size_t)col[i];
        double b = fit->coef[j], se = sqrt(fit->var[j * fit->p + j]);
        rows[i].hr = exp(b);
        rows[i].lower = exp(b - z * se);
        rows[i].upper = exp(b + z * se);
        rows[i].p = 2 * coh_dist_norm_q(fabs(b / se));
    }
    check_str(des->col_names[1], "sex=male", "column 1");
    check_str(des->col_names[4], "ph.ecog=3", "column 4");
    /* R 4.2.2, survival 3.5-3: summary(coxph(Surv(time, status) ~ I(age/10)
     * + sex + factor(ph.ecog), lung))$conf.int */
    const double r_hr[7] = {1.1139884298, NAN, 1.7260412977, NAN, 1.5068901366, 2.4677406357,
                            7.0606942202};
    const double r_lo[7] = {0.9281447938, NAN, 1.2412388547, NAN, 1.0190093088, 1.5781880821,
                            0.9383483574};
    const double r_hi[7] = {1.3370437781, NAN, 2.4001976333, NAN, 2.2283583321, 3.8586933423,
                            53.1288859596};
    for (size_t i = 0; i < 7; i++) {
        check_rel(rows[i].hr, r_hr[i], 1e-9, "HR as R");
        check_rel(rows[i].lower, r_lo[i], 1e-9, "lower as R");
        check_rel(rows[i].upper, r_hi[i], 1e-9, "upper as R");
    }
    coh_plot_forest_spec s;
    coh_plot_forest_spec_init(&s);
    s.rows = rows;
    s.n_rows = 7;
    coh_plot_forest_drawn *d = render_all(&s, "lung");
    if (d != NULL) {
        double scale = scale_of(d, rows, 2);
        check_geometry(d, rows, 7, scale);
        /* 0.94 to 53.1 on powers of 2: 0.5 to 64, nothing cut */
        check(d->x_upper[6] < d->x_one + scale * log(64), "53.1 inside the axis");
        check(d->x_lower[0] > d->x_one + scale * log(0.5), "0.93 inside the axis");
        check(d->box[0] > d->box[2] && d->box[2] > d->box[4] && d->box[4] > d->box[5] &&
                  d->box[5] > d->box[6],
              "lung squares by precision");
    }
    coh_plot_forest_drawn_free(d);
out:
    coh_cox_fit_free(fit);
    coh_cox_data_free(data);
    coh_design_free(des);
    coh_table_free(t);
}

/* Release what cairo and fontconfig keep for the life of the process (the
 * font map's patterns), so that LeakSanitizer reports only leaks of
 * Cohort's.  FcFini is looked up at run time: tests link cairo, which
 * loads fontconfig, but not fontconfig itself. */
static void release_font_caches(void)
{
    cairo_debug_reset_static_data();
    void (*fc_fini)(void) = NULL;
    *(void **)&fc_fini = dlsym(RTLD_DEFAULT, "FcFini");
    if (fc_fini != NULL)
        fc_fini();
}

int main(void)
{
    if (mkdtemp(dir) == NULL)
        return 1;
    RUN(test_defaults);
    RUN(test_hand);
    RUN(test_axis);
    RUN(test_off_axis);
    RUN(test_long_labels);
    RUN(test_titles);
    RUN(test_errors);
    RUN(test_csv);
    RUN(test_lung);
    /* COHORT_KEEP_FIGURES=1 keeps the figures for a look */
    if (getenv("COHORT_KEEP_FIGURES") == NULL) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    } else {
        fprintf(stderr, "figures kept in %s\n", dir);
    }
    release_font_caches();
    return check_report("test_plot_forest");
}
