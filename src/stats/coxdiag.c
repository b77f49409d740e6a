/* coxdiag.c - diagnostics of a fitted Cox model: concordance, the
 * proportional-hazards score test, and predicted survival curves.
 *
 * None of these refits the model: each takes the data the fit was made on
 * (coh_cox_data: complete rows sorted by stratum, then time ascending; x is
 * n x p row-major; optional case weights) and the fields of the fit it
 * needs (coef, var, means, linear_predictor, ties, aliased).  R's survival
 * 3.5 is the reference for each, function by function.
 *
 * Concordance (R's concordance(fit), survival:::concordancefit and its C
 * routine concordance3; docs/methods.md, section 13).  A pair (i, j) is
 * comparable when, in one stratum, i has an event at t_i and j is still
 * under observation after t_i, or is censored at t_i.  With eta the linear
 * predictor, the pair is concordant when eta_i > eta_j (the one who failed
 * first had the higher risk), discordant when eta_i < eta_j, tied.x when
 * equal; two events at one time are tied.y (tied.xy when eta is equal
 * too), not comparable.  A pair counts w_i w_j.
 *     C = (concordant + tied.x / 2) / (concordant + discordant + tied.x)
 * Its variance is R's infinitesimal jackknife: with npair = concordant +
 * discordant + tied.x, somer = (discordant - concordant) / npair (R works
 * on the reversed predictor, and then reports 1 - its value), and for each
 * subject the weighted number of pairs in which it is the concordant (c_i),
 * discordant (d_i) or tied.x (t_i) member,
 *     dfbeta_i = w_i ((c'_i - d'_i) / npair - somer (c_i + d_i + t_i) / npair)
 *     var(C) = sum dfbeta_i^2 / 4
 * (c'_i, d'_i in R's unreversed orientation).  Counting is one pass
 * backwards in time per stratum with two Fenwick trees over the ranks of
 * eta (everyone seen so far; events seen so far): O(n log n).
 *
 * The proportional-hazards test (R's cox.zph, survival >= 3.0, and its C
 * routine zph1; section 14): the score test, at beta = the fit's
 * coefficients and gamma = 0, for adding g(t) x_k terms to the model, one
 * per column, with g a transform of time centred at its mean over the
 * events.  Efron or Breslow as the fit; strata; case weights.  The test of
 * a term uses the 2p x 2p information of (beta, gamma) restricted to all
 * of beta and that term's gammas.
 *
 * Predicted survival (R's survfit.coxph with newdata, through coxsurv.fit
 * and agsurv; section 15): the Breslow or Efron baseline cumulative hazard,
 * S(t | z) = exp(-H0(t))^exp((z - means) beta), and the variance of
 * H(t | z) = H0(t) exp((z - means) beta) as the Tsiatis term plus the term
 * for the estimated beta.
 *
 * Scratch memory is one block per call; nothing is allocated inside the
 * risk-set loops.  No file-scope mutable state.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cohort/cox.h"
#include "cohort/survdata.h"
#include "cohort/dist.h"

/* ---- names of the time transforms -------------------------------------- */

const char *coh_zph_transform_name(coh_zph_transform t)
{
    switch (t) {
    case COH_ZPH_KM: return "km";
    case COH_ZPH_IDENTITY: return "identity";
    case COH_ZPH_RANK: return "rank";
    case COH_ZPH_LOG: return "log";
    }
    return "unknown";
}

coh_status coh_zph_transform_parse(const char *s, coh_zph_transform *out)
{
    static const struct {
        const char *name;
        coh_zph_transform t;
    } names[] = {{"km", COH_ZPH_KM},
                 {"identity", COH_ZPH_IDENTITY},
                 {"rank", COH_ZPH_RANK},
                 {"log", COH_ZPH_LOG}};
    if (s == NULL || out == NULL)
        return COH_EINVAL;
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        if (strcmp(s, names[k].name) == 0) {
            *out = names[k].t;
            return COH_OK;
        }
    return COH_EINVAL;
}

/* Weight of row i (1 without weights). */
static double weight_of(const coh_cox_data *d, size_t i)
{
    return d->weight != NULL ? d->weight[i] : 1.0;
}

/* End (one past) of the stratum that starts at row s. */
static size_t stratum_end(const coh_cox_data *d, size_t s)
{
    size_t e = s + 1;
    if (d->stratum == NULL)
        return d->n;
    while (e < d->n && d->stratum[e] == d->stratum[s])
        e++;
    return e;
}

/* ---- concordance ------------------------------------------------------- */

typedef struct value_index {
    double value;
    size_t index;
} value_index;

/* Sort n (value, index) pairs by value: the radix sort of survdata.h
 * (O(n), stable) rather than qsort, which was a tenth of a 1e6-row cox
 * run.  Falls back to qsort only when its scratch cannot be had. */
static int by_value(const void *a, const void *b)
{
    double x = ((const value_index *)a)->value, y = ((const value_index *)b)->value;
    return (x > y) - (x < y);
}

static void sort_by_value(value_index *v, size_t n)
{
    double *key = malloc((n ? n : 1) * sizeof *key);
    uint64_t *pay = malloc((n ? n : 1) * sizeof *pay);
    if (key == NULL || pay == NULL || coh_sort_times(key, pay, 0) != COH_OK) {
        free(key);
        free(pay);
        qsort(v, n, sizeof *v, by_value);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        key[i] = v[i].value;
        pay[i] = v[i].index;
    }
    if (coh_sort_times(key, pay, n) != COH_OK) {
        qsort(v, n, sizeof *v, by_value);
    } else {
        for (size_t i = 0; i < n; i++) {
            v[i].value = key[i];
            v[i].index = (size_t)pay[i];
        }
    }
    free(key);
    free(pay);
}

/* A Fenwick tree of weights over ranks 1..m, with each rank's own weight
 * kept apart (the tied-on-eta count) and the running total. */
typedef struct fenwick {
    double *tree;  /* m + 1, tree[0] unused */
    double *node;  /* m + 1 */
    size_t m;
    double total;
} fenwick;

static void fenwick_clear(fenwick *f, size_t m)
{
    f->m = m;
    f->total = 0;
    memset(f->tree, 0, (m + 1) * sizeof *f->tree);
    memset(f->node, 0, (m + 1) * sizeof *f->node);
}

static void fenwick_add(fenwick *f, size_t r, double w)
{
    f->node[r] += w;
    f->total += w;
    for (size_t k = r; k <= f->m; k += k & (~k + 1))
        f->tree[k] += w;
}

/* Weights with rank < r (*less), == r (*equal) and > r (*greater).  The
 * greater sum is total - prefix(r): exact for integer weights, within a
 * rounding of the total otherwise. */
static void fenwick_split(const fenwick *f, size_t r, double *less, double *equal,
                          double *greater)
{
    double below = 0;
    for (size_t k = r - 1; k > 0; k -= k & (~k + 1))
        below += f->tree[k];
    *less = below;
    *equal = f->node[r];
    *greater = f->total - below - f->node[r];
}

/* The events of one tied time, ordered by rank (tied.xy groups are runs). */
typedef struct rank_index {
    size_t rank;
    size_t index;
} rank_index;

static int by_rank(const void *a, const void *b)
{
    size_t x = ((const rank_index *)a)->rank, y = ((const rank_index *)b)->rank;
    return (x > y) - (x < y);
}

/* Harrell's C with R's infinitesimal-jackknife standard error (see the
 * top of this file and docs/methods.md, section 13).  Counts are made in
 * R's unreversed orientation (a pair is "concordant" when the later time
 * has the larger eta) and swapped at the end, as concordancefit does with
 * reverse = TRUE for a coxph fit.  Empty data or no comparable pair:
 * COH_EDOMAIN with the counts filled and NAN estimate and std_err. */
coh_status coh_cox_concordance(const coh_cox_data *d, const coh_cox_model *f,
                               coh_concordance *out)
{
    if (d == NULL || f == NULL || out == NULL || f->linear_predictor == NULL || f->n != d->n)
        return COH_EINVAL;
    size_t n = d->n;
    out->concordant = out->discordant = out->tied_x = out->tied_y = out->tied_xy = 0;
    out->estimate = out->std_err = NAN;
    if (n == 0)
        return COH_EDOMAIN;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(f->linear_predictor[i]))
            return COH_EDOMAIN;

    /* One block: sorted (eta, row) pairs, ranks, the events of a tied time,
     * the two influence sums per row, and two Fenwick trees. */
    value_index *sorted = malloc(n * sizeof *sorted);
    size_t *rank = malloc(n * sizeof *rank);
    rank_index *dead = malloc(n * sizeof *dead);
    double *infl_diff = calloc(n, sizeof *infl_diff); /* c'_i - d'_i */
    double *infl_sum = calloc(n, sizeof *infl_sum);   /* c_i + d_i + t_i */
    double *trees = malloc(4 * (n + 1) * sizeof *trees);
    if (!sorted || !rank || !dead || !infl_diff || !infl_sum || !trees) {
        free(sorted), free(rank), free(dead), free(infl_diff), free(infl_sum), free(trees);
        return COH_ENOMEM;
    }
    fenwick all = {trees, trees + (n + 1), 0, 0};
    fenwick evt = {trees + 2 * (n + 1), trees + 3 * (n + 1), 0, 0};
    /* count[0] concordant, [1] discordant, [2] tied.x (unreversed) */
    double count[3] = {0, 0, 0}, tied_y = 0, tied_xy = 0;

    for (size_t s = 0; s < n;) {
        size_t e = stratum_end(d, s);
        /* ranks of eta within the stratum: equal values share a rank (R's
         * match(x, sort(unique(x))): exact equality) */
        for (size_t i = s; i < e; i++)
            sorted[i - s] = (value_index){f->linear_predictor[i], i};
        sort_by_value(sorted, e - s);
        size_t m = 0;
        for (size_t k = 0; k < e - s; k++) {
            if (k == 0 || sorted[k].value != sorted[k - 1].value)
                m++;
            rank[sorted[k].index] = m;
        }
        fenwick_clear(&all, m);
        fenwick_clear(&evt, m);

        /* backwards in time, one tied time at a time */
        for (size_t hi = e; hi > s;) {
            size_t lo = hi - 1;
            while (lo > s && d->time[lo - 1] == d->time[hi - 1])
                lo--;
            /* censored rows at this time are at risk for its events: they
             * enter the tree first.  Their influence as the survivor of a
             * pair counts the events added from now on (to be closed at
             * the end of the stratum). */
            size_t n_dead = 0;
            for (size_t i = lo; i < hi; i++) {
                if (d->event[i]) {
                    dead[n_dead++] = (rank_index){rank[i], i};
                    continue;
                }
                double l, q, g;
                fenwick_split(&evt, rank[i], &l, &q, &g);
                infl_diff[i] -= l - g;
                infl_sum[i] -= evt.total;
                fenwick_add(&all, rank[i], weight_of(d, i));
            }
            if (n_dead > 1)
                qsort(dead, n_dead, sizeof *dead, by_rank);
            /* pass 1: each event against everyone seen so far (later
             * times, and the censored at this time); tied.y and tied.xy
             * among the events of this time */
            double dwt = 0, dwt_x = 0;
            for (size_t k = 0; k < n_dead; k++) {
                size_t i = dead[k].index;
                double w = weight_of(d, i);
                tied_y += w * dwt;
                dwt += w;
                if (k > 0 && dead[k].rank != dead[k - 1].rank)
                    dwt_x = 0;
                tied_xy += w * dwt_x;
                dwt_x += w;
                double l, q, g;
                fenwick_split(&all, dead[k].rank, &l, &q, &g);
                count[0] += w * g;
                count[1] += w * l;
                count[2] += w * q;
                infl_diff[i] += g - l;
                infl_sum[i] += g + l + q;
                fenwick_add(&evt, dead[k].rank, w);
            }
            /* pass 2: the events of this time join the risk tree; their
             * survivor influence starts now (the events of their own time
             * are in the event tree already and cancel at the end) */
            for (size_t k = 0; k < n_dead; k++) {
                size_t i = dead[k].index;
                double l, q, g;
                fenwick_split(&evt, dead[k].rank, &l, &q, &g);
                infl_diff[i] -= l - g;
                infl_sum[i] -= evt.total;
                fenwick_add(&all, dead[k].rank, weight_of(d, i));
            }
            hi = lo;
        }
        /* close the survivor influence: events added since each entered */
        for (size_t i = s; i < e; i++) {
            double l, q, g;
            fenwick_split(&evt, rank[i], &l, &q, &g);
            infl_diff[i] += l - g;
            infl_sum[i] += evt.total;
        }
        s = e;
    }

    /* reverse, as R does for a coxph fit: higher risk, shorter time */
    out->concordant = count[1];
    out->discordant = count[0];
    out->tied_x = count[2];
    out->tied_y = tied_y - tied_xy; /* R counts tied.xy once, not also as tied.y */
    out->tied_xy = tied_xy;
    double npair = count[0] + count[1] + count[2];
    coh_status st = COH_EDOMAIN;
    if (npair > 0) {
        double somer = (count[0] - count[1]) / npair; /* unreversed */
        double var = 0;
        /* with clusters, R sums the influence within each cluster before
         * squaring (a grouped jackknife); infl_diff holds the per-row
         * influence, reused here as the cluster sums */
        if (d->cluster != NULL && d->n_clusters > 0) {
            double *csum = calloc(d->n_clusters, sizeof *csum);
            if (csum == NULL) {
                free(sorted), free(rank), free(dead), free(infl_diff), free(infl_sum),
                    free(trees);
                return COH_ENOMEM;
            }
            for (size_t i = 0; i < n; i++)
                csum[d->cluster[i]] +=
                    weight_of(d, i) * (infl_diff[i] / npair - somer / npair * infl_sum[i]);
            for (size_t c = 0; c < d->n_clusters; c++)
                var += csum[c] * csum[c];
            free(csum);
        } else {
            for (size_t i = 0; i < n; i++) {
                double dfbeta =
                    weight_of(d, i) * (infl_diff[i] / npair - somer / npair * infl_sum[i]);
                var += dfbeta * dfbeta;
            }
        }
        out->estimate = (out->concordant + out->tied_x / 2) / npair;
        out->std_err = sqrt(var / 4);
        st = COH_OK;
    }
    free(sorted), free(rank), free(dead), free(infl_diff), free(infl_sum), free(trees);
    return st;
}

/* ---- the proportional-hazards test ------------------------------------- */

/* Solve A x = b for symmetric positive definite A (k x k, row-major, a
 * scratch copy that is overwritten) by Cholesky; returns b' x, the score
 * statistic, or NAN when A is not numerically positive definite (a pivot
 * at most 1e-12 times the largest diagonal: R's solve() would stop with
 * "system is computationally singular" at about that point). */
static double quad_solve(double *a, const double *b, double *x, size_t k)
{
    double dmax = 0;
    for (size_t i = 0; i < k; i++)
        if (a[i * k + i] > dmax)
            dmax = a[i * k + i];
    for (size_t j = 0; j < k; j++) {
        double djj = a[j * k + j];
        for (size_t t = 0; t < j; t++)
            djj -= a[j * k + t] * a[j * k + t];
        if (!(djj > 1e-12 * dmax))
            return NAN;
        djj = sqrt(djj);
        a[j * k + j] = djj;
        for (size_t i = j + 1; i < k; i++) {
            double v = a[i * k + j];
            for (size_t t = 0; t < j; t++)
                v -= a[i * k + t] * a[j * k + t];
            a[i * k + j] = v / djj;
        }
    }
    for (size_t i = 0; i < k; i++) { /* L y = b */
        double v = b[i];
        for (size_t t = 0; t < i; t++)
            v -= a[i * k + t] * x[t];
        x[i] = v / a[i * k + i];
    }
    for (size_t i = k; i-- > 0;) { /* L' x = y */
        double v = x[i];
        for (size_t t = i + 1; t < k; t++)
            v -= a[t * k + i] * x[t];
        x[i] = v / a[i * k + i];
    }
    double q = 0;
    for (size_t i = 0; i < k; i++)
        q += b[i] * x[i];
    return q;
}

/* g(t) for every row, as cox.zph: "km" is 1 - S(t-) of the Kaplan-Meier
 * of all rows (strata and weights ignored, as R's survfitKM call there),
 * "rank" the average rank of the time among all rows, "log" and
 * "identity" as named; then centred at its mean over the events.  Uses
 * order (n pairs) as scratch.  COH_EDOMAIN for log of a time <= 0. */
static coh_status zph_gtime(const coh_cox_data *d, coh_zph_transform transform,
                            value_index *order, double *g)
{
    size_t n = d->n;
    if (transform == COH_ZPH_KM || transform == COH_ZPH_RANK) {
        for (size_t i = 0; i < n; i++)
            order[i] = (value_index){d->time[i], i};
        sort_by_value(order, n);
        double surv = 1; /* S just before the current time */
        for (size_t lo = 0; lo < n;) {
            size_t hi = lo + 1;
            while (hi < n && order[hi].value == order[lo].value)
                hi++;
            double n_dead = 0;
            for (size_t k = lo; k < hi; k++) {
                size_t i = order[k].index;
                n_dead += d->event[i];
                g[i] = transform == COH_ZPH_KM ? 1 - surv : (double)(lo + 1 + hi) / 2;
            }
            surv *= 1 - n_dead / (double)(n - lo);
            lo = hi;
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            if (transform == COH_ZPH_LOG && !(d->time[i] > 0))
                return COH_EDOMAIN;
            g[i] = transform == COH_ZPH_LOG ? log(d->time[i]) : d->time[i];
        }
    }
    double sum = 0, n_event = 0;
    for (size_t i = 0; i < n; i++)
        if (d->event[i]) {
            sum += g[i];
            n_event++;
        }
    double mean = sum / n_event;
    for (size_t i = 0; i < n; i++)
        g[i] -= mean;
    return COH_OK;
}

void coh_zph_result_free(coh_zph_result *z)
{
    if (z == NULL)
        return;
    free(z->chisq);
    free(z->df);
    free(z->p);
    free(z);
}

/* The score U (2q) and information I (2q x 2q, upper triangle filled) of
 * (beta, gamma) at (the fit, 0), for the q kept columns of xc (n x q,
 * centred), as R's zph1: backwards in time within each stratum; at each
 * time the censored rows join the risk sums, then the events are added
 * Breslow-style (all at once) or Efron-style (in ndead equal fractions). */
static void zph_score(const coh_cox_data *d, const double *eta, const double *xc, size_t q,
                      const double *g, bool efron, double *u, double *imat, double *scratch)
{
    size_t n = d->n, q2 = 2 * q;
    double *a = scratch, *a2 = a + q, *cmat = a2 + q, *cmat2 = cmat + q * q;
    memset(u, 0, q2 * sizeof *u);
    memset(imat, 0, q2 * q2 * sizeof *imat);
    for (size_t s = 0; s < n;) {
        size_t e = stratum_end(d, s);
        double denom = 0;
        memset(a, 0, q * sizeof *a);
        memset(cmat, 0, q * q * sizeof *cmat);
        for (size_t hi = e; hi > s;) {
            size_t lo = hi - 1;
            while (lo > s && d->time[lo - 1] == d->time[hi - 1])
                lo--;
            double timewt = g[hi - 1];
            double n_dead = 0, deadwt = 0, denom2 = 0;
            memset(a2, 0, q * sizeof *a2);
            memset(cmat2, 0, q * q * sizeof *cmat2);
            for (size_t i = hi; i-- > lo;) {
                double w = weight_of(d, i);
                double risk = exp(eta[i]) * w;
                const double *xi = xc + i * q;
                double *sa = d->event[i] ? a2 : a, *sc = d->event[i] ? cmat2 : cmat;
                if (d->event[i]) {
                    n_dead++;
                    deadwt += w;
                    denom2 += risk;
                    for (size_t j = 0; j < q; j++) {
                        u[j] += w * xi[j];
                        u[j + q] += timewt * w * xi[j];
                    }
                } else {
                    denom += risk;
                }
                for (size_t j = 0; j < q; j++) {
                    sa[j] += risk * xi[j];
                    for (size_t k = 0; k <= j; k++)
                        sc[j * q + k] += risk * xi[j] * xi[k];
                }
            }
            hi = lo;
            if (n_dead == 0)
                continue;
            /* Breslow: one step with all events in; Efron: ndead steps,
             * each adding 1/ndead of the events' sums (R's zph1 order) */
            size_t steps = efron ? (size_t)n_dead : 1;
            double frac = efron ? 1 / n_dead : 1;
            double wt_step = deadwt * frac;
            for (size_t k = 0; k < steps; k++) {
                denom += denom2 * frac;
                for (size_t i = 0; i < q; i++) {
                    a[i] += a2[i] * frac;
                    double mean_i = a[i] / denom;
                    u[i] -= wt_step * mean_i;
                    u[i + q] -= timewt * wt_step * mean_i;
                    for (size_t j = 0; j <= i; j++) {
                        cmat[i * q + j] += cmat2[i * q + j] * frac;
                        double v = wt_step * (cmat[i * q + j] - mean_i * a[j]) / denom;
                        imat[j * q2 + i] += v;
                        imat[j * q2 + i + q] += v * timewt;
                        imat[(j + q) * q2 + i + q] += v * timewt * timewt;
                    }
                }
            }
        }
        s = e;
    }
    /* fill in the rest of the symmetric matrix, as zph1 */
    for (size_t i = 0; i < q; i++)
        for (size_t j = 0; j < i; j++) {
            imat[i * q2 + j] = imat[j * q2 + i];
            imat[i * q2 + j + q] = imat[j * q2 + i + q];
            imat[(i + q) * q2 + j + q] = imat[(j + q) * q2 + i + q];
        }
    for (size_t i = 0; i < q; i++)
        for (size_t j = 0; j < q; j++)
            imat[(i + q) * q2 + j] = imat[j * q2 + i + q];
}

/* cox.zph(fit, transform, terms = TRUE): see the top of this file and
 * docs/methods.md, section 14.  Aliased columns (or NAN coefficients) are
 * left out, as R does.  COH_EINVAL for bad arguments (a term reaching past
 * column p, say), COH_EDOMAIN for no event, no usable column, or log of a
 * non-positive time.  *out is the caller's (coh_zph_result_free). */
coh_status coh_cox_zph(const coh_cox_data *d, const coh_cox_model *f, coh_zph_transform transform,
                       const size_t *term_first, const size_t *term_ncols, size_t n_terms,
                       coh_zph_result **out)
{
    if (out != NULL)
        *out = NULL;
    if (d == NULL || f == NULL || out == NULL || f->n != d->n || f->p != d->p ||
        f->linear_predictor == NULL || f->coef == NULL ||
        (n_terms > 0 && (term_first == NULL || term_ncols == NULL)))
        return COH_EINVAL;
    if (transform != COH_ZPH_KM && transform != COH_ZPH_IDENTITY && transform != COH_ZPH_RANK &&
        transform != COH_ZPH_LOG)
        return COH_EINVAL;
    size_t n = d->n, p = d->p;
    for (size_t t = 0; t < n_terms; t++)
        if (term_first[t] > p || term_ncols[t] > p - term_first[t])
            return COH_EINVAL;
    size_t n_event = 0;
    for (size_t i = 0; i < n; i++)
        n_event += d->event[i] != 0;
    if (n_event == 0)
        return COH_EDOMAIN;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(f->linear_predictor[i]))
            return COH_EDOMAIN;

    /* kept columns: not aliased, finite coefficient (R drops NA coefs) */
    size_t q = 0;
    for (size_t j = 0; j < p; j++)
        if (!(f->aliased != NULL && f->aliased[j]) && isfinite(f->coef[j]))
            q++;
    if (q == 0)
        return COH_EDOMAIN;
    size_t q2 = 2 * q;

    coh_zph_result *z = calloc(1, sizeof *z);
    size_t nt = n_terms > 0 ? n_terms : 1;
    size_t scratch_n = n * q + n + q2 + q2 * q2 + 2 * q + 2 * q * q + q2 * q2 + 2 * q2 + p;
    double *block = malloc(scratch_n * sizeof *block);
    value_index *order = malloc(n * sizeof *order);
    size_t *keep = malloc(p * sizeof *keep);
    if (z == NULL || block == NULL || order == NULL || keep == NULL)
        goto nomem;
    z->chisq = malloc(nt * sizeof *z->chisq);
    z->df = malloc(nt * sizeof *z->df);
    z->p = malloc(nt * sizeof *z->p);
    if (z->chisq == NULL || z->df == NULL || z->p == NULL)
        goto nomem;
    z->n_terms = n_terms;

    double *xc = block, *g = xc + n * q, *u = g + n, *imat = u + q2, *scratch = imat + q2 * q2;
    double *sub = scratch + 2 * q + 2 * q * q, *ub = sub + q2 * q2, *sol = ub + q2;
    size_t *pos = keep;      /* pos[j]: kept index of column j, or SIZE_MAX */
    for (size_t j = 0, k = 0; j < p; j++)
        pos[j] = (!(f->aliased != NULL && f->aliased[j]) && isfinite(f->coef[j])) ? k++ : SIZE_MAX;

    coh_status st = zph_gtime(d, transform, order, g);
    if (st != COH_OK) {
        free(block), free(order), free(keep);
        coh_zph_result_free(z);
        return st;
    }
    /* Centre the kept columns at their (unweighted) means over all rows, as
     * zph1 does "to make the variance computation more stable"; the test
     * does not depend on it. */
    for (size_t j = 0; j < p; j++) {
        if (pos[j] == SIZE_MAX)
            continue;
        double mean = 0;
        for (size_t i = 0; i < n; i++)
            mean += d->x[i * p + j];
        mean /= (double)n;
        for (size_t i = 0; i < n; i++)
            xc[i * q + pos[j]] = d->x[i * p + j] - mean;
    }
    zph_score(d, f->linear_predictor, xc, q, g, f->ties == COH_TIES_EFRON, u, imat, scratch);

    /* one test per term: all of beta and the term's gammas; the beta part
     * of the score is set to 0, as R does (it is 0 at convergence) */
    size_t *idx = malloc(q2 * sizeof *idx);
    if (idx == NULL)
        goto nomem;
    for (size_t t = 0; t <= n_terms; t++) {
        size_t k = 0;
        for (size_t j = 0; j < q; j++)
            idx[k++] = j;
        int df = 0;
        if (t < n_terms) {
            for (size_t j = term_first[t]; j < term_first[t] + term_ncols[t]; j++)
                if (pos[j] != SIZE_MAX) {
                    idx[k++] = q + pos[j];
                    df++;
                }
        } else {
            for (size_t j = 0; j < q; j++)
                idx[k++] = q + j;
            df = (int)q;
        }
        double chisq = NAN;
        if (df > 0) {
            for (size_t r = 0; r < k; r++) {
                ub[r] = idx[r] < q ? 0 : u[idx[r]];
                for (size_t c = 0; c < k; c++)
                    sub[r * k + c] = imat[idx[r] * q2 + idx[c]];
            }
            chisq = quad_solve(sub, ub, sol, k);
        }
        double pval = df > 0 ? coh_dist_chisq_q(chisq, df) : NAN;
        if (t < n_terms) {
            z->chisq[t] = chisq;
            z->df[t] = df;
            z->p[t] = pval;
        } else {
            z->global_chisq = chisq;
            z->global_df = df;
            z->global_p = pval;
        }
    }
    free(idx);
    free(block), free(order), free(keep);
    *out = z;
    return COH_OK;

nomem:
    free(block), free(order), free(keep);
    coh_zph_result_free(z);
    return COH_ENOMEM;
}

/* ---- predicted survival ------------------------------------------------ */

void coh_cox_curve_free(coh_cox_curve *c)
{
    if (c == NULL)
        return;
    free(c->strata_first);
    free(c->time);
    free(c->n_risk);
    free(c->n_event);
    free(c->n_censor);
    free(c->surv);
    free(c->cumhaz);
    free(c->se_cumhaz);
    free(c->std_err);
    free(c->lower);
    free(c->upper);
    free(c);
}

/* survfit(fit, newdata = z) for one covariate vector z, every stratum
 * (see the top of this file and docs/methods.md, section 15).  Aliased
 * columns (NAN coef) count with coefficient 0, as R.  COH_EINVAL for bad
 * arguments (conf_level outside (0, 1), newx not finite in a used
 * column).  Empty data: COH_EDOMAIN.  *out is the caller's
 * (coh_cox_curve_free). */
coh_status coh_cox_predict(const coh_cox_data *d, const coh_cox_model *f, const double *newx,
                           double conf_level, coh_cox_curve **out)
{
    if (out != NULL)
        *out = NULL;
    if (d == NULL || f == NULL || out == NULL || f->p != d->p || f->n != d->n ||
        (d->p > 0 && (newx == NULL || f->coef == NULL || f->means == NULL || f->var == NULL)) ||
        !(conf_level > 0 && conf_level < 1))
        return COH_EINVAL;
    size_t n = d->n, p = d->p;
    if (n == 0)
        return COH_EDOMAIN;
    bool efron = f->ties == COH_TIES_EFRON;

    /* distinct times per stratum: the rows of the curve */
    size_t n_times = 0, n_strata = 0;
    for (size_t s = 0; s < n;) {
        size_t e = stratum_end(d, s);
        for (size_t i = s; i < e; i++)
            if (i == s || d->time[i] != d->time[i - 1])
                n_times++;
        n_strata++;
        s = e;
    }
    coh_cox_curve *c = calloc(1, sizeof *c);
    /* risk (n), beta, zc (p each), used flags as doubles (p), then per
     * distinct time: xsum (sum over the risk set of w r (x - means)),
     * xsum2 (the same over the events at that time), ndeath, erisk */
    double *block = malloc((n + 4 * p + n_times * (2 * p + 2)) * sizeof *block);
    if (c == NULL || block == NULL)
        goto nomem;
    double *risk = block, *beta = risk + n, *zc = beta + p, *used = zc + p;
    double *xsum = used + p, *xsum2 = xsum + n_times * p, *ndeath = xsum2 + n_times * p;
    double *erisk = ndeath + n_times;
    double **cols[] = {&c->time,   &c->n_risk,    &c->n_event, &c->n_censor, &c->surv,
                       &c->cumhaz, &c->se_cumhaz, &c->std_err, &c->lower,    &c->upper};
    for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++)
        if ((*cols[k] = malloc(n_times * sizeof(double))) == NULL)
            goto nomem;
    c->strata_first = malloc((n_strata + 1) * sizeof *c->strata_first);
    if (c->strata_first == NULL)
        goto nomem;
    c->n_times = n_times;
    c->n_strata = n_strata;

    /* beta with aliased columns as 0 (R's ifelse(is.na(coef), 0, coef));
     * the variance term skips them (their var rows are 0 in R) */
    double lp_new = 0;
    for (size_t j = 0; j < p; j++) {
        bool ok = isfinite(f->coef[j]) && !(f->aliased != NULL && f->aliased[j]);
        used[j] = ok;
        beta[j] = ok ? f->coef[j] : 0;
        zc[j] = ok ? newx[j] - f->means[j] : 0;
        if (ok && !isfinite(zc[j])) {
            free(block);
            coh_cox_curve_free(c);
            return COH_EINVAL;
        }
        lp_new += zc[j] * beta[j];
    }
    double risk_new = exp(lp_new);
    for (size_t i = 0; i < n; i++) {
        double lp = 0;
        for (size_t j = 0; j < p; j++)
            lp += (d->x[i * p + j] - f->means[j]) * beta[j];
        risk[i] = exp(lp);
    }
    double zval = coh_dist_norm_quantile(1 - (1 - conf_level) / 2);

    size_t row = 0, k_stratum = 0;
    for (size_t s = 0; s < n;) {
        size_t e = stratum_end(d, s);
        c->strata_first[k_stratum++] = row;
        size_t n_here = 0;
        for (size_t i = s; i < e; i++)
            if (i == s || d->time[i] != d->time[i - 1])
                n_here++;
        /* Pass 1, backwards: the sums over the risk set at each distinct
         * time (R's rcumsum(rowsum(...)) in agsurv).  surv holds the
         * weighted risk sum (R's nrisk) until pass 2 replaces it. */
        double wsum = 0, wrisk = 0;
        size_t r = row + n_here;
        for (size_t hi = e; hi > s;) {
            size_t lo = hi - 1;
            while (lo > s && d->time[lo - 1] == d->time[hi - 1])
                lo--;
            r--;
            double *xs = xsum + r * p, *xs2 = xsum2 + r * p;
            if (r + 1 < row + n_here)
                memcpy(xs, xs + p, p * sizeof *xs);
            else
                memset(xs, 0, p * sizeof *xs);
            memset(xs2, 0, p * sizeof *xs2);
            double ev = 0, cens = 0, er = 0, nd = 0;
            for (size_t i = lo; i < hi; i++) {
                double w = weight_of(d, i), wr = w * risk[i];
                wsum += w;
                wrisk += wr;
                for (size_t j = 0; j < p; j++)
                    xs[j] += wr * (d->x[i * p + j] - f->means[j]);
                if (d->event[i]) {
                    ev += w;
                    er += wr;
                    nd++;
                    for (size_t j = 0; j < p; j++)
                        xs2[j] += wr * (d->x[i * p + j] - f->means[j]);
                } else {
                    cens += w;
                }
            }
            c->time[r] = d->time[lo];
            c->n_risk[r] = wsum;
            c->n_event[r] = ev;
            c->n_censor[r] = cens;
            c->surv[r] = wrisk;
            ndeath[r] = nd;
            erisk[r] = er;
            hi = lo;
        }
        /* Pass 2, forwards: hazard increments (agsurv), cumulated, and the
         * curve for newx (coxsurv.fit's expand()). zc and xbar are centred
         * at the means; dt = H0 zc - xbar equals R's uncentred dt. */
        double cumhaz = 0, varhaz = 0;
        double *xbar_cum = erisk + n_times; /* the last p doubles of block */
        memset(xbar_cum, 0, p * sizeof *xbar_cum);
        for (r = row; r < row + n_here; r++) {
            double nrisk = c->surv[r], nevent = c->n_event[r], nd = ndeath[r];
            const double *xs = xsum + r * p, *xs2 = xsum2 + r * p;
            double haz = 0, dvar = 0;
            if (nd == 1 || (nd > 0 && !efron)) {
                /* Breslow, and Efron with a single event */
                haz = nevent / nrisk;
                dvar = nevent / (nrisk * nrisk);
                /* the same in exact arithmetic; each in R's order */
                for (size_t j = 0; j < p; j++)
                    xbar_cum[j] += efron ? nevent * (xs[j] / nrisk / nrisk) : xs[j] / nrisk * haz;
            } else if (nd > 1) {
                /* Efron (R's agsurv5): the k-th of nd tied events sees the
                 * risk set less k/nd of the events' risk */
                double sum1 = 0, sum2 = 0;
                for (size_t k = 0; k < (size_t)nd; k++) {
                    double frac = (double)k / nd;
                    double tmp = 1 / (nrisk - erisk[r] * frac);
                    sum1 += tmp / nd;
                    sum2 += tmp * tmp / nd;
                    for (size_t j = 0; j < p; j++)
                        xbar_cum[j] += nevent * ((xs[j] - xs2[j] * frac) * tmp * tmp) / nd;
                }
                haz = nevent * sum1;
                dvar = nevent * sum2;
            }
            cumhaz += haz;
            varhaz += dvar;
            double quad = 0;
            for (size_t j = 0; j < p; j++) {
                if (used[j] == 0)
                    continue;
                double dtj = cumhaz * zc[j] - xbar_cum[j];
                for (size_t k = 0; k < p; k++)
                    if (used[k] != 0)
                        quad += dtj * f->var[j * p + k] * (cumhaz * zc[k] - xbar_cum[k]);
            }
            double se = sqrt((varhaz + quad) * risk_new * risk_new);
            double surv = pow(exp(-cumhaz), risk_new);
            c->surv[r] = surv;
            c->cumhaz[r] = cumhaz * risk_new;
            c->se_cumhaz[r] = se;
            c->std_err[r] = surv * se;
            if (surv > 0) {
                c->lower[r] = exp(log(surv) - zval * se);
                double up = exp(log(surv) + zval * se);
                c->upper[r] = up < 1 ? up : 1;
            } else {
                c->lower[r] = c->upper[r] = NAN; /* R: log of 0 gives NA */
            }
        }
        row += n_here;
        s = e;
    }
    c->strata_first[n_strata] = row;
    free(block);
    *out = c;
    return COH_OK;

nomem:
    free(block);
    coh_cox_curve_free(c);
    return COH_ENOMEM;
}

coh_cox_coef coh_cox_coef_ci(const coh_cox_model *f, size_t j, double conf_level)
{
    coh_cox_coef r;
    double zq = coh_dist_norm_quantile(1 - (1 - conf_level) / 2);
    const double *v = f->robust_var != NULL ? f->robust_var : f->var;
    r.coef = f->aliased[j] ? NAN : f->coef[j];
    r.se = f->aliased[j] ? NAN : sqrt(v[j * f->p + j]);
    r.hr = exp(r.coef);
    r.lower = exp(r.coef - zq * r.se);
    r.upper = exp(r.coef + zq * r.se);
    r.z = r.coef / r.se;
    r.p = 2 * coh_dist_norm_q(fabs(r.z));
    return r;
}
