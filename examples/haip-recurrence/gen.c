/* gen.c - the synthetic two-centre cohort of the seed study: two SQLite
 * databases shaped like institutional liver-surgery databases, seeded and
 * deterministic.
 *
 *   haip-gen [--seed N] [--out DIR]     writes DIR/mskcc.sqlite and
 *                                       DIR/erasmus.sqlite (default build/haip)
 *
 * The study (Buisman et al., Ann Surg Oncol 2020, ../../../shared/seed/)
 * screened 3299 patients at Memorial Sloan Kettering (MSKCC, 1992-2018) and
 * 1102 at Erasmus MC (2000-2016) and kept 374 with a resected or ablated
 * liver-only recurrence of colorectal liver metastases (CRLM): 81 with
 * adjuvant hepatic arterial infusion pump chemotherapy (HAIP), 293 without.
 * The patient-level data are not public; these databases are SYNTHETIC,
 * calibrated to the published summaries (README.md beside this file
 * documents every table, coding, distribution and constant).
 *
 * What is exact, for every seed:
 *   - the number of patients per centre and per exclusion reason of Figure 1
 *     when the exclusion steps (README.md, "The study's view of the data")
 *     are applied in order to the data;
 *   - the eligible patients per group and centre (293 = 150 MSKCC + 143
 *     Erasmus MC without HAIP, 81 MSKCC with HAIP), and every categorical
 *     cell of Tables 1 and 2 per group, missing counts included (where the
 *     published table contradicts itself README.md says which number wins);
 *   - the medians and quartiles of the continuous rows of Table 2 and of
 *     age, up to the rounding the paper prints (stratified draws from a
 *     piecewise-linear quantile function through the published values).
 * What is random (depends on the seed): every survival outcome, drawn from
 * a Weibull proportional-hazards model whose constants were calibrated so
 * that the published medians, 5-year survival, deaths, follow-up and hazard
 * ratios come out on average (MODEL below; README.md, "Calibration").
 *
 * How: one GSL Mersenne Twister (gsl_rng_mt19937) seeded with --seed draws
 * everything in a fixed order.  Two draws never sit in one expression whose
 * order of evaluation C leaves open (the arguments of one call): each is
 * its own statement, so that GCC and clang draw alike.  Each patient is generated with the reason
 * he is to be excluded for (or none), and the same conditions the study
 * applies in SQL are evaluated here on the generated records
 * (first_failing_step); a patient whose first failing step is not the one
 * intended is a bug and stops the generator.  Dates are whole days; every
 * boundary a condition tests (90 days, 30 days, 6 months) is kept at
 * least two weeks away from the generated dates so that day arithmetic in C
 * and SQLite's date() agree.
 *
 * Reentrant: no mutable file-scope state; the generator owns one RNG and
 * the patient array for the call.  Compiled into the test
 * tests/unit/test_haip_gen.c with HAIP_GEN_NO_MAIN defined.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <sqlite3.h>

#define HAIP_GEN_DEFAULT_SEED 983UL /* README.md, "Calibration": how it was chosen */

/* An internal invariant: the constant tables below make it hold for every
 * seed, so a failure is a bug in this file, not a problem with the input. */
#define INVARIANT(cond)                                                       \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "%s:%d: haip-gen: invariant failed: %s\n",        \
                    __FILE__, __LINE__, #cond);                               \
            abort();                                                          \
        }                                                                     \
    } while (0)

/* ---- calendar ---------------------------------------------------------------
 * Dates are days since 1970-01-01 (proleptic Gregorian), converted with
 * Howard Hinnant's days_from_civil / civil_from_days. */

#define NO_DATE INT_MIN
#define MONTH 30.4375 /* days per month: every interval in months is days / MONTH */
#define YEAR 365.25

static int days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int z, int *y, int *m, int *d)
{
    z += 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

/* "YYYY-MM-DD" into buf (11 bytes). */
static void format_date(int z, char buf[static 11])
{
    int y, m, d;
    civil_from_days(z, &y, &m, &d);
    char tmp[40];
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", y, m, d);
    memcpy(buf, tmp, 10);
    buf[10] = '\0';
}

static double year_of(int z)
{
    return 1970.0 + z / YEAR;
}

static int months_to_days(double months)
{
    return (int)lround(months * MONTH);
}

/* ---- random helpers ------------------------------------------------------- */

static double unif(gsl_rng *r, double a, double b)
{
    return a + (b - a) * gsl_rng_uniform(r);
}

/* A whole number of days uniform on [a, b]. */
static int unif_days(gsl_rng *r, int a, int b)
{
    INVARIANT(b >= a);
    return a + (int)gsl_rng_uniform_int(r, (unsigned long)(b - a + 1));
}

static bool chance(gsl_rng *r, double p)
{
    return gsl_rng_uniform(r) < p;
}

/* An index drawn with the given weights (not necessarily normalised). */
static int pick(gsl_rng *r, const double *w, int n)
{
    double total = 0;
    for (int i = 0; i < n; i++)
        total += w[i];
    double u = gsl_rng_uniform(r) * total;
    for (int i = 0; i < n; i++) {
        if (u < w[i])
            return i;
        u -= w[i];
    }
    return n - 1;
}

/* Log-normal with the given median, rounded to one decimal, within [lo, hi]
 * (redrawn outside). */
static double lognormal_1dp(gsl_rng *r, double median, double sigma, double lo, double hi)
{
    for (;;) {
        double v = round(median * exp(sigma * gsl_ran_ugaussian(r)) * 10.0) / 10.0;
        if (v >= lo && v <= hi)
            return v;
    }
}

/* A quantile function, piecewise linear through knots (p ascending from 0
 * to 1; two knots with the same p make a jump). */
typedef struct knot {
    double p, v;
} knot;

static double quantile(const knot *k, size_t nk, double u)
{
    for (size_t i = 1; i < nk; i++)
        if (u <= k[i].p) {
            double w = k[i].p - k[i - 1].p;
            if (w <= 0)
                return k[i].v;
            return k[i - 1].v + (k[i].v - k[i - 1].v) * (u - k[i - 1].p) / w;
        }
    return k[nk - 1].v;
}

/* n values of a quantile function on the probability range [lo, hi],
 * stratified: value i is Q(lo + (hi - lo) (i + U_i) / n), so the sample's
 * own quantiles sit on the knots up to one stratum.  Ascending order. */
static void stratified(gsl_rng *r, const knot *k, size_t nk, double lo, double hi, double *out,
                       size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = quantile(k, nk, lo + (hi - lo) * ((double)i + gsl_rng_uniform(r)) / (double)n);
}

/* Deal categories with exact counts to n slots in random order: counts[c]
 * copies of codes[c]; the counts add up to n. */
static void deal(gsl_rng *r, int *out, size_t n, const int *codes, const int *counts, size_t ncat)
{
    size_t k = 0;
    for (size_t c = 0; c < ncat; c++)
        for (int j = 0; j < counts[c]; j++) {
            INVARIANT(k < n);
            out[k++] = codes[c];
        }
    INVARIANT(k == n);
    gsl_ran_shuffle(r, out, n, sizeof *out);
}

static size_t pick_weighted(gsl_rng *r, const double *w, uint8_t *chosen, size_t n, size_t k);

/* As deal(), but the counts[na] slots of codes[na] (the unknown values) go
 * to slots drawn with probability proportional to weight[i]: a patient
 * whose record is incomplete tends to miss several values, as in real
 * registries, which keeps more patients complete in every variable. */
static void deal_na(gsl_rng *r, int *out, size_t n, const int *codes, const int *counts,
                    size_t ncat, size_t na, const double *weight)
{
    uint8_t *chosen = calloc(n, 1);
    int *rest = calloc(n, sizeof *rest);
    INVARIANT(chosen != NULL && rest != NULL);
    size_t k = (size_t)counts[na];
    INVARIANT(pick_weighted(r, weight, chosen, n, k) == k);
    size_t m = 0;
    for (size_t c = 0; c < ncat; c++)
        if (c != na)
            for (int j = 0; j < counts[c]; j++) {
                INVARIANT(m < n);
                rest[m++] = codes[c];
            }
    INVARIANT(m + k == n);
    gsl_ran_shuffle(r, rest, m, sizeof *rest);
    for (size_t i = 0, j = 0; i < n; i++)
        out[i] = chosen[i] ? codes[na] : rest[j++];
    free(chosen);
    free(rest);
}

/* Choose up to k of n candidates without replacement, each with probability
 * proportional to w[i] among those left (w[i] = 0: not a candidate); marks
 * chosen[i] = 1.  Returns how many were chosen. */
static size_t pick_weighted(gsl_rng *r, const double *w, uint8_t *chosen, size_t n, size_t k)
{
    size_t got = 0;
    for (; got < k; got++) {
        double total = 0;
        for (size_t i = 0; i < n; i++)
            if (!chosen[i])
                total += w[i];
        if (total <= 0)
            break;
        double u = gsl_rng_uniform(r) * total;
        size_t sel = n;
        for (size_t i = 0; i < n; i++) {
            if (chosen[i] || w[i] <= 0)
                continue;
            sel = i;
            if (u < w[i])
                break;
            u -= w[i];
        }
        INVARIANT(sel < n);
        chosen[sel] = 1;
    }
    return got;
}

/* ---- the centres ------------------------------------------------------------ */

enum { MSKCC = 0, ERASMUS = 1, N_CENTRES = 2 };

typedef struct centre_spec {
    const char *name;
    int start_y, end_y;              /* index treatments from 1 January start_y to 31
                                        December end_y */
    int cutoff_y, cutoff_m, cutoff_d; /* data cut-off: nothing is recorded after it */
    double accrual_growth;           /* density of index dates grows as
                                        exp(growth * years since start) */
    double loss_per_year;            /* loss to follow-up (exponential) */
    double discharge_p;              /* Erasmus MC: share discharged from follow-up
                                        5 years after the last liver treatment */
} centre_spec;

static const centre_spec CENTRES[N_CENTRES] = {
    {"MSKCC", 1992, 2018, 2019, 6, 30, 0.090, 0.025, 0.0},
    {"Erasmus MC", 2000, 2016, 2018, 6, 30, 0.080, 0.020, 0.40},
};

/* A date in [a, b] with density growing as exp(g * years since a). */
static int accrual_date(gsl_rng *r, int a, int b, double g)
{
    INVARIANT(b >= a);
    double span = (b - a) / YEAR;
    double u = gsl_rng_uniform(r);
    double t = g > 0 ? log1p(u * expm1(g * span)) / g : u * span;
    int z = a + (int)floor(t * YEAR);
    return z > b ? b : z;
}

/* ---- exclusion reasons (Figure 1), in the order the study applies them ---- */

enum {
    ELIGIBLE = 0,
    X_HAIP_INDEX,   /* 1 perioperative HAIP at index resection */
    X_NO_REC,       /* 2 no recurrence */
    X_EH_ONLY,      /* 3 extrahepatic recurrence only */
    X_BOTH,         /* 4 both intra- and extrahepatic recurrence */
    X_NO_TX,        /* 5 no resection or ablation of the liver recurrence */
    X_EHD_BEFORE,   /* 6 extrahepatic disease before the liver recurrence */
    X_INCOMPLETE,   /* 7 incomplete resection of the primary or liver tumours */
    X_HAIP_OTHER,   /* 8 HAIP other than adjuvant after treatment of the recurrence */
    X_SBRT,         /* 9 stereotactic body radiation therapy */
    N_REASONS
};

/* Patients per centre and reason.  The totals per reason are the
 * published ones (4027 excluded; tests/data/plot/flow/haip.csv): 975, 935,
 * 565, 366, 352, 298, 241, 187, 108.  HAIP is MSKCC's alone; the other
 * reasons are split in proportion to the centres' screened patients left
 * after those (1906 : 959). */
static const int N_PATIENTS[N_CENTRES][N_REASONS] = {
    /* eligible, haip_index, no_rec, eh_only, both, no_tx, ehd, incompl, haip_other, sbrt */
    {231, 975, 622, 376, 244, 234, 198, 160, 187, 72}, /* 3299 */
    {143, 0, 313, 189, 122, 118, 100, 81, 0, 36},      /* 1102 */
};

/* ---- the records of one patient ------------------------------------------- */

enum { SITE_LIVER = 0, SITE_LUNG, SITE_PERITONEUM, SITE_NODES, SITE_BONE, SITE_OTHER, N_SITES };
enum { K_RES = 1, K_ABL, K_RESABL, K_PUMP, K_SBRT };
enum { EV_REC = 1, EV_DEATH, EV_LAST };
enum { LOC_RIGHT = 0, LOC_LEFT, LOC_RECTUM };

#define MAX_PROC 10
#define MAX_CHEMO 8
#define MAX_EV 12

typedef struct proc_rec {
    int date, kind;
    int n_resected;   /* lesions in the specimen (resections); -1 unknown */
    int n_ablated;    /* lesions ablated (ablations); -1 unknown */
    double path_cm;   /* largest resected lesion, pathology; NAN unknown */
    double abl_cm;    /* largest ablated lesion, imaging; NAN unknown */
    int margin;       /* resections: 0 R0, 1 R1, 2 R2; -1 not reported */
    double cea;       /* preoperative CEA, ug/l; NAN not measured */
} proc_rec;

typedef struct chemo_rec {
    int start, end;   /* NO_DATE: dates unknown */
    int regimen;      /* index into REGIMENS */
} chemo_rec;

typedef struct event_rec {
    int date, kind, site;
} event_rec;

typedef struct patient {
    int centre, reason, group; /* group: 0 no HAIP, 1 HAIP; -1 excluded */
    size_t serial;             /* order of generation (tie-break) */
    long id;
    /* demographics and primary tumour */
    int male, age;
    int loc, segment;          /* loc -1 unknown; segment: Erasmus MC's SEGMENTS */
    int t_stage, n_stage;      /* 0 / -1 unknown */
    int prim_margin;
    int ehd_dx;                /* extrahepatic disease at diagnosis of the CRLM */
    double dfi_m;              /* NAN: primary resection date unknown */
    int birth, prim_date, crlm_dx, index_date, rec_dx, rec_tx;
    /* eligible patients: the plan the records are written from */
    int idx_kind, idx_n, idx_margin;
    double idx_cm, idx_cea;
    int fac[5];                /* CRS factors: 1 present, 0 absent, -1 unknown */
    double rfi_m;
    int rec_kind, rec_n, rec_n_latent, rec_margin;
    double rec_cm, rec_cea, rec_cea_latent;
    int sys_index, sys_rec;    /* 1 yes, 0 no, -1 unknown */
    int idx_neo;               /* index chemotherapy given before the resection */
    int wait_rec;              /* days from detection to treatment of the recurrence */
    /* the records */
    proc_rec proc[MAX_PROC];
    size_t n_proc;
    chemo_rec chemo[MAX_CHEMO];
    size_t n_chemo;
    event_rec ev[MAX_EV];
    size_t n_ev;
    bool overflow;
} patient;

static const char *const REGIMENS[] = {
    "5-FU/LV", "FOLFIRI", "FOLFOX", "CAPOX", "FOLFOX + bevacizumab", "FOLFIRI + cetuximab",
    "capecitabine", "HAI FUDR + dexamethasone",
};
#define REGIMEN_HAI 7

/* Erasmus MC's anatomical segments, with the side each lies on: proximal to
 * the splenic flexure is right-sided; the splenic flexure and distal, up to
 * the rectosigmoid junction, left-sided; the rectosigmoid junction and
 * distal, rectum. */
static const char *const SEGMENTS[] = {
    "caecum", "ascending colon", "hepatic flexure", "transverse colon",   /* right */
    "splenic flexure", "descending colon", "sigmoid",                    /* left */
    "rectosigmoid junction", "rectum",                                   /* rectum */
};
static const int SEGMENT_LOC[] = {0, 0, 0, 0, 1, 1, 1, 2, 2};
static const double SEGMENT_W[] = {0.30, 0.30, 0.10, 0.30, 0.08, 0.17, 0.75, 0.30, 0.70};
static const char *const MSK_SITES[] = {"right colon", "left colon", "rectum"};

static void add_proc(patient *p, proc_rec pr)
{
    if (p->n_proc >= MAX_PROC) {
        p->overflow = true;
        return;
    }
    p->proc[p->n_proc++] = pr;
}

static proc_rec proc_new(int date, int kind)
{
    proc_rec pr = {date, kind, -1, -1, NAN, NAN, -1, NAN};
    return pr;
}

static void add_chemo(patient *p, int start, int end, int regimen)
{
    if (p->n_chemo >= MAX_CHEMO) {
        p->overflow = true;
        return;
    }
    p->chemo[p->n_chemo++] = (chemo_rec){start, end, regimen};
}

static void add_event(patient *p, int date, int kind, int site)
{
    if (p->n_ev >= MAX_EV) {
        p->overflow = true;
        return;
    }
    p->ev[p->n_ev++] = (event_rec){date, kind, site};
}

/* A systemic regimen plausible for the year and centre. */
static int regimen_for(gsl_rng *r, int date, int centre)
{
    double y = year_of(date);
    if (y < 2000) {
        static const double w[] = {0.7, 0.3};
        return pick(r, w, 2);
    }
    if (y < 2005) {
        static const double w[] = {0.25, 0.35, 0.40};
        return pick(r, w, 3);
    }
    static const double w_msk[] = {0, 0.20, 0.35, 0.10, 0.20, 0.10, 0.05};
    static const double w_eras[] = {0, 0.10, 0.15, 0.45, 0.15, 0.05, 0.10};
    return pick(r, centre == MSKCC ? w_msk : w_eras, 7);
}

/* ---- what the study sees: the exclusion conditions, evaluated in C -------
 * These mirror the SQL of README.md ("The cohort") on the generated
 * records: the first step whose condition holds, or 0 (eligible).  Day
 * arithmetic here equals SQLite's date(d, '+N days'); the six-month windows
 * of chemotherapy are not tested here (they do not exclude). */

typedef struct view {
    int index_date, pump_date, first_rec, first_liver, first_eh, rec_tx;
    bool sbrt, eh_at_liver, r2;
} view;

static bool is_liver_kind(int k)
{
    return k == K_RES || k == K_ABL || k == K_RESABL;
}

static int min_date(int a, int b)
{
    if (a == NO_DATE)
        return b;
    if (b == NO_DATE)
        return a;
    return a < b ? a : b;
}

static view view_of(const patient *p)
{
    view v = {NO_DATE, NO_DATE, NO_DATE, NO_DATE, NO_DATE, NO_DATE, false, false, false};
    for (size_t i = 0; i < p->n_proc; i++) {
        const proc_rec *pr = &p->proc[i];
        if (is_liver_kind(pr->kind))
            v.index_date = min_date(v.index_date, pr->date);
        if (pr->kind == K_PUMP)
            v.pump_date = min_date(v.pump_date, pr->date);
        if (pr->kind == K_SBRT)
            v.sbrt = true;
    }
    for (size_t i = 0; i < p->n_ev; i++) {
        const event_rec *e = &p->ev[i];
        if (e->kind != EV_REC)
            continue;
        v.first_rec = min_date(v.first_rec, e->date);
        if (e->site == SITE_LIVER)
            v.first_liver = min_date(v.first_liver, e->date);
        else
            v.first_eh = min_date(v.first_eh, e->date);
    }
    if (v.first_liver != NO_DATE) {
        for (size_t i = 0; i < p->n_ev; i++) {
            const event_rec *e = &p->ev[i];
            if (e->kind == EV_REC && e->site != SITE_LIVER && abs(e->date - v.first_liver) <= 30)
                v.eh_at_liver = true;
        }
        for (size_t i = 0; i < p->n_proc; i++) {
            const proc_rec *pr = &p->proc[i];
            if (is_liver_kind(pr->kind) && pr->date > v.first_liver)
                v.rec_tx = min_date(v.rec_tx, pr->date);
        }
    }
    v.r2 = p->prim_margin == 2;
    for (size_t i = 0; i < p->n_proc; i++) {
        const proc_rec *pr = &p->proc[i];
        if ((pr->date == v.index_date || pr->date == v.rec_tx) && is_liver_kind(pr->kind) &&
            pr->margin == 2)
            v.r2 = true;
    }
    return v;
}

static int first_failing_step(const patient *p)
{
    view v = view_of(p);
    if (v.pump_date != NO_DATE && v.pump_date >= v.index_date && v.pump_date <= v.index_date + 90)
        return X_HAIP_INDEX;
    if (v.first_rec == NO_DATE)
        return X_NO_REC;
    if (v.first_liver == NO_DATE)
        return X_EH_ONLY;
    if (v.eh_at_liver)
        return X_BOTH;
    if (v.rec_tx == NO_DATE)
        return X_NO_TX;
    if (p->ehd_dx || (v.first_eh != NO_DATE && v.first_eh < v.first_liver - 30))
        return X_EHD_BEFORE;
    if (v.r2)
        return X_INCOMPLETE;
    if (v.pump_date != NO_DATE && !(v.pump_date >= v.rec_tx && v.pump_date <= v.rec_tx + 90))
        return X_HAIP_OTHER;
    if (v.sbrt)
        return X_SBRT;
    return ELIGIBLE;
}

/* ---- the survival model of the eligible patients ----------------------------
 * Time 0 is the resection or ablation of the liver recurrence; months.
 *
 *   hepatic re-recurrence   H_r(t) = (t / liver_scale)^liver_shape exp(eta_r)
 *       eta_r = log(hr_lesion) (lesions - 1) + log(hr_ablation) [ablation only]
 *             + log(hr_haip_liver) [HAIP]
 *   death                   h_d(t) = h0(t) exp(eta_d), times hr_after_liver
 *                           once the liver has recurred (t > t_r),
 *       H0(t) = (t / death_scale)^death_shape
 *       eta_d = log(hr_cea) (CEA at recurrence - cea_ref) + log(hr_r1) [R1 at
 *               the index resection] + log(hr_haip_death) [HAIP]
 *   extrahepatic recurrence Weibull(eh_shape, eh_scale), no covariates (it
 *                           is recorded but ends neither endpoint)
 *
 * Unobserved covariates (a number of lesions or a CEA that the database
 * lacks) still act: the model uses the value drawn before it was blanked.
 * Because death is more likely after a hepatic re-recurrence, HAIP lowers
 * mortality partly through the liver; hr_haip_death is the direct part,
 * chosen so that the Cox model of OS finds about 0.59 in all.  The constants
 * were found by simulation (README.md, "Calibration"). */
typedef struct surv_model {
    double liver_shape, liver_scale;
    double hr_lesion, hr_ablation, hr_haip_liver;
    double death_shape, death_scale;
    double hr_cea, cea_ref, hr_r1, hr_haip_death, hr_after_liver;
    double eh_shape, eh_scale;
    double retreat_p;   /* a re-recurrence in the liver treated again */
} surv_model;

/* The lesion and ablation effects are above the published estimates (1.23,
 * 1.56) because deaths, which do not depend on them, dilute them in hDFS. */
static const surv_model MODEL = {
    .liver_shape = 0.53, .liver_scale = 110.0,
    .hr_lesion = 1.27, .hr_ablation = 1.70, .hr_haip_liver = 0.56,
    .death_shape = 1.25, .death_scale = 120.0,
    .hr_cea = 1.008, .cea_ref = 7.0, .hr_r1 = 1.59, .hr_haip_death = 0.66,
    .hr_after_liver = 2.0,
    .eh_shape = 1.0, .eh_scale = 90.0,
    .retreat_p = 0.40,
};

/* A Weibull proportional-hazards time: H(t) = (t / scale)^shape exp(eta). */
static double weibull_ph(gsl_rng *r, double shape, double scale, double eta)
{
    double e = gsl_ran_exponential(r, 1.0) * exp(-eta);
    return scale * pow(e, 1.0 / shape);
}

/* The death time of the model above: the baseline hazard is multiplied by
 * `after` from t_r on (inversion of the piecewise cumulative hazard). */
static double death_time(gsl_rng *r, const surv_model *m, double eta, double t_r)
{
    double e = gsl_ran_exponential(r, 1.0) * exp(-eta);
    double a = pow(t_r / m->death_scale, m->death_shape);
    double h = e <= a ? e : a + (e - a) / m->hr_after_liver;
    return m->death_scale * pow(h, 1.0 / m->death_shape);
}

static int random_eh_site(gsl_rng *r)
{
    static const double w[] = {0, 0.45, 0.20, 0.20, 0.05, 0.10};
    return pick(r, w, N_SITES);
}

/* Follow-up after day 0 (a patient's last liver treatment, or the index
 * date): the last visit before the cut-off, or an earlier loss to follow-up
 * (exponential), or at Erasmus MC discharge five years on.  *death_limit is
 * the last day a death would still be recorded. */
static int followup_end(gsl_rng *r, const centre_spec *c, int cut, int *death_limit)
{
    int end = cut - unif_days(r, 0, 150);
    int loss = (int)(gsl_ran_exponential(r, 1.0 / c->loss_per_year) * YEAR);
    if (c->discharge_p > 0 && chance(r, c->discharge_p)) {
        int discharge = (int)(5 * YEAR) + unif_days(r, 0, 180);
        if (discharge < loss)
            loss = discharge;
    }
    if (loss < end) {
        end = loss;
        *death_limit = loss;
    } else {
        *death_limit = cut;
    }
    return end;
}

/* Outcomes after the treatment of the recurrence (day T = p->rec_tx).
 * min_days: the patient lives and is followed at least this long (his
 * chemotherapy at recurrence has started, his pump is in). */
static void eligible_outcome(gsl_rng *r, patient *p, const centre_spec *c, int cutoff,
                             int min_days)
{
    const surv_model *m = &MODEL;
    int T = p->rec_tx;
    double haip = p->group == 1 ? 1.0 : 0.0;
    double ablation = p->rec_kind == K_ABL ? 1.0 : 0.0;
    double eta_r = log(m->hr_lesion) * (p->rec_n_latent - 1) + log(m->hr_ablation) * ablation +
                   log(m->hr_haip_liver) * haip;
    double t_r = weibull_ph(r, m->liver_shape, m->liver_scale, eta_r);
    double eta_d = log(m->hr_cea) * (p->rec_cea_latent - m->cea_ref) +
                   log(m->hr_r1) * (p->idx_margin == 1 ? 1.0 : 0.0) +
                   log(m->hr_haip_death) * haip;
    double t_d = death_time(r, m, eta_d, t_r);
    double t_e = weibull_ph(r, m->eh_shape, m->eh_scale, 0.0);

    int death_limit;
    int end = followup_end(r, c, cutoff - T, &death_limit);
    if (end < min_days)
        end = min_days;
    if (death_limit < end)
        death_limit = end;
    /* imaging finds a recurrence at the earliest about a month after surgery */
    int r_days = months_to_days(t_r);
    if (r_days < 28)
        r_days = 28 + unif_days(r, 0, 30);
    int d_days = months_to_days(t_d);
    if (d_days < min_days)
        d_days = min_days;
    int e_days = months_to_days(t_e);
    if (e_days < 28)
        e_days = 28 + unif_days(r, 0, 30);
    bool dead = d_days <= death_limit;
    int seen_until = dead && d_days < end ? d_days - 1 : end;

    if (r_days <= seen_until) {
        add_event(p, T + r_days, EV_REC, SITE_LIVER);
        if (chance(r, 0.25))
            add_event(p, T + r_days, EV_REC, random_eh_site(r));
        int again = r_days + unif_days(r, 30, 90);
        if (chance(r, m->retreat_p) && again <= seen_until) {
            proc_rec pr = proc_new(T + again, chance(r, 0.6) ? K_RES : K_ABL);
            int n = 1 + (int)gsl_rng_uniform_int(r, 3);
            if (pr.kind == K_RES) {
                pr.n_resected = n;
                pr.path_cm = lognormal_1dp(r, 1.8, 0.4, 0.5, 6.0);
                pr.margin = chance(r, 0.1) ? 1 : 0;
            } else {
                pr.n_ablated = n;
                pr.abl_cm = lognormal_1dp(r, 1.5, 0.3, 0.5, 3.5);
            }
            pr.cea = lognormal_1dp(r, 8.0, 1.0, 0.5, 500.0);
            add_proc(p, pr);
        }
    }
    if (e_days <= seen_until && e_days != r_days)
        add_event(p, T + e_days, EV_REC, random_eh_site(r));
    int final = dead ? d_days : end;
    if (dead)
        add_event(p, T + d_days, EV_DEATH, -1);
    else
        add_event(p, T + end, EV_LAST, -1);
    /* no treatment goes on after death or the last contact */
    for (size_t i = 0; i < p->n_chemo; i++)
        if (p->chemo[i].start != NO_DATE && p->chemo[i].end > T + final)
            p->chemo[i].end = T + final;
}

/* ---- the eligible patients: Tables 1 and 2 per group ------------------------ */

enum { F_NODES = 0, F_DFI, F_MULTI, F_LARGE, F_CEA, N_FACTORS };

#define MAX_KNOTS 12
#define MAX_VALUES 8

typedef struct group_spec {
    const char *name;
    int n, n_mskcc;
    /* Table 1: counts per category, in the order of the comments; "unknown"
       is the missing count */
    int male, female;
    int loc[4];              /* right-sided, left-sided, rectum, unknown */
    int t[3];                /* T1-T2, T3-T4, unknown */
    int factor[N_FACTORS][3]; /* present, absent, unknown: N+, DFI < 12 months,
                                 > 1 CRLM, largest > 5 cm, CEA > 200 */
    int crs[3];              /* target: high (3-5), low (0-2), unknown */
    int abl_only, res_abl;   /* index procedure: ablation only ("RFA"), and
                                resection with ablation */
    int margin[3];           /* among the resected: R1, R0, unknown */
    int sys[3];              /* perioperative systemic chemotherapy: yes, no, unknown */
    knot age[MAX_KNOTS];     /* age at the index resection, whole years below
                                floor(); knots at integer + 0.5 */
    size_t n_age;
    double dfi_p;            /* share with a disease-free interval < 12 months */
    /* Table 2 */
    knot rfi[MAX_KNOTS];     /* recurrence-free interval, months */
    size_t n_rfi;
    int rec_n_value[MAX_VALUES], rec_n_count[MAX_VALUES];
    size_t n_rec_n;
    int rec_n_na;
    knot size[MAX_KNOTS];    /* largest recurrent CRLM, cm */
    size_t n_size;
    int size_na;
    knot cea[MAX_KNOTS];     /* CEA at recurrence, ug/l */
    size_t n_cea;
    int cea_na;
    int rec_kind[3];         /* resection only, resection with ablation, ablation only */
    int rsys[3];             /* perioperative systemic chemotherapy: yes, no, unknown */
} group_spec;

/* Published quantiles sit on flat stretches of +-FLAT in probability, so
 * that the sample quantile lands on the printed value whatever the
 * stratum it falls in. */
#define FLAT 0.025

static const group_spec GROUPS[2] = {
    {
        .name = "No HAIP", .n = 293, .n_mskcc = 150,
        .male = 195, .female = 98,
        .loc = {56, 138, 91, 8},
        .t = {50, 226, 17},
        .factor = {{160, 126, 7}, {65, 227, 1}, {163, 120, 10}, {35, 230, 28}, {23, 228, 42}},
        .crs = {105, 152, 36},
        .abl_only = 12, .res_abl = 61,
        .margin = {38, 231, 12},
        .sys = {203, 90, 0},
        .age = {{0, 32}, {0.25 - FLAT, 56.5}, {0.25 + FLAT, 56.5}, {0.5 - FLAT, 63.5},
                {0.5 + FLAT, 63.5}, {219.0 / 293.0, 70.0}, {0.77, 70.9}, {1, 88}},
        .n_age = 8,
        .dfi_p = 65.0 / 292.0,
        .rfi = {{0, 1.5}, {0.25 - FLAT, 7.0}, {0.25 + FLAT, 7.0}, {0.5 - FLAT, 11.0},
                {0.5 + FLAT, 11.0}, {0.75 - FLAT, 20.0}, {0.75 + FLAT, 20.0}, {0.95, 48.0},
                {1, 110.0}},
        .n_rfi = 9,
        .rec_n_value = {1, 2, 3, 4, 5, 6, 8},
        .rec_n_count = {154, 70, 30, 14, 7, 3, 2},
        .n_rec_n = 7, .rec_n_na = 13,
        .size = {{0, 0.5}, {0.25 - FLAT, 1.5}, {0.25 + FLAT, 1.5}, {0.5 - FLAT, 2.1},
                 {0.5 + FLAT, 2.1}, {0.75 - FLAT, 3.1}, {0.75 + FLAT, 3.1}, {0.95, 5.5},
                 {1, 9.0}},
        .n_size = 9, .size_na = 50,
        .cea = {{0, 0.5}, {0.25 - FLAT, 3.0}, {0.25 + FLAT, 3.0}, {0.5 - FLAT, 6.9},
                {0.5 + FLAT, 6.9}, {0.75 - FLAT, 16.4}, {0.75 + FLAT, 16.4}, {0.90, 38.0},
                {0.97, 90.0}, {1, 250.0}},
        .n_cea = 10, .cea_na = 73,
        .rec_kind = {175, 19, 99},
        .rsys = {108, 180, 5},
    },
    {
        .name = "HAIP", .n = 81, .n_mskcc = 81,
        .male = 40, .female = 41,
        .loc = {22, 37, 20, 2},
        .t = {7, 65, 9},
        .factor = {{58, 20, 3}, {12, 69, 0}, {49, 30, 2}, {4, 66, 11}, {4, 53, 24}},
        .crs = {35, 32, 14},
        .abl_only = 7, .res_abl = 10,
        .margin = {7, 62, 5},
        .sys = {74, 6, 1},
        .age = {{0, 29}, {0.25 - FLAT, 46.5}, {0.25 + FLAT, 46.5}, {0.5 - FLAT, 54.5},
                {0.5 + FLAT, 54.5}, {0.75 - FLAT, 63.5}, {0.75 + FLAT, 63.5},
                {76.0 / 81.0, 70.0}, {1, 79}},
        .n_age = 9,
        .dfi_p = 12.0 / 81.0,
        .rfi = {{0, 3.2}, {0.25 - FLAT, 7.0}, {0.25 + FLAT, 7.0}, {0.5 - FLAT, 12.0},
                {0.5 + FLAT, 12.0}, {0.75 - FLAT, 17.0}, {0.75 + FLAT, 17.0}, {0.95, 36.0},
                {1, 80.0}},
        .n_rfi = 9,
        .rec_n_value = {1, 2, 3, 4, 5, 6},
        .rec_n_count = {26, 34, 10, 5, 2, 1},
        .n_rec_n = 6, .rec_n_na = 3,
        .size = {{0, 0.6}, {0.25 - FLAT, 1.6}, {0.25 + FLAT, 1.6}, {0.5 - FLAT, 2.1},
                 {0.75 + FLAT, 2.1}, {0.95, 3.8}, {1, 6.0}},
        .n_size = 7, .size_na = 11,
        .cea = {{0, 0.5}, {0.25 - FLAT, 2.9}, {0.25 + FLAT, 2.9}, {0.5 - FLAT, 6.3},
                {0.5 + FLAT, 6.3}, {0.75 - FLAT, 13.3}, {0.75 + FLAT, 13.3}, {0.90, 30.0},
                {0.97, 70.0}, {1, 180.0}},
        .n_cea = 10, .cea_na = 21,
        .rec_kind = {77, 1, 3},
        .rsys = {81, 0, 0},
    },
};

/* The clinical risk score from its five factors (1 present, 0 absent, -1
 * unknown): high when at least three are known to be present, low when it
 * cannot reach three even if every unknown factor were present, unknown
 * otherwise.  Returns 1 high, 0 low, -1 unknown. */
static int crs_class(const int *f)
{
    int present = 0, unknown = 0;
    for (int i = 0; i < N_FACTORS; i++) {
        if (f[i] < 0)
            unknown++;
        else
            present += f[i];
    }
    if (present >= 3)
        return 1;
    if (present + unknown <= 2)
        return 0;
    return -1;
}

/* The factors a patient's index procedure allows: a resection with
 * ablation treats more than one lesion; an ablation alone is not used for
 * a lesion over 5 cm. */
static bool factors_fit(const patient *p)
{
    if (p->idx_kind == K_RESABL && p->fac[F_MULTI] == 0)
        return false;
    if (p->idx_kind == K_ABL && p->fac[F_LARGE] == 1)
        return false;
    return true;
}

static int crs_cost(const int *count, const int *target)
{
    /* count and target: high, low, unknown; the unknown count weighs double
       so that the missing row stays exact where the table cannot be met */
    return abs(count[0] - target[0]) + abs(count[1] - target[1]) + 2 * abs(count[2] - target[2]);
}

static int crs_slot(int c)
{
    return c == 1 ? 0 : c == 0 ? 1 : 2;
}

/* Deal the five factors with their published counts, then swap values of
 * one factor between two patients of the group (which keeps every factor's
 * counts) while that brings the score's counts closer to the published
 * ones.  Table 1's HAIP column cannot be met: 35 high-risk patients need 35
 * of the three rarer factors, and it has 12 + 4 + 4 (README.md). */
static void assign_factors(gsl_rng *r, patient **m, size_t n, const group_spec *g,
                           const double *incomplete)
{
    int *vals = malloc(n * sizeof *vals);
    INVARIANT(vals != NULL);
    static const int codes[3] = {1, 0, -1};
    for (int f = 0; f < N_FACTORS; f++) {
        deal_na(r, vals, n, codes, g->factor[f], 3, 2, incomplete);
        for (size_t i = 0; i < n; i++)
            m[i]->fac[f] = vals[i];
    }
    free(vals);
    /* repair: every patient's factors fit his procedure */
    for (size_t i = 0; i < n; i++) {
        for (size_t tries = 0; !factors_fit(m[i]) && tries < 100000; tries++) {
            size_t j = (size_t)gsl_rng_uniform_int(r, n);
            int f = m[i]->idx_kind == K_RESABL ? F_MULTI : F_LARGE;
            int t = m[i]->fac[f];
            m[i]->fac[f] = m[j]->fac[f];
            m[j]->fac[f] = t;
            if (!factors_fit(m[i]) || !factors_fit(m[j])) {
                m[j]->fac[f] = m[i]->fac[f];
                m[i]->fac[f] = t;
            }
        }
        INVARIANT(factors_fit(m[i]));
    }
    int count[3] = {0, 0, 0};
    for (size_t i = 0; i < n; i++)
        count[crs_slot(crs_class(m[i]->fac))]++;
    int cost = crs_cost(count, g->crs);
    for (int iter = 0; iter < 200000 && cost > 0; iter++) {
        size_t i = (size_t)gsl_rng_uniform_int(r, n), j = (size_t)gsl_rng_uniform_int(r, n);
        int f = (int)gsl_rng_uniform_int(r, N_FACTORS);
        if (i == j || m[i]->fac[f] == m[j]->fac[f])
            continue;
        int ci = crs_class(m[i]->fac), cj = crs_class(m[j]->fac);
        int t = m[i]->fac[f];
        m[i]->fac[f] = m[j]->fac[f];
        m[j]->fac[f] = t;
        int ni = crs_class(m[i]->fac), nj = crs_class(m[j]->fac);
        int next[3] = {count[0], count[1], count[2]};
        next[crs_slot(ci)]--;
        next[crs_slot(cj)]--;
        next[crs_slot(ni)]++;
        next[crs_slot(nj)]++;
        int c2 = crs_cost(next, g->crs);
        if (factors_fit(m[i]) && factors_fit(m[j]) && c2 <= cost) {
            memcpy(count, next, sizeof count);
            cost = c2;
        } else {
            m[j]->fac[f] = m[i]->fac[f];
            m[i]->fac[f] = t;
        }
    }
}

/* The number of CRLM when there is more than one. */
static int multi_count(gsl_rng *r)
{
    static const double w[] = {0.32, 0.22, 0.15, 0.10, 0.07, 0.05, 0.03, 0.02, 0.02, 0.01, 0.01};
    return 2 + pick(r, w, 11);
}

/* Two whole-day offsets of the chemotherapy windows: a course counts for a
 * treatment when it starts within 160 days of it, and a course that must not
 * count starts and ends at least 200 days away (six months are 181 to 184
 * days, so SQLite's date(d, '+-6 months') puts both on the right side). */
#define WIN_IN 160
#define WIN_OUT 200
/* Mixed statuses (chemotherapy for one treatment and not the other) need
 * this many days between the index and the recurrence's treatment. */
#define MIXED_MIN_GAP 180
/* Spread of the log-weights with which patients draw unknown values. */
#define INCOMPLETE_SD 2.5

static void make_group(gsl_rng *r, patient **m, size_t n, const group_spec *g, int group)
{
    INVARIANT((int)n == g->n);
    int *v = calloc(n, sizeof *v);
    double *x = calloc(n, sizeof *x);
    double *z = calloc(n, sizeof *z);
    double *w = calloc(n, sizeof *w);
    uint8_t *chosen = calloc(n, 1);
    size_t *order = calloc(n, sizeof *order);
    INVARIANT(v && x && z && w && chosen && order);

    /* how incomplete each patient's record is: the weight with which he
       draws the unknown values below */
    double *incomplete = calloc(n, sizeof *incomplete);
    INVARIANT(incomplete != NULL);
    for (size_t i = 0; i < n; i++)
        incomplete[i] = exp(INCOMPLETE_SD * gsl_ran_ugaussian(r));
    /* centre, sex, location, T stage */
    {
        const int codes[2] = {MSKCC, ERASMUS};
        const int counts[2] = {g->n_mskcc, g->n - g->n_mskcc};
        deal(r, v, n, codes, counts, 2);
        for (size_t i = 0; i < n; i++)
            m[i]->centre = v[i];
    }
    {
        const int codes[2] = {1, 0};
        const int counts[2] = {g->male, g->female};
        deal(r, v, n, codes, counts, 2);
        for (size_t i = 0; i < n; i++)
            m[i]->male = v[i];
    }
    {
        const int codes[4] = {LOC_RIGHT, LOC_LEFT, LOC_RECTUM, -1};
        deal_na(r, v, n, codes, g->loc, 4, 3, incomplete);
        for (size_t i = 0; i < n; i++) {
            m[i]->loc = v[i];
            m[i]->segment = -1;
            if (v[i] >= 0) {
                double sw[9];
                for (int s = 0; s < 9; s++)
                    sw[s] = SEGMENT_LOC[s] == v[i] ? SEGMENT_W[s] : 0;
                m[i]->segment = pick(r, sw, 9);
            }
        }
    }
    {
        const int codes[3] = {12, 34, 0};
        deal_na(r, v, n, codes, g->t, 3, 2, incomplete);
        for (size_t i = 0; i < n; i++)
            m[i]->t_stage = v[i] == 12 ? (chance(r, 0.25) ? 1 : 2)
                          : v[i] == 34 ? (chance(r, 0.20) ? 4 : 3) : 0;
    }
    /* age: stratified, then floor() */
    stratified(r, g->age, g->n_age, 0, 1, x, n);
    gsl_ran_shuffle(r, x, n, sizeof *x);
    for (size_t i = 0; i < n; i++)
        m[i]->age = (int)floor(x[i]);
    /* index procedure */
    {
        const int codes[3] = {K_ABL, K_RESABL, K_RES};
        const int counts[3] = {g->abl_only, g->res_abl, g->n - g->abl_only - g->res_abl};
        deal(r, v, n, codes, counts, 3);
        for (size_t i = 0; i < n; i++)
            m[i]->idx_kind = v[i];
    }
    /* the five factors of the clinical risk score */
    assign_factors(r, m, n, g, incomplete);
    for (size_t i = 0; i < n; i++) {
        patient *p = m[i];
        p->n_stage = p->fac[F_NODES] == 1   ? (chance(r, 0.6) ? 1 : 2)
                   : p->fac[F_NODES] == 0 ? 0
                                          : -1;
        /* number of CRLM */
        p->idx_n = p->fac[F_MULTI] == 1 ? multi_count(r) : p->fac[F_MULTI] == 0 ? 1 : -1;
        /* largest CRLM */
        if (p->fac[F_LARGE] == 1)
            p->idx_cm = round(exp(unif(r, log(5.1), log(15.0))) * 10.0) / 10.0;
        else if (p->fac[F_LARGE] == 0)
            p->idx_cm = p->idx_kind == K_ABL ? lognormal_1dp(r, 1.8, 0.35, 0.5, 4.0)
                                             : lognormal_1dp(r, 2.8, 0.45, 0.5, 5.0);
        else
            p->idx_cm = NAN;
        /* preoperative CEA */
        if (p->fac[F_CEA] == 1)
            p->idx_cea = round(exp(unif(r, log(201.0), log(2500.0))) * 10.0) / 10.0;
        else if (p->fac[F_CEA] == 0)
            p->idx_cea = lognormal_1dp(r, 9.0, 1.2, 0.5, 200.0);
        else
            p->idx_cea = NAN;
    }
    /* disease-free interval: stratified within each side of 12 months; the
       knots keep every value 0.3 months away from 12 */
    {
        const knot dfi[] = {{0, 0.0},      {0.35 * g->dfi_p, 0.5}, {g->dfi_p, 11.7},
                            {g->dfi_p, 12.3}, {0.5, 22.0},            {0.75, 38.0},
                            {1, 140.0}};
        const size_t nk = sizeof dfi / sizeof dfi[0];
        for (int side = 1; side >= 0; side--) {
            size_t k = 0;
            for (size_t i = 0; i < n; i++)
                if (m[i]->fac[F_DFI] == side)
                    order[k++] = i;
            double lo = side == 1 ? 0 : g->dfi_p, hi = side == 1 ? g->dfi_p : 1;
            stratified(r, dfi, nk, lo, hi, x, k);
            gsl_ran_shuffle(r, x, k, sizeof *x);
            for (size_t j = 0; j < k; j++)
                m[order[j]]->dfi_m = x[j];
        }
        for (size_t i = 0; i < n; i++)
            if (m[i]->fac[F_DFI] < 0)
                m[i]->dfi_m = NAN;
    }
    /* resection margin at the index, among the resected */
    {
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (m[i]->idx_kind != K_ABL) {
                w[k] = incomplete[i];
                order[k++] = i;
            }
        const int codes[3] = {1, 0, -1};
        deal_na(r, v, k, codes, g->margin, 3, 2, w);
        for (size_t j = 0; j < k; j++)
            m[order[j]]->idx_margin = v[j];
        for (size_t i = 0; i < n; i++)
            if (m[i]->idx_kind == K_ABL)
                m[i]->idx_margin = -1;
    }
    /* recurrence-free interval and the wait for treatment */
    stratified(r, g->rfi, g->n_rfi, 0, 1, x, n);
    gsl_ran_shuffle(r, x, n, sizeof *x);
    for (size_t i = 0; i < n; i++) {
        m[i]->rfi_m = x[i];
        m[i]->wait_rec = unif_days(r, 21, 60);
    }
#define GAP(p) (months_to_days((p)->rfi_m) + (p)->wait_rec)
    /* perioperative systemic chemotherapy at the index: MSKCC gives it more
       often; an HAIP patient without it (or unknown) needs room for his
       chemotherapy at recurrence outside the index's window */
    {
        memset(chosen, 0, n);
        for (size_t i = 0; i < n; i++)
            w[i] = group == 1 ? (GAP(m[i]) >= MIXED_MIN_GAP ? 1.0 : 0.0) : 1.0;
        size_t not_yes = (size_t)(g->sys[1] + g->sys[2]);
        if (group == 1) {
            INVARIANT(pick_weighted(r, w, chosen, n, not_yes) == not_yes);
            size_t unknown = 0;
            for (size_t i = 0; i < n; i++)
                m[i]->sys_index = 1;
            for (size_t i = 0; i < n; i++)
                if (chosen[i])
                    m[i]->sys_index = unknown++ < (size_t)g->sys[2] ? -1 : 0;
        } else {
            for (size_t i = 0; i < n; i++)
                w[i] = m[i]->centre == MSKCC ? 1.4 : 1.0;
            INVARIANT(pick_weighted(r, w, chosen, n, (size_t)g->sys[0]) == (size_t)g->sys[0]);
            INVARIANT(g->sys[2] == 0);
            for (size_t i = 0; i < n; i++)
                m[i]->sys_index = chosen[i] ? 1 : 0;
        }
    }
    /* number of recurrent CRLM: exact counts; a latent number for the unknown */
    {
        int codes[MAX_VALUES + 1], counts[MAX_VALUES + 1];
        for (size_t c = 0; c < g->n_rec_n; c++) {
            codes[c] = g->rec_n_value[c];
            counts[c] = g->rec_n_count[c];
        }
        codes[g->n_rec_n] = -1;
        counts[g->n_rec_n] = g->rec_n_na;
        deal_na(r, v, n, codes, counts, g->n_rec_n + 1, g->n_rec_n, incomplete);
        double cw[MAX_VALUES];
        for (size_t c = 0; c < g->n_rec_n; c++)
            cw[c] = g->rec_n_count[c];
        for (size_t i = 0; i < n; i++) {
            m[i]->rec_n = v[i];
            m[i]->rec_n_latent = v[i] > 0 ? v[i] : g->rec_n_value[pick(r, cw, (int)g->n_rec_n)];
        }
    }
    /* treatment of the recurrence: resection with ablation needs two lesions;
       ablation alone is more likely for few lesions */
    {
        memset(chosen, 0, n);
        for (size_t i = 0; i < n; i++)
            w[i] = m[i]->rec_n_latent >= 2 ? 1.0 : 0.0;
        INVARIANT(pick_weighted(r, w, chosen, n, (size_t)g->rec_kind[1]) ==
                  (size_t)g->rec_kind[1]);
        for (size_t i = 0; i < n; i++)
            m[i]->rec_kind = chosen[i] ? K_RESABL : K_RES;
        for (size_t i = 0; i < n; i++)
            w[i] = chosen[i]                 ? 0.0
                 : m[i]->rec_n_latent <= 1 ? 1.5
                 : m[i]->rec_n_latent == 2 ? 1.0
                                           : 0.4;
        uint8_t *abl = calloc(n, 1);
        INVARIANT(abl != NULL);
        for (size_t i = 0; i < n; i++)
            abl[i] = chosen[i];
        INVARIANT(pick_weighted(r, w, abl, n, (size_t)g->rec_kind[2]) == (size_t)g->rec_kind[2]);
        for (size_t i = 0; i < n; i++)
            if (abl[i] && !chosen[i])
                m[i]->rec_kind = K_ABL;
        free(abl);
    }
    /* size of the largest recurrent CRLM: known values stratified and
       handed out in the order of a latent score (ablation, smaller) */
    {
        const int codes[2] = {0, 1};
        const int counts[2] = {g->n - g->size_na, g->size_na};
        deal_na(r, v, n, codes, counts, 2, 1, incomplete);
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            m[i]->rec_cm = NAN;
            if (v[i] == 0) {
                order[k] = i;
                z[k++] = gsl_ran_ugaussian(r) - (m[i]->rec_kind == K_ABL ? 0.8 : 0.0);
            }
        }
        stratified(r, g->size, g->n_size, 0, 1, x, k);
        /* sort the k patients by z (insertion sort: k < 300) */
        for (size_t a = 1; a < k; a++)
            for (size_t b = a; b > 0 && z[b - 1] > z[b]; b--) {
                double tz = z[b];
                z[b] = z[b - 1];
                z[b - 1] = tz;
                size_t to = order[b];
                order[b] = order[b - 1];
                order[b - 1] = to;
            }
        for (size_t j = 0; j < k; j++)
            m[order[j]]->rec_cm = round(x[j] * 10.0) / 10.0;
    }
    /* CEA at recurrence: known values stratified, a latent value for the
       unknown from the same distribution */
    {
        const int codes[2] = {0, 1};
        const int counts[2] = {g->n - g->cea_na, g->cea_na};
        deal_na(r, v, n, codes, counts, 2, 1, incomplete);
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (v[i] == 0)
                order[k++] = i;
        stratified(r, g->cea, g->n_cea, 0, 1, x, k);
        gsl_ran_shuffle(r, x, k, sizeof *x);
        for (size_t j = 0; j < k; j++) {
            m[order[j]]->rec_cea = round(x[j] * 10.0) / 10.0;
            m[order[j]]->rec_cea_latent = m[order[j]]->rec_cea;
        }
        size_t u = 0;
        for (size_t i = 0; i < n; i++)
            if (v[i] == 1)
                order[u++] = i;
        stratified(r, g->cea, g->n_cea, 0, 1, x, u);
        gsl_ran_shuffle(r, x, u, sizeof *x);
        for (size_t j = 0; j < u; j++) {
            m[order[j]]->rec_cea = NAN;
            m[order[j]]->rec_cea_latent = round(x[j] * 10.0) / 10.0;
        }
    }
    /* perioperative systemic chemotherapy at recurrence */
    if (group == 1) {
        INVARIANT(g->rsys[0] == g->n);
        for (size_t i = 0; i < n; i++)
            m[i]->sys_rec = 1;
    } else {
        memset(chosen, 0, n);
        /* unknown: among those with chemotherapy at the index, far enough
           apart for the index course to stay outside the recurrence's window */
        for (size_t i = 0; i < n; i++)
            w[i] = m[i]->sys_index == 1 && GAP(m[i]) >= MIXED_MIN_GAP ? 1.0 : 0.0;
        INVARIANT(pick_weighted(r, w, chosen, n, (size_t)g->rsys[2]) == (size_t)g->rsys[2]);
        for (size_t i = 0; i < n; i++)
            m[i]->sys_rec = chosen[i] ? -1 : 2; /* 2: to decide */
        /* forced: too close for mixed statuses */
        int yes = 0, no = 0;
        for (size_t i = 0; i < n; i++)
            if (m[i]->sys_rec == 2 && GAP(m[i]) < MIXED_MIN_GAP) {
                m[i]->sys_rec = m[i]->sys_index;
                if (m[i]->sys_rec == 1)
                    yes++;
                else
                    no++;
            }
        INVARIANT(yes <= g->rsys[0] && no <= g->rsys[1]);
        memset(chosen, 0, n);
        for (size_t i = 0; i < n; i++)
            w[i] = m[i]->sys_rec == 2 ? (m[i]->centre == MSKCC ? 2.0 : 1.0) : 0.0;
        size_t want = (size_t)(g->rsys[0] - yes);
        INVARIANT(pick_weighted(r, w, chosen, n, want) == want);
        for (size_t i = 0; i < n; i++)
            if (m[i]->sys_rec == 2)
                m[i]->sys_rec = chosen[i] ? 1 : 0;
    }
    for (size_t i = 0; i < n; i++) {
        patient *p = m[i];
        p->rec_margin = p->rec_kind == K_ABL ? -1 : chance(r, 0.03) ? -1 : chance(r, 0.10) ? 1 : 0;
        p->prim_margin = chance(r, 0.03) ? 1 : 0;
        p->ehd_dx = 0;
    }
    free(incomplete);
    free(v);
    free(x);
    free(z);
    free(w);
    free(chosen);
    free(order);
}

/* A random date for the patient's index treatment: accrual grows over the
 * centre's period, and the recurrence must be treated within it. */
static int centre_day(const centre_spec *c, int which) /* 0 start, 1 end, 2 cut-off */
{
    if (which == 0)
        return days_from_civil(c->start_y, 1, 1);
    if (which == 1)
        return days_from_civil(c->end_y, 12, 31);
    return days_from_civil(c->cutoff_y, c->cutoff_m, c->cutoff_d);
}

/* The records of an eligible patient, from his plan. */
static void eligible_records(gsl_rng *r, patient *p)
{
    const centre_spec *c = &CENTRES[p->centre];
    int gap = GAP(p);
    int I = accrual_date(r, centre_day(c, 0), centre_day(c, 1) - gap, c->accrual_growth);
    p->index_date = I;
    p->rec_dx = I + months_to_days(p->rfi_m);
    p->rec_tx = p->rec_dx + p->wait_rec;
    INVARIANT(p->rec_tx == I + gap);
    int T = p->rec_tx;

    /* chemotherapy at the index; the course must stay out of the
       recurrence's window when that says no (or unknown) */
    int D;
    if (p->sys_index == 1) {
        bool must_neo = p->sys_rec != 1 && gap < 420;
        p->idx_neo = must_neo || chance(r, p->centre == MSKCC ? 0.45 : 0.35);
        if (p->idx_neo) {
            int L = unif_days(r, 90, 150);
            int e = unif_days(r, 14, 35);
            if (p->sys_rec != 1 && gap + e < WIN_OUT + 5)
                e = WIN_OUT + 5 - gap;
            INVARIANT(e <= 60);
            int start = I - L;
            add_chemo(p, start, I - e, regimen_for(r, start, p->centre));
            D = start - unif_days(r, 14, 30);
        } else {
            int start = I + unif_days(r, 28, 56);
            int regimen = regimen_for(r, start, p->centre);
            add_chemo(p, start, start + unif_days(r, 90, 180), regimen);
            D = I - unif_days(r, 21, 70);
        }
    } else {
        p->idx_neo = 0;
        D = I - unif_days(r, 21, 70);
        if (p->sys_index < 0)
            add_chemo(p, NO_DATE, NO_DATE, regimen_for(r, I, p->centre));
    }
    /* chemotherapy at recurrence: adjuvant (with HAIP: concurrent) */
    int min_days = 3; /* see eligible_outcome() */
    if (p->sys_rec == 1) {
        int s = unif_days(r, 28, 56);
        if (p->sys_index != 1 && gap + s < WIN_OUT + 5)
            s = WIN_OUT + 5 - gap;
        int start = T + s;
        int regimen = regimen_for(r, start, p->centre);
        add_chemo(p, start, start + unif_days(r, 90, 180), regimen);
        min_days = s + 7;
    } else if (p->sys_rec < 0) {
        add_chemo(p, NO_DATE, NO_DATE, regimen_for(r, T, p->centre));
    }
    p->crlm_dx = D;
    p->prim_date = isnan(p->dfi_m) ? NO_DATE : D - months_to_days(p->dfi_m);
    p->birth = I - (int)lround((p->age + unif(r, 0.05, 0.95)) * YEAR);
    /* adjuvant chemotherapy after the primary, when it ended well before
       the index window */
    if (p->prim_date != NO_DATE && chance(r, p->n_stage > 0 ? 0.6 : 0.15)) {
        int start = p->prim_date + unif_days(r, 28, 56);
        int end = start + unif_days(r, 150, 180);
        if (end <= I - WIN_OUT)
            add_chemo(p, start, end, regimen_for(r, start, p->centre));
    }

    /* the index procedure */
    proc_rec ix = proc_new(I, p->idx_kind);
    ix.cea = p->idx_cea;
    if (p->idx_kind == K_RES) {
        ix.n_resected = p->idx_n;
        ix.path_cm = p->idx_cm;
        ix.margin = p->idx_margin;
    } else if (p->idx_kind == K_ABL) {
        ix.n_ablated = p->idx_n;
        ix.abl_cm = p->idx_cm;
    } else {
        /* one to three lesions ablated, the others resected */
        int most = p->idx_n > 0 ? (p->idx_n - 1 < 3 ? p->idx_n - 1 : 3) : 2;
        int na = 1 + (int)gsl_rng_uniform_int(r, (unsigned long)most);
        ix.n_ablated = na;
        ix.n_resected = p->idx_n > 0 ? p->idx_n - na : -1;
        ix.path_cm = p->idx_cm;
        ix.abl_cm = isnan(p->idx_cm) ? lognormal_1dp(r, 1.5, 0.3, 0.5, 3.0)
                                     : fmin(p->idx_cm, lognormal_1dp(r, 1.5, 0.3, 0.5, 3.0));
        ix.margin = p->idx_margin;
    }
    add_proc(p, ix);

    /* the liver recurrence and its treatment */
    add_event(p, p->rec_dx, EV_REC, SITE_LIVER);
    proc_rec rx = proc_new(T, p->rec_kind);
    rx.cea = p->rec_cea;
    if (p->rec_kind == K_RES) {
        rx.n_resected = p->rec_n;
        rx.path_cm = p->rec_cm;
        rx.margin = p->rec_margin;
    } else if (p->rec_kind == K_ABL) {
        rx.n_ablated = p->rec_n;
        rx.abl_cm = p->rec_cm;
    } else {
        int most = p->rec_n > 0 ? (p->rec_n - 1 < 2 ? p->rec_n - 1 : 2) : 0;
        int na = most > 0 ? 1 + (int)gsl_rng_uniform_int(r, (unsigned long)most) : 1;
        rx.n_ablated = na;
        rx.n_resected = p->rec_n > 0 ? p->rec_n - na : -1;
        rx.path_cm = p->rec_cm;
        rx.abl_cm = isnan(p->rec_cm) ? lognormal_1dp(r, 1.2, 0.3, 0.5, 3.0)
                                     : fmin(p->rec_cm, lognormal_1dp(r, 1.2, 0.3, 0.5, 3.0));
        rx.margin = p->rec_margin;
    }
    add_proc(p, rx);
    if (p->group == 1) {
        int pump = chance(r, 0.85) ? T : T + unif_days(r, 14, 45);
        add_proc(p, proc_new(pump, K_PUMP));
        int start = pump + unif_days(r, 21, 42);
        add_chemo(p, start, start + unif_days(r, 120, 180), REGIMEN_HAI);
        if (start - T + 7 > min_days)
            min_days = start - T + 7;
    }
    eligible_outcome(r, p, c, centre_day(c, 2), min_days);
}
#undef GAP

/* ---- the excluded patients ---------------------------------------------------
 * Plausible records that make the intended step the first one to fail.
 * Everything is built relative to the index date (day 0) and shifted once
 * the index date is drawn, so that the events that define the exclusion
 * fall before the data cut-off. */

/* Demographics, primary tumour and index CRLM of an excluded patient: a
 * general population of patients after resection of CRLM. */
static void base_attributes(gsl_rng *r, patient *p)
{
    p->male = chance(r, 0.60);
    double age = round(61.0 + 11.0 * gsl_ran_ugaussian(r));
    p->age = (int)(age < 24 ? 24 : age > 89 ? 89 : age);
    static const double wl[] = {0.25, 0.45, 0.27, 0.03};
    p->loc = pick(r, wl, 4);
    if (p->loc == 3)
        p->loc = -1;
    p->segment = -1;
    if (p->loc >= 0) {
        double sw[9];
        for (int s = 0; s < 9; s++)
            sw[s] = SEGMENT_LOC[s] == p->loc ? SEGMENT_W[s] : 0;
        p->segment = pick(r, sw, 9);
    }
    static const double wt[] = {0.05, 0.03, 0.10, 0.64, 0.18};
    p->t_stage = pick(r, wt, 5);
    static const double wn[] = {0.40, 0.34, 0.21, 0.05};
    p->n_stage = pick(r, wn, 4);
    if (p->n_stage == 3)
        p->n_stage = -1;
    p->prim_margin = chance(r, 0.03) ? 1 : 0;
    p->dfi_m = chance(r, 0.01) ? NAN : chance(r, 0.35) ? unif(r, 0, 0.5)
                                                       : lognormal_1dp(r, 16.0, 0.7, 1.0, 150.0);
    static const double wk[] = {0.74, 0.08, 0.18};
    p->idx_kind = K_RES + pick(r, wk, 3);
    p->idx_n = chance(r, 0.03) ? -1 : chance(r, 0.42) ? 1 : multi_count(r);
    if (p->idx_kind == K_RESABL && p->idx_n == 1)
        p->idx_n = 2;
    p->idx_cm = chance(r, 0.10) ? NAN
              : p->idx_kind == K_ABL ? lognormal_1dp(r, 1.8, 0.35, 0.4, 4.0)
                                     : lognormal_1dp(r, 3.0, 0.55, 0.4, 16.0);
    p->idx_margin = p->idx_kind == K_ABL ? -1 : chance(r, 0.03) ? -1 : chance(r, 0.13) ? 1 : 0;
    p->idx_cea = chance(r, 0.2) ? NAN : lognormal_1dp(r, 12.0, 1.3, 0.5, 3000.0);
    p->ehd_dx = 0;
}

/* A liver procedure with plausible pathology; margin R0/R1 unless given. */
static proc_rec liver_proc(gsl_rng *r, int date, int kind, double cea)
{
    proc_rec pr = proc_new(date, kind);
    int n = chance(r, 0.5) ? 1 : 1 + multi_count(r) / 2;
    pr.cea = cea;
    if (kind == K_RES || kind == K_RESABL) {
        pr.n_resected = n;
        pr.path_cm = lognormal_1dp(r, 2.2, 0.45, 0.4, 10.0);
        pr.margin = chance(r, 0.12) ? 1 : 0;
    }
    if (kind == K_ABL || kind == K_RESABL) {
        pr.n_ablated = 1 + (int)gsl_rng_uniform_int(r, 2);
        pr.abl_cm = lognormal_1dp(r, 1.4, 0.3, 0.4, 3.5);
    }
    return pr;
}

static int random_liver_kind(gsl_rng *r)
{
    static const double w[] = {0.65, 0.25, 0.10};
    return K_RES + pick(r, w, 3);
}

/* Recurrence-free interval of an excluded patient: at least three months. */
static int excluded_rfi(gsl_rng *r)
{
    return months_to_days(lognormal_1dp(r, 13.0, 0.7, 3.0, 120.0));
}

/* The index procedure and the chemotherapy around it (day 0). */
static void excluded_index(gsl_rng *r, patient *p, const centre_spec *c)
{
    proc_rec ix = proc_new(0, p->idx_kind);
    ix.cea = p->idx_cea;
    if (p->idx_kind != K_ABL) {
        ix.n_resected = p->idx_kind == K_RESABL && p->idx_n > 0 ? p->idx_n - 1 : p->idx_n;
        ix.path_cm = p->idx_cm;
        ix.margin = p->idx_margin;
    }
    if (p->idx_kind != K_RES) {
        ix.n_ablated = p->idx_kind == K_RESABL ? 1 : p->idx_n;
        ix.abl_cm = p->idx_kind == K_RESABL ? lognormal_1dp(r, 1.5, 0.3, 0.5, 3.0) : p->idx_cm;
        if (p->idx_kind == K_RESABL && !isnan(p->idx_cm))
            ix.abl_cm = fmin(ix.abl_cm, p->idx_cm);
    }
    add_proc(p, ix);
    int D;
    if (chance(r, p->centre == MSKCC ? 0.70 : 0.45)) {
        if (chance(r, 0.4)) {
            int start = -unif_days(r, 90, 150);
            add_chemo(p, start, -unif_days(r, 14, 35), -1);
            D = start - unif_days(r, 14, 30);
        } else {
            int start = unif_days(r, 28, 56);
            add_chemo(p, start, start + unif_days(r, 90, 180), -1);
            D = -unif_days(r, 21, 70);
        }
    } else {
        D = -unif_days(r, 21, 70);
    }
    p->crlm_dx = D;
    p->prim_date = isnan(p->dfi_m) ? NO_DATE : D - months_to_days(p->dfi_m);
    (void)c;
}

/* The first recurrence after the index, liver only (day R), treated with a
 * resection or ablation at day T; returns T.  ehd_ok: an extrahepatic
 * recurrence before the liver may be added by the caller. */
static int treated_liver_recurrence(gsl_rng *r, patient *p, int R, int T, int kind, int margin)
{
    add_event(p, R, EV_REC, SITE_LIVER);
    double cea = chance(r, 0.25) ? NAN : lognormal_1dp(r, 7.0, 1.2, 0.5, 900.0);
    proc_rec pr = liver_proc(r, T, kind, cea);
    if (margin >= 0 && kind != K_ABL)
        pr.margin = margin;
    add_proc(p, pr);
    p->rec_dx = R;
    p->rec_tx = T;
    return T;
}

/* Shift every date of the patient by `by` days. */
static void shift_dates(patient *p, int by)
{
    int *dates[] = {&p->crlm_dx, &p->prim_date, &p->rec_dx, &p->rec_tx};
    for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++)
        if (*dates[i] != NO_DATE)
            *dates[i] += by;
    for (size_t i = 0; i < p->n_proc; i++)
        p->proc[i].date += by;
    for (size_t i = 0; i < p->n_chemo; i++)
        if (p->chemo[i].start != NO_DATE) {
            p->chemo[i].start += by;
            p->chemo[i].end += by;
        }
    for (size_t i = 0; i < p->n_ev; i++)
        p->ev[i].date += by;
}

static void make_excluded(gsl_rng *r, patient *p)
{
    const centre_spec *c = &CENTRES[p->centre];
    base_attributes(r, p);
    excluded_index(r, p, c);
    int span = 30;            /* the last day (after the index) a defining record needs */
    int after = 0;            /* day from which the follow-up below runs */
    double death_median = 48; /* months, from `after` */
    int R, T, rec_kind;

    switch (p->reason) {
    case X_HAIP_INDEX: {
        int pump = chance(r, 0.9) ? 0 : unif_days(r, 14, 60);
        add_proc(p, proc_new(pump, K_PUMP));
        int start = pump + unif_days(r, 21, 42);
        add_chemo(p, start, start + unif_days(r, 120, 180), REGIMEN_HAI);
        span = pump + 30;
        death_median = 110;
        if (chance(r, 0.5)) {
            R = excluded_rfi(r);
            static const double ws[] = {0.35, 0.45, 0.20};
            int kind = pick(r, ws, 3);
            if (kind != 1)
                add_event(p, R, EV_REC, SITE_LIVER);
            if (kind != 0)
                add_event(p, R, EV_REC, random_eh_site(r));
            if (kind == 0 && chance(r, 0.5)) {
                int how = random_liver_kind(r);
                add_proc(p, liver_proc(r, R + unif_days(r, 21, 90), how, NAN));
            }
            span = R + 120;
            after = R;
            death_median = 45;
        }
        break;
    }
    case X_NO_REC:
        death_median = 200;
        break;
    case X_EH_ONLY:
        R = excluded_rfi(r);
        add_event(p, R, EV_REC, random_eh_site(r));
        if (chance(r, 0.3))
            add_event(p, R, EV_REC, random_eh_site(r));
        if (chance(r, 0.3)) {
            int site = random_eh_site(r);
            add_event(p, R + unif_days(r, 120, 720), EV_REC, site);
        }
        span = R + 30;
        after = R;
        death_median = 36;
        break;
    case X_BOTH:
        R = excluded_rfi(r);
        add_event(p, R, EV_REC, SITE_LIVER);
        {
            int site = random_eh_site(r);
            add_event(p, R + unif_days(r, -14, 14), EV_REC, site);
        }
        if (chance(r, 0.3)) {
            int how = random_liver_kind(r);
            add_proc(p, liver_proc(r, R + unif_days(r, 30, 120), how, NAN));
        }
        span = R + 130;
        after = R;
        death_median = 30;
        break;
    case X_NO_TX:
        R = excluded_rfi(r);
        add_event(p, R, EV_REC, SITE_LIVER);
        p->ehd_dx = chance(r, 0.05);
        if (chance(r, 0.8)) {
            int start = R + unif_days(r, 14, 45);
            add_chemo(p, start, start + unif_days(r, 90, 240), -1);
        }
        if (p->centre == MSKCC && chance(r, 0.15))
            add_proc(p, proc_new(R + unif_days(r, 30, 60), K_PUMP));
        span = R + 70;
        after = R;
        death_median = 28;
        break;
    case X_EHD_BEFORE:
        R = excluded_rfi(r);
        if (R >= 150 && chance(r, 0.5)) {
            int eh = R - unif_days(r, 60, R - 60 < 400 ? R - 60 : 400);
            add_event(p, eh, EV_REC, random_eh_site(r));
        } else {
            p->ehd_dx = 1;
        }
        rec_kind = random_liver_kind(r);
        T = treated_liver_recurrence(r, p, R, R + unif_days(r, 21, 90), rec_kind, -1);
        span = T + 30;
        after = T;
        death_median = 40;
        break;
    case X_INCOMPLETE: {
        R = excluded_rfi(r);
        int where = pick(r, (const double[]){0.3, 0.35, 0.35}, 3);
        int kind = random_liver_kind(r);
        if (where == 0)
            p->prim_margin = 2;
        if (where == 1) {
            if (p->proc[0].kind == K_ABL) {
                p->proc[0].kind = K_RES;
                p->proc[0].n_resected = p->proc[0].n_ablated;
                p->proc[0].n_ablated = -1;
                p->proc[0].path_cm = isnan(p->proc[0].abl_cm) ? 2.0 : p->proc[0].abl_cm;
                p->proc[0].abl_cm = NAN;
            }
            p->proc[0].margin = 2;
        }
        if (where == 2 && kind == K_ABL)
            kind = K_RES;
        T = treated_liver_recurrence(r, p, R, R + unif_days(r, 21, 90), kind, where == 2 ? 2 : -1);
        span = T + 30;
        after = T;
        death_median = 30;
        break;
    }
    case X_HAIP_OTHER: {
        R = excluded_rfi(r);
        int pump;
        if (chance(r, 0.6)) { /* HAIP to convert an unresectable recurrence */
            pump = R + unif_days(r, 14, 40);
            T = pump + unif_days(r, 90, 180);
        } else {              /* HAIP later, for a further recurrence */
            T = R + unif_days(r, 21, 90);
            pump = T + unif_days(r, 120, 720);
        }
        treated_liver_recurrence(r, p, R, T, random_liver_kind(r), -1);
        add_proc(p, proc_new(pump, K_PUMP));
        int start = pump + unif_days(r, 21, 42);
        add_chemo(p, start, start + unif_days(r, 120, 180), REGIMEN_HAI);
        span = (pump > T ? pump : T) + 30;
        after = T;
        death_median = 50;
        break;
    }
    case X_SBRT:
        R = excluded_rfi(r);
        rec_kind = random_liver_kind(r);
        T = treated_liver_recurrence(r, p, R, R + unif_days(r, 21, 90), rec_kind, -1);
        add_proc(p, proc_new(T + unif_days(r, 14, 90), K_SBRT));
        span = T + 120;
        after = T;
        death_median = 50;
        break;
    default:
        INVARIANT(0);
    }

    /* the index date: within the centre's period, early enough for the
       defining records to precede the cut-off */
    int cutoff = centre_day(c, 2);
    int last = centre_day(c, 1);
    if (last > cutoff - span - 30)
        last = cutoff - span - 30;
    int I = accrual_date(r, centre_day(c, 0), last, c->accrual_growth);
    p->index_date = I;
    p->birth = I - (int)lround((p->age + unif(r, 0.05, 0.95)) * YEAR);

    /* follow-up: death or the last contact, after every defining record */
    int death_limit;
    int end = followup_end(r, c, cutoff - I - after, &death_limit);
    int min_end = span - after + unif_days(r, 14, 90);
    if (end < min_end)
        end = min_end;
    if (after + end > cutoff - I)
        end = cutoff - I - after;
    if (death_limit < end)
        death_limit = end;
    int d = months_to_days(weibull_ph(r, 1.1, death_median / pow(log(2.0), 1 / 1.1), 0.0));
    if (d > span - after && d <= death_limit)
        add_event(p, after + d, EV_DEATH, -1);
    else
        add_event(p, after + end, EV_LAST, -1);
    /* nothing is recorded after death or the last contact */
    int final = p->ev[p->n_ev - 1].date;
    size_t k = 0;
    for (size_t i = 0; i < p->n_ev; i++)
        if (p->ev[i].date <= final)
            p->ev[k++] = p->ev[i];
    p->n_ev = k;
    k = 0;
    for (size_t i = 0; i < p->n_chemo; i++)
        if (p->chemo[i].start <= final) {
            if (p->chemo[i].end > final)
                p->chemo[i].end = final;
            p->chemo[k++] = p->chemo[i];
        }
    p->n_chemo = k;
    k = 0;
    for (size_t i = 0; i < p->n_proc; i++)
        if (p->proc[i].date <= final)
            p->proc[k++] = p->proc[i];
    p->n_proc = k;
    shift_dates(p, I);

    /* regimens of the courses drawn above with -1, now that dates are known */
    for (size_t i = 0; i < p->n_chemo; i++)
        if (p->chemo[i].regimen < 0)
            p->chemo[i].regimen = regimen_for(r, p->chemo[i].start, p->centre);
}

/* ---- the whole cohort ------------------------------------------------------- */

typedef struct cohort {
    patient *p;          /* every screened patient, both centres */
    size_t n;
} cohort;

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int cmp_event(const void *a, const void *b)
{
    const event_rec *x = a, *y = b;
    if (x->date != y->date)
        return (x->date > y->date) - (x->date < y->date);
    if (x->kind != y->kind)
        return (x->kind > y->kind) - (x->kind < y->kind);
    return (x->site > y->site) - (x->site < y->site);
}

static int cmp_proc(const void *a, const void *b)
{
    const proc_rec *x = a, *y = b;
    if (x->date != y->date)
        return (x->date > y->date) - (x->date < y->date);
    return (x->kind > y->kind) - (x->kind < y->kind);
}

static int cmp_chemo(const void *a, const void *b)
{
    const chemo_rec *x = a, *y = b;
    /* courses with unknown dates last */
    bool ux = x->start == NO_DATE, uy = y->start == NO_DATE;
    if (ux != uy)
        return ux ? 1 : -1;
    return (x->start > y->start) - (x->start < y->start);
}

/* Patients in each centre's database order: centre, then index date. */
static int cmp_patient(const void *a, const void *b)
{
    const patient *x = a, *y = b;
    if (x->centre != y->centre)
        return x->centre - y->centre;
    if (x->index_date != y->index_date)
        return (x->index_date > y->index_date) - (x->index_date < y->index_date);
    return (x->serial > y->serial) - (x->serial < y->serial);
}

/* Generate every patient of both centres from the seed.  Returns 0, or -1
 * with a message in err (out of memory). */
static int generate_cohort(unsigned long seed, cohort *out, char *err, size_t errlen)
{
    size_t n = 0;
    for (int c = 0; c < N_CENTRES; c++)
        for (int k = 0; k < N_REASONS; k++)
            n += (size_t)N_PATIENTS[c][k];
    patient *pts = calloc(n, sizeof *pts);
    patient **members = malloc(n * sizeof *members);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (pts == NULL || members == NULL || r == NULL) {
        free(pts);
        free(members);
        if (r != NULL)
            gsl_rng_free(r);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    gsl_rng_set(r, seed);

    /* the eligible patients, group by group (Tables 1 and 2) */
    size_t at = 0;
    for (int g = 0; g < 2; g++) {
        size_t ng = (size_t)GROUPS[g].n;
        for (size_t i = 0; i < ng; i++) {
            patient *p = &pts[at + i];
            p->reason = ELIGIBLE;
            p->group = g;
            p->serial = at + i;
            members[i] = p;
        }
        make_group(r, members, ng, &GROUPS[g], g);
        for (size_t i = 0; i < ng; i++)
            eligible_records(r, members[i]);
        at += ng;
    }
    INVARIANT(at == (size_t)(N_PATIENTS[MSKCC][ELIGIBLE] + N_PATIENTS[ERASMUS][ELIGIBLE]));
    /* the excluded, centre by centre and reason by reason */
    for (int c = 0; c < N_CENTRES; c++)
        for (int k = 1; k < N_REASONS; k++)
            for (int i = 0; i < N_PATIENTS[c][k]; i++) {
                patient *p = &pts[at];
                p->centre = c;
                p->reason = k;
                p->group = -1;
                p->serial = at++;
                make_excluded(r, p);
            }
    INVARIANT(at == n);

    for (size_t i = 0; i < n; i++) {
        patient *p = &pts[i];
        INVARIANT(!p->overflow);
        int step = first_failing_step(p);
        if (step != p->reason) {
            fprintf(stderr, "haip-gen: patient %zu (centre %d) meant for step %d fails step %d\n",
                    p->serial, p->centre, p->reason, step);
            INVARIANT(step == p->reason);
        }
        qsort(p->proc, p->n_proc, sizeof p->proc[0], cmp_proc);
        qsort(p->chemo, p->n_chemo, sizeof p->chemo[0], cmp_chemo);
        qsort(p->ev, p->n_ev, sizeof p->ev[0], cmp_event);
    }
    qsort(pts, n, sizeof *pts, cmp_patient);

    /* identifiers: MSKCC's medical record numbers are 8 random digits,
       Erasmus MC numbers its patients 1, 2, ... in order of the index date */
    size_t n_msk = (size_t)0;
    for (int k = 0; k < N_REASONS; k++)
        n_msk += (size_t)N_PATIENTS[MSKCC][k];
    int *ids = malloc(n_msk * sizeof *ids);
    if (ids == NULL) {
        free(pts);
        free(members);
        gsl_rng_free(r);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (;;) {
        for (size_t i = 0; i < n_msk; i++)
            ids[i] = 10000000 + (int)gsl_rng_uniform_int(r, 90000000UL);
        int *sorted = malloc(n_msk * sizeof *sorted);
        INVARIANT(sorted != NULL);
        memcpy(sorted, ids, n_msk * sizeof *sorted);
        qsort(sorted, n_msk, sizeof *sorted, cmp_int);
        bool unique = true;
        for (size_t i = 1; i < n_msk; i++)
            if (sorted[i] == sorted[i - 1])
                unique = false;
        free(sorted);
        if (unique)
            break;
    }
    long erasmus_nr = 1;
    for (size_t i = 0, j = 0; i < n; i++)
        pts[i].id = pts[i].centre == MSKCC ? (long)ids[j++] : erasmus_nr++;
    free(ids);
    free(members);
    gsl_rng_free(r);
    out->p = pts;
    out->n = n;
    return 0;
}

/* ---- the databases ---------------------------------------------------------- */

static const char MSKCC_SCHEMA[] =
    "CREATE TABLE patients (\n"
    "  mrn INTEGER PRIMARY KEY,\n"
    "  sex TEXT NOT NULL,                 -- 'M', 'F'\n"
    "  dob TEXT NOT NULL,\n"
    "  primary_site TEXT,                 -- 'right colon', 'left colon', 'rectum'\n"
    "  primary_resection_date TEXT,\n"
    "  primary_t TEXT NOT NULL,           -- 'T1'..'T4', 'Tx' unknown\n"
    "  primary_n TEXT NOT NULL,           -- 'N0', 'N1', 'N2', 'Nx' unknown\n"
    "  primary_margin TEXT NOT NULL,      -- 'R0', 'R1', 'R2'\n"
    "  crlm_dx_date TEXT NOT NULL,        -- liver metastases diagnosed\n"
    "  extrahepatic_at_dx TEXT NOT NULL   -- 'Y', 'N'\n"
    ");\n"
    "CREATE TABLE procedures (\n"
    "  proc_id INTEGER PRIMARY KEY,\n"
    "  mrn INTEGER NOT NULL REFERENCES patients,\n"
    "  proc_date TEXT NOT NULL,\n"
    "  procedure TEXT NOT NULL,  -- 'hepatectomy', 'hepatectomy + ablation', 'ablation',\n"
    "                            -- 'HAI pump placement', 'SBRT liver'\n"
    "  n_ablated INTEGER,        -- lesions ablated\n"
    "  ablation_max_cm REAL,     -- largest ablated lesion (imaging)\n"
    "  preop_cea REAL            -- ng/ml\n"
    ");\n"
    "CREATE TABLE pathology (\n"
    "  path_id INTEGER PRIMARY KEY,\n"
    "  mrn INTEGER NOT NULL REFERENCES patients,\n"
    "  proc_id INTEGER NOT NULL REFERENCES procedures,\n"
    "  n_tumors INTEGER,         -- lesions in the specimen\n"
    "  largest_cm REAL,\n"
    "  margin TEXT               -- 'negative', 'positive', 'gross residual'\n"
    ");\n"
    "CREATE TABLE chemotherapy (\n"
    "  chemo_id INTEGER PRIMARY KEY,\n"
    "  mrn INTEGER NOT NULL REFERENCES patients,\n"
    "  start_date TEXT,          -- NULL: dates unknown\n"
    "  end_date TEXT,\n"
    "  regimen TEXT NOT NULL,\n"
    "  route TEXT NOT NULL       -- 'systemic', 'hepatic arterial'\n"
    ");\n"
    "CREATE TABLE followup (\n"
    "  event_id INTEGER PRIMARY KEY,\n"
    "  mrn INTEGER NOT NULL REFERENCES patients,\n"
    "  event_date TEXT NOT NULL,\n"
    "  event TEXT NOT NULL,      -- 'recurrence', 'death', 'last contact'\n"
    "  site TEXT                 -- recurrence: 'liver', 'lung', 'peritoneum',\n"
    "                            -- 'lymph nodes', 'bone', 'other'\n"
    ");\n"
    "CREATE TABLE about (key TEXT PRIMARY KEY, value TEXT NOT NULL);\n";

static const char MSKCC_INDEXES[] =
    "CREATE INDEX procedures_mrn ON procedures(mrn, proc_date);\n"
    "CREATE INDEX pathology_proc ON pathology(proc_id);\n"
    "CREATE INDEX chemotherapy_mrn ON chemotherapy(mrn);\n"
    "CREATE INDEX followup_mrn ON followup(mrn, event_date);\n";

static const char ERASMUS_SCHEMA[] =
    "CREATE TABLE patient (\n"
    "  patnr INTEGER PRIMARY KEY,\n"
    "  geslacht INTEGER NOT NULL,            -- 1 man, 2 vrouw\n"
    "  geboortedatum TEXT NOT NULL,\n"
    "  locatie_primair TEXT,                 -- anatomical segment\n"
    "  datum_resectie_primair TEXT,\n"
    "  pt INTEGER,                           -- 1..4\n"
    "  pn INTEGER,                           -- 0, 1, 2\n"
    "  radicaliteit_primair TEXT NOT NULL,   -- 'R0', 'R1', 'R2'\n"
    "  datum_diagnose_lm TEXT NOT NULL,      -- liver metastases diagnosed\n"
    "  extrahepatische_ziekte INTEGER NOT NULL -- at diagnosis: 0 no, 1 yes\n"
    ");\n"
    "CREATE TABLE operatie (\n"
    "  operatie_id INTEGER PRIMARY KEY,\n"
    "  patnr INTEGER NOT NULL REFERENCES patient,\n"
    "  datum TEXT NOT NULL,\n"
    "  soort INTEGER NOT NULL,       -- 1 leverresectie, 2 ablatie, 3 resectie + ablatie,\n"
    "                                -- 4 SBRT\n"
    "  aantal_ablaties INTEGER,\n"
    "  diameter_ablatie_mm INTEGER,\n"
    "  cea_preop REAL                -- ug/l\n"
    ");\n"
    "CREATE TABLE pathologie (\n"
    "  pathologie_id INTEGER PRIMARY KEY,\n"
    "  patnr INTEGER NOT NULL REFERENCES patient,\n"
    "  datum_operatie TEXT NOT NULL,\n"
    "  aantal_metastasen INTEGER,\n"
    "  grootste_diameter_mm INTEGER,\n"
    "  radicaliteit TEXT             -- 'R0', 'R1', 'R2'\n"
    ");\n"
    "CREATE TABLE chemotherapie (\n"
    "  chemo_id INTEGER PRIMARY KEY,\n"
    "  patnr INTEGER NOT NULL REFERENCES patient,\n"
    "  startdatum TEXT,\n"
    "  stopdatum TEXT,\n"
    "  schema TEXT NOT NULL\n"
    ");\n"
    "CREATE TABLE follow_up (\n"
    "  fu_id INTEGER PRIMARY KEY,\n"
    "  patnr INTEGER NOT NULL REFERENCES patient,\n"
    "  datum TEXT NOT NULL,\n"
    "  gebeurtenis INTEGER NOT NULL, -- 1 recidief, 2 overleden, 3 laatste contact\n"
    "  lokalisatie INTEGER           -- recidief: 1 lever, 2 long, 3 peritoneum,\n"
    "                                -- 4 lymfeklieren, 5 bot, 6 overig\n"
    ");\n"
    "CREATE TABLE about (key TEXT PRIMARY KEY, value TEXT NOT NULL);\n";

static const char ERASMUS_INDEXES[] =
    "CREATE INDEX operatie_patnr ON operatie(patnr, datum);\n"
    "CREATE INDEX pathologie_patnr ON pathologie(patnr, datum_operatie);\n"
    "CREATE INDEX chemotherapie_patnr ON chemotherapie(patnr);\n"
    "CREATE INDEX follow_up_patnr ON follow_up(patnr, datum);\n";

typedef struct writer {
    sqlite3 *db;
    const char *path;
    char *err;
    size_t errlen;
} writer;

static int sql_fail(writer *w, const char *what)
{
    snprintf(w->err, w->errlen, "%s: %s: %s", w->path, what, sqlite3_errmsg(w->db));
    return -1;
}

static int exec(writer *w, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(w->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(w->err, w->errlen, "%s: %s", w->path, msg ? msg : "SQL error");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static void bind_date(sqlite3_stmt *s, int i, int date)
{
    if (date == NO_DATE) {
        sqlite3_bind_null(s, i);
        return;
    }
    char buf[11];
    format_date(date, buf);
    sqlite3_bind_text(s, i, buf, 10, SQLITE_TRANSIENT);
}

static void bind_text(sqlite3_stmt *s, int i, const char *t)
{
    if (t == NULL)
        sqlite3_bind_null(s, i);
    else
        sqlite3_bind_text(s, i, t, -1, SQLITE_STATIC);
}

/* v < 0 is NULL */
static void bind_count(sqlite3_stmt *s, int i, long v)
{
    if (v < 0)
        sqlite3_bind_null(s, i);
    else
        sqlite3_bind_int64(s, i, v);
}

static void bind_real(sqlite3_stmt *s, int i, double v)
{
    if (isnan(v))
        sqlite3_bind_null(s, i);
    else
        sqlite3_bind_double(s, i, v);
}

/* Step a bound statement once and reset it. */
static int step(writer *w, sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_DONE ? 0 : sql_fail(w, "insert");
}

enum { ST_PATIENT, ST_PROC, ST_PATH, ST_CHEMO, ST_EVENT, ST_ABOUT, N_ST };

static const char *const MSKCC_INSERT[N_ST] = {
    "INSERT INTO patients VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO procedures VALUES (?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO pathology VALUES (?, ?, ?, ?, ?, ?)",
    "INSERT INTO chemotherapy VALUES (?, ?, ?, ?, ?, ?)",
    "INSERT INTO followup VALUES (?, ?, ?, ?, ?)",
    "INSERT INTO about VALUES (?, ?)",
};

static const char *const ERASMUS_INSERT[N_ST] = {
    "INSERT INTO patient VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO operatie VALUES (?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO pathologie VALUES (?, ?, ?, ?, ?, ?)",
    "INSERT INTO chemotherapie VALUES (?, ?, ?, ?, ?)",
    "INSERT INTO follow_up VALUES (?, ?, ?, ?, ?)",
    "INSERT INTO about VALUES (?, ?)",
};

static const char *const MSK_PROC[] = {NULL, "hepatectomy", "ablation", "hepatectomy + ablation",
                                       "HAI pump placement", "SBRT liver"};
static const int ERAS_SOORT[] = {0, 1, 2, 3, -1 /* no pumps at Erasmus MC */, 4};
static const char *const MSK_MARGIN[] = {"negative", "positive", "gross residual"};
static const char *const R_CODE[] = {"R0", "R1", "R2"};
static const char *const MSK_SITE[] = {"liver", "lung", "peritoneum",
                                       "lymph nodes", "bone", "other"};
static const char *const MSK_EVENT[] = {NULL, "recurrence", "death", "last contact"};

/* One patient's rows. */
static int write_patient(writer *w, sqlite3_stmt **st, const patient *p, long *proc_id,
                         long *path_id, long *chemo_id, long *event_id)
{
    bool msk = p->centre == MSKCC;
    sqlite3_stmt *s = st[ST_PATIENT];
    sqlite3_bind_int64(s, 1, p->id);
    if (msk) {
        bind_text(s, 2, p->male ? "M" : "F");
        bind_date(s, 3, p->birth);
        bind_text(s, 4, p->loc >= 0 ? MSK_SITES[p->loc] : NULL);
        bind_date(s, 5, p->prim_date);
        static const char *const t[] = {"Tx", "T1", "T2", "T3", "T4"};
        static const char *const nn[] = {"Nx", "N0", "N1", "N2"};
        bind_text(s, 6, t[p->t_stage]);
        bind_text(s, 7, nn[p->n_stage + 1]);
        bind_text(s, 8, R_CODE[p->prim_margin]);
        bind_date(s, 9, p->crlm_dx);
        bind_text(s, 10, p->ehd_dx ? "Y" : "N");
    } else {
        sqlite3_bind_int(s, 2, p->male ? 1 : 2);
        bind_date(s, 3, p->birth);
        bind_text(s, 4, p->segment >= 0 ? SEGMENTS[p->segment] : NULL);
        bind_date(s, 5, p->prim_date);
        bind_count(s, 6, p->t_stage > 0 ? p->t_stage : -1);
        bind_count(s, 7, p->n_stage);
        bind_text(s, 8, R_CODE[p->prim_margin]);
        bind_date(s, 9, p->crlm_dx);
        sqlite3_bind_int(s, 10, p->ehd_dx);
    }
    if (step(w, s) != 0)
        return -1;

    for (size_t i = 0; i < p->n_proc; i++) {
        const proc_rec *pr = &p->proc[i];
        s = st[ST_PROC];
        long pid = ++*proc_id;
        sqlite3_bind_int64(s, 1, pid);
        sqlite3_bind_int64(s, 2, p->id);
        bind_date(s, 3, pr->date);
        if (msk) {
            bind_text(s, 4, MSK_PROC[pr->kind]);
            bind_count(s, 5, pr->n_ablated);
            bind_real(s, 6, pr->abl_cm);
        } else {
            INVARIANT(ERAS_SOORT[pr->kind] > 0);
            sqlite3_bind_int(s, 4, ERAS_SOORT[pr->kind]);
            bind_count(s, 5, pr->n_ablated);
            bind_count(s, 6, isnan(pr->abl_cm) ? -1 : lround(pr->abl_cm * 10.0));
        }
        bind_real(s, 7, pr->cea);
        if (step(w, s) != 0)
            return -1;
        if (pr->kind != K_RES && pr->kind != K_RESABL)
            continue;
        s = st[ST_PATH];
        sqlite3_bind_int64(s, 1, ++*path_id);
        sqlite3_bind_int64(s, 2, p->id);
        if (msk) {
            sqlite3_bind_int64(s, 3, pid);
            bind_count(s, 4, pr->n_resected);
            bind_real(s, 5, pr->path_cm);
            bind_text(s, 6, pr->margin >= 0 ? MSK_MARGIN[pr->margin] : NULL);
        } else {
            bind_date(s, 3, pr->date);
            bind_count(s, 4, pr->n_resected);
            bind_count(s, 5, isnan(pr->path_cm) ? -1 : lround(pr->path_cm * 10.0));
            bind_text(s, 6, pr->margin >= 0 ? R_CODE[pr->margin] : NULL);
        }
        if (step(w, s) != 0)
            return -1;
    }
    for (size_t i = 0; i < p->n_chemo; i++) {
        const chemo_rec *ch = &p->chemo[i];
        s = st[ST_CHEMO];
        sqlite3_bind_int64(s, 1, ++*chemo_id);
        sqlite3_bind_int64(s, 2, p->id);
        bind_date(s, 3, ch->start);
        bind_date(s, 4, ch->end);
        bind_text(s, 5, REGIMENS[ch->regimen]);
        if (msk)
            bind_text(s, 6, ch->regimen == REGIMEN_HAI ? "hepatic arterial" : "systemic");
        else
            INVARIANT(ch->regimen != REGIMEN_HAI);
        if (step(w, s) != 0)
            return -1;
    }
    for (size_t i = 0; i < p->n_ev; i++) {
        const event_rec *e = &p->ev[i];
        s = st[ST_EVENT];
        sqlite3_bind_int64(s, 1, ++*event_id);
        sqlite3_bind_int64(s, 2, p->id);
        bind_date(s, 3, e->date);
        if (msk) {
            bind_text(s, 4, MSK_EVENT[e->kind]);
            bind_text(s, 5, e->kind == EV_REC ? MSK_SITE[e->site] : NULL);
        } else {
            sqlite3_bind_int(s, 4, e->kind);
            bind_count(s, 5, e->kind == EV_REC ? e->site + 1 : -1);
        }
        if (step(w, s) != 0)
            return -1;
    }
    return 0;
}

/* Write one centre's database to `path` (replaced whole: written beside it
 * and renamed into place).  Returns 0 or -1 with err set. */
static int write_centre(const cohort *co, int centre, unsigned long seed, const char *path,
                        char *err, size_t errlen)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 32);
    if (tmp == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(tmp, plen + 32, "%s.tmp-%ld", path, (long)getpid());
    unlink(tmp);
    writer w = {NULL, path, err, errlen};
    sqlite3_stmt *st[N_ST] = {NULL};
    int rc = -1;
    if (sqlite3_open_v2(tmp, &w.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot create: %s", tmp,
                 w.db ? sqlite3_errmsg(w.db) : "out of memory");
        goto done;
    }
    if (exec(&w, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; BEGIN") != 0 ||
        exec(&w, centre == MSKCC ? MSKCC_SCHEMA : ERASMUS_SCHEMA) != 0)
        goto done;
    for (int i = 0; i < N_ST; i++) {
        const char *sql = centre == MSKCC ? MSKCC_INSERT[i] : ERASMUS_INSERT[i];
        if (sqlite3_prepare_v2(w.db, sql, -1, &st[i], NULL) != SQLITE_OK) {
            sql_fail(&w, "prepare");
            goto done;
        }
    }
    long proc_id = 0, path_id = 0, chemo_id = 0, event_id = 0;
    for (size_t i = 0; i < co->n; i++)
        if (co->p[i].centre == centre &&
            write_patient(&w, st, &co->p[i], &proc_id, &path_id, &chemo_id, &event_id) != 0)
            goto done;
    {
        const centre_spec *c = &CENTRES[centre];
        char cut[11], seed_text[32];
        format_date(centre_day(c, 2), cut);
        snprintf(seed_text, sizeof seed_text, "%lu", seed);
        const char *about[][2] = {
            {"centre", c->name},
            {"data_cutoff", cut},
            {"generator", "examples/haip-recurrence/gen.c (Cohort)"},
            {"seed", seed_text},
            {"notice", "SYNTHETIC data, calibrated to the published summaries of Buisman et al., "
                       "Ann Surg Oncol 2020 (doi:10.1245/s10434-020-08776-0); no patient's data"},
        };
        for (size_t i = 0; i < sizeof about / sizeof about[0]; i++) {
            sqlite3_bind_text(st[ST_ABOUT], 1, about[i][0], -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(st[ST_ABOUT], 2, about[i][1], -1, SQLITE_TRANSIENT);
            if (step(&w, st[ST_ABOUT]) != 0)
                goto done;
        }
    }
    if (exec(&w, centre == MSKCC ? MSKCC_INDEXES : ERASMUS_INDEXES) != 0 ||
        exec(&w, "COMMIT") != 0)
        goto done;
    rc = 0;
done:
    for (int i = 0; i < N_ST; i++)
        sqlite3_finalize(st[i]);
    if (w.db != NULL && sqlite3_close(w.db) != SQLITE_OK && rc == 0) {
        snprintf(err, errlen, "%s: cannot close", tmp);
        rc = -1;
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        snprintf(err, errlen, "%s: cannot rename into place: %s", path, strerror(errno));
        rc = -1;
    }
    if (rc != 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

/* Generate both databases from the seed: mskcc_path and erasmus_path are
 * replaced whole.  Returns 0, or -1 with a message in err. */
static int haip_generate(unsigned long seed, const char *mskcc_path, const char *erasmus_path,
                         char *err, size_t errlen)
{
    cohort co = {NULL, 0};
    if (generate_cohort(seed, &co, err, errlen) != 0)
        return -1;
    int rc = write_centre(&co, MSKCC, seed, mskcc_path, err, errlen);
    if (rc == 0)
        rc = write_centre(&co, ERASMUS, seed, erasmus_path, err, errlen);
    free(co.p);
    return rc;
}

#ifndef HAIP_GEN_NO_MAIN

/* mkdir -p */
static int make_dirs(const char *dir)
{
    char *d = strdup(dir);
    if (d == NULL)
        return -1;
    for (char *s = d + 1; *s != '\0'; s++)
        if (*s == '/') {
            *s = '\0';
            if (mkdir(d, 0777) != 0 && errno != EEXIST) {
                free(d);
                return -1;
            }
            *s = '/';
        }
    int rc = mkdir(d, 0777) != 0 && errno != EEXIST ? -1 : 0;
    free(d);
    return rc;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: haip-gen [--seed N] [--out DIR]\n"
               "Writes DIR/mskcc.sqlite and DIR/erasmus.sqlite (default DIR: build/haip):\n"
               "the synthetic two-centre cohort of the seed study, calibrated to its\n"
               "published summaries (examples/haip-recurrence/README.md).  The same seed\n"
               "gives the same databases; default seed %lu.\n",
            HAIP_GEN_DEFAULT_SEED);
}

int main(int argc, char **argv)
{
    unsigned long seed = HAIP_GEN_DEFAULT_SEED;
    const char *out = "build/haip";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(argv[++i], &end, 10);
            if (errno != 0 || *end != '\0' || end == argv[i] || argv[i][0] == '-' ||
                v > 0xFFFFFFFFULL) {
                fprintf(stderr, "haip-gen: --seed wants a whole number from 0 to 4294967295, "
                                "found '%s'\n", argv[i]);
                return 2;
            }
            seed = (unsigned long)v;
        } else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
            out = argv[++i];
        } else {
            fprintf(stderr, "haip-gen: unknown argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (make_dirs(out) != 0) {
        fprintf(stderr, "haip-gen: cannot create %s: %s\n", out, strerror(errno));
        return 3;
    }
    size_t len = strlen(out) + 32;
    char *msk = malloc(len), *eras = malloc(len);
    if (msk == NULL || eras == NULL) {
        fprintf(stderr, "haip-gen: out of memory\n");
        return 4;
    }
    snprintf(msk, len, "%s/mskcc.sqlite", out);
    snprintf(eras, len, "%s/erasmus.sqlite", out);
    char err[512];
    int rc = haip_generate(seed, msk, eras, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "haip-gen: %s\n", err);
    else
        printf("%s (3299 patients), %s (1102 patients): synthetic, seed %lu\n", msk, eras, seed);
    free(msk);
    free(eras);
    return rc == 0 ? 0 : 1;
}

#endif /* HAIP_GEN_NO_MAIN */
