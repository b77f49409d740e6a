/* cohort/coxsel.h - univariable screens and variable selection for Cox
 * models, reproducible and stated: the statistic that decides, how a
 * multi-level factor enters and leaves (as one term), and the fixed
 * complete-case set.
 */
#ifndef COHORT_COXSEL_H
#define COHORT_COXSEL_H

#include <stdbool.h>
#include <stddef.h>

#include "cohort/cox.h"
#include "cohort/design.h"
#include "cohort/status.h"
#include "cohort/table.h"

typedef enum coh_select_method {
    COH_SELECT_NONE = 0,
    COH_SELECT_BACKWARD,
    COH_SELECT_FORWARD,
    COH_SELECT_STEPWISE
} coh_select_method;

typedef enum coh_select_test { COH_SELECT_WALD = 0, COH_SELECT_LR } coh_select_test;

coh_status coh_select_method_parse(const char *s, coh_select_method *out);
coh_status coh_select_test_parse(const char *s, coh_select_test *out);
const char *coh_select_method_name(coh_select_method m);
const char *coh_select_test_name(coh_select_test t);

/* One candidate term fitted alone. */
typedef struct coh_univariable {
    char *term;
    size_t n, events;         /* rows and events used */
    coh_design *design;       /* its columns (names, reference level) */
    coh_cox_model *fit;
    double p;                 /* the term's test: joint Wald (or LR) */
    int df;
} coh_univariable;

typedef struct coh_univariable_result {
    size_t n_terms;
    coh_univariable *terms;
} coh_univariable_result;

/* Fit each term of spec alone.  common_cases: all fits on the rows
 * complete in every term (else each on its own complete cases, the
 * default, as most papers do). */
coh_status coh_cox_univariable(const coh_table *t, const coh_cox_spec *surv,
                               const coh_design_spec *spec, const coh_cox_options *o,
                               coh_select_test test, bool common_cases,
                               coh_univariable_result **out, coh_error *err);
void coh_univariable_result_free(coh_univariable_result *r);

typedef struct coh_select_step {
    int step;                 /* 1, 2, ... */
    char *term;
    bool entered;             /* entered (forward) or removed */
    double p;                 /* the term's p when it entered or left */
    double chisq;
    int df;
} coh_select_step;

/* Which rows the entry screen and the selection use.
 *   COMPLETE: every fit on the rows complete in every candidate term,
 *     fixed before the screen (SAS PHREG's rows for the candidates);
 *   AVAILABLE: the screen fits each term alone on its own complete cases
 *     (the univariable column of a paper's table, as SPSS users run it),
 *     then the selection fixes the rows complete in the terms that passed
 *     the screen. */
typedef enum coh_screen_rows {
    COH_SCREEN_COMPLETE = 0,
    COH_SCREEN_AVAILABLE
} coh_screen_rows;

coh_status coh_screen_rows_parse(const char *s, coh_screen_rows *out);
const char *coh_screen_rows_name(coh_screen_rows r);

typedef struct coh_select_options {
    coh_select_method method;
    coh_select_test test;     /* Wald (default, as SAS PHREG) or LR */
    double entry_screen;      /* univariable p <= this enters the start
                                 model; <= 0: no screen (all terms) */
    double stay;              /* backward: remove while max p > stay */
    double enter;             /* forward/stepwise: add while min p <= enter */
    coh_screen_rows screen_rows; /* the rows of the entry screen and of the
                                 selection (zero: complete in every
                                 candidate) */
} coh_select_options;

typedef struct coh_select_result {
    coh_select_options options;
    size_t n_rows;            /* the fixed complete-case set of the
                                 selection */
    size_t n_screen_rows;     /* the screen's rows (COMPLETE: n_rows;
                                 AVAILABLE: 0, each term its own) */
    char **screened_in;       /* terms passing the entry screen */
    size_t n_screened_in;
    coh_univariable_result *screen; /* the screen's fits (every candidate
                                 alone, on the screen's rows), or NULL
                                 when there is no screen */
    coh_select_step *steps;
    size_t n_steps;
    char **final_terms;
    size_t n_final;
    coh_design *design;       /* the final model */
    coh_cox_data *data;
    coh_cox_model *fit;
} coh_select_result;

/* Screen, then select, on one complete-case set fixed before the
 * selection starts (so->screen_rows says which).  Multi-level factors enter
 * and leave as one term, by their joint test.  Ties in p are broken by the
 * order of the terms as given. */
coh_status coh_cox_select(const coh_table *t, const coh_cox_spec *surv,
                          const coh_design_spec *spec, const coh_cox_options *o,
                          const coh_select_options *so, coh_select_result **out,
                          coh_error *err);
void coh_select_result_free(coh_select_result *r);

#endif
