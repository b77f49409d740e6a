/* test_desc.c - column summaries and the type-7 quantile. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "cohort/cohort.h"

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* R: quantile(x, p, type = 7) from the sorted values, in R's arithmetic
 * ((1 - f) x[lo] + f x[hi], only where they differ). */
static double q7_sorted(const double *s, size_t n, double p)
{
    double h = (double)(n - 1) * p;
    size_t lo = (size_t)floor(h);
    double f = h - (double)lo;
    if (lo + 1 < n && f > 0 && s[lo + 1] != s[lo])
        return (1 - f) * s[lo] + f * s[lo + 1];
    return s[lo];
}

static void test_quantile(void)
{
    double x[] = {3, 1, 2};
    check_rel(coh_quantile7_inplace(x, 3, 0.5), 2, 0, "odd median");
    double y[] = {4, 1, 3, 2};
    check_rel(coh_quantile7_inplace(y, 4, 0.5), 2.5, 0, "even median");
    double z[] = {5};
    check_rel(coh_quantile7_inplace(z, 1, 0.5), 5, 0, "one value");
    /* R: median(c(-1.7976931348623157e308, 1.7976931348623157e308)) is 0 */
    double big[] = {1.7976931348623157e308, -1.7976931348623157e308};
    check_rel(coh_quantile7_inplace(big, 2, 0.5), 0, 0, "no overflow near DBL_MAX");
    check(isnan(coh_quantile7_inplace(z, 0, 0.5)), "no values: NaN");
    /* R: quantile(c(1,2,3,4,10), c(.25,.75)) = 2, 4 */
    double w[] = {10, 4, 3, 2, 1};
    check_rel(coh_quantile7_inplace(w, 5, 0.25), 2, 0, "Q1");
    double w2[] = {10, 4, 3, 2, 1};
    check_rel(coh_quantile7_inplace(w2, 5, 0.75), 4, 0, "Q3");

    unsigned long long s = 7;
    int bad = 0;
    for (int rep = 0; rep < 300; rep++) {
        size_t n = 1 + (size_t)(rep * 7 % 301);
        double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
        for (size_t i = 0; i < n; i++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            /* many ties on some reps, sorted runs on others */
            a[i] = rep % 3 == 0 ? (double)((s >> 33) % 5) : rep % 3 == 1 ? (double)i
                                                                         : (double)(s >> 11);
            b[i] = a[i];
        }
        qsort(b, n, sizeof *b, cmp);
        double p = (double)(rep % 11) / 10.0;
        if (coh_quantile7_inplace(a, n, p) != q7_sorted(b, n, p))
            bad++;
        free(a);
        free(b);
    }
    check_int(bad, 0, "selection equals sorting on 300 random vectors");
}

static void test_describe(void)
{
    const char *csv = "x,g,d\n4,a,2020-01-01\nNA,b,2020-01-03\n1,a,\n2,,2020-01-02\n";
    coh_table *t;
    coh_error e;
    check_int(coh_read_csv_mem(csv, strlen(csv), "d.csv", NULL, &t, &e), COH_OK, "read");
    coh_describe_result *r;
    check_int(coh_describe(t, 0, &r), COH_OK, "describe");
    check_int(r->n_rows, 4, "rows");
    const coh_col_summary *x = &r->cols[0], *g = &r->cols[1], *d = &r->cols[2];
    check_int(x->n, 3, "x n");
    check_int(x->n_missing, 1, "x missing");
    check_rel(x->min, 1, 0, "min");
    check_rel(x->median, 2, 0, "median");
    check_rel(x->max, 4, 0, "max");
    check_int(g->level_counts[0], 2, "a count");
    check_int(g->level_counts[1], 1, "b count");
    check_int(g->n_missing, 1, "g missing");
    check_rel(d->median, 18263, 0, "median date 2020-01-02");
    coh_describe_free(r);
    coh_table_free(t);
}

int main(void)
{
    RUN(test_quantile);
    RUN(test_describe);
    return check_report("test_desc");
}
