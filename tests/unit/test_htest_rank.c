/* test_htest_rank.c - the Wilcoxon rank-sum, Kruskal-Wallis, t, one-way
 * ANOVA and Welch ANOVA tests (src/stats/htest_rank.c, docs/methods.md
 * sections 20-21).
 *
 * First answers counted by hand (exact Wilcoxon distributions of 2 + 2 and
 * 3 + 2 values, tie-corrected normal approximations, t with 2 df, whose
 * tail is 1/2 (1 - t / sqrt(2 + t^2)), a Welch ANOVA of three groups with
 * df1 = 2, whose tail is (1 + 2 f / df2)^(-df2 / 2), and Welch's ANOVA of
 * two groups as Welch's t), then degenerate input, then invariances (row
 * order, relabelled groups, x and y swapped), then R:
 * tests/golden/htest_rank/make.R wrote expected.csv from wilcox.test,
 * kruskal.test, t.test, anova(lm()) and oneway.test on lung, colon and
 * the small samples of samples.csv.  Run from the repository root.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "cohort/cohort.h"
#include "cohort/dist.h"
#include "cohort/htest.h"

/* Relative tolerance against R. */
#define TOL_R 1e-10

/* The largest relative differences from R met (printed at the end);
 * those of Welch's ANOVA also on their own. */
static double worst_stat, worst_df, worst_p;
static double welch_stat, welch_df, welch_p;

/* |got - want| <= tol |want|; zero only equals (almost) zero; NaN only
 * NaN.  Tracks *worst when not NULL. */
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

/* 2 + 2 values without ties: the 6 rankings give W = 0, 1, 2, 2, 3, 4, so
 * P(W <= 0) = 1/6, P(W <= 1) = 2/6, P(W <= 2) = 4/6.  3 + 2 values, W = 0:
 * 1 of choose(5, 3) = 10 rankings. */
static void test_wilcox_exact_closed(void)
{
    struct {
        double x[3], y[2];
        size_t nx;
        double w, p;
    } c[] = {
        {{1, 2}, {3, 4}, 2, 0, 2.0 / 6},
        {{1, 3}, {2, 4}, 2, 1, 4.0 / 6},
        {{1, 4}, {2, 3}, 2, 2, 1},      /* 2 P(W <= 2) = 8/6, capped */
        {{3, 4}, {1, 2}, 2, 4, 2.0 / 6}, /* upper tail: P(W >= 4) = 1/6 */
        {{2, 4}, {1, 3}, 2, 3, 4.0 / 6},
        {{1, 2, 3}, {4, 5}, 3, 0, 0.2},
        {{4, 5, 3}, {1, 2}, 3, 6, 0.2},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        coh_htest h;
        check_int(coh_wilcox_test(c[i].x, c[i].nx, c[i].y, 2, true, true, &h), COH_OK, "exact");
        check_rel(h.statistic, c[i].w, 1e-15, "exact W");
        check_rel(h.p, c[i].p, 1e-15, "exact p");
        check(h.exact, "exact flag");
        check_str(h.method, "Wilcoxon rank sum exact test", "exact method");
    }
}

/* x = {1, 2}, y = {2, 3}: ranks 1, 2.5 | 2.5, 4, W = 3.5 - 3 = 0.5,
 * nx ny / 2 = 2; one tie of 2 gives sum(t^3 - t) = 6, so
 * sigma^2 = 4/12 (5 - 6 / 12) = 3/2.  With the continuity correction
 * z = (-1.5 + 0.5) / sqrt(3/2), without z = -1.5 / sqrt(3/2). */
static void test_wilcox_normal_closed(void)
{
    const double x[] = {1, 2}, y[] = {2, 3};
    coh_htest h;
    check_int(coh_wilcox_test(x, 2, y, 2, true, true, &h), COH_OK, "ties");
    check_rel(h.statistic, 0.5, 1e-15, "W with ties");
    check_rel(h.p, 2 * coh_dist_norm_q(1 / sqrt(1.5)), 1e-14, "p, corrected");
    check(!h.exact, "ties: not exact");
    check_str(h.method, "Wilcoxon rank sum test with continuity correction", "method");
    check_contains(h.note, "ties", "note on ties");
    check_int(coh_wilcox_test(x, 2, y, 2, false, true, &h), COH_OK, "ties, no cc");
    check_rel(h.p, 2 * coh_dist_norm_q(sqrt(1.5)), 1e-14, "p, uncorrected");
    check_str(h.method, "Wilcoxon rank sum test", "method without cc");
}

/* Groups {1}, {2}, {3}: centre 2, sum (R_g - n_g 2)^2 / n_g = 2, no ties:
 * H = 12 * 2 / (3 * 4) = 2 on 2 df, p = exp(-1).  With a tie: {1, 1}, {2}:
 * ranks 1.5, 1.5 | 3, centre 2: (3 - 4)^2 / 2 + 1 = 1.5, H0 = 12 * 1.5 /
 * 12 = 1.5, tie factor 1 - 6 / 24 = 3/4, H = 2, df 1. */
static void test_kruskal_closed(void)
{
    const double v[] = {1, 2, 3};
    const int g[] = {0, 1, 2};
    coh_htest h;
    check_int(coh_kruskal_test(v, g, 3, 3, &h), COH_OK, "kruskal");
    check_rel(h.statistic, 2, 1e-15, "H");
    check_rel(h.df, 2, 0, "df");
    check_rel(h.p, exp(-1.0), 1e-14, "p");
    check_str(h.method, "Kruskal-Wallis rank sum test", "method");
    const double v2[] = {1, 2, 1};
    const int g2[] = {0, 1, 0};
    check_int(coh_kruskal_test(v2, g2, 3, 2, &h), COH_OK, "kruskal ties");
    check_rel(h.statistic, 2, 1e-15, "H with ties");
    check_rel(h.p, coh_dist_chisq_q(2, 1), 1e-15, "p with ties");
}

/* x = {0, 2}, y = {4, 6}: means 1 and 5, both variances 2, se = sqrt 2,
 * t = -2 sqrt 2 on 2 df (Student; Welch's df is 4 / (1 + 1) = 2 too), and
 * 2 P(T_2 > t) = 1 - t / sqrt(2 + t^2) = 1 - 2 / sqrt 5.  The ANOVA of the
 * same split of {1, 3 | 5, 7}: SSB = 16, SSW = 4, F = 16 / (4 / 2) = 8 =
 * t^2 on (1, 2) df, the same p. */
static void test_t_anova_closed(void)
{
    const double x[] = {0, 2}, y[] = {4, 6};
    const double want_p = 1 - 2 / sqrt(5.0);
    coh_htest h;
    check_int(coh_t_test(x, 2, y, 2, false, &h), COH_OK, "welch");
    check_rel(h.statistic, -2 * sqrt(2.0), 1e-15, "welch t");
    check_rel(h.df, 2, 1e-15, "welch df");
    check_rel(h.p, want_p, 1e-13, "welch p");
    check_str(h.method, "Welch Two Sample t-test", "welch method");
    check_int(coh_t_test(x, 2, y, 2, true, &h), COH_OK, "student");
    check_rel(h.statistic, -2 * sqrt(2.0), 1e-15, "student t");
    check_rel(h.df, 2, 0, "student df");
    check_rel(h.p, want_p, 1e-13, "student p");
    check_str(h.method, "Two Sample t-test", "student method");
    const double v[] = {1, 5, 3, 7};
    const int g[] = {0, 1, 0, 1};
    check_int(coh_anova_test(v, g, 4, 2, &h), COH_OK, "anova");
    check_rel(h.statistic, 8, 1e-14, "F");
    check_rel(h.df, 1, 0, "df1");
    check_rel(h.df2, 2, 0, "df2");
    check_rel(h.p, want_p, 1e-13, "F p");
}

/* ---------------------------------------------------------------------
 * Degenerate input
 */

static void test_degenerate(void)
{
    coh_htest h;
    const double a[] = {2, 2, 2}, b[] = {2, 2}, one[] = {3}, five[] = {5};
    /* an empty sample */
    check_int(coh_wilcox_test(a, 3, NULL, 0, true, true, &h), COH_OK, "wilcox empty y");
    check(isnan(h.p) && isnan(h.statistic), "wilcox empty: NAN");
    check_contains(h.note, "'y'", "wilcox empty note");
    check_int(coh_t_test(NULL, 0, a, 3, false, &h), COH_OK, "t empty x");
    check(isnan(h.p), "t empty: NAN");
    check_contains(h.note, "'x'", "t empty note");
    /* all tied: W = nx ny / 2, p NAN (R: NaN) */
    check_int(coh_wilcox_test(a, 3, b, 2, true, true, &h), COH_OK, "all tied");
    check_rel(h.statistic, 3, 0, "all tied W");
    check(isnan(h.p), "all tied p");
    check_contains(h.note, "tied", "all tied note");
    check_int(coh_kruskal_test((const double[]){2, 2, 2, 2}, (const int[]){0, 1, 0, 1}, 4, 2, &h),
              COH_OK, "kruskal all tied");
    check(isnan(h.p) && isnan(h.statistic), "kruskal all tied NAN");
    check_contains(h.note, "tied", "kruskal all tied note");
    /* constant data: R's t.test stops "data are essentially constant" */
    check_int(coh_t_test(a, 3, b, 2, false, &h), COH_OK, "t constant");
    check(isnan(h.p) && isnan(h.statistic), "t constant NAN");
    check_str(h.note, "data are essentially constant", "t constant note");
    check_int(coh_t_test(a, 3, b, 2, true, &h), COH_OK, "student constant");
    check_str(h.note, "data are essentially constant", "student constant note");
    const double c1[] = {1e6, 1e6, 1e6}, c2[] = {1e6 + 1e-9, 1e6 + 1e-9};
    check_int(coh_t_test(c1, 3, c2, 2, true, &h), COH_OK, "t nearly constant");
    check_str(h.note, "data are essentially constant", "within rounding");
    check_int(coh_anova_test((const double[]){2, 2, 2, 2}, (const int[]){0, 1, 0, 1}, 4, 2, &h),
              COH_OK, "anova constant");
    check(isnan(h.p), "anova constant p");
    check_str(h.note, "data are essentially constant", "anova constant note");
    check_int(coh_anova_test((const double[]){1, 2, 1, 2}, (const int[]){0, 1, 0, 1}, 4, 2, &h),
              COH_OK, "anova perfect fit");
    check(isnan(h.p), "anova perfect fit p");
    check_contains(h.note, "within groups", "anova perfect fit note");
    /* one value per group */
    check_int(coh_wilcox_test(one, 1, five, 1, true, true, &h), COH_OK, "wilcox 1 + 1");
    check_rel(h.statistic, 0, 0, "1 + 1 W");
    check_rel(h.p, 1, 0, "1 + 1 p");
    check_int(coh_t_test(one, 1, five, 1, true, &h), COH_OK, "student 1 + 1");
    check_str(h.note, "not enough observations", "student 1 + 1 note");
    check_int(coh_t_test(one, 1, a, 3, false, &h), COH_OK, "welch 1 + 3");
    check_str(h.note, "not enough 'x' observations", "welch 1 + 3 note");
    check_int(coh_anova_test((const double[]){1, 2}, (const int[]){0, 1}, 2, 2, &h), COH_OK,
              "anova 1 + 1");
    check(isnan(h.statistic) && isnan(h.p), "anova 1 + 1 NAN");
    check_rel(h.df2, 0, 0, "anova 1 + 1 df2");
    /* an empty group among three is dropped (R's factor()) */
    const double v[] = {1, 2, 2, 5, 3, 3, 7};
    const int g2[] = {0, 0, 0, 0, 1, 1, 1}, g3[] = {0, 0, 0, 0, 2, 2, 2};
    coh_htest h2;
    check_int(coh_kruskal_test(v, g2, 7, 2, &h), COH_OK, "kruskal 2");
    check_int(coh_kruskal_test(v, g3, 7, 3, &h2), COH_OK, "kruskal empty group");
    check_rel(h2.statistic, h.statistic, 0, "empty group: same H");
    check_rel(h2.df, 1, 0, "empty group: df");
    check_int(coh_anova_test(v, g2, 7, 2, &h), COH_OK, "anova 2");
    check_int(coh_anova_test(v, g3, 7, 3, &h2), COH_OK, "anova empty group");
    check_rel(h2.statistic, h.statistic, 1e-15, "empty group: same F");
    check_rel(h2.p, h.p, 1e-15, "empty group: same p");
    check_int(coh_kruskal_test(v, g2, 7, 1, &h), COH_EINVAL, "group code >= k");
    check_int(coh_kruskal_test(v, (const int[]){0, 0, 0, 0, 0, 0, 0}, 7, 1, &h), COH_OK,
              "one group");
    check_contains(h.note, "same group", "one group note");
    check_int(coh_wilcox_test((const double[]){NAN}, 1, five, 1, true, true, &h), COH_EINVAL,
              "NaN value");
    check_int(coh_t_test(one, 1, five, 1, true, NULL), COH_EINVAL, "NULL out");
}

/* Welch's ANOVA where it is not defined: R stops ("not enough groups",
 * "not enough observations") or returns NaN (a group without variation);
 * Cohort returns F and p NAN with a note, and COH_EINVAL for bad input. */
static void test_welch_anova_degenerate(void)
{
    coh_htest h;
    const double v[] = {1, 2, 4, 3, 5, 9, 7};
    const int g[] = {0, 0, 1, 1, 1, 2, 2};
    /* no values, one group, one group among three codes */
    check_int(coh_welch_anova_test(NULL, NULL, 0, 0, &h), COH_OK, "welch anova empty");
    check(isnan(h.statistic) && isnan(h.p) && isnan(h.df), "empty: NAN");
    check_str(h.note, "fewer than two groups with values", "empty note");
    check_int(coh_welch_anova_test(v, (const int[]){1, 1, 1, 1, 1, 1, 1}, 7, 3, &h), COH_OK,
              "welch anova one group");
    check(isnan(h.statistic) && isnan(h.p) && isnan(h.df2), "one group: NAN");
    check_str(h.note, "fewer than two groups with values", "one group note");
    /* a group of one value (R: "not enough observations") */
    check_int(coh_welch_anova_test(v, (const int[]){0, 0, 1, 1, 1, 1, 2}, 7, 3, &h), COH_OK,
              "welch anova group of one");
    check(isnan(h.statistic) && isnan(h.p) && isnan(h.df2), "group of one: NAN");
    check_rel(h.df, 2, 0, "group of one: df1 still k - 1");
    check_contains(h.note, "not enough observations", "group of one note");
    /* a group without variation (R: w = Inf, F NaN), exactly or within
     * rounding of its values */
    const double flat[] = {1, 2, 4, 4, 4, 9, 7};
    check_int(coh_welch_anova_test(flat, g, 7, 3, &h), COH_OK, "welch anova flat group");
    check(isnan(h.statistic) && isnan(h.p) && isnan(h.df2), "flat group: NAN");
    check_str(h.note, "a group has no variation", "flat group note");
    const double nearly[] = {1, 2, 1e6, 1e6 + 1e-9, 1e6, 9, 7};
    check_int(coh_welch_anova_test(nearly, g, 7, 3, &h), COH_OK, "welch anova nearly flat");
    check_str(h.note, "a group has no variation", "nearly flat note");
    check_int(coh_welch_anova_test((const double[]){2, 2, 2, 2}, (const int[]){0, 1, 0, 1}, 4,
                                   2, &h),
              COH_OK, "welch anova constant");
    check(isnan(h.statistic) && isnan(h.p), "constant: NAN");
    check_str(h.note, "a group has no variation", "constant note");
    /* tiny but genuine variation is not flat: the scale does not matter */
    double tiny[7];
    coh_htest ref;
    check_int(coh_welch_anova_test(v, g, 7, 3, &ref), COH_OK, "welch anova reference");
    for (size_t i = 0; i < 7; i++)
        tiny[i] = v[i] * 1e-200;
    check_int(coh_welch_anova_test(tiny, g, 7, 3, &h), COH_OK, "welch anova 1e-200");
    check_rel(h.statistic, ref.statistic, 1e-13, "scaled by 1e-200: same F");
    check_rel(h.df2, ref.df2, 1e-13, "scaled by 1e-200: same df2");
    check_rel(h.p, ref.p, 1e-13, "scaled by 1e-200: same p");
    for (size_t i = 0; i < 7; i++)
        tiny[i] = v[i] * 1e200;
    check_int(coh_welch_anova_test(tiny, g, 7, 3, &h), COH_OK, "welch anova 1e200");
    check_rel(h.statistic, ref.statistic, 1e-13, "scaled by 1e200: same F");
    /* equal means: F = 0, p = 1 */
    check_int(coh_welch_anova_test((const double[]){1, 3, 0, 4}, (const int[]){0, 0, 1, 1}, 4,
                                   2, &h),
              COH_OK, "welch anova equal means");
    check_rel(h.statistic, 0, 1e-15, "equal means: F = 0");
    check_rel(h.p, 1, 1e-15, "equal means: p = 1");
    /* an empty group among four codes is dropped */
    const int g4[] = {0, 0, 3, 3, 3, 2, 2};
    check_int(coh_welch_anova_test(v, g4, 7, 4, &h), COH_OK, "welch anova empty group");
    check_rel(h.statistic, ref.statistic, 1e-15, "empty group: same F");
    check_rel(h.df, 2, 0, "empty group: df1");
    check_rel(h.df2, ref.df2, 1e-15, "empty group: same df2");
    check_rel(h.p, ref.p, 1e-15, "empty group: same p");
    /* bad input */
    check_int(coh_welch_anova_test(v, g, 7, 2, &h), COH_EINVAL, "group code >= k");
    check_int(coh_welch_anova_test(v, (const int[]){0, 0, 1, 1, -1, 2, 2}, 7, 3, &h),
              COH_EINVAL, "negative group code");
    check_int(coh_welch_anova_test(v, g, 7, 0, &h), COH_EINVAL, "k = 0");
    check_int(coh_welch_anova_test((const double[]){1, 2, INFINITY, 3}, (const int[]){0, 0, 1, 1},
                                   4, 2, &h),
              COH_EINVAL, "infinite value");
    check_int(coh_welch_anova_test(NULL, g, 7, 3, &h), COH_EINVAL, "NULL v");
    check_int(coh_welch_anova_test(v, NULL, 7, 3, &h), COH_EINVAL, "NULL g");
    check_int(coh_welch_anova_test(v, g, 7, 3, NULL), COH_EINVAL, "NULL out");
}

/* ---------------------------------------------------------------------
 * The golden cases: samples.csv and the data sets
 */

/* One case: values and 0-based groups (sorted order of the group values). */
typedef struct sample {
    double *v;
    int *g;
    size_t n, k;
} sample;

static void sample_free(sample *s)
{
    free(s->v);
    free(s->g);
    s->v = NULL;
    s->g = NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The sort key of row i of a group column: its number, or the rank of its
 * level text among the column's levels (strcmp order, as R's sort in the C
 * locale; the levels here are ASCII letters). */
static double group_key(const coh_column *c, size_t i)
{
    if (coh_type_is_numeric(c->type))
        return c->num[i];
    const char *s = c->levels[c->code[i]];
    double r = 0;
    for (size_t l = 0; l < c->n_levels; l++)
        r += strcmp(c->levels[l], s) < 0;
    return r;
}

/* Rows of `file` with value and group present (and filter == fval when
 * filter is not NULL), groups coded in sorted order. */
static int load_data(const char *file, const char *value, const char *group, const char *filter,
                     double fval, sample *s)
{
    coh_table *t = NULL;
    coh_error e;
    char path[256];
    snprintf(path, sizeof path, "tests/golden/data/%s", file);
    if (coh_read(path, NULL, &t, &e) != COH_OK)
        return -1;
    const coh_column *cv = coh_table_find(t, value), *cg = coh_table_find(t, group);
    const coh_column *cf = filter ? coh_table_find(t, filter) : NULL;
    size_t n = t->n_rows;
    s->v = malloc(n * sizeof *s->v);
    s->g = malloc(n * sizeof *s->g);
    double *key = malloc(n * sizeof *key), *lv = malloc(n * sizeof *lv);
    s->n = 0;
    for (size_t i = 0; i < n; i++) {
        if (coh_column_is_na(cv, i) || coh_column_is_na(cg, i))
            continue;
        if (cf != NULL && (coh_column_is_na(cf, i) || cf->num[i] != fval))
            continue;
        s->v[s->n] = cv->num[i];
        key[s->n] = lv[s->n] = group_key(cg, i);
        s->n++;
    }
    qsort(lv, s->n, sizeof *lv, cmp_double);
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++)
        if (k == 0 || lv[i] != lv[k - 1])
            lv[k++] = lv[i];
    for (size_t i = 0; i < s->n; i++) {
        int code = 0;
        while (lv[code] != key[i])
            code++;
        s->g[i] = code;
    }
    s->k = k;
    free(key);
    free(lv);
    coh_table_free(t);
    return 0;
}

/* The rows of samples.csv for case `name`. */
static int load_sample(const coh_table *t, const char *name, sample *s)
{
    const coh_column *cc = coh_table_find(t, "case"), *cg = coh_table_find(t, "group");
    const coh_column *cv = coh_table_find(t, "value");
    s->v = malloc(t->n_rows * sizeof *s->v);
    s->g = malloc(t->n_rows * sizeof *s->g);
    s->n = s->k = 0;
    for (size_t i = 0; i < t->n_rows; i++) {
        if (strcmp(cc->levels[cc->code[i]], name) != 0)
            continue;
        s->v[s->n] = cv->num[i];
        s->g[s->n] = (int)cg->num[i];
        if ((size_t)s->g[s->n] + 1 > s->k)
            s->k = (size_t)s->g[s->n] + 1;
        s->n++;
    }
    return s->n > 0 ? 0 : -1;
}

static int load_case(const coh_table *samples, const char *name, sample *s)
{
    if (strcmp(name, "lung_age_sex") == 0)
        return load_data("lung.csv", "age", "sex", NULL, 0, s);
    if (strcmp(name, "lung_karno_sex") == 0)
        return load_data("lung.csv", "ph.karno", "sex", NULL, 0, s);
    if (strcmp(name, "lung_wtloss_ecog") == 0)
        return load_data("lung.csv", "wt.loss", "ph.ecog", NULL, 0, s);
    if (strcmp(name, "colon_nodes_rx") == 0)
        return load_data("colon.csv", "nodes", "rx", "etype", 2, s);
    return load_sample(samples, name, s);
}

/* Split a two-group sample into x (group 0) and y (group 1). */
static void split2(const sample *s, double *x, size_t *nx, double *y, size_t *ny)
{
    *nx = *ny = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (s->g[i] == 0)
            x[(*nx)++] = s->v[i];
        else
            y[(*ny)++] = s->v[i];
    }
}

/* Run `test` on s. */
static coh_status run_test(const char *test, const sample *s, coh_htest *h)
{
    if (strcmp(test, "kruskal") == 0)
        return coh_kruskal_test(s->v, s->g, s->n, s->k, h);
    if (strcmp(test, "anova") == 0)
        return coh_anova_test(s->v, s->g, s->n, s->k, h);
    if (strcmp(test, "anova_welch") == 0)
        return coh_welch_anova_test(s->v, s->g, s->n, s->k, h);
    double *x = malloc(s->n * sizeof *x), *y = malloc(s->n * sizeof *y);
    size_t nx, ny;
    split2(s, x, &nx, y, &ny);
    coh_status st = COH_EINVAL;
    if (strcmp(test, "wilcox") == 0)
        st = coh_wilcox_test(x, nx, y, ny, true, true, h);
    else if (strcmp(test, "wilcox_nocc") == 0)
        st = coh_wilcox_test(x, nx, y, ny, false, true, h);
    else if (strcmp(test, "wilcox_approx") == 0)
        st = coh_wilcox_test(x, nx, y, ny, true, false, h);
    else if (strcmp(test, "t_welch") == 0)
        st = coh_t_test(x, nx, y, ny, false, h);
    else if (strcmp(test, "t_student") == 0)
        st = coh_t_test(x, nx, y, ny, true, h);
    free(x);
    free(y);
    return st;
}

/* Welch's ANOVA of {0, 2}, {4, 5, 6}, {8, 10}: means 1, 5, 9, variances
 * 2, 1, 2, so w = n / s^2 = 1, 3, 1, W = 5, m' = (1 + 15 + 9) / 5 = 5,
 * sum w (m - m')^2 = 16 + 0 + 16 = 32.  w / W = 1/5, 3/5, 1/5:
 * tmp = (16/25 / 1 + 4/25 / 2 + 16/25 / 1) / (3^2 - 1) = 17/100,
 * F = 32 / (2 (1 + 2 tmp)) = 800/67 on 2 and 1 / (3 tmp) = 100/51 df.
 * With df1 = 2, P(F > f) = (1 + 2 f / df2)^(-df2 / 2) = (883/67)^(-50/51).
 * R's oneway.test gives 11.940298507462686, 1.9607843137254897,
 * 0.0798128182240401. */
static void test_welch_anova_closed(void)
{
    const double v[] = {5, 0, 8, 4, 2, 10, 6};
    const int g[] = {1, 0, 2, 1, 0, 2, 1};
    coh_htest h;
    check_int(coh_welch_anova_test(v, g, 7, 3, &h), COH_OK, "welch anova");
    check_rel(h.statistic, 800.0 / 67, 1e-14, "welch F");
    check_rel(h.df, 2, 0, "welch df1");
    check_rel(h.df2, 100.0 / 51, 1e-15, "welch df2");
    check_rel(h.p, pow(883.0 / 67, -50.0 / 51), 1e-14, "welch F p");
    check_str(h.method, "One-way analysis of means (not assuming equal variances)",
              "welch anova method");
    check_str(h.note, "", "welch anova: no note");
    check(!h.exact, "welch anova: not exact");

    /* Two groups: F = t^2 of Welch's t-test, df2 its Welch-Satterthwaite
     * df and the same p (the header comment of htest_rank.c shows the
     * algebra: w_1 w_2 / (w_1 + w_2) = 1 / (s_1^2/n_1 + s_2^2/n_2)). */
    const double x[] = {0.5, 3.1, 2.2, 7.4, 1.9}, y[] = {4.4, 6.1, 5.2, 8.8};
    const double xy[] = {0.5, 3.1, 2.2, 7.4, 1.9, 4.4, 6.1, 5.2, 8.8};
    const int gxy[] = {0, 0, 0, 0, 0, 1, 1, 1, 1};
    coh_htest t;
    check_int(coh_t_test(x, 5, y, 4, false, &t), COH_OK, "welch t");
    check_int(coh_welch_anova_test(xy, gxy, 9, 2, &h), COH_OK, "welch anova k = 2");
    check_rel(h.statistic, t.statistic * t.statistic, 1e-14, "k = 2: F = t^2");
    check_rel(h.df, 1, 0, "k = 2: df1");
    check_rel(h.df2, t.df, 1e-14, "k = 2: df2 = Welch df");
    check_rel(h.p, t.p, 1e-13, "k = 2: p = Welch t p");
    /* and on lung: age by sex (228 rows, unequal n and variances) */
    sample s = {0};
    if (load_data("lung.csv", "age", "sex", NULL, 0, &s) != 0) {
        CHECK_FAIL_("cannot read lung.csv");
        return;
    }
    double *a = malloc(s.n * sizeof *a), *b = malloc(s.n * sizeof *b);
    size_t na, nb;
    split2(&s, a, &na, b, &nb);
    check_int(coh_t_test(a, na, b, nb, false, &t), COH_OK, "lung welch t");
    check_int(coh_welch_anova_test(s.v, s.g, s.n, s.k, &h), COH_OK, "lung welch anova");
    check_rel(h.statistic, t.statistic * t.statistic, 1e-13, "lung: F = t^2");
    check_rel(h.df2, t.df, 1e-13, "lung: df2 = Welch df");
    check_rel(h.p, t.p, 1e-12, "lung: p = Welch t p");
    free(a);
    free(b);
    sample_free(&s);
}

static double cell(const coh_column *c, size_t i)
{
    return coh_column_is_na(c, i) ? NAN : c->num[i];
}

static void test_golden(void)
{
    coh_table *want = NULL, *samples = NULL;
    coh_error e;
    check_int(coh_read("tests/golden/htest_rank/expected.csv", NULL, &want, &e), COH_OK,
              "read expected.csv");
    check_int(coh_read("tests/golden/htest_rank/samples.csv", NULL, &samples, &e), COH_OK,
              "read samples.csv");
    if (want == NULL || samples == NULL) {
        coh_table_free(want);
        coh_table_free(samples);
        return;
    }
    const coh_column *w_case = coh_table_find(want, "case"), *w_test = coh_table_find(want, "test");
    const coh_column *w_stat = coh_table_find(want, "statistic"), *w_df = coh_table_find(want, "df");
    const coh_column *w_df2 = coh_table_find(want, "df2"), *w_p = coh_table_find(want, "p");
    const coh_column *w_exact = coh_table_find(want, "exact");
    const coh_column *w_method = coh_table_find(want, "method");
    int rows = 0, welch_rows = 0;
    for (size_t i = 0; i < want->n_rows; i++) {
        const char *name = w_case->levels[w_case->code[i]];
        const char *test = w_test->levels[w_test->code[i]];
        char what[128];
        snprintf(what, sizeof what, "%s %s", name, test);
        sample s = {0};
        if (load_case(samples, name, &s) != 0) {
            CHECK_FAIL_("%s: cannot load the case", what);
            sample_free(&s);
            continue;
        }
        coh_htest h;
        check_int(run_test(test, &s, &h), COH_OK, what);
        check_relative(h.statistic, cell(w_stat, i), TOL_R, &worst_stat, what);
        check_relative(h.df, cell(w_df, i), TOL_R, &worst_df, what);
        check_relative(h.df2, cell(w_df2, i), TOL_R, &worst_df, what);
        check_relative(h.p, cell(w_p, i), TOL_R, &worst_p, what);
        if (strcmp(test, "anova_welch") == 0) {
            welch_rows++;
            check_relative(h.statistic, cell(w_stat, i), TOL_R, &welch_stat, what);
            check_relative(h.df2, cell(w_df2, i), TOL_R, &welch_df, what);
            check_relative(h.p, cell(w_p, i), TOL_R, &welch_p, what);
        }
        check_int(h.exact, cell(w_exact, i), what);
        check_str(h.method, w_method->levels[w_method->code[i]], what);
        if (isnan(cell(w_p, i)))
            check(h.note[0] != '\0', "a NAN p has a note");
        sample_free(&s);
        rows++;
    }
    check(rows >= 100, "expected.csv has its rows");
    check(welch_rows >= 12, "expected.csv has the Welch ANOVA rows");
    coh_table_free(want);
    coh_table_free(samples);
}

/* ---------------------------------------------------------------------
 * Invariance: row order, group labels, x and y swapped
 */

static void test_invariance(void)
{
    sample s = {0};
    if (load_data("lung.csv", "wt.loss", "ph.ecog", NULL, 0, &s) != 0) {
        CHECK_FAIL_("cannot read lung.csv");
        return;
    }
    size_t n = s.n;
    double *v = malloc(n * sizeof *v);
    int *g = malloc(n * sizeof *g);
    /* reversed rows, groups relabelled by 3 - g */
    for (size_t i = 0; i < n; i++) {
        v[i] = s.v[n - 1 - i];
        g[i] = (int)s.k - 1 - s.g[n - 1 - i];
    }
    coh_htest a, b;
    check_int(coh_kruskal_test(s.v, s.g, n, s.k, &a), COH_OK, "kruskal");
    check_int(coh_kruskal_test(v, g, n, s.k, &b), COH_OK, "kruskal permuted");
    check_rel(b.statistic, a.statistic, 1e-13, "kruskal: same H");
    check_rel(b.p, a.p, 1e-13, "kruskal: same p");
    check_int(coh_anova_test(s.v, s.g, n, s.k, &a), COH_OK, "anova");
    check_int(coh_anova_test(v, g, n, s.k, &b), COH_OK, "anova permuted");
    check_rel(b.statistic, a.statistic, 1e-12, "anova: same F");
    check_rel(b.p, a.p, 1e-12, "anova: same p");
    /* Welch's ANOVA needs two values per group (ph.ecog 3 has one): colon
     * nodes by rx, rows reversed and groups relabelled 2 - g */
    sample cn = {0};
    if (load_data("colon.csv", "nodes", "rx", "etype", 2, &cn) != 0) {
        CHECK_FAIL_("cannot read colon.csv");
    } else {
        double *cv = malloc(cn.n * sizeof *cv);
        int *cg = malloc(cn.n * sizeof *cg);
        for (size_t i = 0; i < cn.n; i++) {
            cv[i] = cn.v[cn.n - 1 - i];
            cg[i] = (int)cn.k - 1 - cn.g[cn.n - 1 - i];
        }
        check_int(coh_welch_anova_test(cn.v, cn.g, cn.n, cn.k, &a), COH_OK, "welch anova");
        check_int(coh_welch_anova_test(cv, cg, cn.n, cn.k, &b), COH_OK, "welch anova permuted");
        check(isfinite(a.p), "welch anova: a p");
        check_rel(b.statistic, a.statistic, 1e-12, "welch anova: same F");
        check_rel(b.df2, a.df2, 1e-12, "welch anova: same df2");
        check_rel(b.p, a.p, 1e-12, "welch anova: same p");
        free(cv);
        free(cg);
        sample_free(&cn);
    }
    /* x and y swapped: W' = nx ny - W, t' = -t, the same p */
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    size_t nx = 0, ny = 0;
    for (size_t i = 0; i < n; i++) {
        if (s.g[i] == 0)
            x[nx++] = s.v[i];
        else if (s.g[i] == 1)
            y[ny++] = s.v[i];
    }
    const double xs[] = {0.5, 3.1, 2.2, 7.4, 1.9}, ys[] = {4.4, 6.1, 5.2, 8.8};
    struct {
        const double *x, *y;
        size_t nx, ny;
    } pair[] = {{x, y, nx, ny}, {xs, ys, 5, 4}};
    for (size_t c = 0; c < 2; c++) {
        const double *px = pair[c].x, *py = pair[c].y;
        size_t mx = pair[c].nx, my = pair[c].ny;
        check_int(coh_wilcox_test(px, mx, py, my, true, true, &a), COH_OK, "wilcox");
        check_int(coh_wilcox_test(py, my, px, mx, true, true, &b), COH_OK, "wilcox swapped");
        check_rel(b.statistic, (double)mx * (double)my - a.statistic, 1e-15, "swapped W");
        check_rel(b.p, a.p, 1e-14, "swapped wilcox p");
        check_int(coh_t_test(px, mx, py, my, false, &a), COH_OK, "welch");
        check_int(coh_t_test(py, my, px, mx, false, &b), COH_OK, "welch swapped");
        check_rel(b.statistic, -a.statistic, 1e-14, "swapped t");
        check_rel(b.p, a.p, 1e-14, "swapped t p");
    }
    free(x);
    free(y);
    free(v);
    free(g);
    sample_free(&s);
}

int main(void)
{
    RUN(test_wilcox_exact_closed);
    RUN(test_wilcox_normal_closed);
    RUN(test_kruskal_closed);
    RUN(test_t_anova_closed);
    RUN(test_welch_anova_closed);
    RUN(test_degenerate);
    RUN(test_welch_anova_degenerate);
    RUN(test_invariance);
    RUN(test_golden);
    printf("htest_rank vs R: worst relative difference: statistic %.2g, df %.2g, p %.2g\n",
           worst_stat, worst_df, worst_p);
    printf("  of which Welch's ANOVA (oneway.test): F %.2g, df2 %.2g, p %.2g\n", welch_stat,
           welch_df, welch_p);
    return check_report("test_htest_rank");
}
