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
    double *observed;     /* n_groups: events for the log-rank test; the
                             weighted sum of events (sum of w(t) d_g(t)) for
                             the others, as survdiff's obs for rho != 0 */
    double *expected;     /* n_groups: sum of w(t) d(t) n_g(t) / n(t) */
    double *variance;     /* n_groups x n_groups, row-major */
    double chisq;         /* (O - E)' V^- (O - E); 0 when df is 0 */
    int df;               /* rank of V: groups with subjects at risk at an
                             event time, minus 1 (R's df); 0 if no test */
    double p;             /* chi-square upper tail; NAN when df is 0 */
} coh_test_result;

/* Test equality of the survival of k groups.  Rows are sorted by stratum
 * (when `stratum` is not NULL) and then by time ascending (any order within
 * tied times); `event` is 0 or 1, `group` holds 0..k-1 and `stratum`
 * 0..n_strata-1.  Stratified tests sum observed, expected and variance over
 * strata (as R's survdiff with strata()).  Groups without subjects are
 * allowed and do not count in df.  No events, or only one group at risk at
 * the event times: a result with chisq 0, df 0, p NAN ("not testable").
 * COH_EINVAL for k < 2, bad codes, unsorted rows or an invalid spec;
 * COH_EEMPTY for n = 0.  *out is the caller's (coh_test_result_free). */
coh_status coh_survdiff(const double *time, const uint8_t *event, const int32_t *group,
                        const int32_t *stratum, size_t n, size_t k, const coh_test_spec *spec,
                        coh_test_result **out);
void coh_test_result_free(coh_test_result *r);

/* Multiplicity adjustment of m p-values, as R's p.adjust. */
typedef enum coh_p_adjust { COH_ADJUST_NONE = 0, COH_ADJUST_HOLM, COH_ADJUST_BH } coh_p_adjust;
coh_status coh_p_adjust_parse(const char *s, coh_p_adjust *out);
/* Adjust p[0..m) into adj[0..m) (may be the same array); NAN stays NAN and
 * does not count in m, as R's p.adjust(n = sum(!is.na(p))).  Ties get equal
 * adjusted values.  COH_EINVAL for NULL arrays (m > 0) or an unknown
 * method; COH_ENOMEM when m > 256 and the sort buffer cannot be allocated
 * (adj is then unchanged). */
coh_status coh_p_adjust_apply(coh_p_adjust method, const double *p, size_t m, double *adj);

#endif
