/* test_golden_km.c - Kaplan-Meier curves, quantiles, survival at given
 * times, restricted means and reverse Kaplan-Meier follow-up against the
 * values R's survival 3.5-3 computed (tests/golden/km/make.R wrote the
 * expected files; tests/golden/km/README.md says what each holds).  Run
 * from the repository root.
 *
 * km_curves.csv names each curve (dataset, by, group) and where its data
 * are (file, time and status columns); the other files hold one block of
 * rows per curve, conf_type and conf_level.  The test prepares each curve
 * as the CLI would (drop rows with a missing time or status, keep the
 * group's rows, sort by time), fits it once per block through km.h and
 * compares every value.
 *
 * Tolerance: |got - want| <= 1e-8 |want|, or <= 1e-12 near zero.  An empty
 * expected field (R's NA or NaN) must be NaN; for se_cumhaz, whose R value
 * is Inf where S = 0 (written empty), Inf is accepted too.  For each
 * quantity the largest relative difference found (absolute where R's value
 * is 0) goes to stdout, one line each, with the row where it occurred.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "cohort/cohort.h"
#include "cohort/km.h"

#define DIR "tests/golden/km/"
#define REL_TOL 1e-8
#define ABS_TOL 1e-12
#define MAX_SHOWN 8     /* failures printed per quantity */
#define MAX_STATS 160

/* One curve's prepared input. */
typedef struct curve {
    char key[200];      /* dataset|by|group */
    double *time;       /* ascending */
    uint8_t *event;     /* 0/1 */
    uint8_t *reverse;   /* 1 - event: the reverse Kaplan-Meier */
    size_t n;
} curve;

typedef struct curves {
    curve *c;
    size_t n;
} curves;

/* What was found for one quantity. */
typedef struct quantity {
    char name[64];
    double max_diff;    /* largest relative (or absolute, want = 0) difference */
    char where[256];
    size_t compared, failed, na_mismatch;
} quantity;

typedef struct tally {
    quantity q[MAX_STATS];
    size_t n;
} tally;

static coh_table *load(const char *path)
{
    coh_table *t = NULL;
    coh_error e;
    if (coh_read(path, NULL, &t, &e) != COH_OK) {
        fprintf(stderr, "%s\n", e.msg);
        check_failed++;
    }
    return t;
}

/* Text of cell (col, i): a level's value, a number's shortest decimal, or
 * "" when missing or when the column does not exist. */
static const char *cell(const coh_table *t, const char *col, size_t i, char *buf, size_t size)
{
    const coh_column *c = coh_table_find(t, col);
    if (c == NULL || coh_column_is_na(c, i))
        return "";
    if (coh_type_is_numeric(c->type)) {
        coh_format_num(c->num[i], buf, size);
        return buf;
    }
    return c->levels[c->code[i]];
}

/* Number in cell (col, i); NAN when missing (an all-empty column is still
 * numeric storage). */
static double value(const coh_table *t, const char *col, size_t i)
{
    const coh_column *c = coh_table_find(t, col);
    if (c == NULL || !coh_type_is_numeric(c->type) || coh_column_is_na(c, i))
        return NAN;
    return c->num[i];
}

/* "dataset|by|group" of row i. */
static void row_key(const coh_table *t, size_t i, char *key, size_t size)
{
    char b1[40], b2[40], b3[40];
    snprintf(key, size, "%s|%s|%s", cell(t, "dataset", i, b1, sizeof b1),
             cell(t, "by", i, b2, sizeof b2), cell(t, "group", i, b3, sizeof b3));
}

/* Do rows i and j belong to one fit (same curve, conf_type, conf_level)? */
static bool same_block(const coh_table *t, size_t i, size_t j)
{
    char a[200], b[200], x[40], y[40];
    row_key(t, i, a, sizeof a);
    row_key(t, j, b, sizeof b);
    if (strcmp(a, b) != 0)
        return false;
    if (strcmp(cell(t, "conf_type", i, x, sizeof x), cell(t, "conf_type", j, y, sizeof y)) != 0)
        return false;
    double li = value(t, "conf_level", i), lj = value(t, "conf_level", j);
    return (isnan(li) && isnan(lj)) || li == lj;
}

static quantity *quantity_of(tally *ty, const char *name)
{
    for (size_t k = 0; k < ty->n; k++)
        if (strcmp(ty->q[k].name, name) == 0)
            return &ty->q[k];
    if (ty->n == MAX_STATS) {
        fprintf(stderr, "test_golden_km: more than %d quantities\n", MAX_STATS);
        exit(2);
    }
    quantity *q = &ty->q[ty->n++];
    memset(q, 0, sizeof *q);
    snprintf(q->name, sizeof q->name, "%s", name);
    return q;
}

/* Compare got with R's want and record it under `name`.  `inf_is_na`:
 * an infinite got matches an empty want (se_cumhaz at S = 0). */
static void compare(tally *ty, const char *name, double got, double want, bool inf_is_na,
                    const char *where)
{
    quantity *q = quantity_of(ty, name);
    q->compared++;
    bool ok;
    if (isnan(want) || isnan(got)) {
        ok = (isnan(want) && isnan(got)) || (isnan(want) && inf_is_na && isinf(got));
        if (!ok)
            q->na_mismatch++;
    } else {
        double d = fabs(got - want);
        double rel = want != 0 ? d / fabs(want) : d;
        if (isnan(rel))
            rel = INFINITY; /* Inf - Inf */
        ok = got == want || d <= REL_TOL * fabs(want) || d <= ABS_TOL;
        if (rel > q->max_diff || (q->where[0] == '\0' && rel >= q->max_diff)) {
            q->max_diff = rel;
            snprintf(q->where, sizeof q->where, "%s", where);
        }
    }
    if (ok) {
        check_passed++;
        return;
    }
    check_failed++;
    if (q->failed++ < MAX_SHOWN)
        fprintf(stderr, "FAIL %s: got %.17g, want %.17g at %s\n", name, got, want, where);
}

/* "file:line (dataset|by|group conf_type conf_level)" for messages. */
static void where_of(const coh_table *t, const char *file, size_t i, char *buf, size_t size)
{
    char key[200], ct[40], lv[40];
    row_key(t, i, key, sizeof key);
    const char *type = cell(t, "conf_type", i, ct, sizeof ct);
    const char *level = cell(t, "conf_level", i, lv, sizeof lv);
    snprintf(buf, size, "%s:%zu (%s%s%s%s%s)", file, i + 2, key, type[0] ? " " : "", type,
             level[0] ? " " : "", level);
}

/* ---- preparing the curves --------------------------------------------- */

typedef struct obs {
    double time;
    uint8_t event;
} obs;

static int by_time(const void *a, const void *b)
{
    double x = ((const obs *)a)->time, y = ((const obs *)b)->time;
    return (x > y) - (x < y);
}

/* Curve k of km_curves.csv from its data file: rows with time and status,
 * of the group, sorted by time (event/censoring order at tied times is
 * left as qsort leaves it: Kaplan-Meier does not depend on it). */
static bool prepare(const coh_table *spec, size_t k, curve *cv)
{
    char b1[256], b2[64], b3[64], b4[64], b5[64];
    char file[256], time_col[64], status_col[64], by[64], group[64];
    snprintf(file, sizeof file, "%s", cell(spec, "file", k, b1, sizeof b1));
    snprintf(time_col, sizeof time_col, "%s", cell(spec, "time_col", k, b2, sizeof b2));
    snprintf(status_col, sizeof status_col, "%s", cell(spec, "status_col", k, b3, sizeof b3));
    snprintf(by, sizeof by, "%s", cell(spec, "by", k, b4, sizeof b4));
    snprintf(group, sizeof group, "%s", cell(spec, "group", k, b5, sizeof b5));
    row_key(spec, k, cv->key, sizeof cv->key);

    coh_table *d = load(file);
    if (d == NULL)
        return false;
    const coh_column *tc = coh_table_find(d, time_col), *sc = coh_table_find(d, status_col);
    const coh_column *gc = strcmp(by, "all") == 0 ? NULL : coh_table_find(d, by);
    bool found = tc && sc && coh_type_is_numeric(tc->type) && coh_type_is_numeric(sc->type) &&
                 (gc != NULL || strcmp(by, "all") == 0);
    check(found, cv->key);
    obs *o = found ? malloc((d->n_rows ? d->n_rows : 1) * sizeof *o) : NULL;
    size_t n = 0;
    for (size_t i = 0; o && i < d->n_rows; i++) {
        if (coh_column_is_na(tc, i) || coh_column_is_na(sc, i))
            continue;
        if (gc) {
            char buf[40];
            if (coh_column_is_na(gc, i))
                continue;
            const char *g = coh_type_is_numeric(gc->type)
                                ? (coh_format_num(gc->num[i], buf, sizeof buf), buf)
                                : gc->levels[gc->code[i]];
            if (strcmp(g, group) != 0)
                continue;
        }
        o[n].time = tc->num[i];
        o[n].event = sc->num[i] != 0;
        n++;
    }
    if (o)
        qsort(o, n, sizeof *o, by_time);
    cv->n = n;
    cv->time = malloc((n ? n : 1) * sizeof *cv->time);
    cv->event = malloc(n ? n : 1);
    cv->reverse = malloc(n ? n : 1);
    bool ok = o && cv->time && cv->event && cv->reverse;
    size_t n_event = 0;
    for (size_t i = 0; ok && i < n; i++) {
        cv->time[i] = o[i].time;
        cv->event[i] = o[i].event;
        cv->reverse[i] = (uint8_t)(1 - o[i].event);
        n_event += o[i].event;
    }
    if (ok) {
        char what[256];
        snprintf(what, sizeof what, "%s: subjects", cv->key);
        check_int(n, value(spec, "n", k), what);
        snprintf(what, sizeof what, "%s: events", cv->key);
        check_int(n_event, value(spec, "n_event", k), what);
    }
    if (!ok) {
        free(cv->time);
        free(cv->event);
        free(cv->reverse);
    }
    free(o);
    coh_table_free(d);
    return ok;
}

static const curve *find_curve(const curves *cs, const coh_table *t, size_t i)
{
    char key[200];
    row_key(t, i, key, sizeof key);
    for (size_t k = 0; k < cs->n; k++)
        if (strcmp(cs->c[k].key, key) == 0)
            return &cs->c[k];
    CHECK_FAIL_("no curve %s in km_curves.csv", key);
    return NULL;
}

/* Fit the curve of row i with that row's conf_type and conf_level (log,
 * 0.95 when the file has no such columns), on the reversed status when
 * `reverse`.  NULL (a counted failure) if anything goes wrong. */
static coh_km *fit_row(const curves *cs, const coh_table *t, size_t i, bool reverse)
{
    const curve *cv = find_curve(cs, t, i);
    if (cv == NULL)
        return NULL;
    char buf[40];
    const char *name = cell(t, "conf_type", i, buf, sizeof buf);
    coh_conf_type ct = COH_CONF_LOG;
    if (name[0] != '\0' && coh_conf_type_parse(name, &ct) != COH_OK) {
        CHECK_FAIL_("conf_type '%s' not understood", name);
        return NULL;
    }
    double level = value(t, "conf_level", i);
    if (isnan(level))
        level = 0.95;
    coh_km *km = NULL;
    coh_status st = coh_km_fit(cv->time, reverse ? cv->reverse : cv->event, cv->n, ct, level, &km);
    if (st != COH_OK || km == NULL) {
        CHECK_FAIL_("coh_km_fit(%s, %s, %g): %s", cv->key, name, level, coh_status_str(st));
        coh_km_free(km);
        return NULL;
    }
    return km;
}

/* Name of a per-conf-type quantity: "table lower [log-log]". */
static const char *per_type(const char *base, const coh_table *t, size_t i, char *buf, size_t size)
{
    char ct[40];
    snprintf(buf, size, "%s [%s]", base, cell(t, "conf_type", i, ct, sizeof ct));
    return buf;
}

/* ---- the comparisons ---------------------------------------------------- */

static void test_table(const curves *cs, tally *ty)
{
    coh_table *want = load(DIR "km_table.csv");
    if (want == NULL)
        return;
    for (size_t i = 0, j; i < want->n_rows; i = j) {
        for (j = i + 1; j < want->n_rows && same_block(want, i, j); j++)
            ;
        coh_km *km = fit_row(cs, want, i, false);
        if (km == NULL)
            continue;
        char where[400], nb[96];
        where_of(want, "km_table.csv", i, where, sizeof where);
        if (km->n_times != j - i)
            CHECK_FAIL_("%s: %zu rows, R has %zu", where, km->n_times, j - i);
        else
            check_passed++;
        for (size_t r = i; r < j && r - i < km->n_times; r++) {
            size_t k = r - i;
            char tb[40];
            where_of(want, "km_table.csv", r, where, sizeof where);
            snprintf(where + strlen(where), sizeof where - strlen(where), " time %s",
                     cell(want, "time", r, tb, sizeof tb));
            compare(ty, "table time", km->time[k], value(want, "time", r), false, where);
            compare(ty, "table n_risk", km->n_risk[k], value(want, "n_risk", r), false, where);
            compare(ty, "table n_event", km->n_event[k], value(want, "n_event", r), false, where);
            compare(ty, "table n_censor", km->n_censor[k], value(want, "n_censor", r), false, where);
            compare(ty, "table surv", km->surv[k], value(want, "surv", r), false, where);
            compare(ty, "table std_err", km->std_err[k], value(want, "std_err", r), false, where);
            compare(ty, "table se_cumhaz", km->se_cumhaz[k], value(want, "se_cumhaz", r), true, where);
            compare(ty, per_type("table lower", want, r, nb, sizeof nb), km->lower[k],
                    value(want, "lower", r), false, where);
            compare(ty, per_type("table upper", want, r, nb, sizeof nb), km->upper[k],
                    value(want, "upper", r), false, where);
        }
        coh_km_free(km);
    }
    coh_table_free(want);
}

static void test_quantiles(const curves *cs, tally *ty)
{
    coh_table *want = load(DIR "km_quantiles.csv");
    if (want == NULL)
        return;
    for (size_t i = 0, j; i < want->n_rows; i = j) {
        for (j = i + 1; j < want->n_rows && same_block(want, i, j); j++)
            ;
        coh_km *km = fit_row(cs, want, i, false);
        if (km == NULL)
            continue;
        for (size_t r = i; r < j; r++) {
            char where[400], nb[96], pb[40];
            where_of(want, "km_quantiles.csv", r, where, sizeof where);
            snprintf(where + strlen(where), sizeof where - strlen(where), " p %s",
                     cell(want, "p", r, pb, sizeof pb));
            coh_km_quantile q;
            coh_status st = coh_km_quantile_r(km, value(want, "p", r), &q);
            if (st != COH_OK) {
                CHECK_FAIL_("%s: coh_km_quantile_r: %s", where, coh_status_str(st));
                continue;
            }
            compare(ty, "quantile estimate", q.estimate, value(want, "quantile", r), false, where);
            compare(ty, per_type("quantile lower", want, r, nb, sizeof nb), q.lower,
                    value(want, "lower", r), false, where);
            compare(ty, per_type("quantile upper", want, r, nb, sizeof nb), q.upper,
                    value(want, "upper", r), false, where);
        }
        coh_km_free(km);
    }
    coh_table_free(want);
}

static void test_at_times(const curves *cs, tally *ty)
{
    coh_table *want = load(DIR "km_at.csv");
    if (want == NULL)
        return;
    for (size_t i = 0, j; i < want->n_rows; i = j) {
        for (j = i + 1; j < want->n_rows && same_block(want, i, j); j++)
            ;
        coh_km *km = fit_row(cs, want, i, false);
        if (km == NULL)
            continue;
        size_t k = j - i;
        double *times = malloc(k * sizeof *times);
        coh_km_at *at = malloc(k * sizeof *at);
        coh_status st = COH_ENOMEM;
        if (times && at) {
            for (size_t r = i; r < j; r++)
                times[r - i] = value(want, "time", r);
            st = coh_km_at_times(km, times, k, at);
        }
        char where[400], nb[96], tb[40];
        where_of(want, "km_at.csv", i, where, sizeof where);
        if (st != COH_OK)
            CHECK_FAIL_("%s: coh_km_at_times: %s", where, coh_status_str(st));
        for (size_t r = i; st == COH_OK && r < j; r++) {
            const coh_km_at *a = &at[r - i];
            where_of(want, "km_at.csv", r, where, sizeof where);
            snprintf(where + strlen(where), sizeof where - strlen(where), " time %s",
                     cell(want, "time", r, tb, sizeof tb));
            compare(ty, "at time", a->time, value(want, "time", r), false, where);
            compare(ty, "at n_risk", a->n_risk, value(want, "n_risk", r), false, where);
            compare(ty, "at n_event", a->n_event, value(want, "n_event", r), false, where);
            compare(ty, "at n_censor", a->n_censor, value(want, "n_censor", r), false, where);
            compare(ty, "at surv", a->surv, value(want, "surv", r), false, where);
            compare(ty, "at std_err", a->std_err, value(want, "std_err", r), false, where);
            compare(ty, per_type("at lower", want, r, nb, sizeof nb), a->lower,
                    value(want, "lower", r), false, where);
            compare(ty, per_type("at upper", want, r, nb, sizeof nb), a->upper,
                    value(want, "upper", r), false, where);
            compare(ty, "at beyond", a->beyond ? 1.0 : 0.0, value(want, "beyond", r), false, where);
        }
        free(times);
        free(at);
        coh_km_free(km);
    }
    coh_table_free(want);
}

static void test_rmst(const curves *cs, tally *ty)
{
    coh_table *want = load(DIR "km_rmst.csv");
    if (want == NULL)
        return;
    for (size_t i = 0, j; i < want->n_rows; i = j) {
        for (j = i + 1; j < want->n_rows && same_block(want, i, j); j++)
            ;
        coh_km *km = fit_row(cs, want, i, false);
        if (km == NULL)
            continue;
        for (size_t r = i; r < j; r++) {
            char where[400], tb[40];
            where_of(want, "km_rmst.csv", r, where, sizeof where);
            snprintf(where + strlen(where), sizeof where - strlen(where), " tau %s",
                     cell(want, "tau", r, tb, sizeof tb));
            coh_rmst m;
            coh_status st = coh_km_rmst(km, value(want, "tau", r), &m);
            if (st != COH_OK) {
                CHECK_FAIL_("%s: coh_km_rmst: %s", where, coh_status_str(st));
                continue;
            }
            compare(ty, "rmst tau", m.tau, value(want, "tau", r), false, where);
            compare(ty, "rmst estimate", m.estimate, value(want, "rmean", r), false, where);
            compare(ty, "rmst std_err", m.std_err, value(want, "se_rmean", r), false, where);
        }
        coh_km_free(km);
    }
    coh_table_free(want);
}

static void test_followup(const curves *cs, tally *ty)
{
    coh_table *want = load(DIR "km_followup.csv");
    if (want == NULL)
        return;
    for (size_t r = 0; r < want->n_rows; r++) {
        coh_km *km = fit_row(cs, want, r, true);
        if (km == NULL)
            continue;
        char where[400], nb[96];
        where_of(want, "km_followup.csv", r, where, sizeof where);
        coh_km_quantile q;
        coh_status st = coh_km_quantile_r(km, 0.5, &q);
        if (st != COH_OK) {
            CHECK_FAIL_("%s: coh_km_quantile_r: %s", where, coh_status_str(st));
        } else {
            compare(ty, "followup median", q.estimate, value(want, "median", r), false, where);
            compare(ty, per_type("followup lower", want, r, nb, sizeof nb), q.lower,
                    value(want, "lower", r), false, where);
            compare(ty, per_type("followup upper", want, r, nb, sizeof nb), q.upper,
                    value(want, "upper", r), false, where);
        }
        coh_km_free(km);
    }
    coh_table_free(want);
}

/* The median as print(fit) shows it (km_median_print.csv). */
static void test_median_print(const curves *cs, tally *ty)
{
    coh_table *want = load(DIR "km_median_print.csv");
    if (want == NULL)
        return;
    for (size_t r = 0; r < want->n_rows; r++) {
        coh_km *km = fit_row(cs, want, r, false);
        if (km == NULL)
            continue;
        char where[400], nb[96];
        where_of(want, "km_median_print.csv", r, where, sizeof where);
        coh_km_quantile q;
        coh_status st = coh_km_median_r(km, &q);
        if (st != COH_OK) {
            CHECK_FAIL_("%s: coh_km_median_r: %s", where, coh_status_str(st));
        } else {
            compare(ty, "print median", q.estimate, value(want, "median", r), false, where);
            compare(ty, per_type("print median lower", want, r, nb, sizeof nb), q.lower,
                    value(want, "lower", r), false, where);
            compare(ty, per_type("print median upper", want, r, nb, sizeof nb), q.upper,
                    value(want, "upper", r), false, where);
        }
        coh_km_free(km);
    }
    coh_table_free(want);
}

int main(void)
{
    curves cs = {NULL, 0};
    tally *ty = calloc(1, sizeof *ty);
    coh_table *spec = load(DIR "km_curves.csv");
    if (spec && ty) {
        cs.c = calloc(spec->n_rows, sizeof *cs.c);
        for (size_t k = 0; cs.c && k < spec->n_rows; k++) {
            if (prepare(spec, k, &cs.c[cs.n]))
                cs.n++;
            else
                CHECK_FAIL_("km_curves.csv:%zu: cannot prepare the curve", k + 2);
        }
        test_table(&cs, ty);
        test_quantiles(&cs, ty);
        test_at_times(&cs, ty);
        test_rmst(&cs, ty);
        test_followup(&cs, ty);
        test_median_print(&cs, ty);
        for (size_t k = 0; k < ty->n; k++) {
            const quantity *q = &ty->q[k];
            printf("%-28s max rel diff %.3g (%zu compared, %zu failed, %zu NA mismatches)%s%s\n",
                   q->name, q->max_diff, q->compared, q->failed, q->na_mismatch,
                   q->max_diff > 0 ? " at " : "", q->max_diff > 0 ? q->where : "");
        }
    }
    for (size_t k = 0; k < cs.n; k++) {
        free(cs.c[k].time);
        free(cs.c[k].event);
        free(cs.c[k].reverse);
    }
    free(cs.c);
    coh_table_free(spec);
    free(ty);
    return check_report("test_golden_km");
}
