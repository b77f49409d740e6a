/* cohort/htest.h - the tests and summaries of a descriptive table (issue 5):
 * contingency tables (Pearson and Yates chi-square, Fisher's exact test),
 * rank tests (Mann-Whitney U, Kruskal-Wallis), t-test and one-way ANOVA,
 * and standardised mean differences.  R's stats package (chisq.test,
 * fisher.test, wilcox.test, kruskal.test, t.test, oneway.test/anova) and
 * tableone's SMD are the references.  Formulas: docs/methods.md.
 */
#ifndef COHORT_HTEST_H
#define COHORT_HTEST_H

#include <stdbool.h>
#include <stddef.h>

#include "cohort/status.h"

/* The result of one test. */
typedef struct coh_htest {
    double statistic;   /* chi-square, W, H, t or F; NAN when not defined */
    double df;          /* degrees of freedom (t-test: Welch's may be fractional);
                           NAN when not applicable */
    double df2;         /* F: denominator df; NAN otherwise */
    double p;           /* NAN when the test cannot be made */
    bool exact;         /* an exact p-value (Fisher, exact Wilcoxon) */
    char method[96];    /* e.g. "Pearson's chi-square test", as R names it */
    char note[160];     /* why p is NAN, or a caveat ("expected counts < 5") */
} coh_htest;

/* Contingency tables: counts r x c, row-major; rows are the variable's
 * levels, columns the groups.  Rows or columns summing to 0 are dropped
 * first (R's chisq.test would give NaN; the note says so). */
coh_status coh_chisq_test(const double *counts, size_t r, size_t c, bool yates,
                          coh_htest *out);
/* Fisher's exact test, two-sided, as R's fisher.test (2 x 2 and r x c).
 * r x c by exact network enumeration with a work budget (about 0.7 s):
 * beyond it p is NAN and the note says so (docs/methods.md section 18). */
coh_status coh_fisher_test(const double *counts, size_t r, size_t c, coh_htest *out);
/* The smallest expected count (for "--tests auto"). */
double coh_min_expected(const double *counts, size_t r, size_t c);

/* Two samples x[0..nx), y[0..ny), no missing values.  As R's wilcox.test:
 * exact when both n < 50 and there are no ties (and exact not forbidden),
 * else the normal approximation with tie correction and, when
 * `correct`, the continuity correction.  statistic is W (R's). */
coh_status coh_wilcox_test(const double *x, size_t nx, const double *y, size_t ny,
                           bool correct, bool allow_exact, coh_htest *out);

/* k groups: values v[0..n) with group g[0..n) in 0..k-1, as R's
 * kruskal.test. */
coh_status coh_kruskal_test(const double *v, const int *g, size_t n, size_t k, coh_htest *out);

/* Welch's (var_equal false, R's default) or Student's two-sample t-test. */
coh_status coh_t_test(const double *x, size_t nx, const double *y, size_t ny, bool var_equal,
                      coh_htest *out);
/* One-way ANOVA F test with equal variances (R's anova(lm(v ~ g))). */
coh_status coh_anova_test(const double *v, const int *g, size_t n, size_t k, coh_htest *out);
/* Welch's one-way ANOVA, not assuming equal variances (R's
 * oneway.test(v ~ g, var.equal = FALSE)): F on k - 1 and a fractional df2;
 * NAN with a note when a group has fewer than two values or no variation. */
coh_status coh_welch_anova_test(const double *v, const int *g, size_t n, size_t k,
                                coh_htest *out);

/* Standardised mean differences as R's tableone (ExtractSmd): for a
 * continuous variable with group means m and variances s2, the mean over
 * group pairs of |m1 - m2| / sqrt((s2_1 + s2_2) / 2) (tableone prints the
 * mean of pairwise SMDs with more than two groups); for a categorical
 * variable with level proportions per group (r levels x c groups,
 * counts), Yang and Dalton's multivariate SMD. */
coh_status coh_smd_continuous(const double *v, const int *g, size_t n, size_t k, double *out);
coh_status coh_smd_categorical(const double *counts, size_t r, size_t c, double *out);

#endif
