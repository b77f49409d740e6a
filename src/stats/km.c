/* km.c - the Kaplan-Meier estimator and what is read off it.
 *
 * Estimates, for one group of n subjects with times sorted ascending and
 * event indicators (1 event, 0 censored), at each distinct time t_j with
 * n_j at risk, d_j events and c_j censorings (docs/methods.md, section 3):
 *
 *   S(t)        = prod_{t_j <= t} (1 - d_j / n_j)              (Kaplan & Meier 1958)
 *   var H(t)    = sum_{t_j <= t} d_j / (n_j (n_j - d_j))       (Greenwood 1926)
 *   se S(t)     = S(t) sqrt(var H(t))
 *
 * Ties: all events at t_j precede the censorings at t_j, so the censored
 * are at risk at t_j (the usual convention, and R's).  When the last
 * subjects at risk all die, n_j = d_j and var H is infinite, as in R.
 *
 * The pointwise interval uses the transform of R's survfit_confint
 * (section 4); quantiles and the median follow R's quantile.survfit and
 * print.survfit (section 5), the SPSS median follows Collett (2015, 2.4.2)
 * (section 5.3); survival at given times follows summary.survfit(times =,
 * extend = TRUE) (section 6); the restricted mean follows R's survmean
 * (section 7).
 *
 * Inputs are validated and sorted by the caller; nothing here allocates
 * inside a loop over subjects.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cohort/dist.h"
#include "cohort/desc.h"
#include "cohort/km.h"

const char *coh_conf_type_name(coh_conf_type t)
{
    switch (t) {
    case COH_CONF_LOG: return "log";
    case COH_CONF_LOGLOG: return "log-log";
    case COH_CONF_PLAIN: return "plain";
    case COH_CONF_LOGIT: return "logit";
    case COH_CONF_ARCSIN: return "arcsin";
    case COH_CONF_NONE: return "none";
    }
    return "unknown";
}

coh_status coh_conf_type_parse(const char *s, coh_conf_type *out)
{
    for (int t = COH_CONF_LOG; t <= COH_CONF_NONE; t++)
        if (strcmp(s, coh_conf_type_name((coh_conf_type)t)) == 0) {
            *out = (coh_conf_type)t;
            return COH_OK;
        }
    if (strcmp(s, "loglog") == 0) {
        *out = COH_CONF_LOGLOG;
        return COH_OK;
    }
    return COH_EINVAL;
}

void coh_km_free(coh_km *km)
{
    if (km == NULL)
        return;
    free(km->time); /* one block holds all the columns */
    free(km);
}

/* The pointwise interval of S = p with se = sqrt(var H) (the standard
 * error on the cumulative-hazard scale), exactly as R's survfit_confint
 * with conf.lower = "usual": NAN where R gives NA or NaN. */
static void confint(coh_conf_type type, double z, double p, double se, double *lo, double *hi)
{
    double se2;
    switch (type) {
    case COH_CONF_PLAIN:
        se2 = se * p * z;
        *lo = fmax(p - se2, 0);
        *hi = fmin(p + se2, 1);
        /* fmax/fmin drop a NAN argument; R's pmax/pmin keep it */
        if (isnan(se2))
            *lo = *hi = NAN;
        return;
    case COH_CONF_LOG:
        if (p == 0) {
            *lo = *hi = NAN;
            return;
        }
        se2 = z * se;
        *lo = exp(log(p) - se2);
        *hi = fmin(exp(log(p) + se2), 1);
        if (isnan(se2))
            *lo = *hi = NAN;
        return;
    case COH_CONF_LOGLOG:
        if (p == 0 || p == 1) {
            *lo = *hi = NAN;
            return;
        }
        se2 = z * se / log(p);
        *lo = exp(-exp(log(-log(p)) - se2));
        *hi = exp(-exp(log(-log(p)) + se2));
        return;
    case COH_CONF_LOGIT:
        if (p == 0) {
            *lo = *hi = NAN;
            return;
        }
        se2 = z * se * (1 + p / (1 - p)); /* NaN at p = 1 with se = 0, as R */
        *lo = 1 - 1 / (1 + exp(log(p / (1 - p)) - se2));
        *hi = 1 - 1 / (1 + exp(log(p / (1 - p)) + se2));
        return;
    case COH_CONF_ARCSIN:
        if (p == 0) {
            *lo = *hi = NAN;
            return;
        }
        se2 = 0.5 * z * se * sqrt(p / (1 - p));
        *lo = pow(sin(fmax(0, asin(sqrt(p)) - se2)), 2);
        *hi = pow(sin(fmin(M_PI / 2, asin(sqrt(p)) + se2)), 2);
        if (isnan(se2))
            *lo = *hi = NAN;
        return;
    case COH_CONF_NONE:
        break;
    }
    *lo = *hi = NAN;
}

coh_status coh_km_fit(const double *time, const uint8_t *event, size_t n,
                      coh_conf_type conf_type, double conf_level, coh_km **out)
{
    *out = NULL;
    if (!(conf_level > 0 && conf_level < 1))
        return COH_EINVAL;
    coh_km *km = calloc(1, sizeof *km);
    if (km == NULL)
        return COH_ENOMEM;
    /* distinct times, to size one block for the ten columns */
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        m += i == 0 || time[i] != time[i - 1];
    size_t cols = 10, rows = m ? m : 1;
    double *block = malloc(cols * rows * sizeof *block);
    if (block == NULL) {
        free(km);
        return COH_ENOMEM;
    }
    km->time = block;
    km->n_risk = block + rows;
    km->n_event = block + 2 * rows;
    km->n_censor = block + 3 * rows;
    km->surv = block + 4 * rows;
    km->std_err = block + 5 * rows;
    km->se_cumhaz = block + 6 * rows;
    km->lower = block + 7 * rows;
    km->upper = block + 8 * rows;
    km->n = n;
    km->n_times = m;
    km->conf_type = conf_type;
    km->conf_level = conf_level;

    double z = coh_dist_norm_quantile(1 - (1 - conf_level) / 2);
    double surv = 1, varhaz = 0;
    size_t j = 0, i = 0;
    while (i < n) {
        double t = time[i];
        double at_risk = (double)(n - i), d = 0, c = 0;
        for (; i < n && time[i] == t; i++) {
            if (event[i])
                d++;
            else
                c++;
        }
        if (d > 0) {
            surv *= 1 - d / at_risk;
            /* n = d: infinite, as R (the last at risk all died) */
            varhaz += d / (at_risk * (at_risk - d));
        }
        km->n_events += (size_t)d;
        km->time[j] = t;
        km->n_risk[j] = at_risk;
        km->n_event[j] = d;
        km->n_censor[j] = c;
        km->surv[j] = surv;
        km->se_cumhaz[j] = sqrt(varhaz);
        km->std_err[j] = surv * km->se_cumhaz[j];
        confint(conf_type, z, surv, km->se_cumhaz[j], &km->lower[j], &km->upper[j]);
        j++;
    }
    *out = km;
    return COH_OK;
}

/* ---- quantiles ---------------------------------------------------------- */

/* An abscissa of R's approx and the index it maps to. */
typedef struct approx_pt {
    double a;
    long idx;
} approx_pt;

static int cmp_approx(const void *x, const void *y)
{
    const approx_pt *p = x, *q = y;
    if (p->a != q->a)
        return p->a < q->a ? -1 : 1;
    return (p->idx > q->idx) - (p->idx < q->idx);
}

/* R's approx(a, idx, p, method = "constant", f = 1, rule = 1): R first
 * sorts the points by abscissa (a band need not be monotone: the upper
 * limit of S can rise after a drop in its standard error), then returns
 * the idx of the first point with a >= p, or -1 when p lies outside
 * [min a, max a].  The abscissae are distinct (findq dropped repeats). */
static long approx_right(approx_pt *pt, size_t n, double p)
{
    if (n == 0)
        return -1;
    qsort(pt, n, sizeof *pt, cmp_approx);
    if (p < pt[0].a || p > pt[n - 1].a)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (pt[i].a >= p)
            return pt[i].idx;
    return -1;
}

/* R's findq (survival 3.5, quantile.survfit's helper): the time at which
 * the distribution function y = 1 - S (or 1 - a band) reaches p, with the
 * midpoint rule on a flat stretch at p.  x[0] = 0 and y[0] = 0 come first;
 * y may hold NAN (undefined band values).  `work` holds 2 m doubles and
 * `pt` 2 m points. */
static double findq(const double *x, const double *y, size_t m, double p, double tol,
                    double *work, approx_pt *pt)
{
    double ymax = -INFINITY;
    bool any = false;
    for (size_t i = 0; i < m; i++)
        if (!isnan(y[i])) {
            ymax = any ? fmax(ymax, y[i]) : y[i];
            any = true;
        }
    if (!any || ymax < p)
        return NAN;
    double xmax = x[m - 1];
    /* drop repeated y values (censoring rows and flat stretches), keeping
     * the first; repeated NAN count as repeats of each other (R's
     * duplicated).  Sorting (y, position) finds repeats in O(m log m); a
     * pairwise scan would be quadratic in the number of distinct times. */
    double *xs = work, *ys = work + m;
    approx_pt *srt = pt;
    for (size_t i = 0; i < m; i++) {
        srt[i].a = isnan(y[i]) ? INFINITY : y[i];
        srt[i].idx = (long)i;
    }
    qsort(srt, m, sizeof *srt, cmp_approx);
    uint8_t *dup = (uint8_t *)(pt + m); /* m bytes fit in the second half */
    memset(dup, 0, m);
    for (size_t k = 1; k < m; k++) {
        bool same = isnan(y[srt[k].idx]) ? isnan(y[srt[k - 1].idx])
                                         : !isnan(y[srt[k - 1].idx]) &&
                                               y[srt[k].idx] == y[srt[k - 1].idx];
        if (same)
            dup[srt[k].idx] = 1;
    }
    size_t n = 0;
    for (size_t i = 0; i < m; i++)
        if (!dup[i]) {
            xs[n] = x[i];
            ys[n] = y[i];
            n++;
        }
    /* approx drops points whose abscissa is NAN */
    approx_pt *p1 = pt, *p2 = pt + m;
    size_t n1 = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(ys[i])) {
            p1[n1].a = ys[i] + tol;
            p2[n1].a = ys[i] - tol;
            p1[n1].idx = p2[n1].idx = (long)i;
            n1++;
        }
    long k1 = approx_right(p1, n1, p);
    long k2 = approx_right(p2, n1, p);
    double q = k1 >= 0 && k2 >= 0 ? (xs[k1] + xs[k2]) / 2 : NAN;
    if (p == 0)
        q = xs[0];
    if (!isnan(ys[n - 1]) && fabs(p - ys[n - 1]) < tol)
        q = k1 >= 0 ? (xs[k1] + xmax) / 2 : NAN;
    return q;
}

/* Fill x = (0, times) and y = (0, 1 - v) for findq. */
static void as_cdf(const coh_km *km, const double *v, double *x, double *y)
{
    x[0] = 0;
    y[0] = 0;
    for (size_t j = 0; j < km->n_times; j++) {
        x[j + 1] = km->time[j];
        y[j + 1] = 1 - v[j];
    }
}

coh_status coh_km_quantile_r(const coh_km *km, double p, coh_km_quantile *out)
{
    out->p = p;
    out->estimate = out->lower = out->upper = out->std_err = NAN;
    if (!(p >= 0 && p <= 1))
        return COH_EINVAL;
    if (km->n_times == 0)
        return COH_OK;
    size_t m = km->n_times + 1;
    double *buf = malloc(4 * m * sizeof *buf);
    approx_pt *ibuf = malloc(2 * m * sizeof *ibuf);
    if (buf == NULL || ibuf == NULL) {
        free(buf);
        free(ibuf);
        return COH_ENOMEM;
    }
    double *x = buf, *y = buf + m, *work = buf + 2 * m;
    const double tol = sqrt(DBL_EPSILON);
    as_cdf(km, km->surv, x, y);
    out->estimate = findq(x, y, m, p, tol, work, ibuf);
    if (km->conf_type != COH_CONF_NONE) {
        /* the lower band of S reaches 1 - p first: the lower limit */
        as_cdf(km, km->lower, x, y);
        out->lower = findq(x, y, m, p, tol, work, ibuf);
        as_cdf(km, km->upper, x, y);
        out->upper = findq(x, y, m, p, tol, work, ibuf);
    }
    free(buf);
    free(ibuf);
    return COH_OK;
}

/* R's survmean minmin: the first time v < 0.5 + tol (NAN values skipped),
 * or the midpoint to the next drop when v is 0.5 there. */
static double minmin(const double *v, const double *t, size_t n)
{
    const double tol = sqrt(DBL_EPSILON);
    size_t first = n;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i]) && v[i] < 0.5 + tol) {
            first = i;
            break;
        }
    if (first == n)
        return NAN;
    if (fabs(v[first] - 0.5) < tol)
        for (size_t i = first + 1; i < n; i++)
            if (!isnan(v[i]) && v[i] < v[first])
                return (t[first] + t[i]) / 2;
    return t[first];
}

coh_status coh_km_median_r(const coh_km *km, coh_km_quantile *out)
{
    out->p = 0.5;
    out->std_err = NAN;
    out->estimate = minmin(km->surv, km->time, km->n_times);
    out->lower = out->upper = NAN;
    if (km->conf_type != COH_CONF_NONE) {
        out->lower = minmin(km->lower, km->time, km->n_times);
        out->upper = minmin(km->upper, km->time, km->n_times);
    }
    return COH_OK;
}

coh_status coh_km_median_spss(const coh_km *km, coh_km_quantile *out)
{
    out->p = 0.5;
    out->estimate = out->lower = out->upper = out->std_err = NAN;
    /* the median: the first event time with S <= 0.5 */
    size_t med = km->n_times;
    for (size_t j = 0; j < km->n_times; j++)
        if (km->n_event[j] > 0 && km->surv[j] <= 0.5) {
            med = j;
            break;
        }
    if (med == km->n_times)
        return COH_OK;
    out->estimate = km->time[med];
    /* Collett's density estimate around the median, epsilon = 0.05:
     * u = the last time with S >= 0.55 (time 0 counts, S = 1), l = the
     * first time with S <= 0.45; f = (S(u) - S(l)) / (l - u). */
    double u = 0, su = 1, l = NAN, sl = NAN;
    for (size_t j = 0; j < km->n_times; j++) {
        if (km->n_event[j] == 0)
            continue;
        if (km->surv[j] >= 0.55) {
            u = km->time[j];
            su = km->surv[j];
        }
        if (isnan(l) && km->surv[j] <= 0.45) {
            l = km->time[j];
            sl = km->surv[j];
        }
    }
    if (isnan(l) || !(l > u))
        return COH_OK; /* no density estimate: no standard error */
    double f = (su - sl) / (l - u);
    out->std_err = km->std_err[med] / f;
    double z = coh_dist_norm_quantile(1 - (1 - km->conf_level) / 2);
    if (isfinite(out->std_err)) {
        out->lower = out->estimate - z * out->std_err;
        out->upper = out->estimate + z * out->std_err;
    }
    return COH_OK;
}

/* ---- survival at given times --------------------------------------------- */

coh_status coh_km_at_times(const coh_km *km, const double *times, size_t k, coh_km_at *out)
{
    double prev = -INFINITY;
    for (size_t q = 0; q < k; q++)
        if (isnan(times[q]) || (q > 0 && times[q] < times[q - 1]))
            return COH_EINVAL; /* counts per interval need ascending times */
    for (size_t q = 0; q < k; q++) {
        double t = times[q];
        coh_km_at *a = &out[q];
        bool empty = km->n_times == 0; /* no patients: nothing to say */
        a->time = t;
        a->surv = empty ? NAN : 1;
        a->std_err = empty ? NAN : 0;
        a->lower = a->upper = km->conf_type == COH_CONF_NONE || empty ? NAN : 1;
        a->n_risk = 0;
        a->n_event = a->n_censor = 0;
        a->beyond = km->n_times == 0 || t > km->time[km->n_times - 1];
        /* last row at or before t: the value of the step function */
        size_t j = 0;
        bool found = false;
        for (size_t r = 0; r < km->n_times && km->time[r] <= t; r++) {
            j = r;
            found = true;
        }
        if (found) {
            a->surv = km->surv[j];
            a->std_err = km->std_err[j];
            a->lower = km->lower[j];
            a->upper = km->upper[j];
        }
        /* at risk at t: those at risk at the first time >= t */
        for (size_t r = 0; r < km->n_times; r++)
            if (km->time[r] >= t) {
                a->n_risk = km->n_risk[r];
                break;
            }
        for (size_t r = 0; r < km->n_times; r++)
            if (km->time[r] > prev && km->time[r] <= t) {
                a->n_event += km->n_event[r];
                a->n_censor += km->n_censor[r];
            }
        prev = t;
    }
    return COH_OK;
}

/* ---- restricted mean ------------------------------------------------------ */

coh_status coh_km_rmst(const coh_km *km, double tau, coh_rmst *out)
{
    out->tau = tau;
    out->estimate = out->std_err = NAN;
    if (!(tau > 0) || !isfinite(tau))
        return COH_EINVAL;
    if (km->n_times == 0)
        return COH_OK; /* no patients: no mean */
    /* rectangles of height S(t_{j-1}) over (t_{j-1}, t_j] for the times up
     * to tau, then the last up to tau (R's survmean with rmean = tau) */
    double area = 0, prev_t = 0, prev_s = 1;
    size_t m = 0;
    while (m < km->n_times && km->time[m] <= tau)
        m++;
    for (size_t j = 0; j < m; j++) {
        area += (km->time[j] - prev_t) * prev_s;
        prev_t = km->time[j];
        prev_s = km->surv[j];
    }
    area += (tau - prev_t) * prev_s;
    out->estimate = area;
    /* var = sum_j A_j^2 d_j / (n_j (n_j - d_j)), A_j the area from t_j to
     * tau; a time with n_j = d_j adds 0 (R's hh) */
    double var = 0, after = (tau - prev_t) * prev_s;
    for (size_t j = m; j-- > 0;) {
        double n = km->n_risk[j], d = km->n_event[j];
        double hh = n - d == 0 ? 0 : d / (n * (n - d));
        var += after * after * hh;
        double left = j > 0 ? km->time[j - 1] : 0;
        double height = j > 0 ? km->surv[j - 1] : 1;
        after += (km->time[j] - left) * height;
    }
    out->std_err = sqrt(var);
    return COH_OK;
}

coh_status coh_km_followup_fit(const double *time, const uint8_t *event, size_t n,
                               coh_conf_type conf_type, double conf_level,
                               coh_km_followup *out, coh_km **reverse)
{
    if (reverse != NULL)
        *reverse = NULL;
    uint8_t *rev = malloc(n ? n : 1);
    double *alive = malloc((n ? n : 1) * sizeof *alive);
    if (rev == NULL || alive == NULL) {
        free(rev);
        free(alive);
        return COH_ENOMEM;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        rev[i] = event[i] ? 0 : 1;
        if (!event[i])
            alive[m++] = time[i];
    }
    coh_km *km = NULL;
    coh_status st = coh_km_fit(time, rev, n, conf_type, conf_level, &km);
    if (st == COH_OK)
        st = coh_km_median_r(km, &out->median);
    out->n_alive = m;
    out->alive_median = coh_quantile7_inplace(alive, m, 0.5);
    out->alive_q25 = coh_quantile7_inplace(alive, m, 0.25);
    out->alive_q75 = coh_quantile7_inplace(alive, m, 0.75);
    free(rev);
    free(alive);
    if (st == COH_OK && reverse != NULL)
        *reverse = km;
    else
        coh_km_free(km);
    return st;
}
