/* test_coxdiag.c - concordance, the proportional-hazards test and predicted
 * survival of a Cox model (src/stats/coxdiag.c) against R's survival 3.5-3,
 * and small cases checked by hand.  Run from the repository root.
 *
 * tests/golden/coxdiag/make.R wrote, for each model, the data the kernels
 * take (data_<model>.csv: time, status, stratum, weight, x1..xp; complete
 * cases sorted by stratum then time) and R's coef, var and means.  The test
 * builds each coh_cox_model by hand from those (linear_predictor =
 * (x - means) coef), so it does not depend on coh_cox_fit, and compares
 * coh_cox_concordance with concordance(fit), coh_cox_zph with
 * cox.zph(fit, transform, terms = TRUE) and coh_cox_predict with
 * survfit(fit, newdata =).  README.md there says what each file holds.
 *
 * Tolerance: |got - want| <= 1e-8 |want| (1e-12 absolute near zero); an
 * empty expected field (R's NA) must be NAN.  The largest relative
 * difference found for each quantity goes to stdout, one line each.
 *
 * Also: concordance counts against an O(n^2) count of every pair and the
 * jackknife standard error against its definition on random data with
 * ties, strata and weights; bad input; and the time of concordance on
 * 1e6 rows (printed).
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../check.h"
#include "cohort/cohort.h"
#include "cohort/cox.h"

#define DIR "tests/golden/coxdiag/"
#define REL_TOL 1e-8
#define ABS_TOL 1e-12
#define MAX_STATS 40

/* ---- tallies of differences per quantity ------------------------------- */

typedef struct quantity {
    char name[48];
    double max_diff;
    char where[160];
    size_t compared;
} quantity;

typedef struct tally {
    quantity q[MAX_STATS];
    size_t n;
} tally;

static tally all_tally;

static void compare(const char *name, double got, double want, const char *where)
{
    tally *ty = &all_tally;
    quantity *q = NULL;
    for (size_t k = 0; k < ty->n; k++)
        if (strcmp(ty->q[k].name, name) == 0)
            q = &ty->q[k];
    if (q == NULL) {
        if (ty->n == MAX_STATS) {
            fprintf(stderr, "test_coxdiag: too many quantities\n");
            exit(2);
        }
        q = &ty->q[ty->n++];
        memset(q, 0, sizeof *q);
        snprintf(q->name, sizeof q->name, "%s", name);
    }
    q->compared++;
    bool ok;
    if (isnan(want) || isnan(got)) {
        ok = isnan(want) && isnan(got);
    } else {
        double d = fabs(got - want);
        double rel = want != 0 ? d / fabs(want) : d;
        ok = got == want || d <= REL_TOL * fabs(want) || d <= ABS_TOL;
        if (rel > q->max_diff || q->where[0] == '\0') {
            q->max_diff = rel > q->max_diff ? rel : q->max_diff;
            snprintf(q->where, sizeof q->where, "%s", where);
        }
    }
    if (ok) {
        check_passed++;
    } else {
        check_failed++;
        fprintf(stderr, "FAIL %s: got %.17g, want %.17g at %s\n", name, got, want, where);
    }
}

/* ---- reading the golden files ------------------------------------------ */

static coh_table *load(const char *path)
{
    coh_table *t = NULL;
    coh_error e;
    if (coh_read(path, NULL, &t, &e) != COH_OK) {
        fprintf(stderr, "%s\n", e.msg);
        check_failed++;
        return NULL;
    }
    return t;
}

/* Number in cell (col, i); NAN when missing or not numeric. */
static double value(const coh_table *t, const char *col, size_t i)
{
    const coh_column *c = coh_table_find(t, col);
    if (c == NULL || !coh_type_is_numeric(c->type) || coh_column_is_na(c, i))
        return NAN;
    return c->num[i];
}

/* Text of a text cell, "" otherwise. */
static const char *text(const coh_table *t, const char *col, size_t i)
{
    const coh_column *c = coh_table_find(t, col);
    if (c == NULL || coh_type_is_numeric(c->type) || coh_column_is_na(c, i))
        return "";
    return c->levels[c->code[i]];
}

/* The data and the hand-built fit of one model. */
typedef struct model {
    char name[64];
    coh_cox_data d;
    coh_cox_model f;
    size_t n_terms;
    size_t term_first[16], term_ncols[16];
} model;

static void model_free(model *m)
{
    free(m->d.time);
    free(m->d.event);
    free(m->d.stratum);
    free(m->d.weight);
    free(m->d.x);
    free(m->f.coef);
    free(m->f.var);
    free(m->f.means);
    free(m->f.aliased);
    free(m->f.linear_predictor);
    memset(m, 0, sizeof *m);
}

/* The fit's linear predictor (x - means) coef, NAN coefficients as 0. */
static void set_linear_predictor(model *m)
{
    size_t n = m->d.n, p = m->d.p;
    for (size_t i = 0; i < n; i++) {
        double lp = 0;
        for (size_t j = 0; j < p; j++)
            if (!m->f.aliased[j])
                lp += (m->d.x[i * p + j] - m->f.means[j]) * m->f.coef[j];
        m->f.linear_predictor[i] = lp;
    }
}

/* Allocate data and fit arrays for n rows, p columns. */
static bool model_alloc(model *m, size_t n, size_t p, bool strata, bool weights)
{
    m->d.n = n;
    m->d.p = p;
    m->d.time = calloc(n, sizeof(double));
    m->d.event = calloc(n, 1);
    m->d.stratum = strata ? calloc(n, sizeof(int32_t)) : NULL;
    m->d.weight = weights ? calloc(n, sizeof(double)) : NULL;
    m->d.x = calloc(n * p + 1, sizeof(double));
    m->d.n_strata = 1;
    m->f.n = n;
    m->f.p = p;
    m->f.coef = calloc(p + 1, sizeof(double));
    m->f.var = calloc(p * p + 1, sizeof(double));
    m->f.means = calloc(p + 1, sizeof(double));
    m->f.aliased = calloc(p + 1, sizeof(bool));
    m->f.linear_predictor = calloc(n + 1, sizeof(double));
    return m->d.time && m->d.event && (!strata || m->d.stratum) && (!weights || m->d.weight) &&
           m->d.x && m->f.coef && m->f.var && m->f.means && m->f.aliased &&
           m->f.linear_predictor;
}

/* Model `name` of models.csv (row k) with its data, coef, var and means. */
static bool model_load(const coh_table *models, size_t k, const coh_table *coef,
                       const coh_table *var, model *m)
{
    memset(m, 0, sizeof *m);
    snprintf(m->name, sizeof m->name, "%s", text(models, "model", k));
    char path[256];
    snprintf(path, sizeof path, DIR "%s", text(models, "file", k));
    coh_table *t = load(path);
    if (t == NULL)
        return false;
    size_t n = t->n_rows, p = (size_t)value(models, "p", k);
    bool weighted = value(models, "weighted", k) == 1;
    size_t n_strata = (size_t)value(models, "n_strata", k);
    if (!model_alloc(m, n, p, n_strata > 1, weighted)) {
        coh_table_free(t);
        return false;
    }
    m->d.n_strata = n_strata;
    for (size_t i = 0; i < n; i++) {
        m->d.time[i] = value(t, "time", i);
        m->d.event[i] = (uint8_t)(value(t, "status", i) == 1);
        if (m->d.stratum)
            m->d.stratum[i] = (int32_t)value(t, "stratum", i);
        if (m->d.weight)
            m->d.weight[i] = value(t, "weight", i);
        for (size_t j = 0; j < p; j++) {
            char col[32];
            snprintf(col, sizeof col, "x%zu", j + 1);
            m->d.x[i * p + j] = value(t, col, i);
        }
    }
    coh_table_free(t);
    m->f.ties = strcmp(text(models, "ties", k), "breslow") == 0 ? COH_TIES_BRESLOW : COH_TIES_EFRON;
    for (size_t r = 0; r < coef->n_rows; r++) {
        if (strcmp(text(coef, "model", r), m->name) != 0)
            continue;
        size_t j = (size_t)value(coef, "j", r);
        m->f.coef[j] = value(coef, "coef", r);
        m->f.means[j] = value(coef, "means", r);
        m->f.aliased[j] = isnan(m->f.coef[j]);
    }
    for (size_t r = 0; r < var->n_rows; r++) {
        if (strcmp(text(var, "model", r), m->name) != 0)
            continue;
        size_t i = (size_t)value(var, "i", r), j = (size_t)value(var, "j", r);
        m->f.var[i * p + j] = value(var, "var", r);
    }
    set_linear_predictor(m);
    /* terms "first:ncols first:ncols ..." */
    const char *s = text(models, "terms", k);
    while (*s != '\0' && m->n_terms < 16) {
        char *end;
        size_t first = (size_t)strtoul(s, &end, 10);
        size_t ncols = (size_t)strtoul(end + 1, &end, 10);
        m->term_first[m->n_terms] = first;
        m->term_ncols[m->n_terms++] = ncols;
        s = *end == ' ' ? end + 1 : end;
    }
    return true;
}

/* ---- golden comparisons ------------------------------------------------- */

static void test_golden(void)
{
    coh_table *models = load(DIR "models.csv"), *coef = load(DIR "coef.csv");
    coh_table *var = load(DIR "var.csv"), *conc = load(DIR "concordance.csv");
    coh_table *zph = load(DIR "zph.csv"), *newx = load(DIR "newx.csv");
    coh_table *pred = load(DIR "predict.csv");
    if (!models || !coef || !var || !conc || !zph || !newx || !pred)
        goto done;
    for (size_t k = 0; k < models->n_rows; k++) {
        model m;
        if (!model_load(models, k, coef, var, &m)) {
            check_failed++;
            model_free(&m);
            continue;
        }
        char where[160];
        /* concordance */
        for (size_t r = 0; r < conc->n_rows; r++) {
            if (strcmp(text(conc, "model", r), m.name) != 0)
                continue;
            coh_concordance c;
            check_int(coh_cox_concordance(&m.d, &m.f, &c), COH_OK, "concordance status");
            snprintf(where, sizeof where, "concordance.csv:%zu (%s)", r + 2, m.name);
            compare("concordance.concordant", c.concordant, value(conc, "concordant", r), where);
            compare("concordance.discordant", c.discordant, value(conc, "discordant", r), where);
            compare("concordance.tied_x", c.tied_x, value(conc, "tied_x", r), where);
            compare("concordance.tied_y", c.tied_y, value(conc, "tied_y", r), where);
            compare("concordance.tied_xy", c.tied_xy, value(conc, "tied_xy", r), where);
            compare("concordance.estimate", c.estimate, value(conc, "estimate", r), where);
            compare("concordance.std_err", c.std_err, value(conc, "std_err", r), where);
        }
        /* cox.zph, rows per transform: the terms, then GLOBAL */
        for (size_t r = 0; r < zph->n_rows;) {
            if (strcmp(text(zph, "model", r), m.name) != 0) {
                r++;
                continue;
            }
            coh_zph_transform tr;
            check_int(coh_zph_transform_parse(text(zph, "transform", r), &tr), COH_OK,
                      "transform");
            coh_zph_result *z = NULL;
            check_int(coh_cox_zph(&m.d, &m.f, tr, m.term_first, m.term_ncols, m.n_terms, &z),
                      COH_OK, "zph status");
            for (size_t t = 0; t <= m.n_terms; t++, r++) {
                snprintf(where, sizeof where, "zph.csv:%zu (%s %s %s)", r + 2, m.name,
                         text(zph, "transform", r), text(zph, "term_name", r));
                if (z == NULL)
                    continue;
                bool global = t == m.n_terms;
                compare("zph.chisq", global ? z->global_chisq : z->chisq[t],
                        value(zph, "chisq", r), where);
                compare("zph.df", global ? z->global_df : z->df[t], value(zph, "df", r), where);
                compare("zph.p", global ? z->global_p : z->p[t], value(zph, "p", r), where);
            }
            coh_zph_result_free(z);
        }
        /* survfit(fit, newdata =), one curve per newx row */
        for (size_t curve = 0;; curve++) {
            double x[16];
            size_t found = 0;
            for (size_t r = 0; r < newx->n_rows; r++)
                if (strcmp(text(newx, "model", r), m.name) == 0 &&
                    (size_t)value(newx, "curve", r) == curve) {
                    x[(size_t)value(newx, "j", r)] = value(newx, "x", r);
                    found++;
                }
            if (found == 0)
                break;
            check_int(found, m.d.p, "newx columns");
            coh_cox_curve *c95 = NULL, *c90 = NULL;
            check_int(coh_cox_predict(&m.d, &m.f, x, 0.95, &c95), COH_OK, "predict status");
            check_int(coh_cox_predict(&m.d, &m.f, x, 0.90, &c90), COH_OK, "predict status");
            if (c95 == NULL || c90 == NULL) {
                coh_cox_curve_free(c95);
                coh_cox_curve_free(c90);
                continue;
            }
            check_int(c95->n_strata, m.d.n_strata, "curve strata");
            size_t row = 0;
            for (size_t r = 0; r < pred->n_rows; r++) {
                if (strcmp(text(pred, "model", r), m.name) != 0 ||
                    (size_t)value(pred, "curve", r) != curve)
                    continue;
                snprintf(where, sizeof where, "predict.csv:%zu (%s curve %zu)", r + 2, m.name,
                         curve);
                if (row >= c95->n_times) {
                    row++;
                    continue;
                }
                size_t st = (size_t)value(pred, "stratum", r);
                check(st < c95->n_strata && row >= c95->strata_first[st] &&
                          row < c95->strata_first[st + 1],
                      "curve row in its stratum");
                compare("predict.time", c95->time[row], value(pred, "time", r), where);
                compare("predict.n_risk", c95->n_risk[row], value(pred, "n_risk", r), where);
                compare("predict.n_event", c95->n_event[row], value(pred, "n_event", r), where);
                compare("predict.n_censor", c95->n_censor[row], value(pred, "n_censor", r), where);
                compare("predict.surv", c95->surv[row], value(pred, "surv", r), where);
                compare("predict.cumhaz", c95->cumhaz[row], value(pred, "cumhaz", r), where);
                compare("predict.se_cumhaz", c95->se_cumhaz[row], value(pred, "se_cumhaz", r),
                        where);
                compare("predict.std_err", c95->std_err[row], value(pred, "std_err", r), where);
                compare("predict.lower", c95->lower[row], value(pred, "lower", r), where);
                compare("predict.upper", c95->upper[row], value(pred, "upper", r), where);
                compare("predict.lower90", c90->lower[row], value(pred, "lower90", r), where);
                compare("predict.upper90", c90->upper[row], value(pred, "upper90", r), where);
                row++;
            }
            check_int(row, c95->n_times, "curve rows");
            coh_cox_curve_free(c95);
            coh_cox_curve_free(c90);
        }
        model_free(&m);
    }
done:
    coh_table_free(models);
    coh_table_free(coef);
    coh_table_free(var);
    coh_table_free(conc);
    coh_table_free(zph);
    coh_table_free(newx);
    coh_table_free(pred);
}

/* ---- concordance by hand and by brute force ---------------------------- */

/* A one-covariate model with coefficient 1 on given data. */
static void small_model(model *m, size_t n, const double *time, const int *status,
                        const double *x)
{
    memset(m, 0, sizeof *m);
    if (!model_alloc(m, n, 1, false, false)) {
        check_failed++;
        return;
    }
    double mean = 0;
    for (size_t i = 0; i < n; i++)
        mean += x[i] / (double)n;
    for (size_t i = 0; i < n; i++) {
        m->d.time[i] = time[i];
        m->d.event[i] = (uint8_t)status[i];
        m->d.x[i] = x[i];
    }
    m->f.coef[0] = 1;
    m->f.means[0] = mean;
    m->f.var[0] = 1;
    set_linear_predictor(m);
}

static void test_concordance_small(void)
{
    coh_table *want = load(DIR "concordance_small.csv");
    /* Four subjects: (time, status, x) = (1,1,4) (2,1,2) (3,0,3) (4,1,1).
     * Comparable pairs: the death at 1 with 2, 3, 4 (x 4 > 2, 3, 1: the
     * higher risk failed first: 3 concordant); the death at 2 with 3 (x 2
     * < 3: discordant) and 4 (2 > 1: concordant); the death at 4 has no
     * later subject.  C = 4 / 5. */
    static const double t4[] = {1, 2, 3, 4}, x4[] = {4, 2, 3, 1};
    static const int s4[] = {1, 1, 0, 1};
    model m;
    small_model(&m, 4, t4, s4, x4);
    coh_concordance c;
    check_int(coh_cox_concordance(&m.d, &m.f, &c), COH_OK, "small4 status");
    check_rel(c.concordant, 4, 0, "small4 concordant");
    check_rel(c.discordant, 1, 0, "small4 discordant");
    check_rel(c.tied_x, 0, 0, "small4 tied_x");
    check_rel(c.estimate, 0.8, 1e-15, "small4 estimate");
    if (want != NULL)
        check_rel(c.std_err, value(want, "std_err", 0), 1e-12, "small4 std_err vs R");
    model_free(&m);

    /* Ties: (1,1,2) (1,1,2) (2,1,1) (2,0,3) (3,1,1) (4,0,0).  The two
     * deaths at 1 are tied on time and on x: tied.xy 1, not tied.y.
     * Death at 1 (x 2), twice, against 2, 2, 3, 4 (x 1, 3, 1, 0): 3
     * concordant, 1 discordant each.  Death at 2 (x 1) against the
     * censored at 2 (x 3, discordant), 3 (x 1, tied.x), 4 (x 0,
     * concordant).  Death at 3 (x 1) against 4 (x 0): concordant.
     * Concordant 8, discordant 3, tied.x 1: C = 8.5 / 12. */
    static const double t6[] = {1, 1, 2, 2, 3, 4}, x6[] = {2, 2, 1, 3, 1, 0};
    static const int s6[] = {1, 1, 1, 0, 1, 0};
    small_model(&m, 6, t6, s6, x6);
    check_int(coh_cox_concordance(&m.d, &m.f, &c), COH_OK, "small_ties status");
    check_rel(c.concordant, 8, 0, "small_ties concordant");
    check_rel(c.discordant, 3, 0, "small_ties discordant");
    check_rel(c.tied_x, 1, 0, "small_ties tied_x");
    check_rel(c.tied_y, 0, 0, "small_ties tied_y");
    check_rel(c.tied_xy, 1, 0, "small_ties tied_xy");
    check_rel(c.estimate, 8.5 / 12, 1e-15, "small_ties estimate");
    if (want != NULL)
        check_rel(c.std_err, value(want, "std_err", 1), 1e-12, "small_ties std_err vs R");
    model_free(&m);
    coh_table_free(want);
}

/* A deterministic generator (splitmix64) for the random cases. */
static double uniform(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    z ^= z >> 31;
    return (double)(z >> 11) / 9007199254740992.0;
}

/* Random data, sorted by stratum then time: integer times 1..20 (many
 * ties), events with probability 0.6, x in 0..4 (many ties), weights in
 * [0.5, 2] when asked. */
static void random_model(model *m, size_t n, size_t n_strata, bool weights, uint64_t seed)
{
    memset(m, 0, sizeof *m);
    if (!model_alloc(m, n, 1, n_strata > 1, weights)) {
        check_failed++;
        return;
    }
    m->d.n_strata = n_strata;
    uint64_t st = seed;
    for (size_t i = 0; i < n; i++) {
        size_t s = i * n_strata / n;
        if (m->d.stratum)
            m->d.stratum[i] = (int32_t)s;
        m->d.time[i] = 1 + floor(20 * uniform(&st));
        m->d.event[i] = (uint8_t)(uniform(&st) < 0.6);
        m->d.x[i] = floor(5 * uniform(&st));
        if (weights)
            m->d.weight[i] = 0.5 + 1.5 * uniform(&st);
    }
    /* sort each stratum by time (insertion sort: small n) */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && (m->d.stratum == NULL ||
                                     m->d.stratum[j - 1] == m->d.stratum[j]) &&
                           m->d.time[j - 1] > m->d.time[j];
             j--) {
            double t = m->d.time[j];
            m->d.time[j] = m->d.time[j - 1], m->d.time[j - 1] = t;
            uint8_t e = m->d.event[j];
            m->d.event[j] = m->d.event[j - 1], m->d.event[j - 1] = e;
            double x = m->d.x[j];
            m->d.x[j] = m->d.x[j - 1], m->d.x[j - 1] = x;
            if (weights) {
                double w = m->d.weight[j];
                m->d.weight[j] = m->d.weight[j - 1], m->d.weight[j - 1] = w;
            }
        }
    m->f.coef[0] = 0.7;
    m->f.means[0] = 2;
    set_linear_predictor(m);
}

/* Every pair, and R's jackknife from its definition: for each subject the
 * weighted numbers of pairs in which it is the one with the larger eta
 * (more risk), the smaller, or tied. */
static void test_concordance_brute(void)
{
    static const size_t cases[][2] = {{200, 1}, {300, 3}, {250, 2}};
    for (size_t cs = 0; cs < 3; cs++) {
        model m;
        size_t n = cases[cs][0];
        random_model(&m, n, cases[cs][1], cs > 0, 1234 + cs);
        double conc = 0, disc = 0, tx = 0, ty = 0, txy = 0;
        double *cd = calloc(n, sizeof *cd), *tot = calloc(n, sizeof *tot);
        const double *eta = m.f.linear_predictor;
        for (size_t i = 0; i < n; i++) {
            for (size_t j = 0; j < n; j++) {
                if (i == j || (m.d.stratum && m.d.stratum[i] != m.d.stratum[j]))
                    continue;
                double wi = m.d.weight ? m.d.weight[i] : 1, wj = m.d.weight ? m.d.weight[j] : 1;
                double w = wi * wj;
                if (!m.d.event[i])
                    continue;
                if (m.d.time[j] == m.d.time[i] && m.d.event[j]) {
                    if (i < j) {
                        if (eta[i] == eta[j])
                            txy += w;
                        else
                            ty += w;
                    }
                    continue;
                }
                if (m.d.time[j] < m.d.time[i])
                    continue;
                /* i died first: concordant when eta_i > eta_j */
                if (eta[i] > eta[j])
                    conc += w, cd[i] += wj, cd[j] += wi;
                else if (eta[i] < eta[j])
                    disc += w, cd[i] -= wj, cd[j] -= wi;
                else
                    tx += w;
                tot[i] += wj;
                tot[j] += wi;
            }
        }
        double npair = conc + disc + tx, somer = (conc - disc) / npair, var = 0;
        for (size_t i = 0; i < n; i++) {
            double wi = m.d.weight ? m.d.weight[i] : 1;
            double dfb = wi * (cd[i] / npair - somer / npair * tot[i]);
            var += dfb * dfb;
        }
        coh_concordance c;
        check_int(coh_cox_concordance(&m.d, &m.f, &c), COH_OK, "brute status");
        check_rel(c.concordant, conc, 1e-12, "brute concordant");
        check_rel(c.discordant, disc, 1e-12, "brute discordant");
        check_rel(c.tied_x, tx, 1e-12, "brute tied_x");
        check_rel(c.tied_y, ty, 1e-12, "brute tied_y");
        check_rel(c.tied_xy, txy, 1e-12, "brute tied_xy");
        check_rel(c.estimate, (conc + tx / 2) / npair, 1e-12, "brute estimate");
        check_rel(c.std_err, sqrt(var / 4), 1e-10, "brute std_err");
        free(cd);
        free(tot);
        model_free(&m);
    }
}

/* 1e6 rows, continuous predictor, printed timing (the target is well
 * under a second; not a check, machines differ). */
static void test_concordance_timing(void)
{
    size_t n = 1000000;
    model m;
    memset(&m, 0, sizeof m);
    if (!model_alloc(&m, n, 1, false, false)) {
        check_failed++;
        return;
    }
    uint64_t st = 99;
    for (size_t i = 0; i < n; i++) {
        m.d.time[i] = (double)i / 10 + 1; /* ascending */
        m.d.event[i] = (uint8_t)(uniform(&st) < 0.7);
        m.d.x[i] = uniform(&st) - 0.5 * (double)i / (double)n;
    }
    m.f.coef[0] = 1;
    set_linear_predictor(&m);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    coh_concordance c;
    check_int(coh_cox_concordance(&m.d, &m.f, &c), COH_OK, "1e6 status");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double sec = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    check(c.estimate > 0.5 && c.estimate < 1 && c.std_err > 0, "1e6 estimate");
    printf("test_coxdiag: concordance of 1e6 rows: %.3f s (C = %.6f, se %.3g)\n", sec,
           c.estimate, c.std_err);
    model_free(&m);
}

/* ---- bad input ----------------------------------------------------------- */

static void test_bad_input(void)
{
    static const double t[] = {1, 2, 3, 4}, x[] = {1, 0, 1, 0};
    static const int none[] = {0, 0, 0, 0};
    model m;
    small_model(&m, 4, t, none, x);
    coh_concordance c;
    check_int(coh_cox_concordance(&m.d, &m.f, &c), COH_EDOMAIN, "no events: concordance");
    check(isnan(c.estimate) && c.concordant == 0, "no events: NAN estimate, zero counts");
    size_t first = 0, ncols = 1;
    coh_zph_result dummy, *z = &dummy; /* must be reset to NULL */
    check_int(coh_cox_zph(&m.d, &m.f, COH_ZPH_KM, &first, &ncols, 1, &z), COH_EDOMAIN,
              "no events: zph");
    check(z == NULL, "zph out NULL on failure");
    /* a term past column p */
    size_t bad_first = 1;
    check_int(coh_cox_zph(&m.d, &m.f, COH_ZPH_KM, &bad_first, &ncols, 1, &z), COH_EINVAL,
              "zph term past p");
    /* predicted survival with no events: S = 1 throughout, se 0 */
    coh_cox_curve *cv = NULL;
    double newx = 1;
    check_int(coh_cox_predict(&m.d, &m.f, &newx, 0.95, &cv), COH_OK, "no events: predict");
    if (cv != NULL) {
        check_int(cv->n_times, 4, "no events: rows");
        check_rel(cv->surv[3], 1, 0, "no events: surv 1");
        check_rel(cv->se_cumhaz[3], 0, 0, "no events: se 0");
    }
    coh_cox_curve_free(cv);
    check_int(coh_cox_predict(&m.d, &m.f, &newx, 1.5, &cv), COH_EINVAL, "conf_level > 1");
    check_int(coh_cox_predict(&m.d, &m.f, NULL, 0.95, &cv), COH_EINVAL, "newx NULL");
    check_int(coh_cox_concordance(NULL, &m.f, &c), COH_EINVAL, "NULL data");
    model_free(&m);

    /* p = 0: the null model.  Concordance: every pair tied on eta, C 1/2;
     * zph: nothing to test; predict: the baseline curve. */
    static const double t2[] = {1, 2, 3, 4};
    static const int s2[] = {1, 0, 1, 1};
    memset(&m, 0, sizeof m);
    check(model_alloc(&m, 4, 0, false, false), "alloc p = 0");
    for (size_t i = 0; i < 4; i++) {
        m.d.time[i] = t2[i];
        m.d.event[i] = (uint8_t)s2[i];
    }
    check_int(coh_cox_concordance(&m.d, &m.f, &c), COH_OK, "p = 0: concordance");
    check_rel(c.estimate, 0.5, 0, "p = 0: C = 1/2");
    check_rel(c.tied_x, 4, 0, "p = 0: tied_x");
    check_int(coh_cox_zph(&m.d, &m.f, COH_ZPH_KM, NULL, NULL, 0, &z), COH_EDOMAIN, "p = 0: zph");
    check_int(coh_cox_predict(&m.d, &m.f, NULL, 0.95, &cv), COH_OK, "p = 0: predict");
    if (cv != NULL) {
        /* Breslow = Efron here (no tied events): H = 1/4, then + 1/2, + 1 */
        check_rel(cv->cumhaz[0], 0.25, 1e-15, "p = 0: H(1)");
        check_rel(cv->cumhaz[3], 1.75, 1e-15, "p = 0: H(4)");
        check_rel(cv->surv[3], exp(-1.75), 1e-15, "p = 0: S(4)");
        check_rel(cv->se_cumhaz[3], sqrt(1.0 / 16 + 1.0 / 4 + 1), 1e-15, "p = 0: se(4)");
    }
    coh_cox_curve_free(cv);
    model_free(&m);

    /* every column aliased: zph has nothing to test */
    small_model(&m, 4, t2, s2, x);
    m.f.aliased[0] = true;
    m.f.coef[0] = NAN;
    check_int(coh_cox_zph(&m.d, &m.f, COH_ZPH_KM, &first, &ncols, 1, &z), COH_EDOMAIN,
              "all aliased: zph");
    model_free(&m);

    /* transform names */
    coh_zph_transform tr;
    check_int(coh_zph_transform_parse("rank", &tr), COH_OK, "parse rank");
    check_int(tr, COH_ZPH_RANK, "rank");
    check_str(coh_zph_transform_name(COH_ZPH_LOG), "log", "log name");
    check_int(coh_zph_transform_parse("KM", &tr), COH_EINVAL, "parse is case-sensitive");
}

int main(void)
{
    RUN(test_golden);
    RUN(test_concordance_small);
    RUN(test_concordance_brute);
    RUN(test_bad_input);
    RUN(test_concordance_timing);
    for (size_t k = 0; k < all_tally.n; k++)
        printf("test_coxdiag: %-24s max rel diff %.3g (%zu values) at %s\n", all_tally.q[k].name,
               all_tally.q[k].max_diff, all_tally.q[k].compared, all_tally.q[k].where);
    return check_report("test_coxdiag");
}
