/* cohort/survdiff.h - tests comparing survival between groups: log-rank
 * and its weighted relatives (Fleming-Harrington family), stratified, and
 * pairwise with multiplicity adjustment.  Formulas: docs/methods.md,
 * section 8.
 */
#ifndef COHORT_SURVDIFF_H
#define COHORT_SURVDIFF_H

#include <stddef.h>
#include <stdint.h>

#include "cohort/status.h"

typedef enum coh_test_kind {
    COH_TEST_LOGRANK = 0, /* weight 1: R survdiff(rho = 0), SPSS "Log Rank" */
    COH_TEST_PETO,        /* weight S(t-): R survdiff(rho = 1), Peto-Peto */
    COH_TEST_GEHAN,       /* weight n at risk: SPSS "Breslow" (Gehan-Breslow) */
    COH_TEST_TARONE_WARE, /* weight sqrt(n at risk): SPSS "Tarone-Ware" */
    COH_TEST_FH           /* weight S(t-)^rho (1 - S(t-))^gamma */
} coh_test_kind;

typedef struct coh_test_spec {
    coh_test_kind kind;
    double rho, gamma;    /* COH_TEST_FH only */
} coh_test_spec;

/* Parse "logrank", "peto", "gehan", "tarone-ware", "fh:RHO,GAMMA". */
coh_status coh_test_spec_parse(const char *s, coh_test_spec *out);
/* A readable name, e.g. "log-rank", "Fleming-Harrington (rho = 1, gamma = 0)". */
void coh_test_spec_name(const coh_test_spec *t, char *buf, size_t size);

typedef struct coh_test_result {
    size_t n_groups;
    double *n;            /* n_groups: subjects per group */
    double *observed;     /* n_groups: events (weighted sums for FH-type) */
    double *expected;     /* n_groups */
    double *variance;     /* n_groups x n_groups, row-major */
    double chisq;
    int df;               /* rank of the variance matrix; 0 if no test */
    double p;             /* NAN when df is 0 */
} coh_test_result;

/* Test equality of the survival of k groups.  Rows are sorted by stratum
 * (when `stratum` is not NULL) and then by time ascending; `group` holds
 * 0..k-1 and `stratum` 0..n_strata-1.  Stratified tests sum observed,
 * expected and variance over strata (as R's survdiff with strata()).
 * *out is the caller's (coh_test_result_free). */
coh_status coh_survdiff(const double *time, const uint8_t *event, const int32_t *group,
                        const int32_t *stratum, size_t n, size_t k, const coh_test_spec *spec,
                        coh_test_result **out);
void coh_test_result_free(coh_test_result *r);

/* Multiplicity adjustment of m p-values, as R's p.adjust. */
typedef enum coh_p_adjust { COH_ADJUST_NONE = 0, COH_ADJUST_HOLM, COH_ADJUST_BH } coh_p_adjust;
coh_status coh_p_adjust_parse(const char *s, coh_p_adjust *out);
/* Adjust p[0..m) into adj[0..m) (may be the same array); NAN stays NAN and
 * does not count in m, as R's p.adjust(n = sum(!is.na(p))). */
void coh_p_adjust_apply(coh_p_adjust method, const double *p, size_t m, double *adj);

#endif
