/* cohort/dist.h - probability distributions, wrapping GSL. */
#ifndef COHORT_DIST_H
#define COHORT_DIST_H

/* Upper tail P(X > x) of a chi-square with df degrees of freedom; NAN for
 * df <= 0 or x NAN. */
double coh_dist_chisq_q(double x, double df);
/* Upper tail P(Z > z) of the standard normal. */
double coh_dist_norm_q(double z);
/* The p-quantile of the standard normal (p in (0, 1)). */
double coh_dist_norm_quantile(double p);

#endif
