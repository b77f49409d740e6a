/* cox.c - Cox proportional hazards regression: the fit by Newton-Raphson,
 * its likelihood-ratio, Wald and score tests, and the robust (sandwich)
 * variance.  R's survival 3.5 (coxph.fit and its C routine coxfit6, with
 * cholesky2/chsolve2/chinv2, and coxscore2 for the robust variance) is the
 * reference; docs/methods.md, sections 10-12, has the derivations.
 *
 * Estimates beta maximising the log partial likelihood, for subjects i with
 * case weight w_i, covariates x_i (p-vector), risk r_i = w_i exp(x_i beta),
 * summed over the distinct event times t of each stratum (risk set R(t) =
 * the stratum's subjects with time >= t, D(t) its d events, W = sum of their
 * weights):
 *
 *   Breslow  l(beta) = sum_t [ sum_{i in D} w_i x_i beta - W log S0(t) ]
 *            S0 = sum_{R} r_i,  S1 = sum_R r_i x_i,  S2 = sum_R r_i x_i x_i'
 *   Efron    the k-th of the d tied deaths (k = 1..d) uses
 *            S0_k = S0(others) + (k/d) S0(deaths) (same for S1, S2),
 *            each term with weight W/d (R's coxfit6 ordering).
 *   score    U = sum_t sum_k wt_k (x_deaths - S1_k/S0_k)
 *   info     I = sum_t sum_k wt_k (S2_k/S0_k - S1_k S1_k'/S0_k^2)
 *
 * The information is evaluated in the rearranged form (section 10.3)
 *
 *   I = sum_i r_i g_i x_i x_i'  -  sum_t sum_k (wt_k / S0_k^2) S1_k S1_k'
 *
 * where g_i is subject i's cumulative hazard increment sum over the event
 * times t <= t_i (the Efron share (k/d) for its own tied death), so that the
 * O(n p^2) part is a weighted cross-product over rows that runs in parallel
 * over blocks of rows, and the risk-set sums S0, S1 are one O(n p) pass.
 *
 * Inputs (coh_cox_data, include/cohort/cox.h): n rows sorted by stratum
 * (non-decreasing) and by time ascending within stratum; the order of rows
 * with equal time within a stratum does not matter (tied times are
 * processed as a group).  x is n x p row-major.  Weights > 0 (or NULL: 1).
 *
 * Returns a coh_cox_fit: coefficients (NAN when aliased), the model-based
 * variance (inverse information, zero rows/columns when aliased), the
 * log-likelihood at init and at the fit, the score, Wald and LR tests,
 * iterations and warnings, and with robust = true or clusters the sandwich
 * variance and R's robust score test.
 *
 * Memory: one scratch block per fit (the centred and scaled copy of x and
 * the per-row and per-block arrays); nothing is allocated inside the risk
 * set loops.  No file-scope mutable state.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cohort/cox.h"

/* The three passes over the rows are compiled twice, for AVX2 with FMA and
 * for the baseline, and the CPU picks at run time (GCC's target_clones,
 * through an ifunc): vectorised cross-products without giving up running
 * on older machines. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
    !defined(__SANITIZE_ADDRESS__)
#define HOT_LOOP __attribute__((target_clones("arch=haswell", "default")))
#else
#define HOT_LOOP
#endif
#include "core/core.h"

/* ---- names and options ------------------------------------------------ */

const char *coh_ties_name(coh_ties t)
{
    switch (t) {
    case COH_TIES_EFRON: return "efron";
    case COH_TIES_BRESLOW: return "breslow";
    }
    return "unknown";
}

coh_status coh_ties_parse(const char *s, coh_ties *out)
{
    if (s == NULL || out == NULL)
        return COH_EINVAL;
    if (strcmp(s, "efron") == 0) {
        *out = COH_TIES_EFRON;
        return COH_OK;
    }
    if (strcmp(s, "breslow") == 0) {
        *out = COH_TIES_BRESLOW;
        return COH_OK;
    }
    return COH_EINVAL;
}

/* R's coxph.control() defaults: eps 1e-9, toler.chol = .Machine$double.eps
 * ^ 0.75, iter.max 20, toler.inf = sqrt(eps). */
void coh_cox_options_init(coh_cox_options *o)
{
    if (o == NULL)
        return;
    o->ties = COH_TIES_EFRON;
    o->max_iter = 20;
    o->eps = 1e-9;
    o->toler_chol = pow(DBL_EPSILON, 0.75);
    o->toler_inf = sqrt(1e-9);
    o->robust = false;
    o->init = NULL;
}

void coh_cox_data_free(coh_cox_data *d)
{
    if (d == NULL)
        return;
    free(d->time);
    free(d->event);
    free(d->stratum);
    free(d->weight);
    free(d->cluster);
    free(d->x);
    free(d->row);
    free(d);
}

void coh_cox_fit_free(coh_cox_model *f)
{
    if (f == NULL)
        return;
    free(f->coef);
    free(f->var);
    free(f->robust_var);
    free(f->aliased);
    free(f->infinite);
    free(f->means);
    free(f->linear_predictor);
    free(f);
}

/* ---- generalized Cholesky (R's cholesky2 / chsolve2 / chinv2) ----------
 *
 * m is a symmetric p x p matrix, row-major; only the lower triangle is
 * read.  It is factored in place as L D L' (unit lower L below the
 * diagonal, D on it).  A pivot below toler * (largest diagonal element), or
 * not finite, is taken as zero: that column is linearly dependent on the
 * earlier ones (aliased), its D is set to 0 and its column of L to 0 so
 * that it takes no part in solves.  This is survival's cholesky2 rule,
 * which decides R's NA coefficients (docs/methods.md, section 10.5).
 * Returns the rank. */
static size_t chol2(double *m, size_t p, double toler)
{
    double eps = 0;
    for (size_t i = 0; i < p; i++)
        if (m[i * p + i] > eps)
            eps = m[i * p + i];
    eps = eps == 0 ? toler : eps * toler;   /* relative tolerance */
    size_t rank = 0;
    for (size_t i = 0; i < p; i++) {
        double pivot = m[i * p + i];
        if (!isfinite(pivot) || pivot < eps) {
            m[i * p + i] = 0;
            for (size_t j = i + 1; j < p; j++)
                m[j * p + i] = 0;
            continue;
        }
        rank++;
        for (size_t j = i + 1; j < p; j++) {
            double t = m[j * p + i] / pivot;
            m[j * p + i] = t;
            m[j * p + j] -= t * t * pivot;
            for (size_t k = j + 1; k < p; k++)
                m[k * p + j] -= t * m[k * p + i];
        }
    }
    return rank;
}

/* Solve (L D L') z = y in place after chol2; components of aliased
 * columns come out 0 (a generalized inverse). */
static void chol2_solve(const double *m, size_t p, double *y)
{
    for (size_t i = 0; i < p; i++) {
        double t = y[i];
        for (size_t j = 0; j < i; j++)
            t -= m[i * p + j] * y[j];
        y[i] = t;
    }
    for (size_t i = p; i-- > 0;) {
        if (m[i * p + i] == 0) {
            y[i] = 0;
            continue;
        }
        double t = y[i] / m[i * p + i];
        for (size_t j = i + 1; j < p; j++)
            t -= m[j * p + i] * y[j];
        y[i] = t;
    }
}

/* The generalized inverse from the factor in m (after chol2) into v (p x
 * p, full symmetric): v = L'^-1 D^- L^-1, with zero rows and columns for
 * aliased columns.  `tmp` holds p*p doubles. */
static void chol2_inverse(const double *m, size_t p, double *v, double *tmp)
{
    /* tmp = L^-1 (unit lower triangular), by forward substitution */
    for (size_t c = 0; c < p; c++) {
        for (size_t i = 0; i < p; i++) {
            if (i < c) {
                tmp[i * p + c] = 0;
                continue;
            }
            double t = i == c ? 1 : 0;
            for (size_t k = c; k < i; k++)
                t -= m[i * p + k] * tmp[k * p + c];
            tmp[i * p + c] = t;
        }
    }
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j <= i; j++) {
            double s = 0;
            if (m[i * p + i] != 0 && m[j * p + j] != 0)
                for (size_t k = i; k < p; k++)
                    if (m[k * p + k] != 0)
                        s += tmp[k * p + i] * tmp[k * p + j] / m[k * p + k];
            v[i * p + j] = v[j * p + i] = s;
        }
}

/* b' V^- b by the generalized Cholesky of V (R's coxph.wtest); *rank gets
 * the rank.  `fac` is p*p scratch, `y` p. */
static double wald_form(const double *v, const double *b, size_t p, double toler, double *fac,
                        double *y, size_t *rank)
{
    memcpy(fac, v, p * p * sizeof *fac);
    *rank = chol2(fac, p, toler);
    memcpy(y, b, p * sizeof *y);
    chol2_solve(fac, p, y);
    double s = 0;
    for (size_t i = 0; i < p; i++)
        s += b[i] * y[i];
    return s;
}

/* ---- one evaluation of loglik, score and information -------------------
 *
 * The rows are cut into blocks at boundaries between tie groups (a tie
 * group: rows of one stratum with one time).  Three passes, the first and
 * last in parallel over blocks, the middle one too once each block knows
 * what it inherits from the blocks after it:
 *
 *   A  eta_i = x_i beta, r_i = w_i exp(eta_i); per block the sums S0, S1 of
 *      its rows in the stratum of its first row (what it passes to the
 *      block before it), and sum over events of w eta and w x.
 *   B  backwards through each block from the inherited S0, S1: at each
 *      tie group with events the loglik and score terms, the subtracted
 *      part of the information, and each row's hazard share at its own
 *      time (S for all, D for a tied death under Efron).
 *   C  forwards through each block from the inherited cumulative hazard:
 *      g_i and the sum of r_i g_i x_i x_i'.
 *
 * Block results are added in block order, so the result does not depend on
 * the number of threads.  Blocks depend only on n (reproducible runs). */

typedef struct blk {
    size_t lo, hi;          /* rows [lo, hi) */
    /* pass A */
    double s0_first;        /* S0 of rows in the stratum of row lo */
    double *s1_first;       /* p */
    double ll_eta;          /* sum over events of w eta */
    double *u;              /* p: score part */
    /* inherited from later rows, same stratum as row hi-1 */
    double s0_in;
    double *s1_in;          /* p */
    /* pass B */
    double ll;              /* log terms */
    double *isub;           /* p x p lower: subtracted information */
    double haz_last;        /* hazard of the block's groups in the stratum of row hi-1 */
    /* inherited cumulative hazard from earlier rows, stratum of row lo */
    double haz_in;
    /* pass C */
    double *imain;          /* p x p lower */
    int nonfinite;
} blk;

typedef struct cox_work {
    size_t n, p;
    coh_ties ties;
    const double *time;
    const uint8_t *event;
    const int32_t *stratum;
    const double *weight;
    double *x;              /* n x p, centred and scaled */
    const double *beta;     /* current point (scaled coordinates) */
    double *eta;            /* n */
    double *risk;           /* n */
    double *haz_s;          /* n: S of the row's tie group */
    double *haz_d;          /* n: D of the row's tie group (Efron deaths) */
    blk *b;
    size_t nb;
    double *sa, *sa2;       /* nb * p scratch for pass B running sums */
} cox_work;

static inline int32_t stratum_of(const cox_work *w, size_t i)
{
    return w->stratum ? w->stratum[i] : 0;
}

static inline bool same_group(const cox_work *w, size_t i, size_t j)
{
    return stratum_of(w, i) == stratum_of(w, j) && w->time[i] == w->time[j];
}

HOT_LOOP
static void pass_a(void *ctx, size_t k)
{
    cox_work *w = ctx;
    blk *b = &w->b[k];
    size_t p = w->p;
    b->s0_first = 0;
    b->ll_eta = 0;
    for (size_t j = 0; j < p; j++)
        b->s1_first[j] = b->u[j] = 0;
    b->nonfinite = 0;
    if (b->lo == b->hi)
        return;
    int32_t s_first = stratum_of(w, b->lo);
    for (size_t i = b->lo; i < b->hi; i++) {
        const double *xi = w->x + i * p;
        double eta = 0;
        for (size_t j = 0; j < p; j++)
            eta += w->beta[j] * xi[j];
        double wt = w->weight ? w->weight[i] : 1;
        /* exp may overflow for wild trial values of beta; the caller sees
         * a non-finite loglik and halves the step, as R's coxfit6 does. */
        double r = wt * exp(eta);
        w->eta[i] = eta;
        w->risk[i] = r;
        if (stratum_of(w, i) == s_first) {
            b->s0_first += r;
            for (size_t j = 0; j < p; j++)
                b->s1_first[j] += r * xi[j];
        }
        if (w->event[i]) {
            b->ll_eta += wt * eta;
            for (size_t j = 0; j < p; j++)
                b->u[j] += wt * xi[j];
        }
    }
}

/* isub += c * (u v' + v u') / (u == v ? 2 : 1) on the lower triangle. */
static void add_outer(double *m, size_t p, double c, const double *u, const double *v)
{
    if (c == 0)
        return;
    for (size_t i = 0; i < p; i++) {
        double cu = c * u[i], cv = c * v[i];
        for (size_t j = 0; j <= i; j++)
            m[i * p + j] += cu * v[j] + cv * u[j];
    }
}

HOT_LOOP
static void pass_b(void *ctx, size_t k)
{
    cox_work *w = ctx;
    blk *b = &w->b[k];
    size_t p = w->p;
    double *a = w->sa + k * p, *a2 = w->sa2 + k * p;
    b->ll = 0;
    b->haz_last = 0;
    for (size_t j = 0; j < p * p; j++)
        b->isub[j] = 0;
    if (b->lo == b->hi)
        return;
    /* running risk-set sums, starting from what later blocks hold */
    double denom = b->s0_in;
    memcpy(a, b->s1_in, p * sizeof *a);
    int32_t s_last = stratum_of(w, b->hi - 1);
    int32_t s_cur = s_last;
    bool efron = w->ties == COH_TIES_EFRON;
    size_t ge = b->hi;      /* the group is rows [gs, ge) */
    while (ge > b->lo) {
        size_t gs = ge - 1;
        while (gs > b->lo && same_group(w, gs - 1, ge - 1))
            gs--;
        if (stratum_of(w, gs) != s_cur) {   /* new stratum: empty risk set */
            s_cur = stratum_of(w, gs);
            denom = 0;
            for (size_t j = 0; j < p; j++)
                a[j] = 0;
        }
        /* censored rows of the group join the risk set directly; the
         * deaths are gathered apart for Efron's fractions */
        size_t nd = 0;
        double deadwt = 0, e_denom = 0;
        for (size_t j = 0; j < p; j++)
            a2[j] = 0;
        for (size_t i = gs; i < ge; i++) {
            const double *xi = w->x + i * p;
            double r = w->risk[i];
            if (w->event[i]) {
                nd++;
                deadwt += w->weight ? w->weight[i] : 1;
                e_denom += r;
                for (size_t j = 0; j < p; j++)
                    a2[j] += r * xi[j];
            } else {
                denom += r;
                for (size_t j = 0; j < p; j++)
                    a[j] += r * xi[j];
            }
        }
        double hs = 0, hd = 0;
        if (nd > 0) {
            if (!efron || nd == 1) {
                denom += e_denom;
                for (size_t j = 0; j < p; j++)
                    a[j] += a2[j];
                b->ll -= deadwt * log(denom);
                hs = hd = deadwt / denom;
                for (size_t j = 0; j < p; j++)
                    b->u[j] -= hs * a[j];
                add_outer(b->isub, p, 0.5 * hs / denom, a, a);
            } else {
                /* term k = 1..nd: S0_k = denom + f e_denom, S1_k = a + f a2,
                 * f = k / nd, weight wtave; the deaths' share is f. */
                double wtave = deadwt / (double)nd;
                double caa = 0, cab = 0, cbb = 0;
                for (size_t t = 1; t <= nd; t++) {
                    double f = (double)t / (double)nd;
                    double dk = denom + f * e_denom;
                    b->ll -= wtave * log(dk);
                    double c = wtave / dk;
                    hs += c;
                    hd += f * c;
                    caa += c / dk;
                    cab += f * c / dk;
                    cbb += f * f * c / dk;
                }
                for (size_t j = 0; j < p; j++)
                    b->u[j] -= hs * a[j] + hd * a2[j];
                /* sum_k c_k/dk (a + f a2)(a + f a2)' in three outer products */
                add_outer(b->isub, p, 0.5 * caa, a, a);
                add_outer(b->isub, p, cab, a, a2);
                add_outer(b->isub, p, 0.5 * cbb, a2, a2);
                denom += e_denom;
                for (size_t j = 0; j < p; j++)
                    a[j] += a2[j];
            }
            if (s_cur == s_last)
                b->haz_last += hs;
        }
        for (size_t i = gs; i < ge; i++) {
            w->haz_s[i] = hs;
            w->haz_d[i] = hd;
        }
        ge = gs;
    }
    if (!isfinite(b->ll))
        b->nonfinite = 1;
}

HOT_LOOP
static void pass_c(void *ctx, size_t k)
{
    cox_work *w = ctx;
    blk *b = &w->b[k];
    size_t p = w->p;
    for (size_t j = 0; j < p * p; j++)
        b->imain[j] = 0;
    if (b->lo == b->hi)
        return;
    double cum = b->haz_in;
    int32_t s_cur = stratum_of(w, b->lo);
    size_t gs = b->lo;
    while (gs < b->hi) {
        size_t ge = gs + 1;
        while (ge < b->hi && same_group(w, gs, ge))
            ge++;
        if (stratum_of(w, gs) != s_cur) {
            s_cur = stratum_of(w, gs);
            cum = 0;
        }
        for (size_t i = gs; i < ge; i++) {
            double g = cum + (w->event[i] ? w->haz_d[i] : w->haz_s[i]);
            double c = w->risk[i] * g;
            if (c == 0)
                continue;
            const double *xi = w->x + i * p;
            for (size_t j = 0; j < p; j++) {
                double cx = c * xi[j];
                double *row = b->imain + j * p;
                for (size_t l = 0; l <= j; l++)
                    row[l] += cx * xi[l];
            }
        }
        cum += w->haz_s[gs];
        gs = ge;
    }
}

/* loglik at beta (scaled coordinates); u (p) and imat (p x p, full
 * symmetric) get the score and information.  Non-finite results are
 * returned as they are (the caller checks). */
static double cox_eval(cox_work *w, const double *beta, double *u, double *imat)
{
    size_t p = w->p, nb = w->nb;
    w->beta = beta;
    coh_parallel_for(nb, 0, pass_a, w);
    /* what each block inherits from the rows after it (same stratum as
     * its last row), from the last block backwards */
    for (size_t k = nb; k-- > 0;) {
        blk *b = &w->b[k];
        b->s0_in = 0;
        for (size_t j = 0; j < p; j++)
            b->s1_in[j] = 0;
        if (b->lo == b->hi)
            continue;
        int32_t s_last = stratum_of(w, b->hi - 1);
        for (size_t m = k + 1; m < nb; m++) {
            blk *c = &w->b[m];
            if (c->lo == c->hi)
                continue;
            if (stratum_of(w, c->lo) != s_last)
                break;
            b->s0_in += c->s0_first;
            for (size_t j = 0; j < p; j++)
                b->s1_in[j] += c->s1_first[j];
            if (stratum_of(w, c->hi - 1) != s_last)
                break;
        }
    }
    coh_parallel_for(nb, 0, pass_b, w);
    for (size_t k = 0; k < nb; k++) {
        blk *b = &w->b[k];
        b->haz_in = 0;
        if (b->lo == b->hi)
            continue;
        int32_t s_first = stratum_of(w, b->lo);
        for (size_t m = k; m-- > 0;) {
            blk *c = &w->b[m];
            if (c->lo == c->hi)
                continue;
            if (stratum_of(w, c->hi - 1) != s_first)
                break;
            b->haz_in += c->haz_last;
            if (stratum_of(w, c->lo) != s_first)
                break;
        }
    }
    coh_parallel_for(nb, 0, pass_c, w);
    double ll = 0;
    for (size_t j = 0; j < p; j++)
        u[j] = 0;
    for (size_t j = 0; j < p * p; j++)
        imat[j] = 0;
    for (size_t k = 0; k < nb; k++) {
        blk *b = &w->b[k];
        ll += b->ll_eta + b->ll;
        for (size_t j = 0; j < p; j++)
            u[j] += b->u[j];
        for (size_t j = 0; j < p * p; j++)
            imat[j] += b->imain[j] - b->isub[j];
    }
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < i; j++)
            imat[j * p + i] = imat[i * p + j];
    return ll;
}

/* ---- score residuals (R's coxscore2) for the robust variance -----------
 *
 * For subject i (weights not applied; the caller multiplies), with the
 * hazard increments h(t) = W / S0 and means xbar(t) = S1 / S0 of the fit:
 *
 *   L_i = delta_i (x_i - xbar(t_i)) - exp(eta_i) sum_{t <= t_i} (x_i - xbar(t)) h(t)
 *
 * with Efron's fractions at tied deaths (section 12.1).  Computed as
 * survival 3.5's coxscore2 does, in O(n p): running totals cumhaz and
 * xhaz = sum xbar h, charged at the end of each stratum.  `score` is
 * exp(linear predictor), `x` the centred covariates (n x p), res n x p. */
static void score_resid(const cox_work *w, const double *x, const double *score, double *res,
                        double *a, double *a2, double *xhaz, double *mx, double *vx)
{
    size_t n = w->n, p = w->p;
    bool efron = w->ties == COH_TIES_EFRON;
    size_t ge = n, s_end = n;
    double denom = 0, cumhaz = 0;
    for (size_t j = 0; j < p; j++)
        a[j] = xhaz[j] = 0;
    while (ge > 0) {
        size_t gs = ge - 1;
        while (gs > 0 && same_group(w, gs - 1, ge - 1))
            gs--;
        size_t nd = 0;
        double e_denom = 0, meanwt = 0;
        for (size_t j = 0; j < p; j++)
            a2[j] = 0;
        for (size_t i = gs; i < ge; i++) {
            const double *xi = x + i * p;
            double wt = w->weight ? w->weight[i] : 1;
            double r = score[i] * wt;
            denom += r;
            for (size_t j = 0; j < p; j++) {
                /* the hazard accumulated before this time, charged back
                 * at the end of the stratum */
                res[i * p + j] = score[i] * (xi[j] * cumhaz - xhaz[j]);
                a[j] += r * xi[j];
            }
            if (w->event[i]) {
                nd++;
                e_denom += r;
                meanwt += wt;
                for (size_t j = 0; j < p; j++)
                    a2[j] += r * xi[j];
            }
        }
        if (nd > 0) {
            if (!efron || nd == 1) {
                double h = meanwt / denom;
                cumhaz += h;
                for (size_t j = 0; j < p; j++) {
                    double xbar = a[j] / denom;
                    xhaz[j] += xbar * h;
                    for (size_t i = gs; i < ge; i++)
                        if (w->event[i])
                            res[i * p + j] += x[i * p + j] - xbar;
                }
            } else {
                /* Efron: the deaths are 1, (d-1)/d, ... in the risk set;
                 * the censored get the whole hazard, the deaths are
                 * refunded the fraction dd/d they were not at risk
                 * (sums over dd gathered first: O(d p), not O(d^2 p)). */
                meanwt /= (double)nd;
                double c1 = 0;
                for (size_t j = 0; j < p; j++)
                    mx[j] = vx[j] = 0;
                for (size_t dd = 0; dd < nd; dd++) {
                    double downwt = (double)dd / (double)nd;
                    double tmp = denom - downwt * e_denom;
                    double h = meanwt / tmp;
                    cumhaz += h;
                    c1 += h * downwt;
                    for (size_t j = 0; j < p; j++) {
                        double xbar = (a[j] - downwt * a2[j]) / tmp;
                        xhaz[j] += xbar * h;
                        mx[j] += xbar;
                        vx[j] += xbar * h * downwt;
                    }
                }
                for (size_t i = gs; i < ge; i++) {
                    if (!w->event[i])
                        continue;
                    for (size_t j = 0; j < p; j++) {
                        double xi = x[i * p + j];
                        res[i * p + j] += xi - mx[j] / (double)nd + score[i] * (xi * c1 - vx[j]);
                    }
                }
            }
        }
        if (gs == 0 || stratum_of(w, gs - 1) != stratum_of(w, gs)) {
            for (size_t i = gs; i < s_end; i++)
                for (size_t j = 0; j < p; j++)
                    res[i * p + j] += score[i] * (xhaz[j] - x[i * p + j] * cumhaz);
            denom = 0;
            cumhaz = 0;
            for (size_t j = 0; j < p; j++)
                a[j] = xhaz[j] = 0;
            s_end = gs;
        }
        ge = gs;
    }
}

/* ---- the fit ------------------------------------------------------------ */

/* The next free warning line of f (200 bytes), or NULL when all are used. */
static char *warning_slot(coh_cox_model *f)
{
    if (f->n_warnings >= COH_COX_MAX_WARNINGS)
        return NULL;
    return f->warnings[f->n_warnings++];
}

#define WARN(f, ...)                                                    \
    do {                                                                \
        char *slot_ = warning_slot(f);                                  \
        if (slot_ != NULL)                                              \
            snprintf(slot_, sizeof (f)->warnings[0], __VA_ARGS__);      \
    } while (0)

/* "1,3,4" (1-based, as R numbers variables) of the flagged columns. */
static void list_columns(const bool *flag, size_t p, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t j = 0; j < p && len + 24 < size; j++)
        if (flag[j]) {
            int k = snprintf(buf + len, size - len, "%s%zu", len ? "," : "", j + 1);
            if (k > 0)
                len += (size_t)k;
        }
}

static coh_status check_data(const coh_cox_data *d)
{
    if (d->n > 0 && (d->time == NULL || d->event == NULL || (d->p > 0 && d->x == NULL)))
        return COH_EINVAL;
    for (size_t i = 0; i < d->n; i++) {
        if (!isfinite(d->time[i]) || d->event[i] > 1)
            return COH_EINVAL;
        if (d->weight && !(d->weight[i] > 0 && isfinite(d->weight[i])))
            return COH_EINVAL;
        if (d->stratum) {
            if (d->stratum[i] < 0 || (size_t)d->stratum[i] >= d->n_strata)
                return COH_EINVAL;
            if (i > 0 && d->stratum[i] < d->stratum[i - 1])
                return COH_EINVAL;
        }
        if (i > 0 && (d->stratum == NULL || d->stratum[i] == d->stratum[i - 1]) &&
            d->time[i] < d->time[i - 1])
            return COH_EINVAL;
        if (d->cluster && (d->cluster[i] < 0 || (size_t)d->cluster[i] >= d->n_clusters))
            return COH_EINVAL;
        for (size_t j = 0; j < d->p; j++)
            if (!isfinite(d->x[i * d->p + j]))
                return COH_EINVAL;
    }
    return COH_OK;
}

static coh_cox_model *fit_alloc(size_t n, size_t p)
{
    coh_cox_model *f = calloc(1, sizeof *f);
    if (f == NULL)
        return NULL;
    size_t p1 = p ? p : 1;
    f->coef = calloc(p1, sizeof *f->coef);
    f->var = calloc(p1 * p1, sizeof *f->var);
    f->aliased = calloc(p1, sizeof *f->aliased);
    f->infinite = calloc(p1, sizeof *f->infinite);
    f->means = calloc(p1, sizeof *f->means);
    f->linear_predictor = calloc(n ? n : 1, sizeof *f->linear_predictor);
    if (!f->coef || !f->var || !f->aliased || !f->infinite || !f->means ||
        !f->linear_predictor) {
        coh_cox_fit_free(f);
        return NULL;
    }
    f->n = n;
    f->p = p;
    f->robust_score_chisq = NAN;
    return f;
}

/* The scratch block of one fit, carved into arrays. */
typedef struct scratch {
    void *mem;
    double *beta, *newbeta, *u, *imat, *fac, *tmp, *scale, *step, *u0;
    double *vec[6];          /* p each: general use */
} scratch;

/* The centring passes of coh_cox_fit over one row block (k):
 * stage 0: which columns are all -1/0/1 (isub[j] 1 or 0) and the weighted
 * column sums (sa); stage 1: weighted absolute deviations from the means
 * (sa2); stage 2: the centred, scaled copy of x. */
typedef struct center_job {
    cox_work *w;
    const coh_cox_data *d;
    const double *means, *scale;
    int stage;
} center_job;

static void center_sums(void *ctx, size_t k)
{
    center_job *cj = ctx;
    cox_work *w = cj->w;
    const coh_cox_data *d = cj->d;
    size_t p = w->p;
    blk *b = &w->b[k];
    double *sum = w->sa + k * p, *dev = w->sa2 + k * p;
    if (cj->stage == 0) {
        for (size_t j = 0; j < p; j++) {
            b->isub[j] = 1;
            sum[j] = 0;
        }
        for (size_t i = b->lo; i < b->hi; i++) {
            const double *xi = d->x + i * p;
            double wt = d->weight ? d->weight[i] : 1;
            for (size_t j = 0; j < p; j++) {
                if (!(xi[j] == 0 || xi[j] == 1 || xi[j] == -1))
                    b->isub[j] = 0;
                sum[j] += wt * xi[j];
            }
        }
    } else if (cj->stage == 1) {
        for (size_t j = 0; j < p; j++)
            dev[j] = 0;
        for (size_t i = b->lo; i < b->hi; i++) {
            const double *xi = d->x + i * p;
            double wt = d->weight ? d->weight[i] : 1;
            for (size_t j = 0; j < p; j++)
                dev[j] += wt * fabs(xi[j] - cj->means[j]);
        }
    } else {
        for (size_t i = b->lo; i < b->hi; i++) {
            const double *xi = d->x + i * p;
            double *zi = w->x + i * p;
            for (size_t j = 0; j < p; j++)
                zi[j] = (xi[j] - cj->means[j]) * cj->scale[j];
        }
    }
}

/* Rows per block: the blocks depend on n only, so that results are the
 * same on any machine; small data stays in one block (no threads). */
#define ROWS_PER_BLOCK 16384
#define MAX_BLOCKS 256

coh_status coh_cox_fit(const coh_cox_data *d, const coh_cox_options *opt, coh_cox_model **out)
{
    if (out == NULL)
        return COH_EINVAL;
    *out = NULL;
    if (d == NULL)
        return COH_EINVAL;
    coh_cox_options defaults;
    coh_cox_options_init(&defaults);
    const coh_cox_options *o = opt ? opt : &defaults;
    if (o->max_iter < 0 || !(o->eps > 0) || !(o->toler_chol > 0) || !(o->toler_inf > 0) ||
        (o->ties != COH_TIES_EFRON && o->ties != COH_TIES_BRESLOW))
        return COH_EINVAL;
    coh_status st = check_data(d);
    if (st != COH_OK)
        return st;
    size_t n = d->n, p = d->p;
    if (p > 0 && (n > SIZE_MAX / sizeof(double) / (p + 8) || p > 4096))
        return COH_ENOMEM;

    coh_cox_model *f = fit_alloc(n, p);
    if (f == NULL)
        return COH_ENOMEM;
    f->ties = o->ties;
    f->robust = o->robust || d->cluster != NULL;
    for (size_t i = 0; i < n; i++)
        f->n_events += d->event[i];
    double sumw = 0;
    for (size_t i = 0; i < n; i++)
        sumw += d->weight ? d->weight[i] : 1;

    /* No events: R's coxph returns NA coefficients, zero variance and
     * zero log-likelihoods without fitting; so do we, with a warning. */
    if (f->n_events == 0) {
        for (size_t j = 0; j < p; j++) {
            f->coef[j] = NAN;
            double s = 0;
            for (size_t i = 0; i < n; i++)
                s += d->x[i * p + j];
            f->means[j] = n ? s / (double)n : 0;   /* R: colMeans(X) here */
        }
        f->robust = false;
        WARN(f, "no events: the model cannot be estimated (%zu rows, all censored)", n);
        *out = f;
        return COH_OK;
    }

    /* ---- one scratch block ---- */
    size_t nb = n / ROWS_PER_BLOCK + 1;
    if (nb > MAX_BLOCKS)
        nb = MAX_BLOCKS;
    size_t pp = p * p;
    size_t p1 = p ? p : 1;
    size_t per_blk = 4 * p + 2 * pp + 2 * p;   /* s1_first u s1_in (p), isub imain, sa sa2 */
    size_t n_doubles = n * p + 4 * n + nb * per_blk + 9 * p1 + 4 * pp + 6 * p1 + 5 * p1;
    double *mem = calloc(n_doubles, sizeof(double));
    blk *blocks = calloc(nb, sizeof *blocks);
    if (mem == NULL || blocks == NULL) {
        free(mem);
        free(blocks);
        coh_cox_fit_free(f);
        return COH_ENOMEM;
    }
    double *cur = mem;
#define CARVE(ptr, count) do { (ptr) = cur; cur += (count); } while (0)
    cox_work w = {0};
    w.n = n;
    w.p = p;
    w.ties = o->ties;
    w.time = d->time;
    w.event = d->event;
    w.stratum = d->stratum;
    w.weight = d->weight;
    CARVE(w.x, n * p);
    CARVE(w.eta, n);
    CARVE(w.risk, n);
    CARVE(w.haz_s, n);
    CARVE(w.haz_d, n);
    w.b = blocks;
    w.nb = nb;
    CARVE(w.sa, nb * p);
    CARVE(w.sa2, nb * p);
    for (size_t k = 0; k < nb; k++) {
        CARVE(blocks[k].s1_first, p);
        CARVE(blocks[k].u, p);
        CARVE(blocks[k].s1_in, p);
        CARVE(blocks[k].isub, pp);
        CARVE(blocks[k].imain, pp);
    }
    double *beta, *newbeta, *u, *scale, *step, *u0, *imat, *fac, *tmp, *vtmp, *va, *vb, *vc,
        *vd, *ve, *vf;
    CARVE(beta, p1);
    CARVE(newbeta, p1);
    CARVE(u, p1);
    CARVE(scale, p1);
    CARVE(step, p1);
    CARVE(u0, p1);
    CARVE(va, p1);
    CARVE(vb, p1);
    CARVE(vc, p1);
    CARVE(imat, pp);
    CARVE(fac, pp);
    CARVE(tmp, pp);
    CARVE(vtmp, pp);
    CARVE(vd, p1);
    CARVE(ve, p1);
    CARVE(vf, p1);
#undef CARVE
    (void)vtmp;

    /* Row blocks: cut at n k / nb, moved forward to the start of a tie
     * group so that no group spans two blocks. */
    {
        size_t prev = 0;
        for (size_t k = 0; k < nb; k++) {
            size_t hi = k + 1 == nb ? n : n / nb * (k + 1);
            if (hi < prev)
                hi = prev;
            while (hi < n && hi > 0 && same_group(&w, hi - 1, hi))
                hi++;
            blocks[k].lo = prev;
            blocks[k].hi = hi;
            prev = hi;
        }
    }

    /* Centring and scaling, as R's coxfit6 (survival 3.5): a column whose
     * values are all -1, 0 or 1 (R's nocenter default) is left as it is;
     * any other is centred at its weighted mean (fit$means) and scaled by
     * 1 / (weighted mean absolute deviation).  Centring keeps exp(x beta)
     * away from overflow and the sums S1, S2 from cancelling; scaling
     * makes the aliasing tolerance of chol2 (relative to the largest
     * diagonal element) mean the same for a column in days as in years.
     * Newton-Raphson itself is invariant to both (section 10.4). */
    /* row by row (x is row-major): which columns are -1/0/1, their
     * weighted means, then mean absolute deviations */
    bool *nocenter = f->infinite;   /* borrowed as scratch until the end */
    /* Three passes over the rows, each in the fixed row blocks on both
     * cores; partial sums are added in block order, so the result does
     * not depend on the number of threads.  Scratch: each block's sa, sa2
     * and isub, which the likelihood passes use only later. */
    center_job cj = {&w, d, f->means, scale, 0};
    coh_parallel_for(nb, 0, center_sums, &cj);
    for (size_t j = 0; j < p; j++) {
        nocenter[j] = true;
        f->means[j] = 0;
        scale[j] = 0;
    }
    for (size_t k = 0; k < nb; k++)
        for (size_t j = 0; j < p; j++) {
            nocenter[j] = nocenter[j] && blocks[k].isub[j] != 0;
            f->means[j] += w.sa[k * p + j];
        }
    for (size_t j = 0; j < p; j++)
        f->means[j] = nocenter[j] ? 0 : f->means[j] / sumw;
    cj.stage = 1;
    coh_parallel_for(nb, 0, center_sums, &cj);
    for (size_t k = 0; k < nb; k++)
        for (size_t j = 0; j < p; j++)
            scale[j] += w.sa2[k * p + j];
    for (size_t j = 0; j < p; j++) {
        /* a constant column (mad 0) is not scaled */
        scale[j] = nocenter[j] || !(scale[j] > 0) ? 1 : sumw / scale[j];
        nocenter[j] = false;
    }
    cj.stage = 2;
    coh_parallel_for(nb, 0, center_sums, &cj);
    for (size_t j = 0; j < p; j++)
        beta[j] = (o->init ? o->init[j] : 0) / scale[j];

    /* ---- Newton-Raphson, as coxfit6 ---- */
    double ll0 = cox_eval(&w, beta, u, imat);
    f->loglik_null = ll0;
    memcpy(u0, u, p * sizeof *u0);
    memcpy(fac, imat, pp * sizeof *fac);
    chol2(fac, p, o->toler_chol);
    memcpy(step, u, p * sizeof *step);
    chol2_solve(fac, p, step);
    double sctest = 0;
    for (size_t j = 0; j < p; j++)
        sctest += u[j] * step[j];
    f->score_chisq = sctest;

    double ll_best = ll0, newlk = ll0;
    int iter = 0, halving = 0;
    bool converged = false;
    bool at_beta = true;      /* the last evaluation (u, imat, fac) is at beta */
    if (o->max_iter > 0 && isfinite(ll0) && p > 0) {
        for (size_t j = 0; j < p; j++)
            newbeta[j] = beta[j] + step[j];
        for (iter = 1; iter <= o->max_iter; iter++) {
            newlk = cox_eval(&w, newbeta, u, imat);
            memcpy(fac, imat, pp * sizeof *fac);
            chol2(fac, p, o->toler_chol);
            at_beta = false;
            /* overflow in exp() at a trial point shows as a non-finite
             * loglik, score or information: treat it as a failed step */
            bool finite = isfinite(newlk);
            for (size_t j = 0; j < p && finite; j++)
                finite = isfinite(u[j]);
            for (size_t j = 0; j < pp && finite; j++)
                finite = isfinite(imat[j]);
            /* R's convergence rule: relative change in the loglik */
            if (finite && fabs(1 - ll_best / newlk) <= o->eps) {
                converged = true;
                ll_best = newlk;
                memcpy(beta, newbeta, p * sizeof *beta);
                at_beta = true;
                break;
            }
            if (!finite || newlk < ll_best) {
                /* step-halving (coxfit6: ever shorter steps back towards
                 * the best point while the loglik does not improve) */
                halving++;
                f->step_halvings++;
                for (size_t j = 0; j < p; j++)
                    newbeta[j] = (newbeta[j] + halving * beta[j]) / (halving + 1.0);
            } else {
                halving = 0;
                ll_best = newlk;
                memcpy(step, u, p * sizeof *step);
                chol2_solve(fac, p, step);
                memcpy(beta, newbeta, p * sizeof *beta);
                at_beta = true;
                for (size_t j = 0; j < p; j++)
                    newbeta[j] = beta[j] + step[j];
            }
        }
        if (!converged) {
            iter = o->max_iter;
            if (!at_beta) {
                /* the information and score at the best point, not at the
                 * last (rejected) trial; see section 10.6 on R */
                ll_best = cox_eval(&w, beta, u, imat);
                memcpy(fac, imat, pp * sizeof *fac);
                chol2(fac, p, o->toler_chol);
            }
        }
    } else {
        ll_best = ll0;
        converged = p == 0;
    }
    f->loglik = p == 0 ? ll0 : ll_best;
    f->iterations = iter;
    f->converged = converged;

    /* variance = inverse information, back on the scale of x */
    chol2_inverse(fac, p, f->var, tmp);
    size_t rank = 0;
    for (size_t j = 0; j < p; j++) {
        f->aliased[j] = fac[j * p + j] == 0;
        rank += !f->aliased[j];
    }
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++)
            f->var[i * p + j] *= scale[i] * scale[j];
    for (size_t j = 0; j < p; j++) {
        f->coef[j] = beta[j] * scale[j];
        u[j] /= scale[j];
    }
    /* linear predictor (x - means) beta, with the estimate before aliased
     * coefficients become NAN (R computes it the same way) */
    double lp_max = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (size_t j = 0; j < p; j++)
            s += (d->x[i * p + j] - f->means[j]) * f->coef[j];
        f->linear_predictor[i] = s;
        if (s > lp_max)
            lp_max = s;
    }
    f->df = (int)rank;
    f->lr_chisq = 2 * (f->loglik - f->loglik_null);

    /* R's checks (coxph.fit), only when more than one iteration was
     * allowed: a coefficient whose one-step change u V is still large
     * relative to it after convergence may be infinite (monotone
     * likelihood). */
    if (o->max_iter > 1 && p > 0) {
        bool any_inf = false;
        for (size_t j = 0; j < p; j++) {
            double s = 0;
            for (size_t l = 0; l < p; l++)
                s += u[l] * f->var[l * p + j];
            double infs = fabs(s);
            if (converged)
                f->infinite[j] = !isfinite(u[j]) ||
                                 (infs > o->eps && infs > o->toler_inf * fabs(f->coef[j]));
            else
                f->infinite[j] = !isfinite(infs);
            any_inf = any_inf || f->infinite[j];
        }
        char cols[120];
        if (!converged) {
            WARN(f, "ran out of iterations and did not converge (%d iterations)", o->max_iter);
            if (lp_max > 500 || any_inf) {
                for (size_t j = 0; j < p; j++)
                    f->infinite[j] = f->infinite[j] || lp_max > 500;
                WARN(f, "one or more coefficients may be infinite");
            }
        } else if (any_inf) {
            list_columns(f->infinite, p, cols, sizeof cols);
            WARN(f, "Loglik converged before variable %s; coefficient may be infinite", cols);
        }
    } else if (o->max_iter == 1 && !converged && p > 0) {
        WARN(f, "ran out of iterations and did not converge (%d iterations)", o->max_iter);
    }
    if (rank < p && o->max_iter > 0) {
        char cols[120];
        list_columns(f->aliased, p, cols, sizeof cols);
        WARN(f, "X matrix deemed to be singular; variable %s aliased (coefficient NA)", cols);
        for (size_t j = 0; j < p; j++)
            if (f->aliased[j])
                f->coef[j] = NAN;
    }
    if (rank > 0 && (double)f->n_events < 10.0 * (double)rank)
        WARN(f, "fewer than 10 events per coefficient (%zu events, %zu coefficients)",
             f->n_events, rank);

    /* ---- robust variance (section 12) ---- */
    if (f->robust && rank > 0) {
        size_t nc = d->cluster ? d->n_clusters : n;
        double *res = calloc(n * p, sizeof *res);
        double *xc = calloc(n * p, sizeof *xc);
        double *score = calloc(n, sizeof *score);
        double *coll = calloc(nc * p, sizeof *coll);
        if (res == NULL || xc == NULL || score == NULL || coll == NULL) {
            free(res);
            free(xc);
            free(score);
            free(coll);
            free(mem);
            free(blocks);
            coh_cox_fit_free(f);
            return COH_ENOMEM;
        }
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < p; j++)
                xc[i * p + j] = d->x[i * p + j] - f->means[j];
        for (size_t i = 0; i < n; i++)
            score[i] = exp(f->linear_predictor[i]);
        /* dfbeta = (weighted score residuals) V, summed within clusters */
        score_resid(&w, xc, score, res, va, vb, vc, vd, ve);
        for (size_t i = 0; i < n; i++) {
            double wt = d->weight ? d->weight[i] : 1;
            size_t c = d->cluster ? (size_t)d->cluster[i] : i;
            for (size_t j = 0; j < p; j++)
                coll[c * p + j] += wt * res[i * p + j];
        }
        f->robust_var = calloc(pp, sizeof *f->robust_var);
        if (f->robust_var == NULL) {
            free(res);
            free(xc);
            free(score);
            free(coll);
            free(mem);
            free(blocks);
            coh_cox_fit_free(f);
            return COH_ENOMEM;
        }
        for (size_t c = 0; c < nc; c++) {
            const double *rc = coll + c * p;
            for (size_t j = 0; j < p; j++) {
                double s = 0;
                for (size_t l = 0; l < p; l++)
                    s += rc[l] * f->var[l * p + j];
                vf[j] = s;
            }
            for (size_t i = 0; i < p; i++)
                for (size_t j = 0; j <= i; j++)
                    f->robust_var[i * p + j] += vf[i] * vf[j];
        }
        for (size_t i = 0; i < p; i++)
            for (size_t j = 0; j < i; j++)
                f->robust_var[j * p + i] = f->robust_var[i * p + j];

        /* R's robust score test: score residuals at the initial value
         * (beta = init with clusters, 0 without, as coxph does), T their
         * weighted cluster sums, test U' (T'T)^- U with U = colSums T */
        for (size_t i = 0; i < n; i++) {
            double s = 0;
            if (d->cluster && o->init)
                for (size_t j = 0; j < p; j++)
                    s += xc[i * p + j] * o->init[j];
            score[i] = exp(s);
        }
        score_resid(&w, xc, score, res, va, vb, vc, vd, ve);
        memset(coll, 0, nc * p * sizeof *coll);
        for (size_t i = 0; i < n; i++) {
            double wt = d->weight ? d->weight[i] : 1;
            size_t c = d->cluster ? (size_t)d->cluster[i] : i;
            for (size_t j = 0; j < p; j++)
                coll[c * p + j] += wt * res[i * p + j];
        }
        for (size_t j = 0; j < pp; j++)
            tmp[j] = 0;
        for (size_t j = 0; j < p; j++)
            va[j] = 0;
        for (size_t c = 0; c < nc; c++) {
            const double *rc = coll + c * p;
            for (size_t i = 0; i < p; i++) {
                va[i] += rc[i];
                for (size_t j = 0; j <= i; j++)
                    tmp[i * p + j] += rc[i] * rc[j];
            }
        }
        for (size_t i = 0; i < p; i++)
            for (size_t j = 0; j < i; j++)
                tmp[j * p + i] = tmp[i * p + j];
        size_t rk;
        f->robust_score_chisq = wald_form(tmp, va, p, o->toler_chol, fac, vb, &rk);
        free(res);
        free(xc);
        free(score);
        free(coll);
    } else {
        f->robust = f->robust && rank > 0;
    }

    /* Wald test of beta = init over the non-aliased coefficients, with the
     * robust variance when robust (R's fit$wald.test) */
    {
        const double *v = f->robust_var ? f->robust_var : f->var;
        size_t k = 0;
        for (size_t i = 0; i < p; i++) {
            if (f->aliased[i])
                continue;
            va[k] = f->coef[i] - (o->init ? o->init[i] : 0);
            size_t l = 0;
            for (size_t j = 0; j < p; j++)
                if (!f->aliased[j])
                    tmp[k * rank + l++] = v[i * p + j];
            k++;
        }
        size_t rk;
        f->wald_chisq = rank ? wald_form(tmp, va, rank, o->toler_chol, fac, vb, &rk) : 0;
    }

    free(mem);
    free(blocks);
    *out = f;
    return COH_OK;
}

coh_status coh_cox_wald(const coh_cox_model *f, const size_t *cols, size_t k, double *chisq,
                        int *df)
{
    if (f == NULL || chisq == NULL || df == NULL || (k > 0 && cols == NULL))
        return COH_EINVAL;
    *chisq = 0;
    *df = 0;
    size_t m = 0;
    for (size_t i = 0; i < k; i++) {
        if (cols[i] >= f->p)
            return COH_EINVAL;
        m += !f->aliased[cols[i]];
    }
    if (m == 0)
        return COH_OK;
    double *mem = malloc((3 * m * m + 2 * m) * sizeof *mem);
    if (mem == NULL)
        return COH_ENOMEM;
    double *v = mem, *fac = v + m * m, *b = fac + m * m, *y = b + m;
    const double *src = f->robust_var ? f->robust_var : f->var;
    size_t r = 0;
    for (size_t i = 0; i < k; i++) {
        size_t ci = cols[i];
        if (f->aliased[ci])
            continue;
        b[r] = f->coef[ci];
        size_t c = 0;
        for (size_t j = 0; j < k; j++)
            if (!f->aliased[cols[j]])
                v[r * m + c++] = src[ci * f->p + cols[j]];
        r++;
    }
    size_t rank;
    /* R's coxph.wtest: generalized Cholesky with toler.chol's default */
    *chisq = wald_form(v, b, m, pow(DBL_EPSILON, 0.75), fac, y, &rank);
    *df = (int)rank;
    free(mem);
    return COH_OK;
}
