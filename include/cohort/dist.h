/* cohort/dist.h - probability distributions, wrapping GSL. */
#ifndef COHORT_DIST_H
#define COHORT_DIST_H

/* Upper tail P(X > x) of a chi-square with df degrees of freedom; 1 for
 * x <= 0; NAN for x NAN, df <= 0 or df > 1e5 (beyond that GSL's incomplete
 * gamma can fail to converge and abort; see src/dist/dist.c). */
double coh_dist_chisq_q(double x, double df);
/* Upper tail P(Z > z) of the standard normal; NAN for z NAN. */
double coh_dist_norm_q(double z);
/* The p-quantile of the standard normal (p in (0, 1)); -Inf for p = 0,
 * Inf for p = 1, NAN outside [0, 1] or for NAN. */
double coh_dist_norm_quantile(double p);

#endif
