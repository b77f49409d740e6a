/* cohort/km.h - Kaplan-Meier estimation, quantiles, survival at given
 * times, restricted mean survival time and reverse Kaplan-Meier follow-up.
 *
 * The kernels take plain arrays that are already validated and sorted (as
 * R's survival does: R prepares, C computes): `time` ascending, `event` 1
 * for an event and 0 for a censoring, no missing values.  The CLI and the
 * study runner prepare them (drop missing rows, split groups, sort).
 * Formulas and sources: docs/methods.md, sections 3 to 7.
 */
#ifndef COHORT_KM_H
#define COHORT_KM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cohort/status.h"

/* Transform for the pointwise confidence interval of S(t), as R's
 * survfit(conf.type=). */
typedef enum coh_conf_type {
    COH_CONF_LOG = 0,  /* R's default */
    COH_CONF_LOGLOG,
    COH_CONF_PLAIN,
    COH_CONF_LOGIT,
    COH_CONF_ARCSIN,
    COH_CONF_NONE
} coh_conf_type;

/* "log", "log-log", "plain", "logit", "arcsin", "none". */
const char *coh_conf_type_name(coh_conf_type t);
coh_status coh_conf_type_parse(const char *s, coh_conf_type *out);

/* One Kaplan-Meier curve, one row per distinct observed time (event or
 * censoring), as R's survfit object. */
typedef struct coh_km {
    size_t n;            /* subjects */
    size_t n_events;
    size_t n_times;      /* rows below */
    double *time;
    double *n_risk;
    double *n_event;
    double *n_censor;
    double *surv;        /* S(t) */
    double *std_err;     /* Greenwood standard error of S(t) */
    double *se_cumhaz;   /* sqrt(sum d / (n (n - d))): R's fit$std.err */
    double *lower;       /* pointwise interval; NAN where undefined */
    double *upper;
    coh_conf_type conf_type;
    double conf_level;
} coh_km;

/* Fit a curve to n subjects; `time` sorted ascending, `event` 0/1.  n may
 * be 0 (an empty curve).  conf_level in (0, 1).  *out is the caller's
 * (coh_km_free). */
coh_status coh_km_fit(const double *time, const uint8_t *event, size_t n,
                      coh_conf_type conf_type, double conf_level, coh_km **out);
void coh_km_free(coh_km *km);

/* A quantile of the survival distribution: the time by which a fraction p
 * has had the event (p = 0.5: the median), with its interval. */
typedef struct coh_km_quantile {
    double p;
    double estimate;     /* NAN when the curve does not reach 1 - p */
    double lower;        /* NAN when not reached by the band */
    double upper;
    double std_err;      /* SPSS method only; NAN otherwise */
} coh_km_quantile;

/* R's quantile.survfit (survival 3.5): the first time S(t) <= 1 - p, the
 * midpoint of a flat stretch at exactly 1 - p (within sqrt(DBL_EPSILON)),
 * and the interval from where the pointwise band crosses 1 - p
 * (Brookmeyer and Crowley 1982). */
coh_status coh_km_quantile_r(const coh_km *km, double p, coh_km_quantile *out);
/* The median as R's print.survfit shows it (survmean's rule).  It differs
 * from quantile() in two cases: a curve ending on a flat stretch at exactly
 * 0.5 (print: the stretch's start; quantile(): its midpoint with the last
 * time), and a band that rises again after crossing 0.5 (print: the first
 * crossing; quantile(): R's approx sorts the band values first). */
coh_status coh_km_median_r(const coh_km *km, coh_km_quantile *out);
/* SPSS's median and its symmetric interval (docs/methods.md, section 5):
 * the first time S(t) <= 0.5, std_err from Greenwood at the median, and
 * estimate +- z std_err. */
coh_status coh_km_median_spss(const coh_km *km, coh_km_quantile *out);

/* Survival at a given time, as R's summary(fit, times =, extend = TRUE). */
typedef struct coh_km_at {
    double time;
    double surv, std_err, lower, upper;
    double n_risk;       /* at risk at `time` */
    double n_event;      /* events in (previous requested time, time] */
    double n_censor;     /* censorings in the same interval */
    bool beyond;         /* time is after the last observation */
} coh_km_at;

/* Survival at k times, ascending (COH_EINVAL otherwise: R's summary sorts
 * them, and events and censorings are counted over (previous time, time]).
 * An empty curve gives NAN values and 0 at risk. */
coh_status coh_km_at_times(const coh_km *km, const double *times, size_t k, coh_km_at *out);

/* Restricted mean survival time: the area under S from 0 to tau, with its
 * standard error, as R's print(fit, rmean = tau). */
typedef struct coh_rmst {
    double tau, estimate, std_err;
} coh_rmst;
/* An empty curve gives NAN. */
coh_status coh_km_rmst(const coh_km *km, double tau, coh_rmst *out);

/* Follow-up (Schemper and Smith 1996): the median of the reverse
 * Kaplan-Meier estimate (censoring as the event) with its interval, and
 * the median and quartiles (type 7) of the times of the subjects without
 * the event.  *reverse is the caller's (coh_km_free); NULL to drop it. */
typedef struct coh_km_followup {
    coh_km_quantile median;  /* reverse KM */
    size_t n_alive;          /* subjects without the event */
    double alive_median, alive_q25, alive_q75;
} coh_km_followup;
coh_status coh_km_followup_fit(const double *time, const uint8_t *event, size_t n,
                               coh_conf_type conf_type, double conf_level,
                               coh_km_followup *out, coh_km **reverse);

#endif
