/* test_coxsel.c - univariable Cox fits and variable selection (coxsel.h)
 * against R: tests/golden/coxsel/make.R runs the same procedures with
 * coxph (the entry screen on the fixed complete-case set, joint Wald
 * b' V^-1 b or drop-one LR tests, backward / forward / stepwise) on lung
 * and on colon's death rows, and wrote screen.csv, path.csv, final.csv,
 * rows.csv and univariable.csv (README.md in that folder).  Run from the
 * repository root.
 *
 * Tolerances: statistics and p-values within 1e-6 relative, coefficients
 * and standard errors within 1e-6 (relative, absolute below 1).  The
 * largest differences found go to stdout.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "cohort/cohort.h"
#include "cohort/coxsel.h"
#include "cohort/io.h"

#define DIR "tests/golden/coxsel/"
#define TOL 1e-6

/* Largest differences seen, by quantity. */
static double worst_p, worst_chisq, worst_coef, worst_se;

/* |got - want| <= TOL |want| (both NaN equal); tracks the largest. */
static void check_relp(double got, double want, double *worst, const char *what)
{
    double d = fabs(got - want) / (want != 0 ? fabs(want) : 1);
    if (isnan(got) && isnan(want))
        d = 0;
    if (!(d <= TOL))
        CHECK_FAIL_("%s: got %.17g, want %.17g", what, got, want);
    else
        check_passed++;
    if (d > *worst || isnan(d))
        *worst = d;
}

static const char *text_at(const coh_table *t, const char *col, size_t i)
{
    const coh_column *c = coh_table_find(t, col);
    if (c == NULL || coh_column_is_na(c, i))
        return "";
    if (c->code != NULL)
        return c->levels[c->code[i]];
    return "";
}

static double num_at(const coh_table *t, const char *col, size_t i)
{
    const coh_column *c = coh_table_find(t, col);
    if (c == NULL || c->num == NULL || coh_column_is_na(c, i))
        return NAN;
    return c->num[i];
}

typedef struct sel_case {
    const char *name, *dataset;
    coh_select_method method;
    coh_select_test test;
    double entry, stay, enter;
    coh_screen_rows rows;
} sel_case;

static const char *const lung_terms[] = {"age",       "sex",      "ph.ecog", "ph.karno",
                                         "pat.karno", "meal.cal", "wt.loss"};
static const char *const lung_cat[] = {"ph.ecog"};
static const char *const colon_terms[] = {"rx",    "sex",    "age",    "obstruct",
                                          "perfor", "adhere", "nodes",  "differ",
                                          "extent", "surg",   "node4"};
static const char *const colon_cat[] = {"differ", "extent"};

/* The data of a case: lung, or colon's death rows (etype 2). */
typedef struct dataset {
    coh_table *t;
    uint8_t *keep;
    coh_cox_spec surv;
    coh_design_spec spec;
} dataset;

static bool dataset_load(const char *name, dataset *ds)
{
    coh_error e;
    memset(ds, 0, sizeof *ds);
    char path[200];
    snprintf(path, sizeof path, "tests/golden/data/%s.csv", name);
    if (coh_read(path, NULL, &ds->t, &e) != COH_OK) {
        CHECK_FAIL_("%s", e.msg);
        return false;
    }
    ds->surv.time = "time";
    ds->surv.event = "status";
    if (strcmp(name, "lung") == 0) {
        ds->spec.terms = lung_terms;
        ds->spec.n_terms = 7;
        ds->spec.categorical = lung_cat;
        ds->spec.n_categorical = 1;
    } else {
        ds->spec.terms = colon_terms;
        ds->spec.n_terms = 11;
        ds->spec.categorical = colon_cat;
        ds->spec.n_categorical = 2;
        const coh_column *et = coh_table_find(ds->t, "etype");
        ds->keep = malloc(ds->t->n_rows);
        for (size_t i = 0; i < ds->t->n_rows; i++)
            ds->keep[i] = et->num[i] == 2;
        ds->surv.keep = ds->keep;
    }
    return true;
}

static void dataset_free(dataset *ds)
{
    coh_table_free(ds->t);
    free(ds->keep);
}

static void run_case(const sel_case *c, const coh_table *screen, const coh_table *path,
                     const coh_table *final, const coh_table *rows)
{
    dataset ds;
    if (!dataset_load(c->dataset, &ds))
        return;
    coh_cox_options o;
    coh_cox_options_init(&o);
    coh_select_options so = {c->method, c->test, c->entry, c->stay, c->enter, c->rows};
    coh_select_result *r = NULL;
    coh_error e;
    coh_status st = coh_cox_select(ds.t, &ds.surv, &ds.spec, &o, &so, &r, &e);
    check(st == COH_OK, e.msg);
    if (st != COH_OK) {
        dataset_free(&ds);
        return;
    }
    char what[300];
    for (size_t i = 0; i < rows->n_rows; i++)
        if (strcmp(text_at(rows, "case", i), c->name) == 0) {
            snprintf(what, sizeof what, "%s: rows", c->name);
            check_int(r->n_rows, num_at(rows, "n", i), what);
            snprintf(what, sizeof what, "%s: final terms", c->name);
            check_int(r->n_final, num_at(rows, "n_final", i), what);
            snprintf(what, sizeof what, "%s: events", c->name);
            check_int(r->fit->n_events, num_at(rows, "events", i), what);
        }
    /* the screen */
    size_t k = 0, n_in = 0;
    for (size_t i = 0; i < screen->n_rows; i++) {
        if (strcmp(text_at(screen, "case", i), c->name) != 0)
            continue;
        snprintf(what, sizeof what, "%s: screen of %s", c->name, text_at(screen, "term", i));
        if (r->screen == NULL || k >= r->screen->n_terms) {
            CHECK_FAIL_("%s: missing", what);
            break;
        }
        const coh_univariable *u = &r->screen->terms[k++];
        check_str(u->term, text_at(screen, "term", i), what);
        check_int(u->df, num_at(screen, "df", i), what);
        check_relp(u->p, num_at(screen, "p", i), &worst_p, what);
        check_int(u->n, num_at(screen, "n", i), what);
        if (num_at(screen, "screened", i) == 1) {
            check(n_in < r->n_screened_in &&
                      strcmp(r->screened_in[n_in], text_at(screen, "term", i)) == 0,
                  what);
            n_in++;
        }
    }
    snprintf(what, sizeof what, "%s: screened in", c->name);
    check_int(r->n_screened_in, n_in, what);
    /* the path */
    k = 0;
    for (size_t i = 0; i < path->n_rows; i++) {
        if (strcmp(text_at(path, "case", i), c->name) != 0)
            continue;
        snprintf(what, sizeof what, "%s: step %g (%s %s)", c->name, num_at(path, "step", i),
                 text_at(path, "action", i), text_at(path, "term", i));
        if (k >= r->n_steps) {
            CHECK_FAIL_("%s: Cohort stopped after %zu steps", what, r->n_steps);
            k++;
            continue;
        }
        const coh_select_step *s = &r->steps[k++];
        check_str(s->term, text_at(path, "term", i), what);
        check_int(s->entered, strcmp(text_at(path, "action", i), "entered") == 0, what);
        check_int(s->df, num_at(path, "df", i), what);
        check_relp(s->chisq, num_at(path, "chisq", i), &worst_chisq, what);
        check_relp(s->p, num_at(path, "p", i), &worst_p, what);
    }
    snprintf(what, sizeof what, "%s: steps", c->name);
    check_int(r->n_steps, k, what);
    /* the final model */
    k = 0;
    for (size_t i = 0; i < final->n_rows; i++) {
        if (strcmp(text_at(final, "case", i), c->name) != 0)
            continue;
        snprintf(what, sizeof what, "%s: final %s", c->name, text_at(final, "column", i));
        if (k >= r->design->p) {
            CHECK_FAIL_("%s: missing", what);
            continue;
        }
        check_str(r->design->col_names[k], text_at(final, "column", i), what);
        double coef = r->fit->coef[k], se = sqrt(r->fit->var[k * r->design->p + k]);
        check_relp(coef, num_at(final, "coef", i), &worst_coef, what);
        check_relp(se, num_at(final, "se", i), &worst_se, what);
        k++;
    }
    snprintf(what, sizeof what, "%s: final columns", c->name);
    check_int(r->design->p, k, what);
    coh_select_result_free(r);
    dataset_free(&ds);
}

static coh_table *golden(const char *file)
{
    coh_table *t = NULL;
    coh_error e;
    char path[200];
    snprintf(path, sizeof path, DIR "%s", file);
    if (coh_read(path, NULL, &t, &e) != COH_OK) {
        CHECK_FAIL_("%s", e.msg);
        return NULL;
    }
    return t;
}

static void test_select_golden(void)
{
    static const sel_case cases[] = {
        {"lung_backward_wald", "lung", COH_SELECT_BACKWARD, COH_SELECT_WALD, 0.20, 0.20, 0.20,
         COH_SCREEN_COMPLETE},
        {"lung_backward_lr", "lung", COH_SELECT_BACKWARD, COH_SELECT_LR, 0.20, 0.20, 0.20,
         COH_SCREEN_COMPLETE},
        {"lung_forward_wald", "lung", COH_SELECT_FORWARD, COH_SELECT_WALD, 0.20, 0.20, 0.20,
         COH_SCREEN_COMPLETE},
        {"lung_stepwise_lr", "lung", COH_SELECT_STEPWISE, COH_SELECT_LR, 0.50, 0.10, 0.15,
         COH_SCREEN_COMPLETE},
        {"colon_backward_wald", "colon", COH_SELECT_BACKWARD, COH_SELECT_WALD, 0.25, 0.05, 0.05,
         COH_SCREEN_COMPLETE},
        {"colon_backward_lr", "colon", COH_SELECT_BACKWARD, COH_SELECT_LR, 0.25, 0.05, 0.05,
         COH_SCREEN_COMPLETE},
        {"colon_stepwise_wald", "colon", COH_SELECT_STEPWISE, COH_SELECT_WALD, 0.25, 0.05,
         0.05, COH_SCREEN_COMPLETE},
        /* the screen on each term's own complete cases */
        {"lung_backward_wald_available", "lung", COH_SELECT_BACKWARD, COH_SELECT_WALD, 0.20,
         0.20, 0.20, COH_SCREEN_AVAILABLE},
        {"lung_backward_lr_available", "lung", COH_SELECT_BACKWARD, COH_SELECT_LR, 0.50, 0.10,
         0.20, COH_SCREEN_AVAILABLE},
        {"colon_backward_wald_available", "colon", COH_SELECT_BACKWARD, COH_SELECT_WALD, 0.25,
         0.05, 0.05, COH_SCREEN_AVAILABLE},
    };
    coh_table *screen = golden("screen.csv"), *path = golden("path.csv"),
              *final = golden("final.csv"), *rows = golden("rows.csv");
    if (screen && path && final && rows)
        for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
            run_case(&cases[k], screen, path, final, rows);
    coh_table_free(screen);
    coh_table_free(path);
    coh_table_free(final);
    coh_table_free(rows);
}

/* Each term alone on its own complete cases, Wald and LR. */
static void test_univariable_golden(void)
{
    coh_table *g = golden("univariable.csv");
    if (g == NULL)
        return;
    static const char *const names[] = {"lung", "colon"};
    for (int d = 0; d < 2; d++) {
        dataset ds;
        if (!dataset_load(names[d], &ds))
            continue;
        coh_cox_options o;
        coh_cox_options_init(&o);
        for (int test = 0; test < 2; test++) {
            coh_univariable_result *u = NULL;
            coh_error e;
            coh_status st = coh_cox_univariable(ds.t, &ds.surv, &ds.spec, &o,
                                                (coh_select_test)test, false, &u, &e);
            check(st == COH_OK, e.msg);
            if (st != COH_OK)
                continue;
            size_t k = 0;
            for (size_t i = 0; i < g->n_rows; i++) {
                if (strcmp(text_at(g, "dataset", i), names[d]) != 0)
                    continue;
                char what[200];
                snprintf(what, sizeof what, "univariable %s %s (%s)", names[d],
                         text_at(g, "term", i), test ? "lr" : "wald");
                if (k >= u->n_terms) {
                    CHECK_FAIL_("%s: missing", what);
                    continue;
                }
                const coh_univariable *t = &u->terms[k++];
                check_str(t->term, text_at(g, "term", i), what);
                check_int(t->n, num_at(g, "n", i), what);
                check_int(t->events, num_at(g, "events", i), what);
                check_int(t->df, num_at(g, "df", i), what);
                check_relp(t->p, num_at(g, test ? "lr_p" : "wald_p", i), &worst_p, what);
            }
            check_int(u->n_terms, k, "univariable terms");
            coh_univariable_result_free(u);
        }
        dataset_free(&ds);
    }
    coh_table_free(g);
}

/* Names, errors, and the degenerate cases: no screen, nothing left. */
static void test_options(void)
{
    coh_select_method m;
    coh_select_test t;
    check(coh_select_method_parse("stepwise", &m) == COH_OK && m == COH_SELECT_STEPWISE,
          "parse stepwise");
    check(coh_select_method_parse("sideways", &m) == COH_EINVAL, "parse bad method");
    check(coh_select_test_parse("lr", &t) == COH_OK && t == COH_SELECT_LR, "parse lr");
    check(coh_select_test_parse("score", &t) == COH_EINVAL, "parse bad test");
    check_str(coh_select_method_name(COH_SELECT_BACKWARD), "backward", "method name");
    check_str(coh_select_test_name(COH_SELECT_WALD), "wald", "test name");

    dataset ds;
    if (!dataset_load("lung", &ds))
        return;
    coh_cox_options o;
    coh_cox_options_init(&o);
    coh_select_result *r = NULL;
    coh_error e;
    coh_select_options so = {COH_SELECT_BACKWARD, COH_SELECT_WALD, 0, 0, 0.2,
                             COH_SCREEN_COMPLETE};
    check(coh_cox_select(ds.t, &ds.surv, &ds.spec, &o, &so, &r, &e) == COH_EINVAL,
          "stay 0 refused");
    check(r == NULL, "no result on error");
    /* no screen and stay 1: everything stays */
    so.stay = 1;
    so.entry_screen = 0;
    check(coh_cox_select(ds.t, &ds.surv, &ds.spec, &o, &so, &r, &e) == COH_OK, e.msg);
    if (r != NULL) {
        check_int(r->n_screened_in, 7, "no screen: all terms");
        check(r->screen == NULL, "no screen fits");
        check_int(r->n_steps, 0, "nothing removed");
        check_int(r->n_final, 7, "all stay");
        check_int(r->design->p, 9, "9 columns");
        check_int(r->n_rows, 168, "common complete cases");
    }
    coh_select_result_free(r);
    /* forward with enter 1e-300: the null model */
    so.method = COH_SELECT_FORWARD;
    so.enter = 1e-300;
    check(coh_cox_select(ds.t, &ds.surv, &ds.spec, &o, &so, &r, &e) == COH_OK, e.msg);
    if (r != NULL) {
        check_int(r->n_final, 0, "nothing enters");
        check_int(r->design->p, 0, "null model");
        check_int(r->data->n, 168, "on the fixed rows");
    }
    coh_select_result_free(r);
    /* an unknown term is the design's error */
    static const char *const bad[] = {"age", "nosuch"};
    ds.spec.terms = bad;
    ds.spec.n_terms = 2;
    so.method = COH_SELECT_BACKWARD;
    so.stay = 0.1;
    check(coh_cox_select(ds.t, &ds.surv, &ds.spec, &o, &so, &r, &e) == COH_ENOTFOUND,
          "unknown term");
    check_contains(e.msg, "nosuch", "message names the column");
    dataset_free(&ds);
}

int main(void)
{
    RUN(test_select_golden);
    RUN(test_univariable_golden);
    RUN(test_options);
    printf("coxsel: largest relative differences from R: p %.3g, chisq %.3g, coef %.3g, "
           "se %.3g\n", worst_p, worst_chisq, worst_coef, worst_se);
    return check_report("test_coxsel");
}
