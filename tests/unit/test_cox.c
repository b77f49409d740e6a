/* test_cox.c - the Cox fit (src/stats/cox.c): closed forms first, then R.
 *
 * 1. Therneau and Grambsch's six-subject example (Therneau, T. M. and
 *    Grambsch, P. M. (2000) Modeling Survival Data, Springer, chapter 3;
 *    also survival's tests/book1.R and book2.R), where with r = exp(beta)
 *      Breslow  l = 2 beta - log(3r + 3) - 2 log(r + 3)
 *               U = (6 + 3r - r^2) / ((r + 1)(r + 3))
 *               I = r / (r + 1)^2 + 6r / (r + 3)^2
 *      Efron    l = 2 beta - log(3r + 3) - log(r + 3) - log((r + 5) / 2)
 *               U = 1 - r/(r + 1) + 1 - r/(r + 3) - r/(r + 5)
 *               I = r / (r + 1)^2 + 3r / (r + 3)^2 + 5r / (r + 5)^2
 *    evaluated by 0-iteration fits at init = beta (loglik_null = l,
 *    score_chisq = U^2 / I, var = 1 / I), and the Breslow MLE
 *    r = (3 + sqrt 33) / 2.
 * 2. Golden fits against R's coxph (tests/golden/cox/make.R wrote the
 *    data and the expected values; README.md there says what each model
 *    shows): coefficients, variances, robust variances, linear predictors,
 *    log-likelihoods, score, Wald, LR and robust score tests, iterations.
 *    Tolerance 1e-8 relative; the largest difference per quantity goes to
 *    stdout.
 * 3. Properties R is not needed for: integer weights equal replicated
 *    rows; many row blocks (the parallel path) with strata crossing block
 *    boundaries equal a plain one-pass evaluation; bad input is refused.
 * Run from the repository root.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "cohort/cohort.h"
#include "cohort/cox.h"

#define DIR "tests/golden/cox/"
#define REL_TOL 1e-8

/* ---- 1. the closed forms ---------------------------------------------- */

/* The six subjects of T&G's example (time, status, x). */
static const double tg_time[6] = {1, 1, 6, 6, 8, 9};
static const uint8_t tg_event[6] = {1, 0, 1, 1, 0, 1};
static const double tg_x[6] = {1, 1, 1, 0, 0, 0};

static coh_cox_data tg_data(void)
{
    coh_cox_data d;
    memset(&d, 0, sizeof d);
    d.n = 6;
    d.p = 1;
    d.time = (double *)tg_time;
    d.event = (uint8_t *)tg_event;
    d.x = (double *)tg_x;
    d.n_strata = 1;
    return d;
}

static void test_closed_form(void)
{
    const double betas[] = {-1.0, 0.0, log(2.0), 1.5};
    coh_cox_data d = tg_data();
    for (size_t k = 0; k < sizeof betas / sizeof betas[0]; k++) {
        double b = betas[k], r = exp(b);
        for (int ties = 0; ties < 2; ties++) {
            double l, u, info;
            if (ties == COH_TIES_BRESLOW) {
                l = 2 * b - log(3 * r + 3) - 2 * log(r + 3);
                u = (6 + 3 * r - r * r) / ((r + 1) * (r + 3));
                info = r / ((r + 1) * (r + 1)) + 6 * r / ((r + 3) * (r + 3));
            } else {
                l = 2 * b - log(3 * r + 3) - log(r + 3) - log((r + 5) / 2);
                u = 1 - r / (r + 1) + 1 - r / (r + 3) - r / (r + 5);
                info = r / ((r + 1) * (r + 1)) + 3 * r / ((r + 3) * (r + 3)) +
                       5 * r / ((r + 5) * (r + 5));
            }
            coh_cox_options o;
            coh_cox_options_init(&o);
            o.ties = (coh_ties)ties;
            o.max_iter = 0;
            o.init = &b;
            coh_cox_model *f = NULL;
            check_int(coh_cox_fit(&d, &o, &f), COH_OK, "T&G fit");
            if (f == NULL)
                continue;
            check_rel(f->loglik_null, l, 1e-14, "T&G loglik");
            check_rel(f->score_chisq, u * u / info, 1e-12, "T&G score U^2/I");
            check_rel(f->var[0], 1 / info, 1e-13, "T&G 1/I");
            check_rel(f->coef[0], b, 0, "T&G coef at init");
            check_int(f->iterations, 0, "T&G iterations");
            coh_cox_fit_free(f);
        }
    }
    /* the Breslow MLE: 6 + 3r - r^2 = 0 */
    coh_cox_options o;
    coh_cox_options_init(&o);
    o.ties = COH_TIES_BRESLOW;
    coh_cox_model *f = NULL;
    check_int(coh_cox_fit(&d, &o, &f), COH_OK, "T&G MLE fit");
    if (f != NULL) {
        double r = (3 + sqrt(33.0)) / 2;
        check_rel(f->coef[0], log(r), 1e-9, "T&G Breslow MLE");
        check(f->converged, "T&G converged");
        check_rel(f->loglik_null, -log(6.0) - 2 * log(4.0), 1e-14, "T&G loglik at 0");
        check_rel(f->lr_chisq, 2 * (f->loglik - f->loglik_null), 1e-14, "T&G LR");
        check_rel(f->means[0], 0, 0, "T&G 0/1 column not centred (R nocenter)");
        coh_cox_fit_free(f);
    }
}

static void test_names(void)
{
    coh_ties t;
    check_int(coh_ties_parse("breslow", &t), COH_OK, "parse breslow");
    check_int(t, COH_TIES_BRESLOW, "breslow");
    check_int(coh_ties_parse("efron", &t), COH_OK, "parse efron");
    check_int(t, COH_TIES_EFRON, "efron");
    check_int(coh_ties_parse("exact", &t), COH_EINVAL, "exact not offered");
    check_str(coh_ties_name(COH_TIES_EFRON), "efron", "name");
    coh_cox_options o;
    coh_cox_options_init(&o);
    check_int(o.max_iter, 20, "iter.max");
    check_rel(o.eps, 1e-9, 0, "eps");
    check_rel(o.toler_chol, 1.8189894035458617e-12, 1e-15, "toler.chol");
    check_rel(o.toler_inf, 3.1622776601683795e-05, 1e-15, "toler.inf");
}

/* ---- 2. golden comparisons with R ------------------------------------- */

typedef struct worst {
    char name[40];
    double diff;
    char where[80];
} worst;

static worst worsts[32];
static size_t n_worsts;

static void record(const char *what0, double got, double want, double tol, const char *model)
{
    /* the monotone-likelihood fit stops where the loglik flattens, not at
     * an estimate: tallied apart */
    char what[40];
    snprintf(what, sizeof what, "%s%s", strcmp(model, "lung_monotone") == 0 ? "monotone " : "",
             what0);
    worst *w = NULL;
    for (size_t k = 0; k < n_worsts; k++)
        if (strcmp(worsts[k].name, what) == 0)
            w = &worsts[k];
    if (w == NULL && n_worsts < 32) {
        w = &worsts[n_worsts++];
        snprintf(w->name, sizeof w->name, "%s", what);
        w->diff = 0;
        w->where[0] = '\0';
    }
    double rel = fabs(got - want) / (fabs(want) > 1e-300 ? fabs(want) : 1);
    if (isnan(got) || isnan(want))
        rel = isnan(got) && isnan(want) ? 0 : INFINITY;
    if (w != NULL && rel > w->diff) {
        w->diff = rel;
        snprintf(w->where, sizeof w->where, "%s", model);
    }
    char label[160];
    snprintf(label, sizeof label, "%s %s", model, what);
    check_rel(got, want, tol, label);
}

static coh_table *load(const char *path)
{
    coh_table *t = NULL;
    coh_error e;
    if (coh_read(path, NULL, &t, &e) != COH_OK) {
        fprintf(stderr, "%s: %s\n", path, e.msg);
        check_failed++;
    }
    return t;
}

static double num_at(const coh_table *t, const char *col, size_t i)
{
    const coh_column *c = coh_table_find(t, col);
    if (c == NULL || !coh_type_is_numeric(c->type) || coh_column_is_na(c, i))
        return NAN;
    return c->num[i];
}

static const char *text_at(const coh_table *t, const char *col, size_t i)
{
    const coh_column *c = coh_table_find(t, col);
    if (c == NULL || coh_column_is_na(c, i))
        return "";
    if (c->code == NULL)
        return "";
    return c->levels[c->code[i]];
}

/* The model's data from <model>.csv; the covariate names come from
 * coef.csv in column order. */
static coh_cox_data *build(const char *model, const coh_table *coef, size_t p)
{
    char path[256];
    snprintf(path, sizeof path, DIR "%s.csv", model);
    coh_table *t = load(path);
    if (t == NULL)
        return NULL;
    coh_cox_data *d = calloc(1, sizeof *d);
    size_t n = t->n_rows;
    d->n = n;
    d->p = p;
    d->time = malloc(n * sizeof *d->time);
    d->event = malloc(n);
    d->x = malloc((n * p > 0 ? n * p : 1) * sizeof *d->x);
    d->n_strata = 1;
    const coh_column *cs = coh_table_find(t, "stratum");
    const coh_column *cw = coh_table_find(t, "weight");
    const coh_column *cc = coh_table_find(t, "cluster");
    if (cs)
        d->stratum = malloc(n * sizeof *d->stratum);
    if (cw)
        d->weight = malloc(n * sizeof *d->weight);
    if (cc)
        d->cluster = malloc(n * sizeof *d->cluster);
    for (size_t i = 0; i < n; i++) {
        d->time[i] = num_at(t, "time", i);
        d->event[i] = (uint8_t)num_at(t, "status", i);
        if (cs) {
            d->stratum[i] = (int32_t)cs->num[i];
            if ((size_t)d->stratum[i] + 1 > d->n_strata)
                d->n_strata = (size_t)d->stratum[i] + 1;
        }
        if (cw)
            d->weight[i] = cw->num[i];
        if (cc) {
            d->cluster[i] = (int32_t)cc->num[i];
            if ((size_t)d->cluster[i] + 1 > d->n_clusters)
                d->n_clusters = (size_t)d->cluster[i] + 1;
        }
    }
    size_t j = 0;
    for (size_t r = 0; r < coef->n_rows && j < p; r++) {
        if (strcmp(text_at(coef, "model", r), model) != 0)
            continue;
        const coh_column *cx = coh_table_find(t, text_at(coef, "name", r));
        check(cx != NULL, "covariate column present");
        for (size_t i = 0; i < n; i++)
            d->x[i * p + j] = cx ? cx->num[i] : NAN;
        j++;
    }
    coh_table_free(t);
    return d;
}

static bool has_warning(const coh_cox_model *f, const char *needle)
{
    for (size_t k = 0; k < f->n_warnings; k++)
        if (strstr(f->warnings[k], needle) != NULL)
            return true;
    return false;
}

static void test_golden(void)
{
    coh_table *models = load(DIR "models.csv");
    coh_table *coef = load(DIR "coef.csv");
    coh_table *var = load(DIR "var.csv");
    coh_table *lp = load(DIR "lp.csv");
    if (!models || !coef || !var || !lp) {
        coh_table_free(models);
        coh_table_free(coef);
        coh_table_free(var);
        coh_table_free(lp);
        return;
    }
    size_t n_fitted = 0;
    for (size_t m = 0; m < models->n_rows; m++) {
        char model[64];
        snprintf(model, sizeof model, "%s", text_at(models, "model", m));
        size_t p = (size_t)num_at(models, "p", m);
        coh_cox_data *d = build(model, coef, p);
        if (d == NULL)
            continue;
        coh_cox_options o;
        coh_cox_options_init(&o);
        check_int(coh_ties_parse(text_at(models, "ties", m), &o.ties), COH_OK, "ties");
        o.max_iter = (int)num_at(models, "max_iter", m);
        bool robust = num_at(models, "robust", m) == 1;
        o.robust = robust;
        double init[16];
        const char *is = text_at(models, "init", m);
        if (is[0] != '\0') {
            char *end;
            for (size_t j = 0; j < p && j < 16; j++) {
                init[j] = strtod(is, &end);
                is = end;
            }
            o.init = init;
        }
        coh_cox_model *f = NULL;
        check_int(coh_cox_fit(d, &o, &f), COH_OK, model);
        if (f == NULL) {
            coh_cox_data_free(d);
            continue;
        }
        n_fitted++;
        double nev = num_at(models, "n_events", m);
        check_int(f->n_events, (long long)nev, "events");
        record("loglik_null", f->loglik_null, num_at(models, "loglik_null", m), REL_TOL, model);
        record("loglik", f->loglik, num_at(models, "loglik", m), REL_TOL, model);
        record("score", f->score_chisq, num_at(models, "score", m), REL_TOL, model);
        record("wald", f->wald_chisq, num_at(models, "wald", m), REL_TOL, model);
        record("lr", f->lr_chisq, num_at(models, "lr", m), REL_TOL, model);
        check_int(f->df, (long long)num_at(models, "df", m), model);
        check_int(f->robust, robust, model);
        if (robust)
            record("robust_score", f->robust_score_chisq, num_at(models, "robust_score", m),
                   REL_TOL, model);
        /* R counts iterations as coxfit6's loop counter, which ends at
         * iter.max + 1 when it runs out; Cohort reports the Newton steps
         * taken (README.md) */
        int r_iter = (int)num_at(models, "iter", m);
        if (f->converged || nev == 0)
            check_int(f->iterations, r_iter, model);
        else
            check_int(f->iterations, r_iter - 1, model);
        check_int(num_at(models, "infinite_warning", m) == 1,
                  has_warning(f, "may be infinite"), model);
        for (size_t r = 0; r < coef->n_rows; r++) {
            if (strcmp(text_at(coef, "model", r), model) != 0)
                continue;
            size_t j = (size_t)num_at(coef, "j", r);
            bool aliased = num_at(coef, "aliased", r) == 1;
            check_int(f->aliased[j], aliased, model);
            /* a coefficient R flags as infinite is where the iteration
             * stopped, not an estimate: looser */
            double tol = f->infinite[j] ? 1e-6 : REL_TOL;
            record("coef", f->coef[j], num_at(coef, "coef", r), tol, model);
            record("se", sqrt(f->var[j * p + j]), num_at(coef, "se", r), tol, model);
            record("mean", f->means[j], num_at(coef, "mean", r), 1e-13, model);
            if (robust)
                record("robust_se", sqrt(f->robust_var[j * p + j]),
                       num_at(coef, "robust_se", r), tol, model);
        }
        for (size_t r = 0; r < var->n_rows; r++) {
            if (strcmp(text_at(var, "model", r), model) != 0)
                continue;
            size_t i = (size_t)num_at(var, "i", r), j = (size_t)num_at(var, "j", r);
            double tol = f->infinite[i] || f->infinite[j] ? 1e-5 : REL_TOL;
            record("var", f->var[i * p + j], num_at(var, "var", r), tol, model);
            if (robust)
                record("robust_var", f->robust_var[i * p + j], num_at(var, "robust_var", r),
                       tol, model);
        }
        for (size_t r = 0; r < lp->n_rows; r++) {
            if (strcmp(text_at(lp, "model", r), model) != 0)
                continue;
            size_t i = (size_t)num_at(lp, "row", r);
            double tol = p == 2 && has_warning(f, "may be infinite") ? 1e-6 : REL_TOL;
            record("linear_predictor", f->linear_predictor[i], num_at(lp, "lp", r), tol, model);
        }
        /* the special cases */
        if (strcmp(model, "lung_aliased") == 0) {
            check(isnan(f->coef[2]), "aliased coef NAN");
            check(f->var[2 * p + 2] == 0 && f->var[2 * p + 0] == 0, "aliased var row 0");
            check(has_warning(f, "singular; variable 3"), "aliased warning");
        }
        if (strcmp(model, "lung_monotone") == 0) {
            check(f->infinite[1] && !f->infinite[0], "monotone: variable 2 infinite");
            check(has_warning(f, "Loglik converged before variable 2;"), "monotone warning");
            check(f->converged, "monotone converged (as R)");
        }
        if (strcmp(model, "lung_noevents") == 0) {
            check(isnan(f->coef[0]) && f->df == 0, "no events: NA");
            check(has_warning(f, "no events"), "no events warning");
            check(!f->converged, "no events not converged");
        }
        if (strcmp(model, "lung_noconv") == 0) {
            check(!f->converged, "noconv");
            check(has_warning(f, "did not converge"), "noconv warning");
        }
        if (strcmp(model, "ovarian_robust") == 0)
            check(has_warning(f, "fewer than 10 events per coefficient"), "EPV warning");
        if (strcmp(model, "lung_efron") == 0) {
            check_int(f->n_warnings, 0, "no warnings");
            /* joint Wald test of one column = z^2 */
            size_t cols[1] = {1};
            double chisq;
            int df;
            check_int(coh_cox_wald(f, cols, 1, &chisq, &df), COH_OK, "wald");
            check_int(df, 1, "wald df");
            double z = f->coef[1] / sqrt(f->var[1 * p + 1]);
            check_rel(chisq, z * z, 1e-12, "wald of one column");
            size_t all[3] = {0, 1, 2};
            check_int(coh_cox_wald(f, all, 3, &chisq, &df), COH_OK, "wald all");
            check_rel(chisq, f->wald_chisq, 1e-12, "joint wald = model wald");
            check_int(df, 3, "wald all df");
        }
        if (strcmp(model, "lung_aliased") == 0) {
            size_t cols[2] = {0, 2};
            double chisq;
            int df;
            check_int(coh_cox_wald(f, cols, 2, &chisq, &df), COH_OK, "wald aliased");
            check_int(df, 1, "aliased column skipped");
        }
        coh_cox_fit_free(f);
        coh_cox_data_free(d);
    }
    check(n_fitted >= 19, "all golden models fitted");
    for (size_t k = 0; k < n_worsts; k++)
        printf("test_cox: %-18s largest relative difference from R %.3g (%s)\n",
               worsts[k].name, worsts[k].diff, worsts[k].where);
    coh_table_free(models);
    coh_table_free(coef);
    coh_table_free(var);
    coh_table_free(lp);
}

/* ---- 3. properties ------------------------------------------------------ */

/* A small generator (xorshift64*), so that the test needs no data file. */
static double unif(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return (double)((*s * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

/* Plain one-pass loglik, score and information at beta, as coxfit6 walks
 * the data (backwards, running sums, Efron's fractions in place). */
static double plain_eval(const coh_cox_data *d, const double *beta, bool efron, double *u,
                         double *imat)
{
    size_t n = d->n, p = d->p;
    double a[4], a2[4], c[16], c2[16], ll = 0, denom = 0;
    for (size_t j = 0; j < p; j++)
        u[j] = 0;
    for (size_t j = 0; j < p * p; j++)
        imat[j] = 0;
    size_t i = n;
    while (i > 0) {
        size_t e = i;
        if (e == n || d->stratum[e] != d->stratum[e - 1]) {
            denom = 0;
            memset(a, 0, sizeof a);
            memset(c, 0, sizeof c);
        }
        size_t s = e - 1;
        while (s > 0 && d->stratum[s - 1] == d->stratum[e - 1] && d->time[s - 1] == d->time[e - 1])
            s--;
        double e_denom = 0, deadwt = 0;
        size_t nd = 0;
        memset(a2, 0, sizeof a2);
        memset(c2, 0, sizeof c2);
        for (size_t r = s; r < e; r++) {
            const double *x = d->x + r * p;
            double eta = 0;
            for (size_t j = 0; j < p; j++)
                eta += beta[j] * x[j];
            double wt = d->weight ? d->weight[r] : 1, risk = wt * exp(eta);
            double *aa = d->event[r] ? a2 : a, *cc = d->event[r] ? c2 : c;
            for (size_t j = 0; j < p; j++) {
                aa[j] += risk * x[j];
                for (size_t l = 0; l < p; l++)
                    cc[j * p + l] += risk * x[j] * x[l];
            }
            if (d->event[r]) {
                nd++;
                e_denom += risk;
                deadwt += wt;
                ll += wt * eta;
                for (size_t j = 0; j < p; j++)
                    u[j] += wt * x[j];
            } else
                denom += risk;
        }
        size_t terms = efron ? nd : (nd > 0);
        double wtave = terms ? deadwt / (double)terms : 0;
        for (size_t k = 0; k < terms; k++) {
            double fk = efron ? (double)(k + 1) / (double)nd : 1;
            double dk = denom + fk * e_denom;
            ll -= wtave * log(dk);
            for (size_t j = 0; j < p; j++) {
                double mj = (a[j] + fk * a2[j]) / dk;
                u[j] -= wtave * mj;
                for (size_t l = 0; l < p; l++)
                    imat[j * p + l] += wtave * ((c[j * p + l] + fk * c2[j * p + l]) / dk -
                                                mj * (a[l] + fk * a2[l]) / dk);
            }
        }
        denom += e_denom;
        for (size_t j = 0; j < p; j++) {
            a[j] += a2[j];
            for (size_t l = 0; l < p; l++)
                c[j * p + l] += c2[j * p + l];
        }
        i = s;
    }
    return ll;
}

/* 60000 rows in 5 strata of unequal size (blocks of 16384 rows cut
 * through strata), heavy ties, weights: the block-parallel evaluation
 * equals the plain pass. */
static void test_blocks(void)
{
    size_t n = 60000, p = 3;
    coh_cox_data d;
    memset(&d, 0, sizeof d);
    d.n = n;
    d.p = p;
    d.time = malloc(n * sizeof *d.time);
    d.event = malloc(n);
    d.stratum = malloc(n * sizeof *d.stratum);
    d.weight = malloc(n * sizeof *d.weight);
    d.x = malloc(n * p * sizeof *d.x);
    d.n_strata = 5;
    uint64_t seed = 88172645463325252ULL;
    const size_t bounds[6] = {0, 3000, 20000, 20001, 45000, 60000};
    for (size_t s = 0; s < 5; s++) {
        double t = 0;
        for (size_t i = bounds[s]; i < bounds[s + 1]; i++) {
            if (unif(&seed) < 0.3)
                t += 1;                      /* ~30% new times: many ties */
            d.time[i] = t;
            d.stratum[i] = (int32_t)s;
            d.event[i] = unif(&seed) < 0.6;
            d.weight[i] = 0.5 + unif(&seed);
            d.x[i * p + 0] = unif(&seed) * 10 + 40;
            d.x[i * p + 1] = unif(&seed) < 0.4;
            d.x[i * p + 2] = unif(&seed) - 0.5;
        }
    }
    double beta[3] = {0.02, -0.3, 0.5};
    for (int ties = 0; ties < 2; ties++) {
        coh_cox_options o;
        coh_cox_options_init(&o);
        o.ties = (coh_ties)ties;
        o.max_iter = 0;
        o.init = beta;
        coh_cox_model *f = NULL;
        check_int(coh_cox_fit(&d, &o, &f), COH_OK, "blocks fit");
        if (f == NULL)
            continue;
        double u[3], im[9];
        double ll = plain_eval(&d, beta, ties == COH_TIES_EFRON, u, im);
        check_rel(f->loglik_null, ll, 1e-11, "blocks loglik");
        /* var = I^-1: check I var = identity */
        for (size_t i = 0; i < p; i++)
            for (size_t j = 0; j < p; j++) {
                double s = 0;
                for (size_t k = 0; k < p; k++)
                    s += im[i * p + k] * f->var[k * p + j];
                check_rel(s, i == j ? 1 : 0, 1e-8, "blocks I V = 1");
            }
        /* score test U' I^-1 U from the plain pass */
        double sc = 0;
        for (size_t i = 0; i < p; i++)
            for (size_t j = 0; j < p; j++)
                sc += u[i] * f->var[i * p + j] * u[j];
        check_rel(f->score_chisq, sc, 1e-8, "blocks score test");
        coh_cox_fit_free(f);
    }
    free(d.time);
    free(d.event);
    free(d.stratum);
    free(d.weight);
    free(d.x);
}

/* Integer weights give the fit of the replicated rows, for Breslow's
 * ties.  (Not for Efron's: it counts tied deaths as rows, so a row of
 * weight 2 is one death of weight 2, not two tied deaths; R the same.) */
static void test_weights_replicate(void)
{
    double time[8] = {1, 2, 2, 3, 4, 5, 6, 7};
    uint8_t event[8] = {1, 1, 1, 0, 1, 1, 0, 1};
    double x[8] = {0.5, 1.2, -0.3, 0.8, 2.0, -1.0, 0.1, 0.4};
    double wt[8] = {1, 2, 1, 3, 1, 2, 1, 1};
    double rt[16], rx[16];
    uint8_t re[16];
    size_t m = 0;
    for (size_t i = 0; i < 8; i++)
        for (int k = 0; k < (int)wt[i]; k++) {
            rt[m] = time[i];
            re[m] = event[i];
            rx[m] = x[i];
            m++;
        }
    coh_cox_data a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    a.n = 8, a.p = 1, a.time = time, a.event = event, a.x = x, a.weight = wt;
    b.n = m, b.p = 1, b.time = rt, b.event = re, b.x = rx;
    {
        coh_cox_options o;
        coh_cox_options_init(&o);
        o.ties = COH_TIES_BRESLOW;
        coh_cox_model *fa = NULL, *fb = NULL;
        check_int(coh_cox_fit(&a, &o, &fa), COH_OK, "weighted");
        check_int(coh_cox_fit(&b, &o, &fb), COH_OK, "replicated");
        if (fa && fb) {
            check_rel(fa->coef[0], fb->coef[0], 1e-10, "weights = replication: coef");
            check_rel(fa->var[0], fb->var[0], 1e-10, "weights = replication: var");
            check_rel(fa->loglik, fb->loglik, 1e-12, "weights = replication: loglik");
        }
        coh_cox_fit_free(fa);
        coh_cox_fit_free(fb);
    }
}

static void test_bad_input(void)
{
    coh_cox_data d = tg_data();
    coh_cox_model *f = NULL;
    double t2[6] = {1, 1, 6, 5, 8, 9};   /* not sorted */
    d.time = t2;
    check_int(coh_cox_fit(&d, NULL, &f), COH_EINVAL, "unsorted refused");
    check(f == NULL, "no result");
    d = tg_data();
    double w[6] = {1, 1, 0, 1, 1, 1};
    d.weight = w;
    check_int(coh_cox_fit(&d, NULL, &f), COH_EINVAL, "weight 0 refused");
    d = tg_data();
    coh_cox_options o;
    coh_cox_options_init(&o);
    o.max_iter = -1;
    check_int(coh_cox_fit(&d, &o, &f), COH_EINVAL, "negative max_iter refused");
    /* the null model (p = 0): loglik only */
    d.p = 0;
    check_int(coh_cox_fit(&d, NULL, &f), COH_OK, "null model");
    if (f) {
        /* Efron at beta = 0: -log 6 - log 4 - log 3 */
        check_rel(f->loglik, -log(6.0) - log(4.0) - log(3.0), 1e-14, "null model loglik");
        check_int(f->df, 0, "null df");
        coh_cox_fit_free(f);
    }
}

int main(void)
{
    RUN(test_names);
    RUN(test_closed_form);
    RUN(test_weights_replicate);
    RUN(test_blocks);
    RUN(test_bad_input);
    RUN(test_golden);
    return check_report("test_cox");
}
