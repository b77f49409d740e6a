/* test_plot_forest.c - forest plots (src/plot/forest_plot.c): files valid in
 * every format and of the size asked for; what was drawn agrees with the
 * numbers (positions linear in log HR, the reference line at 1, intervals
 * around their estimates, squares ordered by precision, no marker for
 * reference and aliased rows, infinite bounds cut at the panel's edge);
 * layout (long labels, explicit sizes); errors; the CSV; and a real fit on
 * R's lung data against the hazard ratios of R's coxph. */
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

/* Every drawn estimate lies on x = x_one + scale ln(hr); the intervals
 * around their estimates; reference and non-estimable rows unmarked. */
static void check_geometry(const coh_plot_forest_drawn *d, const coh_plot_forest_row *rows,
                           size_t n, double scale)
{
    for (size_t i = 0; i < n; i++) {
        const coh_plot_forest_row *r = &rows[i];
        if (r->reference || !isfinite(r->hr)) {
            check(isnan(d->x_hr[i]) && isnan(d->x_lower[i]) && isnan(d->x_upper[i]) &&
                      isnan(d->box[i]),
                  "no marker for a reference or non-estimable row");
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
    {"Age (per 10 years)", NULL, 1.11, 0.93, 1.34, 0.25, false, false},
    {"Female", "Sex", NAN, NAN, NAN, NAN, true, true},
    {"Male", NULL, 1.73, 1.24, 2.40, 0.0012, false, false},
    {"Aliased column", NULL, NAN, NAN, NAN, NAN, false, false},
    {"Infinite upper bound", NULL, 2.0, 0.5, INFINITY, 0.3, false, false},
    {"Protective", NULL, 0.6, 0.42, 0.86, 0.00004, false, false},
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
        {"a", NULL, 1.04, 0.98, 1.10, 0.2, false, false},
        {"b", NULL, 1.02, 0, INFINITY, 0.9, false, false},
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
        {"a", NULL, 2, 1.2, 4, 0.01, false, false},
        {"b", NULL, 5000, 2000, 12000, 0.001, false, false},
    };
    s.rows = wide;
    d = render_all(&s, "beyond");
    if (d != NULL) {
        double scale = scale_of(d, wide, 0);
        double right = d->x_one + scale * log(1000);
        check(isnan(d->x_hr[1]) && isnan(d->box[1]), "an estimate beyond 1000 has no square");
        check_rel(d->x_lower[1], right, 1e-9, "cut at 1000");
        check_rel(d->x_upper[1], right, 1e-9, "cut at 1000, upper");
        /* 1 would be the left end: the axis starts one tick lower, 0.1 */
        check(d->x_one - scale * log(10) < d->x_one, "room left of 1");
    }
    coh_plot_forest_drawn_free(d);
}

/* Long labels push the panel right; with the default width the figure
 * widens rather than squeezing the panel; with a width given that is too
 * small it is an error. */
static void test_long_labels(void)
{
    coh_plot_forest_row rows[N_HAND];
    memcpy(rows, hand_rows, sizeof rows);
    rows[3] = (coh_plot_forest_row){"Unbounded", NULL, 1.5, 0, INFINITY, 0.5, false, false};
    coh_plot_forest_spec s;
    coh_plot_forest_spec_init(&s);
    s.rows = rows;
    s.n_rows = N_HAND;
    char path[256];
    path_in(path, sizeof path, "short.svg");
    coh_plot_forest_drawn *d0 = NULL, *d1 = NULL, *d2 = NULL;
    coh_error err;
    check_int(coh_plot_forest(&s, path, &d0, &err), COH_OK, "short labels");
    rows[0].label = "Age at diagnosis (per 10 y)";
    path_in(path, sizeof path, "long.svg");
    check_int(coh_plot_forest(&s, path, &d1, &err), COH_OK, "long label");
    const char *huge = "A label long enough to need more than half of a seven-inch figure by "
                       "itself, as free text from a registry might";
    rows[5].label = huge;
    path_in(path, sizeof path, "huge.png");
    check_int(coh_plot_forest(&s, path, &d2, &err), COH_OK, "huge label");
    if (d0 == NULL || d1 == NULL || d2 == NULL)
        goto out;
    check(d1->x_one > d0->x_one, "a longer label moves the panel right");
    check_rel(d1->width_pt, 7 * 72, 1e-12, "still 7 in");
    check(d2->width_pt > 7 * 72, "a huge label widens the figure");
    /* the panel starts after the widest label and the gap (2 font sizes) */
    canvas c;
    path_in(path, sizeof path, "measure.svg");
    if (canvas_open(&c, path, 100, 100, &s.style, &err) == COH_OK) {
        text_style ts = text_plain(&c);
        double w = canvas_text_width(&c, huge, &ts);
        canvas_abort(&c);
        /* row 3, from 0 to Inf, spans the panel */
        double left = d2->x_lower[3], right = d2->x_upper[3];
        check_rel(left, 0.7 * 9 + w + 2 * 9, 1e-9, "the label column fits the widest label");
        check_rel(right - left, 2.5 * 72, 1e-9, "the panel keeps 2.5 in");
    }
    /* a width given is kept: too narrow for these labels is an error */
    s.style.width = 4;
    path_in(path, sizeof path, "narrow_fig.svg");
    check_int(coh_plot_forest(&s, path, NULL, &err), COH_EINVAL, "too narrow");
    check_contains(err.msg, "leave no room for the plot", "message");
    check(!exists(path), "nothing written");
out:
    coh_plot_forest_drawn_free(d0);
    coh_plot_forest_drawn_free(d1);
    coh_plot_forest_drawn_free(d2);
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

    coh_plot_forest_row bad[2] = {{"ok", NULL, 1.5, 1.1, 2, 0.01, false, false},
                                  {"bad", NULL, 3, 1.1, 2, 0.01, false, false}};
    s.rows = bad;
    s.n_rows = 2;
    check_int(coh_plot_forest(&s, path, NULL, &err), COH_EINVAL, "HR outside its interval");
    check_contains(err.msg, "row 2: the interval 1.1 to 2 does not contain the hazard ratio 3",
                   "interval message");
    bad[1] = (coh_plot_forest_row){"bad", NULL, -1, NAN, NAN, NAN, false, false};
    check_int(coh_plot_forest(&s, path, NULL, &err), COH_EINVAL, "negative HR");
    bad[1] = (coh_plot_forest_row){"bad", NULL, 1, 0.5, 2, 1.5, false, false};
    check_int(coh_plot_forest(&s, path, NULL, &err), COH_EINVAL, "p > 1");
    bad[1] = (coh_plot_forest_row){"b\xff", NULL, 1, 0.5, 2, 0.5, false, false};
    check_int(coh_plot_forest(&s, path, NULL, &err), COH_EENCODING, "label not UTF-8");
    check_contains(err.msg, "row 2: the label is not valid UTF-8", "UTF-8 message");
    bad[1].label = "b";
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
        {"age (per 10)", NULL, 1.1139884298080105, 0.9281447938364873, 1.3370437780688993,
         0.2463720088624085, false, false},
        {"female", "Sex, \"self-reported\"", NAN, NAN, NAN, NAN, true, true},
        {"male", NULL, 1.726041297709848, 1.2412388546778488, 2.4001976333339345,
         0.0011761969011452843, false, false},
        {"line\nbreak", NULL, 2, 0.5, INFINITY, 0.5, false, false},
        {"aliased", NULL, NAN, NAN, NAN, NAN, false, false},
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
              "label,heading,hr,lower,upper,p,reference\n"
              "age (per 10),,1.1139884298080105,0.9281447938364873,1.3370437780688993,"
              "0.2463720088624085,false\n"
              "female,\"Sex, \"\"self-reported\"\"\",,,,,true\n"
              "male,,1.726041297709848,1.2412388546778488,2.4001976333339345,"
              "0.0011761969011452843,false\n"
              "\"line\nbreak\",,2,0.5,Inf,0.5,false\n"
              "aliased,,,,,,false\n",
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
    const long col[7] = {0, -1, 1, -1, 2, 3, 4};
    double z = coh_dist_norm_quantile(0.975);
    for (size_t i = 0; i < 7; i++) {
        rows[i] = (coh_plot_forest_row){labels[i], headings[i], NAN, NAN, NAN, NAN, col[i] < 0, col[i] < 0};
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
    RUN(test_long_labels);
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
