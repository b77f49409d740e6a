/* cohort/format.h - numbers as journals print them. */
#ifndef COHORT_FORMAT_H
#define COHORT_FORMAT_H

#include <stddef.h>

/* A p-value as journals print it: "< 0.001" below 0.001, otherwise
 * `digits` significant digits (2 by default when digits <= 0) without
 * exponent, trailing zeros kept, e.g. "0.046", "0.23", "0.80", "1.0"; "NA"
 * for NAN. */
void coh_format_p(double p, int digits, char *buf, size_t size);

/* A number for people: at most `sig` significant digits, no exponent for
 * magnitudes in [1e-4, 1e9), trailing zeros dropped; "NA" for NAN. */
void coh_format_human(double v, int sig, char *buf, size_t size);

#endif
