/* test_design.c - model terms and their coding (design.h): dummies against
 * a reference level, steps, interactions, the complete cases and the sort,
 * and the errors a person gets for bad input.  The lung model matrix is
 * compared with R's model.matrix (tests/golden/coxsel/design_lung.csv,
 * written by tests/golden/coxsel/make.R).  Run from the repository root.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "cohort/cohort.h"
#include "cohort/design.h"
#include "cohort/io.h"

static coh_table *csv(const char *text)
{
    coh_table *t = NULL;
    coh_error e;
    if (coh_read_csv_mem(text, strlen(text), "test.csv", NULL, &t, &e) != COH_OK) {
        fprintf(stderr, "csv: %s\n", e.msg);
        return NULL;
    }
    return t;
}

static coh_cox_spec surv_spec(void)
{
    coh_cox_spec s;
    memset(&s, 0, sizeof s);
    s.time = "time";
    s.event = "status";
    return s;
}

static coh_design_spec terms_spec(const char *const *terms, size_t n)
{
    coh_design_spec d;
    memset(&d, 0, sizeof d);
    d.terms = terms;
    d.n_terms = n;
    return d;
}

/* The lung model matrix against R's, row by row (matched by table row). */
static void test_lung_matrix(void)
{
    coh_table *t = NULL, *g = NULL;
    coh_error e;
    check(coh_read("tests/golden/data/lung.csv", NULL, &t, &e) == COH_OK, "read lung");
    check(coh_read("tests/golden/coxsel/design_lung.csv", NULL, &g, &e) == COH_OK,
          "read design_lung");
    if (t == NULL || g == NULL) {
        coh_table_free(t);
        coh_table_free(g);
        return;
    }
    static const char *const terms[] = {"age", "sex", "ph.ecog", "ph.karno", "meal.cal",
                                        "age:sex", "sex:ph.ecog", "ph.karno:meal.cal"};
    static const char *const cat[] = {"ph.ecog"}, *const refc[] = {"sex"},
                             *const refl[] = {"male"}, *const perc[] = {"age"};
    static const double pers[] = {10};
    coh_cox_spec s = surv_spec();
    coh_design_spec ds = terms_spec(terms, 8);
    ds.categorical = cat;
    ds.n_categorical = 1;
    ds.ref_column = refc;
    ds.ref_level = refl;
    ds.n_refs = 1;
    ds.per_column = perc;
    ds.per_step = pers;
    ds.n_pers = 1;
    coh_design *d = NULL;
    coh_cox_data *x = NULL;
    coh_dropped dr;
    coh_status st = coh_cox_data_build(t, &s, &ds, NULL, &d, &x, &dr, &e);
    check(st == COH_OK, e.msg);
    if (st != COH_OK)
        goto done;
    check_int(d->p, g->n_cols - 1, "columns as R's model.matrix");
    for (size_t j = 0; j < d->p && j + 1 < g->n_cols; j++)
        check_str(d->col_names[j], g->cols[j + 1]->name, "column name (R's order)");
    check_int(x->n, g->n_rows, "complete cases");
    check_int(dr.missing_covariate, t->n_rows - g->n_rows, "dropped: missing covariate");
    check_int(dr.missing_outcome, 0, "dropped: missing outcome");
    check_int(dr.filtered + dr.missing_other + dr.not_allowed, 0, "dropped: others");
    check_str(d->term_ref[1], "male", "reference of sex");
    check_str(d->term_ref[2], "0", "reference of ph.ecog: the first level");
    check(d->term_ref[0] == NULL, "no reference for a number");
    check_rel(d->term_per[0], 10, 0, "step of age");
    check_int(d->term_ncols[2], 3, "ph.ecog: 3 dummies");
    check_int(d->term_ncols[6], 3, "sex:ph.ecog: 1 x 3 products");
    check_int(d->term_first[5], 7, "age:sex after the main effects");
    /* row of lung.csv -> row of the golden file */
    size_t *where = malloc(t->n_rows * sizeof *where);
    for (size_t i = 0; i < t->n_rows; i++)
        where[i] = SIZE_MAX;
    for (size_t k = 0; k < g->n_rows; k++)
        where[(size_t)g->cols[0]->num[k] - 1] = k;
    double worst = 0;
    size_t bad = 0;
    for (size_t i = 0; i < x->n; i++) {
        if (i > 0 && x->time[i] < x->time[i - 1])
            bad++;
        size_t k = where[x->row[i]];
        if (k == SIZE_MAX) {
            bad++;
            continue;
        }
        for (size_t j = 0; j < d->p && j + 1 < g->n_cols; j++) {
            double want = g->cols[j + 1]->num[k], got = x->x[i * x->p + j];
            double diff = fabs(got - want) / (fabs(want) > 1 ? fabs(want) : 1);
            if (diff > worst)
                worst = diff;
        }
    }
    check_int(bad, 0, "rows sorted by time, each a complete case in R");
    check(worst <= 1e-15, "model matrix equals R's");
    printf("design_lung: largest relative difference from R's model.matrix %.3g\n", worst);
    free(where);
done:
    coh_design_free(d);
    if (x != NULL)
        coh_cox_data_free(x);
    coh_table_free(t);
    coh_table_free(g);
}

/* Factor levels, references, dropped levels, numeric factors, steps. */
static void test_coding(void)
{
    coh_table *t = csv("time,status,grade,stage,x,w,site,f\n"
                       "5,1,a,1,,1,s1,1\n"
                       "3,0,b,2,1.5,2,s2,1\n"
                       "8,1,c,3,2.5,1,s1,1\n"
                       "1,1,b,2,3.5,1,s2,1\n"
                       "3,1,c,1,4.5,0.5,s1,0\n"
                       "9,0,b,3,5.5,1,,1\n"
                       "2,1,a,3,6.5,1,s1,1\n");
    if (t == NULL) {
        check(0, "csv");
        return;
    }
    coh_error e;
    coh_design *d = NULL;
    coh_cox_data *x = NULL;
    coh_dropped dr;
    static const char *const terms[] = {"grade", "stage", "x"};
    static const char *const cat[] = {"stage"};
    static const char *const refc[] = {"stage"}, *const refl[] = {"2"};
    static const char *const perc[] = {"x"};
    static const double per[] = {0.5};
    coh_cox_spec s = surv_spec();
    coh_design_spec ds = terms_spec(terms, 3);
    ds.categorical = cat;
    ds.n_categorical = 1;
    ds.ref_column = refc;
    ds.ref_level = refl;
    ds.n_refs = 1;
    ds.per_column = perc;
    ds.per_step = per;
    ds.n_pers = 1;
    uint8_t keep[7] = {1, 1, 1, 1, 1, 1, 0}; /* the last row filtered: grade a has no row */
    s.keep = keep;
    s.strata = "site";
    coh_status st = coh_cox_data_build(t, &s, &ds, NULL, &d, &x, &dr, &e);
    check(st == COH_OK, e.msg);
    if (st == COH_OK) {
        /* rows used: 2, 3, 4, 5 (row 1: x missing; row 6: site missing;
         * row 7: filtered); grade a has no rows left: dropped, so b is
         * the reference */
        check_int(x->n, 4, "rows used");
        check_int(dr.filtered, 1, "filtered");
        check_int(dr.missing_covariate, 1, "missing covariate");
        check_int(dr.missing_other, 1, "missing stratum");
        check_int(d->p, 1 + 2 + 1, "grade: 1 dummy; stage: 2; x: 1");
        static const char *const names[] = {"grade=c", "stage=1", "stage=3", "x"};
        for (size_t j = 0; j < 4 && j < d->p; j++)
            check_str(d->col_names[j], names[j], "column name");
        check_str(d->term_ref[0], "b", "the first level with rows");
        check_str(d->term_ref[1], "2", "the reference asked for");
        check_int(x->n_strata, 2, "strata");
        /* sorted by stratum (s1: rows 3, 5; s2: rows 2, 4) then time */
        static const size_t rows[] = {4, 2, 3, 1};
        static const double times[] = {3, 8, 1, 3};
        for (size_t i = 0; i < 4 && i < x->n; i++) {
            check_int(x->row[i], rows[i], "row order");
            check_rel(x->time[i], times[i], 0, "time order");
            check_int(x->stratum[i], i < 2 ? 0 : 1, "stratum code");
        }
        /* row 5 (table row 4): grade c, stage 1, x 4.5 / 0.5 = 9 */
        check_rel(x->x[0 * 4 + 0], 1, 0, "grade=c");
        check_rel(x->x[0 * 4 + 1], 1, 0, "stage=1");
        check_rel(x->x[0 * 4 + 2], 0, 0, "stage=3");
        check_rel(x->x[0 * 4 + 3], 9, 1e-15, "x per 0.5");
        check_int(x->event[0], 1, "event");
        check_int(x->event[2], 1, "event");
        check(x->weight == NULL && x->cluster == NULL, "no weights or clusters");
    }
    coh_design_free(d);
    if (x != NULL)
        coh_cox_data_free(x);
    d = NULL;
    x = NULL;

    /* row_allowed, weights, clusters, interactions */
    static const char *const terms2[] = {"x", "grade", "x:grade", "grade:site"};
    ds = terms_spec(terms2, 4);
    s = surv_spec();
    s.weights = "w";
    s.cluster = "site";
    uint8_t allowed[7] = {1, 1, 1, 1, 1, 1, 0};
    st = coh_cox_data_build(t, &s, &ds, allowed, &d, &x, &dr, &e);
    check(st == COH_OK, e.msg);
    if (st == COH_OK) {
        check_int(x->n, 4, "rows");
        check_int(dr.not_allowed, 1, "left out by row_allowed");
        check_int(dr.missing_covariate, 2, "x missing; site (a term) missing");
        check_int(dr.missing_other, 0, "site counts as a covariate");
        check_int(x->n_clusters, 2, "clusters");
        /* grade has b, c in these rows: 1 dummy; site s1, s2: 1 */
        static const char *const names[] = {"x", "grade=c", "x:grade=c", "grade=c:site=s2"};
        check_int(d->p, 4, "columns");
        for (size_t j = 0; j < 4 && j < d->p; j++)
            check_str(d->col_names[j], names[j], "interaction names as R's");
        check(x->stratum == NULL && x->n_strata == 1, "no strata");
        /* sorted by time: rows 4 (t 1), 2 (t 3), 5 (t 3), 3 (t 8) */
        static const size_t rows[] = {3, 1, 4, 2};
        for (size_t i = 0; i < 4 && i < x->n; i++)
            check_int(x->row[i], rows[i], "row order, stable in ties");
        /* row 5 (table row 4): x 4.5, grade c, site s1, weight 0.5 */
        check_rel(x->x[2 * 4 + 2], 4.5, 0, "x:grade=c");
        check_rel(x->x[2 * 4 + 3], 0, 0, "grade=c:site=s2");
        check_rel(x->weight[2], 0.5, 0, "weight");
        check_int(x->cluster[2], 0, "cluster s1");
        check_int(x->cluster[0], 1, "cluster s2");
        check_rel(d->term_per[2], 1, 0, "step of an interaction");
    }
    coh_design_free(d);
    if (x != NULL)
        coh_cox_data_free(x);

    /* factor:factor, first factor fastest: stage (3 levels) x grade */
    static const char *const terms3[] = {"stage:grade"};
    ds = terms_spec(terms3, 1);
    ds.categorical = cat;
    ds.n_categorical = 1;
    s = surv_spec();
    st = coh_cox_data_build(t, &s, &ds, NULL, &d, &x, &dr, &e);
    check(st == COH_OK, e.msg);
    if (st == COH_OK) {
        static const char *const names[] = {"stage=2:grade=b", "stage=3:grade=b",
                                            "stage=2:grade=c", "stage=3:grade=c"};
        check_int(d->p, 4, "2 x 2 products");
        for (size_t j = 0; j < 4 && j < d->p; j++)
            check_str(d->col_names[j], names[j], "factor:factor order");
    }
    coh_design_free(d);
    if (x != NULL)
        coh_cox_data_free(x);

    /* coh_complete_rows */
    uint8_t out[7];
    static const char *const terms4[] = {"x", "grade"};
    ds = terms_spec(terms4, 2);
    s = surv_spec();
    s.strata = "site";
    check(coh_complete_rows(t, &s, &ds, out, &e) == COH_OK, e.msg);
    static const uint8_t want[7] = {0, 1, 1, 1, 1, 0, 1};
    check(memcmp(out, want, 7) == 0, "complete rows");
    coh_table_free(t);
}

/* A single-level factor: no column, and a model with no terms. */
static void test_degenerate(void)
{
    coh_table *t = csv("time,status,g\n1,1,a\n2,0,a\n3,1,a\n");
    coh_error e;
    coh_design *d = NULL;
    coh_cox_data *x = NULL;
    coh_dropped dr;
    static const char *const terms[] = {"g"};
    coh_cox_spec s = surv_spec();
    coh_design_spec ds = terms_spec(terms, 1);
    check(coh_cox_data_build(t, &s, &ds, NULL, &d, &x, &dr, &e) == COH_OK, e.msg);
    if (d != NULL) {
        check_int(d->p, 0, "one level: no column");
        check_int(d->term_ncols[0], 0, "term with no columns");
        check_int(x->n, 3, "rows");
    }
    coh_design_free(d);
    if (x != NULL)
        coh_cox_data_free(x);
    ds = terms_spec(NULL, 0);
    check(coh_cox_data_build(t, &s, &ds, NULL, &d, &x, &dr, &e) == COH_OK, e.msg);
    if (d != NULL)
        check_int(d->p + d->n_terms, 0, "the null model");
    coh_design_free(d);
    if (x != NULL)
        coh_cox_data_free(x);
    coh_table_free(t);
}

/* Build and expect an error with status `want` and text `needle`. */
static void expect_error(const coh_table *t, const coh_cox_spec *s, const coh_design_spec *ds,
                         coh_status want, const char *needle, const char *what)
{
    coh_error e;
    coh_design *d = NULL;
    coh_cox_data *x = NULL;
    coh_dropped dr;
    coh_error_clear(&e);
    coh_status st = coh_cox_data_build(t, s, ds, NULL, &d, &x, &dr, &e);
    check_int(st, want, what);
    check_contains(e.msg, needle, what);
    check(d == NULL && x == NULL, "nothing returned on error");
}

static void test_errors(void)
{
    coh_table *t = csv("time,status,grade,x,w,when,txt,tt\n"
                       "5,1,a,1,1,2020-01-03,u,5\n"
                       "3,0,b,2,0,2020-02-03,v,3\n"
                       "4,0,b,2,-1,2020-02-03,v,x\n"
                       "8,1,c,3,1,2021-01-03,w,8\n");
    if (t == NULL) {
        check(0, "csv");
        return;
    }
    coh_cox_spec s = surv_spec();
    static const char *const unknown[] = {"x", "nosuch"};
    coh_design_spec ds = terms_spec(unknown, 2);
    expect_error(t, &s, &ds, COH_ENOTFOUND, "no column 'nosuch' (the term 'nosuch')",
                 "unknown column");
    static const char *const inter[] = {"x:nosuch"};
    ds = terms_spec(inter, 1);
    expect_error(t, &s, &ds, COH_ENOTFOUND, "no column 'nosuch' (the term 'x:nosuch')",
                 "unknown column in an interaction");
    static const char *const grade[] = {"grade"};
    static const char *const refc[] = {"grade"}, *const refl[] = {"z"};
    ds = terms_spec(grade, 1);
    ds.ref_column = refc;
    ds.ref_level = refl;
    ds.n_refs = 1;
    expect_error(t, &s, &ds, COH_EINVAL, "column 'grade' has no level 'z' (levels: a, b, c)",
                 "unknown reference level");
    static const char *const refx[] = {"x"}, *const refx1[] = {"1"};
    ds = terms_spec(refx, 1);
    ds.ref_column = refx;
    ds.ref_level = refx1;
    ds.n_refs = 1;
    expect_error(t, &s, &ds, COH_EINVAL, "list it as categorical", "reference of a number");
    static const char *const date[] = {"x", "when"};
    ds = terms_spec(date, 2);
    expect_error(t, &s, &ds, COH_ETYPE, "derive a duration", "date term");
    static const char *const xs[] = {"x"};
    ds = terms_spec(xs, 1);
    coh_cox_spec sw = surv_spec();
    sw.weights = "w";
    expect_error(t, &sw, &ds, COH_EDOMAIN, "has 2 values that are not positive (rows 2, 3)",
                 "weights not positive");
    sw.weights = "txt";
    expect_error(t, &sw, &ds, COH_ETYPE, "weights column 'txt'", "text weights");
    coh_cox_spec stt = surv_spec();
    stt.time = "tt";
    expect_error(t, &stt, &ds, COH_ETYPE, "the time column 'tt' is", "text time");
    coh_cox_spec sn = surv_spec();
    sn.time = "nosuch";
    expect_error(t, &sn, &ds, COH_ENOTFOUND, "no column 'nosuch' (the time)", "unknown time");
    static const char *const perc[] = {"txt"};
    static const double per[] = {10};
    ds = terms_spec(xs, 1);
    ds.per_column = perc;
    ds.per_step = per;
    ds.n_pers = 1;
    expect_error(t, &s, &ds, COH_ETYPE, "column 'txt' is", "step for a text column");
    static const char *const perx[] = {"x"};
    static const double zero[] = {0};
    ds.per_column = perx;
    ds.per_step = zero;
    expect_error(t, &s, &ds, COH_EINVAL, "must be a positive number", "step 0");
    static const char *const txt[] = {"txt"};
    ds = terms_spec(txt, 1);
    ds.per_column = perc;
    ds.per_step = per;
    ds.n_pers = 1;
    expect_error(t, &s, &ds, COH_ETYPE, "column 'txt' is", "step for a factor term");
    static const char *const self[] = {"x:x"};
    ds = terms_spec(self, 1);
    expect_error(t, &s, &ds, COH_EINVAL, "by itself", "x:x");
    static const char *const three[] = {"x:grade:txt"};
    ds = terms_spec(three, 1);
    expect_error(t, &s, &ds, COH_EINVAL, "more than two", "three-way");
    static const char *const twice[] = {"x", "x"};
    ds = terms_spec(twice, 2);
    expect_error(t, &s, &ds, COH_EINVAL, "given twice", "duplicate term");
    coh_table_free(t);

    /* event codes and negative times: survdata.c's messages */
    t = csv("time,status,x\n1,1,1\n2,2,2\n-3,0,3\n4,0,1\n");
    ds = terms_spec(xs, 1);
    expect_error(t, &s, &ds, COH_ETYPE, "neither an event code nor a censoring code "
                 "(first '2', row 2)", "bad event code");
    uint8_t keep[4] = {1, 0, 1, 1};
    s.keep = keep;
    expect_error(t, &s, &ds, COH_EDOMAIN, "column 'time' has 1 negative value (row 3)",
                 "negative time");
    coh_table_free(t);
}

int main(void)
{
    RUN(test_lung_matrix);
    RUN(test_coding);
    RUN(test_degenerate);
    RUN(test_errors);
    return check_report("test_design");
}
