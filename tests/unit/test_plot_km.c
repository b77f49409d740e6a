/* test_plot_km.c - the Kaplan-Meier figure (src/plot/km_plot.c): valid
 * SVG, PDF and PNG files of the requested size; numbers at risk equal to
 * the KM table's (coh_km_at_times, R's summary(times =)) and centred on
 * the ticks; tick steps by unit; the edge cases of issue 6 (8 and 9
 * groups, long labels, an empty group, a group without events, one group,
 * cumulative incidence, grayscale, an axis shorter than the data); errors
 * that leave no file; the CSV. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cairo.h>

#include "../check.h"
#include "../plot_check.h"
#include "cohort/cohort.h"
#include "cohort/plot.h"

static char dir[] = "/tmp/cohort-plot-km-XXXXXX";

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Curves of a data file by group, as `cohort km` fits them. */
typedef struct fixture {
    coh_table *t;
    coh_surv_data *sd;
    coh_km *km[16];
    coh_plot_km_curve curves[16];
    size_t n;
} fixture;

static int load(fixture *f, const char *path, const char *group)
{
    memset(f, 0, sizeof *f);
    coh_error err;
    if (coh_read(path, NULL, &f->t, &err) != COH_OK) {
        fprintf(stderr, "%s\n", err.msg);
        check_failed++;
        return 0;
    }
    coh_surv_spec spec = {"time", "status", NULL, 0, NULL, 0, group, NULL, NULL};
    if (coh_surv_prepare(f->t, &spec, &f->sd, &err) != COH_OK || f->sd->n_groups > 16) {
        fprintf(stderr, "%s\n", err.msg);
        check_failed++;
        return 0;
    }
    f->n = f->sd->n_groups;
    for (size_t g = 0; g < f->n; g++) {
        size_t a = f->sd->group_start[g], b = f->sd->group_start[g + 1];
        check_int(coh_km_fit(f->sd->g_time + a, f->sd->g_event + a, b - a, COH_CONF_LOG, 0.95,
                             &f->km[g]),
                  COH_OK, "fit");
        f->curves[g].km = f->km[g];
        f->curves[g].label = f->sd->group_names[g];
    }
    return 1;
}

static void unload(fixture *f)
{
    for (size_t g = 0; g < f->n; g++)
        coh_km_free(f->km[g]);
    coh_surv_data_free(f->sd);
    coh_table_free(f->t);
}

/* A curve from literal times and events (sorted here). */
static coh_km *curve(const double *time, const uint8_t *event, size_t n)
{
    coh_km *km = NULL;
    check_int(coh_km_fit(time, event, n, COH_CONF_LOG, 0.95, &km), COH_OK, "fit");
    return km;
}

static void path_in(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);
}

/* Draw `s` to name.svg, name.pdf and name.png and check each file. */
static void draw_all(const coh_plot_km_spec *s, const char *name, const char *what)
{
    static const char *const ext[] = {"svg", "pdf", "png"};
    for (int k = 0; k < 3; k++) {
        char path[256], why[512], file[128];
        snprintf(file, sizeof file, "%s.%s", name, ext[k]);
        path_in(path, sizeof path, file);
        coh_error err;
        coh_error_clear(&err);
        coh_status st = coh_plot_km(s, path, NULL, &err);
        if (st != COH_OK)
            fprintf(stderr, "%s: %s\n", what, err.msg);
        check_int(st, COH_OK, what);
        int ok = 0;
        uint32_t w = 0, h = 0;
        if (k == 0)
            ok = svg_check(path, why, sizeof why);
        else if (k == 1)
            ok = pdf_check(path, why, sizeof why);
        else
            ok = png_check(path, &w, &h, why, sizeof why);
        if (!ok)
            fprintf(stderr, "%s (%s): %s\n", what, ext[k], why);
        check(ok, what);
    }
}

/* The drawn numbers against the KM table: at risk at each tick equal to
 * coh_km_at_times, events cumulative up to and including the tick, every
 * number's x equal to its tick's x, ticks from 0 ascending on one linear
 * scale. */
static void check_drawn(const coh_plot_km_drawn *d, const coh_plot_km_spec *s, const char *what)
{
    check_int(d->n_curves, s->n_curves, what);
    check(d->n_ticks >= 2, what);
    check(d->tick_time[0] == 0, what);
    double scale = (d->tick_x[d->n_ticks - 1] - d->tick_x[0]) / d->tick_time[d->n_ticks - 1];
    int linear = 1, ascending = 1, under = 1, same_n = 1, cumulative = 1;
    for (size_t k = 1; k < d->n_ticks; k++) {
        ascending &= d->tick_time[k] > d->tick_time[k - 1] && d->tick_x[k] > d->tick_x[k - 1];
        linear &= fabs(d->tick_x[k] - d->tick_x[0] - scale * d->tick_time[k]) < 1e-9;
    }
    coh_km_at *at = calloc(d->n_ticks, sizeof *at);
    for (size_t c = 0; c < d->n_curves; c++) {
        const coh_km *km = s->curves[c].km;
        check_int(coh_km_at_times(km, d->tick_time, d->n_ticks, at), COH_OK, what);
        for (size_t k = 0; k < d->n_ticks; k++) {
            size_t i = c * d->n_ticks + k;
            same_n &= d->risk_n[i] == at[k].n_risk;
            under &= d->risk_x[i] == d->tick_x[k];
            double events = 0;
            for (size_t j = 0; j < km->n_times; j++)
                if (km->time[j] <= d->tick_time[k])
                    events += km->n_event[j];
            cumulative &= d->risk_events[i] == events;
        }
    }
    free(at);
    check(ascending, what);
    check(linear, what);
    check(same_n, what);
    check(under, what);
    check(cumulative, what);
}

static void test_defaults(void)
{
    coh_plot_km_spec s;
    coh_plot_km_spec_init(&s);
    check(s.censor_marks && s.percent && s.risk_table, "flags on");
    check(!s.ci && !s.cumulative && !s.cum_events, "flags off");
    check(isnan(s.x_max) && isnan(s.x_step), "axis automatic");
    check_int((long long)s.style.dpi, 300, "dpi");
    check_str(s.style.font, "DejaVu Sans", "font");
    check(s.curves == NULL && s.n_curves == 0 && s.title == NULL, "empty");
}

/* lung by sex and aml by maintenance, in every format; PNG sizes. */
static void test_formats(void)
{
    fixture f;
    if (!load(&f, "tests/golden/data/lung.csv", "sex"))
        return;
    coh_plot_km_spec s;
    coh_plot_km_spec_init(&s);
    s.curves = f.curves;
    s.n_curves = f.n;
    s.unit = "days";
    s.annotation = "Log-rank p = 0.0013";
    draw_all(&s, "lung", "lung by sex");

    char path[256], why[512];
    uint32_t w = 0, h = 0;
    path_in(path, sizeof path, "lung.png");
    check(png_check(path, &w, &h, why, sizeof why), why);
    check_int(w, 2100, "7 in at 300 dpi");
    check_int(h, 1500, "5 in at 300 dpi");
    struct { double w, h, dpi; } sizes[] = {{7, 5, 100}, {6.5, 4.25, 300}, {3.33, 2.9, 100},
                                            {5.1, 4.7, 300}, {8, 6, 72}};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        s.style.width = sizes[k].w;
        s.style.height = sizes[k].h;
        s.style.dpi = sizes[k].dpi;
        coh_error err;
        check_int(coh_plot_km(&s, path, NULL, &err), COH_OK, "sized png");
        check(png_check(path, &w, &h, why, sizeof why), why);
        check_int(w, (long long)ceil(sizes[k].w * sizes[k].dpi), "png width");
        check_int(h, (long long)ceil(sizes[k].h * sizes[k].dpi), "png height");
    }
    /* without the table the default is 4.2 inches tall */
    coh_plot_km_spec_init(&s);
    s.curves = f.curves;
    s.n_curves = f.n;
    s.risk_table = false;
    coh_plot_km_drawn *d = NULL;
    coh_error err;
    check_int(coh_plot_km(&s, path, &d, &err), COH_OK, "no table");
    check(png_check(path, &w, &h, why, sizeof why), why);
    check_int(w, 2100, "7 in wide");
    check_int(h, 1260, "4.2 in tall");
    check(d != NULL && isnan(d->risk_y[0]), "no rows drawn");
    check(d != NULL && d->width_pt == 504 && d->height_pt == 4.2 * 72, "size in points");
    if (d != NULL)
        check_drawn(d, &s, "no table: numbers still recorded");
    coh_plot_km_drawn_free(d);
    unload(&f);

    if (!load(&f, "tests/golden/data/aml.csv", "x"))
        return;
    coh_plot_km_spec_init(&s);
    s.curves = f.curves;
    s.n_curves = f.n;
    s.unit = "months";
    s.ci = true;
    s.cum_events = true;
    s.annotation = "Log-rank p = 0.065";
    s.legend_title = "Maintenance";
    s.title = "Acute myelogenous leukaemia";
    draw_all(&s, "aml", "aml by maintenance");
    unload(&f);
}

/* The numbers drawn are the KM table's, under the ticks. */
static void test_numbers(void)
{
    fixture f;
    if (!load(&f, "tests/golden/data/lung.csv", "sex"))
        return;
    coh_plot_km_spec s;
    coh_plot_km_spec_init(&s);
    s.curves = f.curves;
    s.n_curves = f.n;
    char path[256];
    path_in(path, sizeof path, "numbers.svg");
    coh_plot_km_drawn *d = NULL;
    coh_error err;
    check_int(coh_plot_km(&s, path, &d, &err), COH_OK, "lung");
    if (d != NULL) {
        check_drawn(d, &s, "lung by sex");
        /* R: summary(survfit(Surv(time, status) ~ sex, lung), times = 200)
         * gives 66 (female) and 78 (male) at risk; nice steps of 200 days */
        check(d->tick_time[1] == 200, "nice step of 200");
        check_int((long long)d->risk_n[1], 66, "female at 200");
        check_int((long long)d->risk_n[d->n_ticks + 1], 78, "male at 200");
        check_int((long long)d->risk_n[0], 90, "female at 0");
        check_int((long long)d->risk_n[d->n_ticks], 138, "male at 0");
        check_int((long long)d->risk_n[2 * d->n_ticks - 1], 0, "none after the last time");
        /* rows below the panel, in order */
        check(d->risk_y[1] > d->risk_y[0] && d->risk_y[0] < d->height_pt, "rows");
        check(d->tick_x[0] > 0 && d->tick_x[d->n_ticks - 1] < d->width_pt, "ticks inside");
    }
    coh_plot_km_drawn_free(d);

    /* months: multiples of 12, whatever the range */
    s.unit = "months";
    d = NULL;
    check_int(coh_plot_km(&s, path, &d, &err), COH_OK, "months");
    if (d != NULL) {
        check_drawn(d, &s, "months");
        int twelve = 1;
        for (size_t k = 0; k < d->n_ticks; k++)
            twelve &= fmod(d->tick_time[k], 12) == 0;
        check(twelve, "ticks every 12 months (or a multiple)");
        check(d->tick_time[d->n_ticks - 1] >= 1022, "axis reaches the last time");
    }
    coh_plot_km_drawn_free(d);

    /* years: whole years; x_step overrides; x_max before the data */
    s.unit = "years";
    d = NULL;
    check_int(coh_plot_km(&s, path, &d, &err), COH_OK, "years");
    if (d != NULL) {
        int whole = 1;
        for (size_t k = 0; k < d->n_ticks; k++)
            whole &= d->tick_time[k] == floor(d->tick_time[k]);
        check(whole, "whole years");
    }
    coh_plot_km_drawn_free(d);
    s.unit = "days";
    s.x_step = 90;
    s.x_max = 365;
    d = NULL;
    check_int(coh_plot_km(&s, path, &d, &err), COH_OK, "x_step and x_max");
    if (d != NULL) {
        check_drawn(d, &s, "x_max 365 by 90");
        check_int(d->n_ticks, 5, "0, 90, 180, 270, 360");
        check(d->tick_time[4] == 360, "last tick 360");
    }
    coh_plot_km_drawn_free(d);
    s.x_step = 1e-3;
    check_int(coh_plot_km(&s, path, NULL, &err), COH_EINVAL, "too many ticks");
    check_contains(err.msg, "ticks", "message");
    unload(&f);
}

/* The tick step of a unit follows the length of follow-up: 12-month
 * steps beyond 30 months, 1 to 6 months below; whole years from 2 years. */
static void test_steps(void)
{
    static const double t[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29};
    static const uint8_t e[] = {1, 0, 1, 1, 0, 1, 0, 1, 1, 0};
    struct { double scale; const char *unit; double step, last; } cases[] = {
        {1, "months", 6, 30},  {2, "months", 12, 60}, {10, "Months", 48, 336},
        {0.1, "years", 1, 3},  {0.05, "years", 0.25, 1.5}, {1, NULL, 5, 30},
        {100, "days", 500, 3000}, {0.2, "month", 1, 6},
    };
    char path[256];
    path_in(path, sizeof path, "steps.svg");
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        double ts[10];
        for (size_t i = 0; i < 10; i++)
            ts[i] = t[i] * cases[c].scale;
        coh_km *km = curve(ts, e, 10);
        coh_plot_km_curve cv = {"A", km};
        coh_plot_km_spec s;
        coh_plot_km_spec_init(&s);
        s.curves = &cv;
        s.n_curves = 1;
        s.unit = cases[c].unit;
        coh_plot_km_drawn *d = NULL;
        coh_error err;
        check_int(coh_plot_km(&s, path, &d, &err), COH_OK, "steps");
        if (d != NULL) {
            char what[96];
            snprintf(what, sizeof what, "step for %g x %s", cases[c].scale,
                     cases[c].unit ? cases[c].unit : "no unit");
            check_rel(d->tick_time[1], cases[c].step, 1e-12, what);
            check_rel(d->tick_time[d->n_ticks - 1], cases[c].last, 1e-12, what);
            check_drawn(d, &s, what);
        }
        coh_plot_km_drawn_free(d);
        coh_km_free(km);
    }
}

/* Synthetic groups: 8 (the most), 9 (refused), long labels, an empty
 * group, a group without events, a single group. */
static void test_edges(void)
{
    static const double t1[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29};
    static const uint8_t e1[] = {1, 0, 1, 1, 0, 1, 0, 1, 1, 0};
    static const uint8_t none[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    coh_km *km[9];
    coh_plot_km_curve cv[9];
    char names[9][32];
    for (size_t g = 0; g < 9; g++) {
        /* shifted copies: the same shape at other times */
        double t[10];
        for (size_t i = 0; i < 10; i++)
            t[i] = t1[i] + 1.5 * (double)g;
        km[g] = curve(t, g == 3 ? none : e1, 10);
        snprintf(names[g], sizeof names[g], "Group %zu", g + 1);
        cv[g].km = km[g];
        cv[g].label = names[g];
    }
    coh_plot_km_spec s;
    coh_plot_km_spec_init(&s);
    s.curves = cv;
    s.n_curves = 8;
    s.annotation = "Log-rank p < 0.001";
    draw_all(&s, "eight", "8 groups");
    coh_plot_km_drawn *d = NULL;
    coh_error err;
    char path[256], why[512];
    path_in(path, sizeof path, "eight.png");
    check_int(coh_plot_km(&s, path, &d, &err), COH_OK, "8 groups");
    if (d != NULL) {
        check_drawn(d, &s, "8 groups");
        int flat = 1; /* group 4 has no events: nobody counted */
        for (size_t k = 0; k < d->n_ticks; k++)
            flat &= d->risk_events[3 * d->n_ticks + k] == 0;
        check(flat, "no events in group 4");
        check(d->risk_y[7] < d->height_pt, "eighth row on the page");
        check(d->height_pt == (5 + 6 * 0.2) * 72, "taller by 0.2 in per group beyond 2");
    }
    coh_plot_km_drawn_free(d);
    s.style.grayscale = true;
    s.ci = true;
    draw_all(&s, "eight_gray", "8 groups in grayscale");
    s.style.grayscale = false;

    s.n_curves = 9;
    path_in(path, sizeof path, "nine.svg");
    check_int(coh_plot_km(&s, path, NULL, &err), COH_EINVAL, "9 groups");
    check_contains(err.msg, "at most 8", "message");
    check(!exists(path), "no file for 9 groups");

    /* long labels, UTF-8, and a label with a comma and quotes */
    char long_label[400];
    memset(long_label, 'W', sizeof long_label - 1);
    long_label[sizeof long_label - 1] = '\0';
    memcpy(long_label, "Hepatic arterial infusion pump chemotherapy ", 44);
    cv[0].label = long_label;
    cv[1].label = "Größe ≥ 5 cm, \"bulky\" ääääääääääääääääääääääääääääää"
                  "äääääääääääääääääääääääää";
    s.n_curves = 3;
    s.legend_title = "A legend title that is itself far too long to fit anywhere in a panel";
    s.title = "A title that is much longer than any figure is wide, so that it must be cut "
              "short with an ellipsis rather than run off the page, which would be ugly";
    s.x_title = "Months since resection of the primary tumour and the liver metastases";
    draw_all(&s, "long", "long labels");
    d = NULL;
    path_in(path, sizeof path, "long.png");
    check_int(coh_plot_km(&s, path, &d, &err), COH_OK, "long labels");
    if (d != NULL) {
        /* the margin grew but stayed capped: the panel keeps most of the width */
        check(d->tick_x[0] < 0.45 * d->width_pt, "left margin capped");
        check_drawn(d, &s, "long labels");
    }
    coh_plot_km_drawn_free(d);
    cv[0].label = names[0];
    cv[1].label = names[1];
    s.legend_title = NULL;
    s.title = NULL;
    s.x_title = NULL;

    /* an empty group: no curve, a row of zeros */
    coh_km *empty = curve(NULL, NULL, 0);
    coh_plot_km_curve with_empty[3] = {cv[0], {"Nobody", empty}, cv[2]};
    s.curves = with_empty;
    s.n_curves = 3;
    d = NULL;
    path_in(path, sizeof path, "empty.svg");
    check_int(coh_plot_km(&s, path, &d, &err), COH_OK, "empty group");
    check(svg_check(path, why, sizeof why), why);
    if (d != NULL) {
        check_drawn(d, &s, "empty group");
        int zeros = 1;
        for (size_t k = 0; k < d->n_ticks; k++)
            zeros &= d->risk_n[d->n_ticks + k] == 0 && d->risk_events[d->n_ticks + k] == 0;
        check(zeros, "row of zeros");
    }
    coh_plot_km_drawn_free(d);
    /* every group empty: still a figure */
    coh_plot_km_curve only_empty[1] = {{"Nobody", empty}};
    s.curves = only_empty;
    s.n_curves = 1;
    s.annotation = NULL;
    draw_all(&s, "all_empty", "only an empty group");

    /* a single group, cumulative incidence with bands, proportion axis */
    s.curves = cv;
    s.n_curves = 1;
    s.cumulative = true;
    s.ci = true;
    s.percent = false;
    s.cum_events = true;
    draw_all(&s, "single_cum", "one group, cumulative");
    /* an axis that stops before the data: drawn clipped, numbers to x_max */
    s.cumulative = false;
    s.x_max = 10;
    s.x_step = NAN;
    d = NULL;
    path_in(path, sizeof path, "clipped.png");
    check_int(coh_plot_km(&s, path, &d, &err), COH_OK, "x_max before the data");
    if (d != NULL) {
        check_drawn(d, &s, "clipped");
        check(d->tick_time[d->n_ticks - 1] <= 10, "ticks up to x_max");
    }
    coh_plot_km_drawn_free(d);
    coh_km_free(empty);
    for (size_t g = 0; g < 9; g++)
        coh_km_free(km[g]);
}

/* A curve whose limits are NAN (conf type none, and S = 0 at the end). */
static void test_nan(void)
{
    static const double t[] = {1, 2, 2, 4, 6};
    static const uint8_t e[] = {1, 1, 0, 1, 1};
    coh_km *km = NULL;
    check_int(coh_km_fit(t, e, 5, COH_CONF_NONE, 0.95, &km), COH_OK, "fit");
    coh_plot_km_curve cv = {"No band", km};
    coh_plot_km_spec s;
    coh_plot_km_spec_init(&s);
    s.curves = &cv;
    s.n_curves = 1;
    s.ci = true;
    draw_all(&s, "nan", "bands all NAN");
    coh_km_free(km);
}

static void test_errors(void)
{
    static const double t[] = {1, 2, 3};
    static const uint8_t e[] = {1, 0, 1};
    coh_km *km = curve(t, e, 3);
    coh_plot_km_curve cv = {"A", km};
    coh_plot_km_spec s;
    coh_plot_km_spec_init(&s);
    coh_error err;
    char path[256];
    path_in(path, sizeof path, "err.svg");
    check_int(coh_plot_km(&s, path, NULL, &err), COH_EINVAL, "no curves");
    check_contains(err.msg, "at least one curve", "message");
    s.curves = &cv;
    s.n_curves = 1;
    check_int(coh_plot_km(&s, NULL, NULL, &err), COH_EINVAL, "no path");
    s.style.font_size = 0;
    check_int(coh_plot_km(&s, path, NULL, &err), COH_EINVAL, "font size");
    s.style.font_size = 9;
    s.x_max = -1;
    check_int(coh_plot_km(&s, path, NULL, &err), COH_EINVAL, "negative x_max");
    s.x_max = NAN;
    s.style.width = 1;
    s.style.height = 1;
    check_int(coh_plot_km(&s, path, NULL, &err), COH_EINVAL, "too small");
    check_contains(err.msg, "too small", "message");
    s.style.width = s.style.height = 0;
    path_in(path, sizeof path, "err.gif");
    check_int(coh_plot_km(&s, path, NULL, &err), COH_EINVAL, "extension");
    check(!exists(path), "nothing written");
    char missing[256];
    path_in(missing, sizeof missing, "missing/km.png");
    coh_plot_km_drawn *d = (coh_plot_km_drawn *)&s; /* must be reset to NULL */
    check_int(coh_plot_km(&s, missing, &d, &err), COH_EIO, "missing directory");
    check(d == NULL, "no drawn on failure");
    check_contains(err.msg, "missing/km.png", "message names the file");
    path_in(path, sizeof path, "missing");
    check(!exists(path), "nothing created");
    char cmd[300];
    snprintf(cmd, sizeof cmd, "test -z \"$(ls %s | grep -e tmp -e err)\"", dir);
    check_int(system(cmd), 0, "no temporary or partial files left");
    coh_km_free(km);
}

/* The CSV: exact content for a small curve, RFC 4180 quoting. */
static void test_csv(void)
{
    static const double t[] = {1, 2, 3};
    static const uint8_t e[] = {1, 0, 1};
    static const double t2[] = {0.5, 2.5};
    static const uint8_t e2[] = {0, 1};
    coh_km *a = curve(t, e, 3), *b = curve(t2, e2, 2);
    coh_plot_km_curve cv[2] = {{"A", a}, {"HAIP, \"new\"", b}};
    coh_plot_km_spec s;
    coh_plot_km_spec_init(&s);
    s.curves = cv;
    s.n_curves = 2;
    s.x_step = 1;
    char path[256], csv[256];
    path_in(path, sizeof path, "csv.svg");
    path_in(csv, sizeof csv, "csv.csv");
    coh_plot_km_drawn *d = NULL;
    coh_error err;
    check_int(coh_plot_km(&s, path, &d, &err), COH_OK, "draw");
    if (d == NULL)
        return;
    FILE *f = fopen(csv, "w");
    check_int(coh_plot_km_drawn_csv(d, &s, f), COH_OK, "csv");
    fclose(f);
    size_t len;
    char *got = plot_slurp(csv, &len);
    check_str(got,
              "group,time,n_risk,n_events\n"
              "A,0,3,0\nA,1,3,1\nA,2,2,1\nA,3,1,2\n"
              "\"HAIP, \"\"new\"\"\",0,2,0\n\"HAIP, \"\"new\"\"\",1,1,0\n"
              "\"HAIP, \"\"new\"\"\",2,1,0\n\"HAIP, \"\"new\"\"\",3,0,1\n",
              "CSV content");
    free(got);
    s.n_curves = 1;
    check_int(coh_plot_km_drawn_csv(d, &s, stdout), COH_EINVAL, "spec does not match");
    coh_plot_km_drawn_free(d);
    coh_plot_km_drawn_free(NULL);
    coh_km_free(a);
    coh_km_free(b);
}

int main(void)
{
    if (mkdtemp(dir) == NULL)
        return 1;
    RUN(test_defaults);
    RUN(test_formats);
    RUN(test_numbers);
    RUN(test_steps);
    RUN(test_edges);
    RUN(test_nan);
    RUN(test_errors);
    RUN(test_csv);
    char cmd[128];
    if (getenv("COHORT_KEEP_PLOTS") != NULL) {
        printf("figures kept in %s\n", dir);
    } else {
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    }
    /* cairo's font caches hold fontconfig patterns until reset: without
     * this LeakSanitizer reports them */
    cairo_debug_reset_static_data();
    return check_report("test_plot_km");
}
