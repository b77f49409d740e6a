/* cohort/design.h - from table columns to a Cox model's data: terms and
 * their coding (numbers per unit or per step, factors as dummies against a
 * reference level, interactions), listwise complete cases, sorting.
 */
#ifndef COHORT_DESIGN_H
#define COHORT_DESIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cohort/cox.h"
#include "cohort/status.h"
#include "cohort/table.h"

/* What the user asked for.  Term names are column names, or "a:b" for an
 * interaction of two columns. */
typedef struct coh_design_spec {
    const char *const *terms;
    size_t n_terms;
    const char *const *categorical;   /* numeric columns to treat as factors */
    size_t n_categorical;
    const char *const *ref_column;    /* reference levels: column ... */
    const char *const *ref_level;     /* ... and its level (value or label) */
    size_t n_refs;
    const char *const *per_column;    /* effect per step: column ... */
    const double *per_step;           /* ... and step (e.g. age per 10) */
    size_t n_pers;
} coh_design_spec;

/* The survival part: as survdata.h, plus weights and clusters. */
typedef struct coh_cox_spec {
    const char *time, *event;
    const char *const *event_values;  /* NULL: "1" */
    size_t n_event_values;
    const char *const *censor_values; /* NULL: "0" (see survdata.h) */
    size_t n_censor_values;
    const char *strata;               /* or NULL */
    const char *weights;              /* or NULL; weights must be > 0 */
    const char *cluster;              /* or NULL */
    const uint8_t *keep;              /* filter, or NULL */
} coh_cox_spec;

/* The model matrix's columns and terms. */
typedef struct coh_design {
    size_t p;                 /* columns */
    char **col_names;         /* p: "age", "sex=female", "age:sex=female" */
    size_t *col_term;         /* p: the term of each column */
    size_t n_terms;
    char **term_names;        /* n_terms, as given */
    size_t *term_first;       /* n_terms: first column */
    size_t *term_ncols;       /* n_terms: columns (0 if a factor has 1 level) */
    bool *term_factor;        /* n_terms */
    char **term_ref;          /* n_terms: reference level text, or NULL */
    double *term_per;         /* n_terms: step (1 unless --per) */
} coh_design;

void coh_design_free(coh_design *d);

/* Rows left out of a model, and why. */
typedef struct coh_dropped {
    size_t filtered;          /* by the filter */
    size_t missing_outcome;   /* time or event missing */
    size_t missing_covariate; /* a term's column missing (listwise) */
    size_t missing_other;     /* stratum, weight or cluster missing */
    size_t not_allowed;       /* complete, but left out by row_allowed (in a
                                 selection: missing in another candidate) */
} coh_dropped;

/* Build the design and the data of one model: rows complete in every
 * term (and time, event, strata, weight, cluster) are used, sorted by
 * stratum and time.  `row_allowed` (NULL: all) further limits the rows, so
 * that a selection can fix its complete-case set before it starts.
 * Errors name the column: unknown column, text column used as a number, a
 * reference level that does not exist (listing the levels), a step that is
 * not positive, negative times, bad event codes, weights <= 0.
 * *design and *data are the caller's. */
coh_status coh_cox_data_build(const coh_table *t, const coh_cox_spec *surv,
                              const coh_design_spec *spec, const uint8_t *row_allowed,
                              coh_design **design, coh_cox_data **data, coh_dropped *dropped,
                              coh_error *err);

/* The rows (1) complete in every term of spec and in the survival part:
 * the common complete-case set of a selection or a univariable screen on
 * common cases.  `out` has t->n_rows bytes. */
coh_status coh_complete_rows(const coh_table *t, const coh_cox_spec *surv,
                             const coh_design_spec *spec, uint8_t *out, coh_error *err);

#endif
