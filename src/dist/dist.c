/* dist.c - tail probabilities and quantiles of the chi-square and normal
 * distributions, wrapping GSL's cdf module.
 *
 *   coh_dist_chisq_q(x, df)    P(X > x), X ~ chi-square(df):
 *                              Q(df / 2, x / 2), the regularized upper
 *                              incomplete gamma function (gsl_cdf_chisq_Q)
 *   coh_dist_norm_q(z)         P(Z > z), Z ~ N(0, 1) (gsl_cdf_ugaussian_Q)
 *   coh_dist_norm_quantile(p)  z with P(Z <= z) = p (gsl_cdf_ugaussian_Pinv,
 *                              Wichura's AS 241, about 1e-16 relative)
 *
 * GSL reports failures through a process-wide error handler whose default
 * calls abort().  Turning it off (gsl_set_error_handler_off) would change
 * global state under every other user of GSL in the process, so instead
 * each wrapper screens its arguments and calls GSL only where GSL cannot
 * report an error:
 *
 *   - gsl_cdf_ugaussian_Q and gsl_cdf_ugaussian_Pinv never call the error
 *     handler (cdf/gauss.c and cdf/gaussinv.c contain no GSL_ERROR); the
 *     screening below only gives NaN, 0 and 1 their conventional answers.
 *   - gsl_cdf_chisq_Q(x, df) is gsl_cdf_gamma_Q(x, df / 2, 2), which calls
 *     gsl_sf_gamma_inc_Q or _P and so can reach the handler: with a domain
 *     error for a negative argument (excluded below: x <= 0 returns 1 and
 *     df must be positive), and with GSL_EMAXITER when the large-x
 *     asymptotic series of specfunc/gamma_inc.c needs more than 5000 terms,
 *     which happens for x / 2 > 1e6 with df / 2 close to x / 2, that is for
 *     df above about 2e6.  Below CHISQ_DF_MAX that series converges
 *     geometrically (its terms shrink by df / x < 0.1 when x / 2 > 1e6), and
 *     a probe of GSL 2.7 with 2e7 random arguments (x log-uniform over
 *     1e-310..1e308 and near df, df log-uniform over 1e-6..1e5) met no
 *     error.  Larger df gives NAN here; Cohort's tests have at most
 *     (groups - 1) or (covariates) degrees of freedom.
 *
 * Every function is pure (no state), so reentrant.
 */
#include <math.h>

#include <gsl/gsl_cdf.h>

#include "cohort/dist.h"

/* The largest df passed to GSL's chi-square tail; see the header comment. */
#define CHISQ_DF_MAX 1e5

double coh_dist_chisq_q(double x, double df)
{
    if (isnan(x) || isnan(df) || df <= 0 || df > CHISQ_DF_MAX)
        return NAN;
    if (x <= 0)
        return 1.0;          /* also keeps GSL away from its domain error */
    if (isinf(x))
        return 0.0;
    return gsl_cdf_chisq_Q(x, df);
}

double coh_dist_norm_q(double z)
{
    if (isnan(z))
        return NAN;
    return gsl_cdf_ugaussian_Q(z);   /* handles +-Inf: 0 and 1 */
}

double coh_dist_norm_quantile(double p)
{
    if (isnan(p) || p < 0 || p > 1)
        return NAN;
    if (p == 0)
        return -INFINITY;
    if (p == 1)
        return INFINITY;
    return gsl_cdf_ugaussian_Pinv(p);
}
