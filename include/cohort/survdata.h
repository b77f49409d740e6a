/* cohort/survdata.h - turning table columns into the sorted arrays the
 * survival kernels take (time, event, group, stratum), with the checks
 * and the counts of dropped rows that a report must show.
 */
#ifndef COHORT_SURVDATA_H
#define COHORT_SURVDATA_H

#include <stddef.h>
#include <stdint.h>

#include "cohort/status.h"
#include "cohort/table.h"

typedef struct coh_surv_spec {
    const char *time;          /* numeric column, >= 0 */
    const char *event;         /* numeric or categorical column */
    const char *const *event_values;  /* values meaning "event"; NULL: "1" */
    size_t n_event_values;
    const char *const *censor_values; /* values meaning "censored"; NULL:
                                         "0", or for a two-valued column the
                                         value that is not an event value */
    size_t n_censor_values;
    const char *group;         /* NULL: one group */
    const char *strata;        /* NULL: no strata */
    const uint8_t *keep;       /* NULL, or 1 for rows to use (a filter) */
} coh_surv_spec;

typedef struct coh_surv_data {
    size_t n;                  /* rows used */
    size_t n_groups, n_strata;
    char **group_names;        /* n_groups (a single "all" without --group) */
    char **stratum_names;      /* n_strata (a single "all" without strata) */
    /* By group: rows of group g are [group_start[g], group_start[g + 1]),
     * time ascending within each group. */
    size_t *group_start;
    double *g_time;
    uint8_t *g_event;
    /* By stratum, for tests: time ascending within each stratum. */
    double *s_time;
    uint8_t *s_event;
    int32_t *s_group;
    int32_t *s_stratum;
    /* All rows, time ascending (for overall summaries such as follow-up). */
    double *a_time;
    uint8_t *a_event;
    /* Rows left out, and why. */
    size_t n_filtered;         /* excluded by the filter */
    size_t n_missing_time, n_missing_event, n_missing_group, n_missing_stratum;
} coh_surv_data;

/* Check and sort the columns named in `spec`.  Errors (a person can act
 * on them): an unknown column; a time column that is not numeric; negative
 * times ("column 'time' has 3 negative values (rows 4, 9, 12)"); event
 * values other than the stated codes, with the values found.  Rows with a
 * missing time, event, group or stratum are dropped and counted.  Rows are
 * numbered from 1 in messages.  *out is the caller's (coh_surv_data_free). */
coh_status coh_surv_prepare(const coh_table *t, const coh_surv_spec *spec,
                            coh_surv_data **out, coh_error *err);
void coh_surv_data_free(coh_surv_data *d);

/* The event indicator of each row of the event column `ce`: ev[i] = 1 for
 * an event code, 0 for a censoring code (codes as in coh_surv_spec; NULL
 * event_values means "1", NULL censor_values "0" or, with event values
 * given, the other value of a two-valued column).  Rows that are missing
 * or excluded by `keep` (may be NULL) get 0 and are not checked.  Any other
 * value is COH_ETYPE: "column 'status' has 2 values that are neither an
 * event code nor a censoring code (first '2', rows 2, 4); ...". */
coh_status coh_surv_event_codes(const coh_column *ce, const char *const *event_values,
                                size_t n_event_values, const char *const *censor_values,
                                size_t n_censor_values, const uint8_t *keep, uint8_t *ev,
                                coh_error *err);

/* "row 4" or "rows 4, 9, 12" or "rows 4, 9, 12, ..." from 0-based row
 * indexes (shown from 1), for messages. */
void coh_rows_text(const size_t *rows, size_t n, char *buf, size_t size);

/* Sort n doubles (any sign; no NAN) in place, carrying a 64-bit payload per time
 * (a row number, or codes packed by the caller), stable: ties keep their
 * order.  LSD radix sort on the bits of the doubles, O(n); the payload
 * travels with the key so that nothing is gathered from memory afterwards
 * in random order. */
coh_status coh_sort_times(double *time, uint64_t *payload, size_t n);

#endif
