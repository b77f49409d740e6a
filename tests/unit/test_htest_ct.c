/* test_htest_ct.c - contingency-table tests and standardised mean
 * differences (src/stats/htest_ct.c, docs/methods.md sections 18-19).
 *
 * First answers worked out by hand, then degenerate tables and
 * invariances (row and column order, transposition), then R:
 * tests/golden/htest_ct/make.R wrote the tables (real data from colon and
 * lung, and hand-made ones) with chisq.test and fisher.test results and
 * the SMDs from their definition.  Run from the repository root.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../check.h"
#include "cohort/cohort.h"
#include "cohort/htest.h"

/* Relative tolerance against R. */
#define TOL_R 1e-10

static double worst_stat, worst_p_chisq, worst_p_fisher, worst_p_enum, worst_smd;

/* |got - want| <= tol |want|; zero only (almost) zero; NaN only NaN. */
static void check_relative(double got, double want, double tol, double *worst, const char *what)
{
    double diff;
    if (isnan(want) || isnan(got))
        diff = isnan(want) && isnan(got) ? 0 : INFINITY;
    else if (want == 0)
        diff = fabs(got) <= 1e-13 ? 0 : INFINITY;
    else
        diff = fabs(got - want) / fabs(want);
    if (worst != NULL && diff > *worst && isfinite(diff))
        *worst = diff;
    if (diff <= tol)
        check_passed++;
    else
        CHECK_FAIL_("%s: got %.17g, want %.17g (relative difference %g > %g)", what, got, want,
                    diff, tol);
}

/* ---------------------------------------------------------------------
 * Closed forms
 */

/* [[3, 1], [1, 3]]: margins all 4, n = 8, E = 2 everywhere, |O - E| = 1.
 *   Pearson X2 = 4 * 1/2 = 2;  Yates X2 = 4 * 0.5^2 / 2 = 0.5.
 *   Fisher: P(x11 = k) = C(4,k) C(4,4-k) / C(8,4) = 1, 16, 36, 16, 1 over 70;
 *   P(3) = 16/70, tables with P <= 16/70: k = 0, 1, 3, 4: p = 34/70.
 *   SMD (2 levels): p1 = 3/4, p2 = 1/4: |1/2| / sqrt(3/16) = 2/sqrt(3). */
static void test_closed_form(void)
{
    const double x[] = {3, 1, 1, 3};
    coh_htest h;
    check_int(coh_chisq_test(x, 2, 2, false, &h), COH_OK, "chisq");
    check_rel(h.statistic, 2, 1e-15, "X2");
    check_rel(h.df, 1, 0, "df");
    check_rel(h.p, erfc(1), 1e-12, "p = P(chi2_1 > 2) = erfc(1)");
    check_str(h.method, "Pearson's Chi-squared test", "method");
    check_contains(h.note, "may be incorrect", "small expected counts noted");
    check_int(coh_chisq_test(x, 2, 2, true, &h), COH_OK, "yates");
    check_rel(h.statistic, 0.5, 1e-15, "Yates X2");
    check_str(h.method, "Pearson's Chi-squared test with Yates' continuity correction", "method");
    check_int(coh_fisher_test(x, 2, 2, &h), COH_OK, "fisher");
    check_rel(h.p, 34.0 / 70, 1e-14, "Fisher p = 34/70");
    check(h.exact, "exact");
    check(isnan(h.statistic), "no statistic");
    check_rel(coh_min_expected(x, 2, 2), 2, 0, "min expected");
    double smd;
    check_int(coh_smd_categorical(x, 2, 2, &smd), COH_OK, "smd");
    check_rel(smd, 2 / sqrt(3), 1e-14, "SMD 2 levels");
    /* Yates never over-corrects: [[2, 1], [1, 2]] + 0.25 has |O - E| = 0.25 */
    const double y[] = {12.25, 11.75, 11.75, 12.25};
    check_int(coh_chisq_test(y, 2, 2, true, &h), COH_OK, "yates small");
    check_rel(h.statistic, 0, 1e-15, "Yates with |O - E| = 0.25 gives 0");
    check_str(h.method, "Pearson's Chi-squared test with Yates' continuity correction", "method");
    /* 2 x 3 hand Fisher: [[1, 0, 0], [0, 1, 1]]: margins (1, 2), (1, 1, 1);
     * the 3 tables (the 1 in column 0, 1 or 2) each have P = 1/3: p = 1. */
    const double z[] = {1, 0, 0, 0, 1, 1};
    check_int(coh_fisher_test(z, 2, 3, &h), COH_OK, "fisher 2x3");
    check_rel(h.p, 1, 1e-14, "p = 1 (all tables equally likely)");
    /* continuous SMD: groups {1, 2, 3} and {3, 4, 5}: means 2 and 4,
     * variances 1 and 1: SMD = 2. */
    const double v[] = {1, 2, 3, 3, 4, 5};
    const int g[] = {0, 0, 0, 1, 1, 1};
    check_int(coh_smd_continuous(v, g, 6, 2, &smd), COH_OK, "smd cont");
    check_rel(smd, 2, 1e-15, "SMD continuous");
    /* three groups, an empty fourth: {0, 2}, {2, 4}, {0, 2}: variances 2;
     * pairs 1, 0, 1 (sqrt 2 units): mean sqrt(2) * 2/3 ... = (2 + 0 + 2) /
     * sqrt(2) / 3 */
    const double v3[] = {0, 2, 2, 4, 0, 2};
    const int g3[] = {0, 0, 1, 1, 2, 2};
    check_int(coh_smd_continuous(v3, g3, 6, 4, &smd), COH_OK, "smd cont 3");
    check_rel(smd, 4 / sqrt(2) / 3, 1e-15, "SMD mean of pairs");
}

/* ---------------------------------------------------------------------
 * Degenerate tables and invariances
 */

static void test_degenerate(void)
{
    coh_htest h;
    /* a zero row: dropped, noted */
    const double zr[] = {5, 2, 0, 0, 3, 6};
    const double zr_kept[] = {5, 2, 3, 6};
    coh_htest k;
    check_int(coh_chisq_test(zr, 3, 2, false, &h), COH_OK, "zero row");
    check_int(coh_chisq_test(zr_kept, 2, 2, false, &k), COH_OK, "kept");
    check_rel(h.statistic, k.statistic, 1e-15, "zero row dropped");
    check_rel(h.df, 1, 0, "df of the 2 x 2");
    check_contains(h.note, "dropped", "note");
    check_int(coh_fisher_test(zr, 3, 2, &h), COH_OK, "zero row fisher");
    check_int(coh_fisher_test(zr_kept, 2, 2, &k), COH_OK, "kept fisher");
    check_rel(h.p, k.p, 1e-15, "fisher zero row dropped");
    /* a zero column */
    const double zc[] = {5, 0, 2, 3, 0, 6};
    check_int(coh_fisher_test(zc, 2, 3, &h), COH_OK, "zero column");
    check_rel(h.p, k.p, 1e-15, "fisher zero column dropped");
    /* all in one cell: nothing to test */
    const double one[] = {0, 0, 7, 0};
    check_int(coh_chisq_test(one, 2, 2, true, &h), COH_OK, "one cell");
    check(isnan(h.p), "p NAN");
    check_rel(h.statistic, 0, 0, "statistic 0");
    check(h.note[0] != '\0', "note says why");
    check_int(coh_fisher_test(one, 2, 2, &h), COH_OK, "one cell fisher");
    check_rel(h.p, 1, 0, "one table: p = 1");
    /* 1 x k */
    const double row[] = {3, 4, 5};
    check_int(coh_fisher_test(row, 1, 3, &h), COH_OK, "1 x k fisher");
    check_rel(h.p, 1, 0, "1 x k p = 1");
    check_int(coh_chisq_test(row, 1, 3, false, &h), COH_OK, "1 x k chisq");
    check(isnan(h.p), "1 x k chisq p NAN");
    double smd;
    check_int(coh_smd_categorical(row, 1, 3, &smd), COH_OK, "1 level smd");
    check_rel(smd, 0, 0, "one level: SMD 0");
    /* bad input */
    const double neg[] = {1, -1, 2, 3};
    const double frac[] = {1, 0.5, 2, 3};
    const double zero[] = {0, 0, 0, 0};
    check_int(coh_chisq_test(neg, 2, 2, false, &h), COH_EINVAL, "negative");
    check_int(coh_fisher_test(frac, 2, 2, &h), COH_EINVAL, "fractional");
    check_int(coh_chisq_test(frac, 2, 2, false, &h), COH_OK, "chisq takes fractions");
    check_int(coh_chisq_test(zero, 2, 2, false, &h), COH_EDOMAIN, "all zero");
    check_int(coh_fisher_test(zero, 2, 2, &h), COH_EDOMAIN, "all zero fisher");
    check(isnan(coh_min_expected(zero, 2, 2)), "min expected of nothing");
    check_int(coh_smd_categorical(zero, 2, 2, &smd), COH_EDOMAIN, "smd no groups");
    const double v[] = {1, 2, 3};
    const int g1[] = {0, 0, 1};
    check_int(coh_smd_continuous(v, g1, 3, 2, &smd), COH_EDOMAIN, "group of one");
    check(isnan(smd), "NAN");
    /* equal values: SMD 0; different constants: Inf */
    const double c2[] = {1, 1, 1, 1};
    const double c3[] = {1, 1, 2, 2};
    const int g2[] = {0, 0, 1, 1};
    check_int(coh_smd_continuous(c2, g2, 4, 2, &smd), COH_OK, "constant");
    check_rel(smd, 0, 0, "SMD of equal constants");
    check_int(coh_smd_continuous(c3, g2, 4, 2, &smd), COH_OK, "two constants");
    check(isinf(smd), "SMD of different constants is Inf");
}

/* Permuting rows or columns, or transposing, changes no result. */
static void test_invariance(void)
{
    const double x[] = {1, 5, 2, 4, 0, 3, 6, 2, 1, 2, 2, 5}; /* 3 x 4 */
    const size_t rp[] = {2, 0, 1}, cp[] = {3, 1, 0, 2};
    double y[12], t[12];
    for (size_t i = 0; i < 3; i++)
        for (size_t j = 0; j < 4; j++) {
            y[i * 4 + j] = x[rp[i] * 4 + cp[j]];
            t[j * 3 + i] = x[i * 4 + j];
        }
    coh_htest a, b, c;
    check_int(coh_fisher_test(x, 3, 4, &a), COH_OK, "x");
    check_int(coh_fisher_test(y, 3, 4, &b), COH_OK, "permuted");
    check_int(coh_fisher_test(t, 4, 3, &c), COH_OK, "transposed");
    check_rel(b.p, a.p, 1e-13, "fisher: permutation");
    check_rel(c.p, a.p, 1e-13, "fisher: transposition");
    check_int(coh_chisq_test(x, 3, 4, false, &a), COH_OK, "x");
    check_int(coh_chisq_test(y, 3, 4, false, &b), COH_OK, "permuted");
    check_int(coh_chisq_test(t, 4, 3, false, &c), COH_OK, "transposed");
    check_rel(b.statistic, a.statistic, 1e-14, "chisq: permutation");
    check_rel(c.statistic, a.statistic, 1e-14, "chisq: transposition");
    double s1, s2;
    check_int(coh_smd_categorical(x, 3, 4, &s1), COH_OK, "smd");
    check_int(coh_smd_categorical(y, 3, 4, &s2), COH_OK, "smd permuted");
    check_rel(s2, s1, 1e-13, "SMD: permuting levels and groups");
}

/* A big table stops within its budget with p NAN and a note. */
static void test_limit(void)
{
    double x[64];
    for (size_t i = 0; i < 64; i++)
        x[i] = (double)(20 + (i * 7) % 13);
    coh_htest h;
    clock_t t0 = clock();
    check_int(coh_fisher_test(x, 8, 8, &h), COH_OK, "8 x 8, n = 1600");
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    check(isnan(h.p), "gives up");
    check_contains(h.note, "too large", "note");
    check(secs < 10, "in bounded time");
    printf("test_htest_ct: 8 x 8 n = 1600 gave up after %.2f s\n", secs);
}

/* ---------------------------------------------------------------------
 * Golden data from R
 */

static coh_table *load(const char *path)
{
    coh_table *t = NULL;
    coh_error e;
    if (coh_read(path, NULL, &t, &e) != COH_OK)
        fprintf(stderr, "%s\n", e.msg);
    return t;
}

static const char *text(const coh_column *c, size_t i, char *buf, size_t size)
{
    if (coh_type_is_numeric(c->type)) {
        coh_format_num(c->num[i], buf, size);
        return buf;
    }
    return c->levels[c->code[i]];
}

/* The table of `name` from tables.csv, row-major; *r, *c its size. */
static double *get_table(const coh_table *tabs, const char *name, size_t *r, size_t *c)
{
    const coh_column *cs = coh_table_find(tabs, "case"), *ci = coh_table_find(tabs, "i");
    const coh_column *cj = coh_table_find(tabs, "j"), *cn = coh_table_find(tabs, "count");
    char buf[64];
    *r = *c = 0;
    for (size_t k = 0; k < tabs->n_rows; k++)
        if (strcmp(text(cs, k, buf, sizeof buf), name) == 0) {
            if ((size_t)ci->num[k] + 1 > *r)
                *r = (size_t)ci->num[k] + 1;
            if ((size_t)cj->num[k] + 1 > *c)
                *c = (size_t)cj->num[k] + 1;
        }
    double *x = calloc(*r * *c + 1, sizeof *x);
    for (size_t k = 0; x != NULL && k < tabs->n_rows; k++)
        if (strcmp(text(cs, k, buf, sizeof buf), name) == 0)
            x[(size_t)ci->num[k] * *c + (size_t)cj->num[k]] = cn->num[k];
    return x;
}

static void test_golden_tables(void)
{
    coh_table *tabs = load("tests/golden/htest_ct/tables.csv");
    coh_table *want = load("tests/golden/htest_ct/expected.csv");
    check(tabs != NULL && want != NULL, "golden files");
    if (tabs == NULL || want == NULL) {
        coh_table_free(tabs);
        coh_table_free(want);
        return;
    }
    const coh_column *w_case = coh_table_find(want, "case"), *w_test = coh_table_find(want, "test");
    const coh_column *w_what = coh_table_find(want, "what"), *w_val = coh_table_find(want, "value");
    char b1[64], b2[64], b3[64], label[200];
    double slowest = 0;
    for (size_t k = 0; k < want->n_rows; k++) {
        const char *name = text(w_case, k, b1, sizeof b1);
        const char *test = text(w_test, k, b2, sizeof b2);
        const char *what = text(w_what, k, b3, sizeof b3);
        double v = w_val->num[k];
        size_t r, c;
        double *x = get_table(tabs, name, &r, &c);
        check(x != NULL && r > 0, name);
        if (x == NULL)
            continue;
        snprintf(label, sizeof label, "%s %s %s", name, test, what);
        coh_htest h;
        if (strcmp(test, "smd") == 0) {
            double smd;
            check_int(coh_smd_categorical(x, r, c, &smd), COH_OK, label);
            check_relative(smd, v, TOL_R, &worst_smd, label);
        } else if (strcmp(test, "fisher_enum") == 0) {
            /* make.R's full enumeration of a 2 x c table (from lchoose):
             * closer to exact than FEXACT, so a tighter tolerance */
            check_int(coh_fisher_test(x, r, c, &h), COH_OK, label);
            check_relative(h.p, v, 1e-11, &worst_p_enum, label);
        } else if (strcmp(test, "fisher") == 0) {
            clock_t t0 = clock();
            check_int(coh_fisher_test(x, r, c, &h), COH_OK, label);
            double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
            if (secs > 0.05)
                printf("test_htest_ct: %s %.3f s\n", name, secs);
            if (secs > slowest)
                slowest = secs;
            check_relative(h.p, v, TOL_R, &worst_p_fisher, label);
            if (getenv("HTEST_CT_VERBOSE") != NULL)
                printf("test_htest_ct: %s Fisher p %.17g, R %.17g, relative %.2g\n", name, h.p, v,
                       fabs(h.p - v) / v);
        } else {
            check_int(coh_chisq_test(x, r, c, strcmp(test, "yates") == 0, &h), COH_OK, label);
            if (strcmp(what, "statistic") == 0)
                check_relative(h.statistic, v, TOL_R, &worst_stat, label);
            else if (strcmp(what, "df") == 0)
                check_rel(h.df, v, 0, label);
            else
                check_relative(h.p, v, TOL_R, &worst_p_chisq, label);
        }
        free(x);
    }
    printf("test_htest_ct: slowest Fisher test on the golden tables %.3f s\n", slowest);
    coh_table_free(tabs);
    coh_table_free(want);
}

/* Continuous SMDs on the data files: complete cases, groups by value;
 * groups with one value left out (as make.R does). */
static void test_golden_smd_cont(void)
{
    coh_table *cases = load("tests/golden/htest_ct/smd_cont.csv");
    check(cases != NULL, "smd_cont.csv");
    if (cases == NULL)
        return;
    char b1[64], b2[64], b3[64], b4[64], path[200], gbuf[64];
    for (size_t k = 0; k < cases->n_rows; k++) {
        const char *name = text(coh_table_find(cases, "case"), k, b1, sizeof b1);
        const char *file = text(coh_table_find(cases, "file"), k, b2, sizeof b2);
        const char *var = text(coh_table_find(cases, "variable"), k, b3, sizeof b3);
        const char *grp = text(coh_table_find(cases, "group"), k, b4, sizeof b4);
        double want = coh_table_find(cases, "value")->num[k];
        snprintf(path, sizeof path, "tests/golden/data/%s", file);
        coh_table *d = load(path);
        check(d != NULL, path);
        if (d == NULL)
            continue;
        const coh_column *cv = coh_table_find(d, var), *cg = coh_table_find(d, grp);
        const coh_column *et = coh_table_find(d, "etype");
        double *v = malloc(d->n_rows * sizeof *v);
        int *g = malloc(d->n_rows * sizeof *g);
        char (*lev)[64] = malloc(d->n_rows * sizeof *lev);
        size_t *cnt = calloc(d->n_rows, sizeof *cnt);
        size_t n = 0, n_lev = 0;
        for (size_t i = 0; i < d->n_rows && v && g && lev && cnt; i++) {
            if (coh_column_is_na(cv, i) || coh_column_is_na(cg, i))
                continue;
            if (et != NULL && et->num[i] != 2)
                continue; /* colon: one row per patient */
            const char *s = text(cg, i, gbuf, sizeof gbuf);
            size_t l = 0;
            while (l < n_lev && strcmp(lev[l], s) != 0)
                l++;
            if (l == n_lev)
                snprintf(lev[n_lev++], 64, "%s", s);
            v[n] = cv->num[i];
            g[n++] = (int)l;
            cnt[l]++;
        }
        /* leave out groups of one */
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (cnt[g[i]] >= 2) {
                v[m] = v[i];
                g[m++] = g[i];
            }
        double smd;
        check_int(coh_smd_continuous(v, g, m, n_lev, &smd), COH_OK, name);
        check_relative(smd, want, TOL_R, &worst_smd, name);
        free(v);
        free(g);
        free(lev);
        free(cnt);
        coh_table_free(d);
    }
    coh_table_free(cases);
}

int main(void)
{
    RUN(test_closed_form);
    RUN(test_degenerate);
    RUN(test_invariance);
    RUN(test_limit);
    RUN(test_golden_tables);
    RUN(test_golden_smd_cont);
    printf("test_htest_ct: worst relative difference from R: statistic %.2g, chisq p %.2g, "
           "Fisher p %.2g (from a full enumeration of 2 x c tables %.2g), SMD %.2g\n",
           worst_stat, worst_p_chisq, worst_p_fisher, worst_p_enum, worst_smd);
    return check_report("test_htest_ct");
}
