/* cohort/desc.h - one-line summaries of each column of a table
 * (what `cohort describe` prints). */
#ifndef COHORT_DESC_H
#define COHORT_DESC_H

#include <stddef.h>

#include "cohort/status.h"
#include "cohort/table.h"

typedef struct coh_col_summary {
    const coh_column *col;   /* the column summarised (not owned) */
    size_t n;                /* non-missing values */
    size_t n_missing;
    /* numeric and date columns with n > 0; NAN otherwise */
    double min, median, max;
    /* categorical and string columns: count of each level (n_levels) */
    size_t *level_counts;
    size_t n_levels_used;    /* levels that occur at least once */
} coh_col_summary;

typedef struct coh_describe_result {
    size_t n_rows;
    size_t n_cols;
    coh_col_summary *cols;
} coh_describe_result;

/* Summarise every column of `t` into a new result (*out, freed with
 * coh_describe_free), columns in parallel on up to `threads` threads (0: one
 * per core).  The result points into `t`, which must outlive it.
 * The median is the sample median (R's quantile type 7 at p = 0.5: the
 * mean of the two middle values when n is even). */
coh_status coh_describe(const coh_table *t, int threads, coh_describe_result **out);
void coh_describe_free(coh_describe_result *r);

/* Quantile of type 7 (Hyndman & Fan 1996; R's default) at probability p of
 * the n values in x, which it reorders.  NAN when n is 0. */
double coh_quantile7_inplace(double *x, size_t n, double p);

#endif
