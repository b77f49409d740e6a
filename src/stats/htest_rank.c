/* htest_rank.c - tests comparing a continuous variable between groups:
 * the Wilcoxon rank-sum (Mann-Whitney) test, the Kruskal-Wallis test,
 * Welch's and Student's two-sample t-tests, the one-way ANOVA F test and
 * Welch's one-way ANOVA (unequal variances).
 * Each reproduces R's stats function named beside it; the derivations are
 * in docs/methods.md, sections 20 (rank tests) and 21 (t-test, ANOVA).
 *
 *   coh_wilcox_test   wilcox.test(x, y): W = (sum of the ranks of x in the
 *                     pooled sample) - nx (nx + 1) / 2, midranks for ties.
 *                     Exact two-sided p from the null distribution of W
 *                     (the number of ways c(u) to reach W = u among the
 *                     choose(nx + ny, nx) equally likely rankings) when
 *                     nx < 50, ny < 50, no ties and allow_exact:
 *                       p = min(1, 2 P(W <= w))  if w <= nx ny / 2,
 *                       p = min(1, 2 P(W >= w))  otherwise.
 *                     Else the normal approximation
 *                       z = (w - nx ny / 2 - cc) / sigma,
 *                       sigma^2 = nx ny / 12 ((N + 1) - sum(t^3 - t) / (N (N - 1))),
 *                     t the sizes of the tie groups, N = nx + ny,
 *                     cc = sign(w - nx ny / 2) / 2 when `correct`, else 0;
 *                     p = 2 P(Z > |z|).
 *   coh_kruskal_test  kruskal.test(v, g): with R_g the rank sum of group g,
 *                       H = 12 / (N (N + 1)) sum_g (R_g - n_g (N + 1) / 2)^2 / n_g
 *                           / (1 - sum(t^3 - t) / (N^3 - N)),
 *                     chi-square with (groups with values - 1) df.  (R
 *                     writes the numerator 12 sum R_g^2 / n_g / (N (N + 1))
 *                     - 3 (N + 1); the centred form is the same number
 *                     without the cancellation.)
 *   coh_t_test        t.test(x, y, var.equal): t = (mean x - mean y) / se,
 *                     Welch: se^2 = s2x / nx + s2y / ny, df by
 *                     Welch-Satterthwaite; Student: pooled variance,
 *                     df = nx + ny - 2.  p = 2 P(T_df > |t|).
 *   coh_anova_test    anova(lm(v ~ factor(g))): F = (SSB / (k - 1)) /
 *                     (SSW / (N - k)), k the groups with values; p = P(F > f).
 *   coh_welch_anova_test  oneway.test(v ~ g, var.equal = FALSE) (Welch
 *                     1951): with w_i = n_i / s_i^2, W = sum w_i,
 *                     m' = sum w_i m_i / W,
 *                       tmp = sum (1 - w_i / W)^2 / (n_i - 1) / (k^2 - 1),
 *                       F = sum w_i (m_i - m')^2 / ((k - 1) (1 + 2 (k - 2) tmp)),
 *                     on k - 1 and 1 / (3 tmp) df; p = P(F > f).
 *
 * Inputs are plain arrays without missing values (the caller removes
 * them); a NaN or infinite value is COH_EINVAL.  Group codes are 0..k-1;
 * groups with no values are left out, as R's factor() drops them.  A
 * statistical dead end (an empty sample, constant data, all values tied)
 * is not an error: the status is COH_OK, p (and the statistic where it is
 * undefined) is NAN and `note` says why.
 *
 * Ties: pooled values are sorted once (qsort, O(N log N)); each run of
 * equal values gets its mean rank and adds t^3 - t to the tie sum.
 * Values equal in double precision are ties; R's rank() does the same.
 *
 * Distributions: normal and chi-square through cohort/dist.h; t and F
 * through GSL's gsl_cdf_tdist_Q and gsl_cdf_fdist_Q.  GSL's default error
 * handler aborts, so those two are called only on arguments where GSL does
 * not report errors: finite positive statistic, 0.1 <= df <= 1e8 (t) and
 * 1 <= df1 <= 1e5, 1 <= df2 <= 1e8 (F).  Inside that range the incomplete
 * beta continued fraction of GSL 2.7 (cdf/beta_inc.c) converges: a probe
 * of 2e7 random arguments for each (statistic log-uniform over
 * 1e-300..1e300 and near the distribution's bulk, df log-uniform over the
 * range) with a counting error handler met no error.  Outside the range p
 * is NAN with a note (N above 1e8 observations, or more than 1e5 groups).
 *
 * Memory: the exact Wilcoxon distribution takes one block of
 * (nx + 1) (nx ny + 1) doubles (at most about 1 MB); ranking takes one
 * block of N (value, group) pairs; the ANOVAs one block of a few doubles
 * per group.  No file-scope state: reentrant.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "cohort/dist.h"
#include "cohort/htest.h"

/* Both samples below this size (and no ties): the exact Wilcoxon test, as
 * R's wilcox.test decides. */
#define WILCOX_EXACT_MAX 50
/* The df ranges where GSL's t and F tails are known not to call the error
 * handler (header comment). */
#define T_DF_MIN 0.1
#define T_DF_MAX 1e8
#define F_DF1_MAX 1e5
#define F_DF2_MAX 1e8

/* One observation for ranking: its value and its group. */
typedef struct ranked {
    double v;
    size_t g;
} ranked;

static int cmp_ranked(const void *a, const void *b)
{
    double x = ((const ranked *)a)->v, y = ((const ranked *)b)->v;
    return (x > y) - (x < y);
}

/* Start a result: everything NAN, the method named, no note. */
static void htest_init(coh_htest *out, const char *method)
{
    out->statistic = NAN;
    out->df = NAN;
    out->df2 = NAN;
    out->p = NAN;
    out->exact = false;
    snprintf(out->method, sizeof out->method, "%s", method);
    out->note[0] = '\0';
}

static void set_note(coh_htest *out, const char *note)
{
    snprintf(out->note, sizeof out->note, "%s", note);
}

static bool all_finite(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return false;
    return true;
}

/* Sort a[0..n) by value and add the midrank of every observation to
 * rank_sum[its group] (rank_sum has the groups' entries, zeroed by the
 * caller).  Returns sum(t^3 - t) over the runs of t equal values. */
static double rank_sums(ranked *a, size_t n, double *rank_sum)
{
    qsort(a, n, sizeof *a, cmp_ranked);
    double ties = 0;
    size_t i = 0;
    while (i < n) {
        size_t j = i + 1;
        while (j < n && a[j].v == a[i].v)
            j++;
        /* ranks i+1..j share their mean (i + 1 + j) / 2 */
        double mid = ((double)i + 1 + (double)j) / 2;
        for (size_t m = i; m < j; m++)
            rank_sum[a[m].g] += mid;
        double t = (double)(j - i);
        ties += t * t * t - t;
        i = j;
    }
    return ties;
}

/* The exact two-sided p of the rank-sum test for W = w (an integer), nx
 * and ny >= 1, nx ny small (both < WILCOX_EXACT_MAX).  Counts c[t][u], the
 * subsets of size t of the ranks seen so far whose Mann-Whitney count is
 * u, built one rank at a time (a 0/1 knapsack over ranks j = 1..N: taking
 * rank j as the t-th smallest x adds j - t, the y's below it).  Only
 * additions of non-negative numbers, so every count carries at most a
 * rounding of 1e-16 relative per addition (R's cwilcox counts the same
 * numbers by recursion).  COH_ENOMEM if the table cannot be allocated. */
static coh_status wilcox_exact_p(double w, size_t nx, size_t ny, double *p)
{
    size_t umax = nx * ny, width = umax + 1;
    double *c = calloc((nx + 1) * width, sizeof *c);
    if (c == NULL)
        return COH_ENOMEM;
    c[0] = 1; /* the empty subset, u = 0 */
    size_t n = nx + ny;
    for (size_t j = 1; j <= n; j++) {
        size_t tmax = j < nx ? j : nx;
        for (size_t t = tmax; t >= 1; t--) {
            size_t shift = j - t;
            if (shift > ny)
                break; /* t smaller still: more than ny y's, impossible */
            double *row = c + t * width;
            const double *prev = c + (t - 1) * width;
            size_t top = (t - 1) * ny; /* prev is zero above this */
            for (size_t u = top + 1; u-- > 0;)
                if (u + shift <= umax)
                    row[u + shift] += prev[u];
        }
    }
    const double *dist = c + nx * width;
    double total = 0, tail = 0;
    size_t wi = (size_t)w;
    bool lower = w <= (double)umax / 2;
    for (size_t u = 0; u <= umax; u++) {
        total += dist[u];
        if (lower ? u <= wi : u >= wi)
            tail += dist[u];
    }
    free(c);
    double pv = 2 * tail / total;
    *p = pv < 1 ? pv : 1;
    return COH_OK;
}

/* The Wilcoxon rank-sum test of x against y (R's wilcox.test(x, y),
 * two-sided, mu = 0).  Empty x or y: COH_OK with W and p NAN and a note
 * (R stops).  All values tied: W is defined (nx ny / 2) but sigma = 0, so
 * p is NAN with a note, as R gives NaN.  COH_EINVAL for NULL pointers or
 * non-finite values, COH_ENOMEM when the exact table cannot be had. */
coh_status coh_wilcox_test(const double *x, size_t nx, const double *y, size_t ny,
                           bool correct, bool allow_exact, coh_htest *out)
{
    if (out == NULL || (nx > 0 && x == NULL) || (ny > 0 && y == NULL))
        return COH_EINVAL;
    htest_init(out, "Wilcoxon rank sum test");
    if (!all_finite(x, nx) || !all_finite(y, ny))
        return COH_EINVAL;
    if (nx == 0 || ny == 0) {
        set_note(out, nx == 0 ? "not enough (non-missing) 'x' observations"
                              : "not enough (non-missing) 'y' observations");
        return COH_OK;
    }
    size_t n = nx + ny;
    ranked *a = malloc(n * sizeof *a);
    if (a == NULL)
        return COH_ENOMEM;
    for (size_t i = 0; i < nx; i++)
        a[i] = (ranked){x[i], 0};
    for (size_t i = 0; i < ny; i++)
        a[nx + i] = (ranked){y[i], 1};
    double rs[2] = {0, 0};
    double ties = rank_sums(a, n, rs);
    free(a);

    double dx = (double)nx, dy = (double)ny, dn = (double)n;
    double w = rs[0] - dx * (dx + 1) / 2;
    out->statistic = w;
    if (allow_exact && nx < WILCOX_EXACT_MAX && ny < WILCOX_EXACT_MAX && ties == 0) {
        snprintf(out->method, sizeof out->method, "Wilcoxon rank sum exact test");
        out->exact = true;
        return wilcox_exact_p(w, nx, ny, &out->p);
    }
    if (correct)
        snprintf(out->method, sizeof out->method,
                 "Wilcoxon rank sum test with continuity correction");
    if (allow_exact && nx < WILCOX_EXACT_MAX && ny < WILCOX_EXACT_MAX)
        set_note(out, "cannot compute exact p-value with ties");
    double z = w - dx * dy / 2;
    double sigma = sqrt(dx * dy / 12 * ((dn + 1) - ties / (dn * (dn - 1))));
    if (!(sigma > 0)) {
        /* every value tied: no variation to test against (R: NaN) */
        set_note(out, "all values are tied: the normal approximation is undefined");
        return COH_OK;
    }
    double cc = correct ? (z > 0 ? 0.5 : z < 0 ? -0.5 : 0) : 0;
    out->p = 2 * coh_dist_norm_q(fabs((z - cc) / sigma));
    if (out->p > 1)
        out->p = 1;
    return COH_OK;
}

/* The Kruskal-Wallis rank-sum test (R's kruskal.test(v, g)).  Groups
 * without values are dropped.  Fewer than two observations or two groups
 * with values, or all values tied: COH_OK with H and p NAN and a note.
 * COH_EINVAL for NULL pointers, k = 0 with n > 0, a group code outside
 * 0..k-1 or a non-finite value. */
coh_status coh_kruskal_test(const double *v, const int *g, size_t n, size_t k, coh_htest *out)
{
    if (out == NULL || (n > 0 && (v == NULL || g == NULL || k == 0)))
        return COH_EINVAL;
    htest_init(out, "Kruskal-Wallis rank sum test");
    if (!all_finite(v, n))
        return COH_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (g[i] < 0 || (size_t)g[i] >= k)
            return COH_EINVAL;
    /* one block: the pairs to rank, then rank sums and counts per group */
    ranked *a = malloc(n * sizeof *a + 2 * k * sizeof(double));
    if (a == NULL)
        return COH_ENOMEM;
    double *rs = (double *)(void *)(a + n), *cnt = rs + k;
    for (size_t j = 0; j < 2 * k; j++)
        rs[j] = 0;
    for (size_t i = 0; i < n; i++) {
        a[i] = (ranked){v[i], (size_t)g[i]};
        cnt[g[i]] += 1;
    }
    size_t groups = 0;
    for (size_t j = 0; j < k; j++)
        groups += cnt[j] > 0;
    if (groups >= 1)
        out->df = (double)groups - 1;
    if (n < 2 || groups < 2) {
        set_note(out, n < 2 ? "not enough observations"
                            : "all observations are in the same group");
        free(a);
        return COH_OK;
    }
    double ties = rank_sums(a, n, rs);
    double dn = (double)n, centre = (dn + 1) / 2, between = 0;
    for (size_t j = 0; j < k; j++)
        if (cnt[j] > 0) {
            double d = rs[j] - cnt[j] * centre;
            between += d * d / cnt[j];
        }
    free(a);
    double tie_factor = 1 - ties / (dn * dn * dn - dn);
    if (!(tie_factor > 0)) {
        set_note(out, "all values are tied: H is undefined");
        return COH_OK;
    }
    out->statistic = 12 * between / (dn * (dn + 1)) / tie_factor;
    out->p = coh_dist_chisq_q(out->statistic, out->df);
    if (isnan(out->p))
        set_note(out, "too many groups for the chi-square tail (more than 1e5)");
    return COH_OK;
}

/* Mean and sum of squared deviations of v[0..n), n >= 1, in two passes
 * with the mean refined by the mean residual (as R's mean and var). */
static void mean_ss(const double *v, size_t n, double *mean, double *ss)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    double m = s / (double)n, r = 0;
    for (size_t i = 0; i < n; i++)
        r += v[i] - m;
    m += r / (double)n;
    double q = 0;
    for (size_t i = 0; i < n; i++)
        q += (v[i] - m) * (v[i] - m);
    *mean = m;
    *ss = q;
}

/* 2 P(T_df > |t|), or NAN (with a note) outside the screened range. */
static double t_two_sided(double t, double df, coh_htest *out)
{
    if (isnan(t) || isnan(df))
        return NAN;
    if (!(df >= T_DF_MIN && df <= T_DF_MAX)) {
        set_note(out, "degrees of freedom outside the range of the t tail (0.1 to 1e8)");
        return NAN;
    }
    double at = fabs(t);
    if (isinf(at))
        return 0;
    if (at == 0)
        return 1;
    double p = 2 * gsl_cdf_tdist_Q(at, df);
    return p < 1 ? p : 1;
}

/* Two-sample t-test of mean x - mean y = 0 (R's t.test(x, y, var.equal)).
 * Welch needs nx, ny >= 2; Student nx, ny >= 1 and nx + ny >= 3; else, or
 * when the standard error is below 10 DBL_EPSILON max(|mean x|, |mean y|)
 * (R: "data are essentially constant"), COH_OK with t and p NAN and the
 * note.  COH_EINVAL for NULL pointers or non-finite values. */
coh_status coh_t_test(const double *x, size_t nx, const double *y, size_t ny, bool var_equal,
                      coh_htest *out)
{
    if (out == NULL || (nx > 0 && x == NULL) || (ny > 0 && y == NULL))
        return COH_EINVAL;
    htest_init(out, var_equal ? "Two Sample t-test" : "Welch Two Sample t-test");
    if (!all_finite(x, nx) || !all_finite(y, ny))
        return COH_EINVAL;
    size_t need = var_equal ? 1 : 2;
    if (nx < need || ny < need || nx + ny < 3) {
        set_note(out, nx < need ? "not enough 'x' observations"
                      : ny < need ? "not enough 'y' observations"
                                  : "not enough observations");
        return COH_OK;
    }
    double mx, my, ssx, ssy, dx = (double)nx, dy = (double)ny, se, df;
    mean_ss(x, nx, &mx, &ssx);
    mean_ss(y, ny, &my, &ssy);
    if (var_equal) {
        df = dx + dy - 2;
        se = sqrt((ssx + ssy) / df * (1 / dx + 1 / dy));
    } else {
        double vx = ssx / (dx - 1) / dx, vy = ssy / (dy - 1) / dy; /* squared se's */
        se = sqrt(vx + vy);
        df = (vx + vy) * (vx + vy) / (vx * vx / (dx - 1) + vy * vy / (dy - 1));
    }
    out->df = df;
    /* R's threshold; "<=" also catches se = 0 with both means 0, where R
     * divides 0 by 0 and returns NaN without a message. */
    double scale = fmax(fabs(mx), fabs(my));
    if (se <= 10 * DBL_EPSILON * scale) {
        set_note(out, "data are essentially constant");
        return COH_OK;
    }
    out->statistic = (mx - my) / se;
    out->p = t_two_sided(out->statistic, df, out);
    return COH_OK;
}

/* One-way ANOVA F test (R's anova(lm(v ~ factor(g)))).  Groups without
 * values are dropped.  Fewer than two groups with values, no residual df
 * (every group one value), constant data, or no variation within groups
 * (R fits perfectly and prints an unreliable F): COH_OK with F and p NAN
 * and a note.  COH_EINVAL as coh_kruskal_test. */
coh_status coh_anova_test(const double *v, const int *g, size_t n, size_t k, coh_htest *out)
{
    if (out == NULL || (n > 0 && (v == NULL || g == NULL || k == 0)))
        return COH_EINVAL;
    htest_init(out, "One-way analysis of variance");
    if (!all_finite(v, n))
        return COH_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (g[i] < 0 || (size_t)g[i] >= k)
            return COH_EINVAL;
    double *sum = calloc(3 * k, sizeof *sum);
    if (sum == NULL)
        return COH_ENOMEM;
    double *cnt = sum + k, *mean = cnt + k;
    double total = 0, vmax = 0;
    for (size_t i = 0; i < n; i++) {
        sum[g[i]] += v[i];
        cnt[g[i]] += 1;
        total += v[i];
        vmax = fmax(vmax, fabs(v[i]));
    }
    size_t groups = 0;
    for (size_t j = 0; j < k; j++)
        if (cnt[j] > 0) {
            groups++;
            mean[j] = sum[j] / cnt[j];
        }
    if (groups < 2) {
        set_note(out, "fewer than two groups with values");
        free(sum);
        return COH_OK;
    }
    double dn = (double)n, grand = total / dn;
    /* refine the means by their mean residuals (two-pass accuracy) */
    double rg = 0;
    for (size_t j = 0; j < k; j++)
        sum[j] = 0;
    for (size_t i = 0; i < n; i++) {
        sum[g[i]] += v[i] - mean[g[i]];
        rg += v[i] - grand;
    }
    grand += rg / dn;
    for (size_t j = 0; j < k; j++)
        if (cnt[j] > 0)
            mean[j] += sum[j] / cnt[j];
    double ssw = 0, ssb = 0;
    for (size_t i = 0; i < n; i++) {
        double d = v[i] - mean[g[i]];
        ssw += d * d;
    }
    for (size_t j = 0; j < k; j++)
        if (cnt[j] > 0)
            ssb += cnt[j] * (mean[j] - grand) * (mean[j] - grand);
    free(sum);
    double df1 = (double)groups - 1, df2 = dn - (double)groups;
    out->df = df1;
    out->df2 = df2;
    if (df2 == 0) {
        set_note(out, "no residual degrees of freedom (one value per group)");
        return COH_OK;
    }
    /* Variation at the level of rounding: the residual standard deviation
     * below 10 DBL_EPSILON times the largest |value| (R's t.test
     * criterion).  lm would return an F made of rounding errors. */
    double tiny = 10 * DBL_EPSILON * vmax;
    if (ssw <= tiny * tiny * dn) {
        set_note(out, ssb <= tiny * tiny * dn
                          ? "data are essentially constant"
                          : "no variation within groups (essentially perfect fit)");
        return COH_OK;
    }
    out->statistic = ssb / df1 / (ssw / df2);
    if (df1 > F_DF1_MAX || df2 > F_DF2_MAX) {
        set_note(out, "degrees of freedom outside the range of the F tail");
        return COH_OK;
    }
    if (out->statistic <= 0)
        out->p = 1;
    else if (isinf(out->statistic))
        out->p = 0;
    else
        out->p = gsl_cdf_fdist_Q(out->statistic, df1, df2);
    return COH_OK;
}

/* Welch's one-way ANOVA, not assuming equal variances (R's
 * oneway.test(v ~ g, var.equal = FALSE); Welch, Biometrika 38, 1951,
 * 330-336; formula in the header comment and docs/methods.md section 21).
 * Groups without values are dropped.  Fewer than two groups with values,
 * a group with one value (R stops: "not enough observations"), or a group
 * without variation (its weight n_i / s_i^2 is infinite; R gives NaN):
 * COH_OK with F and p NAN and a note; df is k - 1 once there are two
 * groups, df2 (fractional) only when F is defined.  With two groups F is
 * the square of Welch's t and df2 its Welch-Satterthwaite df.
 * COH_EINVAL as coh_kruskal_test. */
coh_status coh_welch_anova_test(const double *v, const int *g, size_t n, size_t k,
                                coh_htest *out)
{
    if (out == NULL || (n > 0 && (v == NULL || g == NULL || k == 0)))
        return COH_EINVAL;
    htest_init(out, "One-way analysis of means (not assuming equal variances)");
    if (!all_finite(v, n))
        return COH_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (g[i] < 0 || (size_t)g[i] >= k)
            return COH_EINVAL;
    /* per group: count, mean, largest |v| and |v - mean|, sum of squares,
     * standard error of the mean */
    double *cnt = calloc(6 * k, sizeof *cnt);
    if (cnt == NULL)
        return COH_ENOMEM;
    double *mean = cnt + k, *vmax = mean + k, *dmax = vmax + k, *ss = dmax + k, *se = ss + k;
    for (size_t i = 0; i < n; i++) {
        cnt[g[i]] += 1;
        mean[g[i]] += v[i];
        vmax[g[i]] = fmax(vmax[g[i]], fabs(v[i]));
    }
    size_t groups = 0, singles = 0;
    for (size_t j = 0; j < k; j++) {
        groups += cnt[j] > 0;
        singles += cnt[j] == 1;
    }
    if (groups < 2 || singles > 0) {
        if (groups >= 2)
            out->df = (double)groups - 1;
        set_note(out, groups < 2 ? "fewer than two groups with values"
                                 : "not enough observations (a group has one value)");
        free(cnt);
        return COH_OK;
    }
    out->df = (double)groups - 1;
    /* Means in two passes, refined by the mean residual (as mean_ss). */
    for (size_t j = 0; j < k; j++)
        if (cnt[j] > 0)
            mean[j] /= cnt[j];
    for (size_t i = 0; i < n; i++)
        ss[g[i]] += v[i] - mean[g[i]];
    for (size_t j = 0; j < k; j++)
        if (cnt[j] > 0) {
            mean[j] += ss[j] / cnt[j];
            ss[j] = 0;
        }
    for (size_t i = 0; i < n; i++)
        dmax[g[i]] = fmax(dmax[g[i]], fabs(v[i] - mean[g[i]]));
    /* Sums of squares of the deviations scaled by the power of two at or
     * above the group's largest deviation (exact, and every term <= 1), so
     * that a group whose deviations are below 1e-154 does not underflow to
     * a variance of 0. */
    for (size_t i = 0; i < n; i++) {
        size_t j = (size_t)g[i];
        if (dmax[j] > 0) {
            int e;
            frexp(dmax[j], &e);
            double d = ldexp(v[i] - mean[j], -e);
            ss[j] += d * d;
        }
    }
    /* Standard errors of the means, s_i / sqrt(n_i).  A standard
     * deviation at or below 10 DBL_EPSILON times the group's largest
     * |value| is rounding, not variation (R's t.test criterion, as in
     * coh_anova_test): the weight n_i / s_i^2 would be a quotient of
     * rounding errors. */
    double se_min = INFINITY;
    bool flat = false;
    for (size_t j = 0; j < k; j++) {
        if (cnt[j] == 0)
            continue;
        int e = 0;
        if (dmax[j] > 0)
            frexp(dmax[j], &e);
        double sd = ldexp(sqrt(ss[j] / (cnt[j] - 1)), e);
        if (!(sd > 10 * DBL_EPSILON * vmax[j]))
            flat = true;
        se[j] = sd / sqrt(cnt[j]);
        se_min = fmin(se_min, se[j]);
    }
    if (flat) {
        set_note(out, "a group has no variation");
        free(cnt);
        return COH_OK;
    }
    /* The weights relative to the largest: with r_i = se_min / se_i in
     * (0, 1], w_i / w_max = r_i^2 and w_i / W = r_i^2 / sum r^2, so no
     * weight overflows however small a standard error is; w_i (m_i - m')^2
     * is ((m_i - m') / se_i)^2. */
    double r_sum = 0;
    for (size_t j = 0; j < k; j++)
        if (cnt[j] > 0) {
            double r = se_min / se[j];
            r_sum += r * r;
        }
    double m_w = 0; /* m', the weighted mean of the means */
    for (size_t j = 0; j < k; j++)
        if (cnt[j] > 0) {
            double r = se_min / se[j];
            m_w += r * r / r_sum * mean[j];
        }
    double between = 0, tmp = 0, dk = (double)groups;
    for (size_t j = 0; j < k; j++)
        if (cnt[j] > 0) {
            double r = se_min / se[j], z = (mean[j] - m_w) / se[j], c = 1 - r * r / r_sum;
            between += z * z; /* w_i (m_i - m')^2 */
            tmp += c * c / (cnt[j] - 1);
        }
    free(cnt);
    tmp /= dk * dk - 1;
    double df1 = dk - 1, df2 = 1 / (3 * tmp);
    out->df2 = df2;
    out->statistic = between / (df1 * (1 + 2 * (dk - 2) * tmp));
    /* In exact arithmetic df2 >= (k + 1) / 3 >= 1 (tmp <= (k - 1) /
     * (k^2 - 1): each (1 - w_i / W)^2 / (n_i - 1) <= (1 - w_i / W)^2, whose
     * sum is at most k - 1), so a df2 below 1 is rounding at k = 2; the
     * tail is taken at 1 there, inside GSL's screened range. */
    double df2_tail = fmax(df2, 1);
    if (df1 > F_DF1_MAX || df2_tail > F_DF2_MAX) {
        set_note(out, "degrees of freedom outside the range of the F tail");
        return COH_OK;
    }
    if (out->statistic <= 0)
        out->p = 1;
    else if (isinf(out->statistic))
        out->p = 0;
    else
        out->p = gsl_cdf_fdist_Q(out->statistic, df1, df2_tail);
    return COH_OK;
}
