/* cohort/cox.h - Cox proportional hazards regression: the fit, its tests,
 * robust variance, concordance, the proportional-hazards check and
 * predicted survival.  R's coxph (survival 3.5) is the reference.
 *
 * The kernels take a coh_cox_data: rows already complete (no missing
 * values), sorted by stratum and then by time ascending, with the model
 * matrix in the same row order.  coh_cox_data_build (design.h) prepares it
 * from a table.  Formulas: docs/methods.md, sections 10 onwards.
 *
 * Names: the fitted model is a coh_cox_model; coh_cox_fit is the function
 * that makes one (a struct and a function cannot share a name in C).
 */
#ifndef COHORT_COX_H
#define COHORT_COX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cohort/status.h"

typedef enum coh_ties { COH_TIES_EFRON = 0, COH_TIES_BRESLOW } coh_ties;

/* "efron", "breslow". */
const char *coh_ties_name(coh_ties t);
coh_status coh_ties_parse(const char *s, coh_ties *out);

/* The data of one model, ready for the kernels. */
typedef struct coh_cox_data {
    size_t n;            /* rows */
    size_t p;            /* columns of x */
    double *time;        /* n, ascending within stratum */
    uint8_t *event;      /* n, 1 event, 0 censored */
    int32_t *stratum;    /* n, 0..n_strata-1, non-decreasing; NULL: one stratum */
    size_t n_strata;
    double *weight;      /* n case weights (> 0), or NULL */
    int32_t *cluster;    /* n cluster ids 0..n_clusters-1, or NULL */
    size_t n_clusters;
    double *x;           /* n x p, row-major: x[i * p + j] */
    size_t *row;         /* n: the table row each came from (for messages) */
} coh_cox_data;

void coh_cox_data_free(coh_cox_data *d);

typedef struct coh_cox_options {
    coh_ties ties;       /* default Efron, as R */
    int max_iter;        /* default 20, as R's coxph.control(iter.max) */
    double eps;          /* default 1e-9: stop when |1 - loglik_old/loglik| <= eps */
    double toler_chol;   /* default .Machine$double.eps^0.75: aliasing */
    double toler_inf;    /* default sqrt(eps): infinite-coefficient check */
    bool robust;         /* sandwich variance; implied by a cluster */
    const double *init;  /* p starting values, or NULL for 0 */
} coh_cox_options;

void coh_cox_options_init(coh_cox_options *o);

#define COH_COX_MAX_WARNINGS 8

/* A fitted model.  Aliased (linearly dependent) columns have coef NAN and
 * zero rows and columns in var, as R's NA coefficients. */
typedef struct coh_cox_model {
    size_t n, p;
    size_t n_events;
    double *coef;        /* p */
    double *var;         /* p x p, model-based (inverse information) */
    double *robust_var;  /* p x p sandwich (clustered if data has clusters), or NULL */
    bool *aliased;       /* p */
    bool *infinite;      /* p: flagged as R's "coefficient may be infinite" */
    double *means;       /* p: centring values (R's fit$means) */
    double *linear_predictor; /* n: (x - means) coef, data row order */
    double loglik_null;  /* at init (0) */
    double loglik;       /* at the fit */
    double score_chisq;  /* score test of all coefficients = 0 */
    double wald_chisq;   /* Wald test, model-based variance (robust if robust) */
    double lr_chisq;     /* 2 (loglik - loglik_null) */
    double robust_score_chisq; /* robust score test (R's fit$rscore), NAN unless robust */
    int df;              /* non-aliased coefficients */
    int iterations;
    bool converged;
    int step_halvings;
    bool robust;
    coh_ties ties;
    char warnings[COH_COX_MAX_WARNINGS][200];
    size_t n_warnings;
} coh_cox_model;

/* Fit the model by Newton-Raphson with step-halving, as R's coxph.fit /
 * agreg: centred covariates, convergence when the relative change in the
 * log partial likelihood is at most eps, at most max_iter iterations.
 * p may be 0 (the null model: loglik only).  No events, or p columns all
 * aliased, is a result with warnings, not an error.  *out is the caller's
 * (coh_cox_fit_free). */
coh_status coh_cox_fit(const coh_cox_data *d, const coh_cox_options *o, coh_cox_model **out);
void coh_cox_fit_free(coh_cox_model *f);

/* Coefficient j as a table prints it: exp(coef) with the Wald interval
 * exp(coef +- z se) at conf_level and the Wald p, using the robust
 * variance when the fit is robust.  Aliased: NAN. */
typedef struct coh_cox_coef {
    double coef, se, hr, lower, upper, z, p;
} coh_cox_coef;
coh_cox_coef coh_cox_coef_ci(const coh_cox_model *f, size_t j, double conf_level);

/* Joint Wald test of the coefficients cols[0..k) (a multi-level factor as
 * one term), with the fit's variance (robust when the fit is robust):
 * chisq = b' V^-1 b over the non-aliased ones, df their number. */
coh_status coh_cox_wald(const coh_cox_model *f, const size_t *cols, size_t k, double *chisq,
                        int *df);

/* Harrell's concordance of the fit's linear predictor with its standard
 * error, as R's concordance(fit) (survival 3.5: ties in the predictor count
 * 1/2; pairs comparable within strata; weighted).  No comparable pair (no
 * event, say): COH_EDOMAIN with the counts filled and estimate, std_err
 * NAN. */
typedef struct coh_concordance {
    double estimate, std_err;
    double concordant, discordant, tied_x, tied_y, tied_xy;
} coh_concordance;
coh_status coh_cox_concordance(const coh_cox_data *d, const coh_cox_model *f,
                               coh_concordance *out);

/* Proportional-hazards test from scaled Schoenfeld residuals, as R's
 * cox.zph (survival 3.x): one test per column group (terms) and a global
 * test. */
typedef enum coh_zph_transform {
    COH_ZPH_KM = 0,      /* R's default */
    COH_ZPH_IDENTITY,
    COH_ZPH_RANK,
    COH_ZPH_LOG
} coh_zph_transform;
const char *coh_zph_transform_name(coh_zph_transform t);
coh_status coh_zph_transform_parse(const char *s, coh_zph_transform *out);

typedef struct coh_zph_result {
    size_t n_terms;
    double *chisq;       /* n_terms */
    int *df;             /* n_terms */
    double *p;           /* n_terms */
    double global_chisq;
    int global_df;
    double global_p;
} coh_zph_result;
/* Terms are groups of columns: term_first[t], term_ncols[t].  Aliased
 * columns are left out, as R does; a term whose columns are all aliased
 * has chisq and p NAN and df 0 (R drops its row).  COH_EDOMAIN when there
 * is no event or no non-aliased column. */
coh_status coh_cox_zph(const coh_cox_data *d, const coh_cox_model *f, coh_zph_transform transform,
                       const size_t *term_first, const size_t *term_ncols, size_t n_terms,
                       coh_zph_result **out);
void coh_zph_result_free(coh_zph_result *z);

/* Predicted survival for covariate values newx (p values, on the model
 * matrix scale), as R's survfit(fit, newdata =) with the baseline hazard
 * matching the ties method (Breslow or Efron), log-transformed CI at
 * conf_level (R's conf.int, e.g. 0.95).  A stratified model gives one
 * curve per stratum, as R does when newdata has no strata column: rows
 * strata_first[k] .. strata_first[k + 1] - 1 are stratum k's.  One row
 * per distinct observed time of the stratum (events and censorings). */
typedef struct coh_cox_curve {
    size_t n_times;      /* rows, all strata */
    size_t n_strata;     /* d->n_strata (1 when unstratified) */
    size_t *strata_first; /* n_strata + 1 row offsets */
    double *time, *n_risk, *n_event, *n_censor; /* weighted counts */
    double *surv;
    double *cumhaz;      /* cumulative hazard for newx */
    double *se_cumhaz;   /* its standard error: R's fit$std.err */
    double *std_err;     /* standard error of surv: surv * se_cumhaz */
    double *lower, *upper; /* NAN where surv = 0 (as R's NA) */
} coh_cox_curve;
coh_status coh_cox_predict(const coh_cox_data *d, const coh_cox_model *f, const double *newx,
                           double conf_level, coh_cox_curve **out);
void coh_cox_curve_free(coh_cox_curve *c);

#endif
