/* survdiff.c - tests of equal survival in k groups: the log-rank test and
 * its weighted relatives, stratified, and the multiplicity adjustment of
 * their p-values.  Reproduces R's survival::survdiff (survival 3.5-3, its C
 * routine survdiff2) for rho = 0 and rho = 1, and extends it to the
 * weights below.  Derivation and references: docs/methods.md, section 8.
 *
 * At each distinct event time t of a stratum, with n subjects at risk
 * (time >= t), d events, n_g and d_g of them in group g, S(t-) the pooled
 * Kaplan-Meier estimate of the stratum just before t, and weight w(t):
 *
 *   O_g    += w d_g
 *   E_g    += w d n_g / n
 *   V_gh   += w^2 d (n - d) / (n - 1) (n_g / n) (1[g = h] - n_h / n)  (n > 1)
 *
 *   weight                        w(t)
 *   COH_TEST_LOGRANK              1                      (survdiff rho = 0)
 *   COH_TEST_PETO                 S(t-)                  (survdiff rho = 1)
 *   COH_TEST_GEHAN                n                      (SPSS "Breslow")
 *   COH_TEST_TARONE_WARE          sqrt(n)                (SPSS "Tarone-Ware")
 *   COH_TEST_FH                   S(t-)^rho (1 - S(t-))^gamma
 *
 * so for weighted tests O and E are weighted sums (as survdiff's obs and
 * exp for rho != 0); for the log-rank test they are event counts.  S(t-)
 * is left-continuous, S(t-) = prod over event times u < t of (1 - d(u) /
 * n(u)), pooled over the groups of the stratum (survdiff2's `kaplan`).
 * Ties: all d events at t count at t (the hypergeometric variance above),
 * and subjects censored at t are at risk at t, as in survdiff.  Strata:
 * the risk sets, S and the weights are per stratum; O, E and V are summed
 * over strata (survdiff(Surv ~ g + strata(s))).
 *
 * Chi-square: X2 = (O - E)' V^- (O - E) with V^- a generalized inverse,
 * df = rank V.  V 1 = 0 (every row sums to zero), so V has rank at most
 * k - 1 and one group is left out: R leaves out the first group with
 * E > 0 and drops groups with E = 0, and solves exactly.  Here the group
 * with the largest variance V_gg is left out and the rest goes through an
 * LDL' factorization that skips (zeroes) pivots that are not positive
 * (see ldl_quadratic_form).  Because V 1 = 0, the column left out is minus
 * the sum of the others, so the rank and, whenever R returns a value
 * (rank = number of groups with E > 0, minus 1), the statistic do not
 * depend on which group is left out; leaving out the largest one keeps the
 * pivots away from zero when some group is tiny.  Groups with E = 0, among
 * them groups with no subjects, have a zero row and column in V and so a
 * zero pivot: they add nothing to the statistic or to df.  p is the
 * chi-square upper tail, NAN when df = 0 (no test possible: fewer than
 * two groups with subjects at risk at an event time, or no events).
 * R differs exactly there (df -1 and p NaN with no events, p = 1 with
 * df 0, an error from solve() when V is singular): docs/methods.md 8.2.
 *
 * Inputs: n rows sorted by stratum (non-decreasing, when `stratum` is not
 * NULL) and by time (non-decreasing) within stratum; any order within
 * tied times.  The kernel checks the order and the codes, and returns
 * COH_EINVAL when they are wrong.  Memory: the result and one scratch
 * block, allocated before the risk-set loops.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cohort/dist.h"
#include "cohort/survdiff.h"

/* ---------------------------------------------------------------------
 * Test specifications
 */

/* Case-insensitive equality of a NUL-terminated `s` with `word`. */
static bool word_eq(const char *s, const char *word)
{
    for (; *s != '\0' && *word != '\0'; s++, word++)
        if (tolower((unsigned char)*s) != tolower((unsigned char)*word))
            return false;
    return *s == '\0' && *word == '\0';
}

/* Parse a non-negative decimal number at *s ("1", "0.5", "2e-1") ending at
 * `stop` or '\0'; advance *s past it.  Rejects what strtod would also take
 * but a person does not mean here ("inf", "nan", "0x1", "-0"). */
static bool parse_weight_power(const char **s, char stop, double *out)
{
    const char *p = *s;
    if (!(isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1]))))
        return false;
    char *end;
    errno = 0;
    double v = strtod(p, &end);
    if (errno != 0 || end == p || !isfinite(v) || v < 0)
        return false;
    if (*end != stop && *end != '\0')
        return false;
    *out = v;
    *s = end;
    return true;
}

/* Parse a test name: "logrank" (or "log-rank"), "peto" ("peto-peto"),
 * "gehan" ("gehan-breslow"), "tarone-ware" ("tarone"), "fh:RHO,GAMMA" with
 * RHO, GAMMA >= 0; case-insensitive.  COH_EINVAL for anything else (and for
 * NULL), leaving *out untouched. */
coh_status coh_test_spec_parse(const char *s, coh_test_spec *out)
{
    if (s == NULL || out == NULL)
        return COH_EINVAL;
    coh_test_spec t = {COH_TEST_LOGRANK, 0.0, 0.0};
    if (word_eq(s, "logrank") || word_eq(s, "log-rank")) {
        t.kind = COH_TEST_LOGRANK;
    } else if (word_eq(s, "peto") || word_eq(s, "peto-peto")) {
        t.kind = COH_TEST_PETO;
        t.rho = 1.0;
    } else if (word_eq(s, "gehan") || word_eq(s, "gehan-breslow")) {
        t.kind = COH_TEST_GEHAN;
    } else if (word_eq(s, "tarone-ware") || word_eq(s, "tarone")) {
        t.kind = COH_TEST_TARONE_WARE;
    } else if ((s[0] == 'f' || s[0] == 'F') && (s[1] == 'h' || s[1] == 'H') && s[2] == ':') {
        const char *p = s + 3;
        t.kind = COH_TEST_FH;
        if (!parse_weight_power(&p, ',', &t.rho) || *p != ',')
            return COH_EINVAL;
        p++;
        if (!parse_weight_power(&p, '\0', &t.gamma) || *p != '\0')
            return COH_EINVAL;
    } else {
        return COH_EINVAL;
    }
    *out = t;
    return COH_OK;
}

/* A readable name of the test into buf (always NUL-terminated when size >
 * 0); "unknown test" for an invalid kind. */
void coh_test_spec_name(const coh_test_spec *t, char *buf, size_t size)
{
    if (buf == NULL || size == 0)
        return;
    if (t == NULL) {
        snprintf(buf, size, "unknown test");
        return;
    }
    switch (t->kind) {
    case COH_TEST_LOGRANK:
        snprintf(buf, size, "log-rank");
        break;
    case COH_TEST_PETO:
        snprintf(buf, size, "Peto-Peto");
        break;
    case COH_TEST_GEHAN:
        snprintf(buf, size, "Gehan-Breslow");
        break;
    case COH_TEST_TARONE_WARE:
        snprintf(buf, size, "Tarone-Ware");
        break;
    case COH_TEST_FH:
        snprintf(buf, size, "Fleming-Harrington (rho = %g, gamma = %g)", t->rho, t->gamma);
        break;
    default:
        snprintf(buf, size, "unknown test");
        break;
    }
}

/* ---------------------------------------------------------------------
 * The test
 */

/* Pivots below this fraction of their column's original diagonal are taken
 * as zero.  In exact arithmetic a pivot of LDL' is V_ii minus a sum of
 * non-negative terms, each at most V_ii, so its rounding error is a few
 * multiples of DBL_EPSILON * V_ii per accumulated term; V itself is a sum
 * over event times whose rows sum to zero only up to rounding, about (event
 * times) * DBL_EPSILON relative.  1e-9 stays above that noise up to
 * millions of event times and far below the conditional variance of any
 * real group once the largest group is the one left out. */
#define PIVOT_TOL 1e-9

/* The weight w(t) of the test at an event time with `n_risk` at risk and
 * pooled left-continuous Kaplan-Meier S(t-) = `surv`.  pow(x, 0) is 1 even
 * for x = 0, so FH with gamma = 0 has weight S^rho at the first event time
 * (where 1 - S = 0), matching survdiff; pow(S, 1) is exactly S. */
static double test_weight(const coh_test_spec *spec, double surv, double n_risk)
{
    switch (spec->kind) {
    case COH_TEST_LOGRANK:
        return 1.0;
    case COH_TEST_PETO:
        return surv;
    case COH_TEST_GEHAN:
        return n_risk;
    case COH_TEST_TARONE_WARE:
        return sqrt(n_risk);
    case COH_TEST_FH:
        return pow(surv, spec->rho) * pow(1.0 - surv, spec->gamma);
    }
    return NAN; /* not reached: the kind is checked on entry */
}

/* Add the contributions of one stratum, rows [lo, hi), to O, E and V (k x k,
 * row-major).  Walks the distinct times forward; `n_group` (k) starts as
 * the number of rows per group in the stratum and is the number at risk
 * per group at the current time; `d_group` (k) is zero on entry and on
 * return.  The order of operations in the E and V updates is survdiff2's,
 * so that results agree with R to the last few bits. */
static void add_stratum(const double *time, const uint8_t *event, const int32_t *group,
                        size_t lo, size_t hi, size_t k, const coh_test_spec *spec,
                        double *n_group, double *d_group, double *observed,
                        double *expected, double *variance)
{
    double n_risk = (double)(hi - lo);
    double surv = 1.0; /* pooled S(t-) */
    size_t i = lo;
    while (i < hi) {
        size_t j = i;
        double d = 0;
        for (; j < hi && time[j] == time[i]; j++) {
            d_group[group[j]] += event[j];
            d += event[j];
        }
        if (d > 0) {
            double w = test_weight(spec, surv, n_risk);
            for (size_t g = 0; g < k; g++) {
                observed[g] += w * d_group[g];
                expected[g] += w * d * n_group[g] / n_risk;
            }
            /* one subject at risk: the hypergeometric variance is 0/0,
             * and its limit 0 (survdiff2 skips it too) */
            if (n_risk > 1) {
                double kt = w * w * d * (n_risk - d) / (n_risk - 1);
                for (size_t g = 0; g < k; g++) {
                    double tmp = kt * n_group[g] / n_risk;
                    if (tmp == 0)
                        continue; /* group not at risk: nothing to add */
                    variance[g * k + g] += tmp;
                    for (size_t h = 0; h < k; h++)
                        variance[g * k + h] -= tmp * n_group[h] / n_risk;
                }
            }
            surv = surv * (n_risk - d) / n_risk;
        }
        /* the rows at this time leave the risk set */
        for (size_t r = i; r < j; r++) {
            n_group[group[r]] -= 1;
            d_group[group[r]] = 0;
        }
        n_risk -= (double)(j - i);
        i = j;
    }
}

/* x' A^- x for a symmetric positive semi-definite m x m matrix `a`
 * (row-major, overwritten by its LDL' factor in the lower triangle) and
 * vector `x` (overwritten by L^-1 x).  A pivot at or below PIVOT_TOL times
 * the original diagonal (`diag0`, m) is taken as zero: its column of L is
 * zeroed and it adds nothing, which gives a generalized inverse (as
 * survival's cholesky2/chsolve2 do).  Returns the sum over the kept pivots
 * of z_i^2 / D_i, and their count in *rank. */
static double ldl_quadratic_form(double *a, double *x, const double *diag0, size_t m,
                                 int *rank)
{
    int r = 0;
    for (size_t i = 0; i < m; i++) {
        double pivot = a[i * m + i];
        if (!(diag0[i] > 0) || !(pivot > PIVOT_TOL * diag0[i])) {
            a[i * m + i] = 0;
            for (size_t j = i + 1; j < m; j++)
                a[j * m + i] = 0;
            continue;
        }
        r++;
        /* Schur complement of the trailing block, lower triangle */
        for (size_t j = i + 1; j < m; j++) {
            double lji = a[j * m + i] / pivot;
            for (size_t h = i + 1; h <= j; h++)
                a[j * m + h] -= lji * a[h * m + i];
        }
        for (size_t j = i + 1; j < m; j++)
            a[j * m + i] /= pivot;
    }
    /* forward solve L z = x and accumulate z' D^- z */
    double q = 0;
    for (size_t i = 0; i < m; i++) {
        double z = x[i];
        for (size_t h = 0; h < i; h++)
            z -= a[i * m + h] * x[h];
        x[i] = z;
        if (a[i * m + i] > 0)
            q += z * z / a[i * m + i];
    }
    *rank = r;
    return q;
}

void coh_test_result_free(coh_test_result *r)
{
    if (r == NULL)
        return;
    free(r->n);
    free(r->observed);
    free(r->expected);
    free(r->variance);
    free(r);
}

/* Is the spec one of the known kinds with valid parameters? */
static bool spec_valid(const coh_test_spec *spec)
{
    switch (spec->kind) {
    case COH_TEST_LOGRANK:
    case COH_TEST_PETO:
    case COH_TEST_GEHAN:
    case COH_TEST_TARONE_WARE:
        return true;
    case COH_TEST_FH:
        return isfinite(spec->rho) && isfinite(spec->gamma) && spec->rho >= 0 &&
               spec->gamma >= 0;
    }
    return false;
}

/* Test equality of survival in k groups (see the header comment of this
 * file).  COH_EINVAL for NULL arrays or spec, k < 2, an unknown test or
 * negative/non-finite FH parameters, a non-finite time, an event other than
 * 0/1, a group outside 0..k-1, a negative stratum, or rows not sorted by
 * stratum and time; COH_EEMPTY for n = 0; COH_ENOMEM.  Data with no events,
 * or with events in only one group, are a result: chisq 0, df 0, p NAN. */
coh_status coh_survdiff(const double *time, const uint8_t *event, const int32_t *group,
                        const int32_t *stratum, size_t n, size_t k, const coh_test_spec *spec,
                        coh_test_result **out)
{
    if (out == NULL)
        return COH_EINVAL;
    *out = NULL;
    if (spec == NULL || !spec_valid(spec) || k < 2)
        return COH_EINVAL;
    if (n == 0)
        return COH_EEMPTY;
    if (time == NULL || event == NULL || group == NULL)
        return COH_EINVAL;
    /* k x k doubles must be addressable */
    if (k > SIZE_MAX / sizeof(double) / k)
        return COH_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(time[i]) || event[i] > 1 || group[i] < 0 || (size_t)group[i] >= k)
            return COH_EINVAL;
        if (stratum != NULL && stratum[i] < 0)
            return COH_EINVAL;
        if (i > 0) {
            bool same_stratum = stratum == NULL || stratum[i] == stratum[i - 1];
            if (stratum != NULL && stratum[i] < stratum[i - 1])
                return COH_EINVAL;
            if (same_stratum && time[i] < time[i - 1])
                return COH_EINVAL;
        }
    }

    coh_test_result *r = calloc(1, sizeof *r);
    /* scratch: n_group, d_group (k each), the matrix left after leaving one
     * group out ((k-1)^2), its diagonal and the vector O - E (k-1 each) */
    size_t m = k - 1;
    double *scratch = calloc(2 * k + m * m + 2 * m, sizeof(double));
    if (r == NULL || scratch == NULL) {
        free(r);
        free(scratch);
        return COH_ENOMEM;
    }
    r->n_groups = k;
    r->n = calloc(k, sizeof(double));
    r->observed = calloc(k, sizeof(double));
    r->expected = calloc(k, sizeof(double));
    r->variance = calloc(k * k, sizeof(double));
    if (r->n == NULL || r->observed == NULL || r->expected == NULL || r->variance == NULL) {
        coh_test_result_free(r);
        free(scratch);
        return COH_ENOMEM;
    }
    double *n_group = scratch, *d_group = scratch + k;
    double *sub = scratch + 2 * k, *diag0 = sub + m * m, *diff = diag0 + m;

    for (size_t i = 0; i < n; i++)
        r->n[group[i]] += 1;
    size_t lo = 0;
    while (lo < n) {
        size_t hi = lo + 1;
        while (hi < n && (stratum == NULL || stratum[hi] == stratum[lo]))
            hi++;
        for (size_t i = lo; i < hi; i++)
            n_group[group[i]] += 1;
        add_stratum(time, event, group, lo, hi, k, spec, n_group, d_group, r->observed,
                    r->expected, r->variance);
        lo = hi;
    }

    /* leave out the group with the largest variance (the first of ties) */
    size_t ref = 0;
    for (size_t g = 1; g < k; g++)
        if (r->variance[g * k + g] > r->variance[ref * k + ref])
            ref = g;
    size_t a = 0;
    for (size_t g = 0; g < k; g++) {
        if (g == ref)
            continue;
        size_t b = 0;
        for (size_t h = 0; h < k; h++) {
            if (h == ref)
                continue;
            sub[a * m + b] = r->variance[g * k + h];
            b++;
        }
        diag0[a] = r->variance[g * k + g];
        diff[a] = r->observed[g] - r->expected[g];
        a++;
    }
    int rank = 0;
    double chisq = ldl_quadratic_form(sub, diff, diag0, m, &rank);
    if (rank == 0) {
        r->chisq = 0;
        r->df = 0;
        r->p = NAN;
    } else {
        r->chisq = chisq;
        r->df = rank;
        r->p = coh_dist_chisq_q(chisq, (double)rank);
    }
    free(scratch);
    *out = r;
    return COH_OK;
}

/* ---------------------------------------------------------------------
 * Multiplicity adjustment (R's p.adjust)
 */

coh_status coh_p_adjust_parse(const char *s, coh_p_adjust *out)
{
    if (s == NULL || out == NULL)
        return COH_EINVAL;
    if (word_eq(s, "none"))
        *out = COH_ADJUST_NONE;
    else if (word_eq(s, "holm"))
        *out = COH_ADJUST_HOLM;
    else if (word_eq(s, "BH") || word_eq(s, "fdr"))
        *out = COH_ADJUST_BH;
    else
        return COH_EINVAL;
    return COH_OK;
}

/* With the n non-missing p-values sorted, p(1) <= ... <= p(n) (ties in
 * their original order, as R's order()):
 *   Holm  adj(j) = min(1, max_{i <= j} (n - i + 1) p(i))
 *   BH    adj(j) = min(1, min_{i >= j} (n / i) p(i))
 * computed in that form and order (R's p.adjust: cummax and cummin over
 * the sorted values, `(n - i + 1L) * p[o]` and `n/i * p[o]`).  Tied
 * p-values get the same adjusted value.  Missing values (NAN) stay NAN and
 * do not count in n. */

typedef struct p_rank {
    double p;
    size_t i;
} p_rank;

/* Ascending p, then original position (a stable order, like R's order). */
static int p_rank_cmp(const void *a, const void *b)
{
    const p_rank *x = a, *y = b;
    if (x->p < y->p)
        return -1;
    if (x->p > y->p)
        return 1;
    return (x->i > y->i) - (x->i < y->i);
}

/* Up to this many p-values are sorted on the stack (4 KiB): the pairwise
 * comparisons of up to 23 groups need no heap memory. */
#define P_ADJUST_STACK 256

coh_status coh_p_adjust_apply(coh_p_adjust method, const double *p, size_t m, double *adj)
{
    if (m == 0)
        return COH_OK;
    if (p == NULL || adj == NULL)
        return COH_EINVAL;
    if (method != COH_ADJUST_NONE && method != COH_ADJUST_HOLM && method != COH_ADJUST_BH)
        return COH_EINVAL;
    if (method == COH_ADJUST_NONE) {
        memmove(adj, p, m * sizeof *adj);
        return COH_OK;
    }
    p_rank stack_buf[P_ADJUST_STACK];
    p_rank *sorted = stack_buf;
    if (m > P_ADJUST_STACK) {
        if (m > SIZE_MAX / sizeof *sorted)
            return COH_ENOMEM;
        sorted = malloc(m * sizeof *sorted);
        if (sorted == NULL)
            return COH_ENOMEM;
    }
    /* copy first: from here on p is not read, so adj may be p */
    size_t n = 0;
    for (size_t i = 0; i < m; i++)
        if (!isnan(p[i]))
            sorted[n++] = (p_rank){p[i], i};
    for (size_t i = 0; i < m; i++)
        if (isnan(p[i]))
            adj[i] = NAN;
    qsort(sorted, n, sizeof *sorted, p_rank_cmp);
    double nd = (double)n;
    if (method == COH_ADJUST_HOLM) {
        double run = -INFINITY;
        for (size_t j = 0; j < n; j++) {
            double v = (nd - (double)j) * sorted[j].p; /* (n - i + 1) p(i), i = j + 1 */
            if (v > run)
                run = v;
            adj[sorted[j].i] = run < 1 ? run : 1;
        }
    } else {
        double run = INFINITY;
        for (size_t j = n; j-- > 0;) {
            double v = nd / (double)(j + 1) * sorted[j].p;
            if (v < run)
                run = v;
            adj[sorted[j].i] = run < 1 ? run : 1;
        }
    }
    if (sorted != stack_buf)
        free(sorted);
    return COH_OK;
}
