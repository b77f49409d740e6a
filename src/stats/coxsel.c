/* coxsel.c - univariable screens and variable selection for Cox models
 * (docs/methods.md, section 17).
 *
 * A term's test: the joint Wald statistic b' V^-1 b of its columns in the
 * model (coh_cox_wald; V robust when the fit is), or the likelihood-ratio
 * statistic 2 (loglik(with) - loglik(without)) against the model without
 * the term fitted on the same rows; df the number of the term's
 * non-aliased columns (Wald) or the difference in model df (LR); p from the
 * chi-square distribution.  A multi-level factor enters and leaves as one
 * term.  A term whose test has df 0 (a factor with one level in the rows,
 * or all columns aliased) has p = NaN, which counts as larger than any p:
 * backward elimination removes it first, forward selection never adds it.
 *
 * The selection (coh_cox_select) fixes its rows before it starts: the rows
 * complete in every candidate term (and the survival columns), so that all
 * models compared are fitted to the same rows (an LR test needs this, and
 * a p-value should not change because another term left).  The entry
 * screen fits each candidate alone on those rows (screen_rows COMPLETE,
 * the default), or on its own complete cases, the rows then fixed as
 * those complete in the terms that passed the screen (AVAILABLE: the
 * univariable p a paper's table shows is the one that decides).  Then:
 *   backward: from the screened-in terms, remove the term with the largest
 *     p while that p > stay (SAS PHREG SELECTION=BACKWARD, with SLSTAY);
 *   forward: from the empty model, add the screened-in term with the
 *     smallest p (its Wald test in the larger model, or the LR test of the
 *     addition) while that p <= enter;
 *   stepwise: forward, and after each addition the backward check of all
 *     terms in the model; a term removed there cannot enter again (so the
 *     procedure cannot cycle).
 * Ties in p go to the term given first.  No hierarchy is enforced: an
 * interaction can stay while a main effect leaves.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cohort/coxsel.h"
#include "cohort/dist.h"
#include "core/core.h"

coh_status coh_select_method_parse(const char *s, coh_select_method *out)
{
    static const char *const names[] = {"none", "backward", "forward", "stepwise"};
    for (int k = 0; k < 4; k++)
        if (s != NULL && strcmp(s, names[k]) == 0) {
            *out = (coh_select_method)k;
            return COH_OK;
        }
    return COH_EINVAL;
}

coh_status coh_select_test_parse(const char *s, coh_select_test *out)
{
    if (s != NULL && strcmp(s, "wald") == 0)
        *out = COH_SELECT_WALD;
    else if (s != NULL && strcmp(s, "lr") == 0)
        *out = COH_SELECT_LR;
    else
        return COH_EINVAL;
    return COH_OK;
}

const char *coh_select_method_name(coh_select_method m)
{
    switch (m) {
    case COH_SELECT_NONE: return "none";
    case COH_SELECT_BACKWARD: return "backward";
    case COH_SELECT_FORWARD: return "forward";
    case COH_SELECT_STEPWISE: return "stepwise";
    }
    return "?";
}

const char *coh_select_test_name(coh_select_test t)
{
    return t == COH_SELECT_LR ? "lr" : "wald";
}

coh_status coh_screen_rows_parse(const char *s, coh_screen_rows *out)
{
    if (s != NULL && strcmp(s, "complete") == 0)
        *out = COH_SCREEN_COMPLETE;
    else if (s != NULL && strcmp(s, "available") == 0)
        *out = COH_SCREEN_AVAILABLE;
    else
        return COH_EINVAL;
    return COH_OK;
}

const char *coh_screen_rows_name(coh_screen_rows r)
{
    return r == COH_SCREEN_AVAILABLE ? "available" : "complete";
}

/* ---- one model ----------------------------------------------------------- */

/* A fitted model of some of the candidate terms. */
typedef struct model {
    coh_design *design;
    coh_cox_data *data;
    coh_cox_model *fit;
} model;

static void model_free(model *m)
{
    coh_design_free(m->design);
    if (m->data != NULL)
        coh_cox_data_free(m->data);
    coh_cox_fit_free(m->fit);
    memset(m, 0, sizeof *m);
}

/* Fit the terms in[k] != 0 of spec (in spec's order) on the rows allowed.
 * The options' starting values do not apply to a submodel: they are
 * dropped. */
static coh_status model_fit(const coh_table *t, const coh_cox_spec *surv,
                            const coh_design_spec *spec, const uint8_t *in,
                            const uint8_t *allowed, const coh_cox_options *o, model *m,
                            coh_error *err)
{
    memset(m, 0, sizeof *m);
    const char **terms = malloc((spec->n_terms ? spec->n_terms : 1) * sizeof *terms);
    if (terms == NULL)
        return coh_error_set(err, COH_ENOMEM, "out of memory");
    coh_design_spec sub = *spec;
    sub.terms = terms;
    sub.n_terms = 0;
    for (size_t k = 0; k < spec->n_terms; k++)
        if (in == NULL || in[k])
            terms[sub.n_terms++] = spec->terms[k];
    coh_dropped dr;
    coh_status st = coh_cox_data_build(t, surv, &sub, allowed, &m->design, &m->data, &dr, err);
    free(terms);
    if (st != COH_OK)
        return st;
    coh_cox_options oo = *o;
    oo.init = NULL;
    if ((st = coh_cox_fit(m->data, &oo, &m->fit)) != COH_OK) {
        model_free(m);
        return coh_error_set(err, st, "the Cox fit failed: %s", coh_status_str(st));
    }
    return COH_OK;
}

/* p of a chi-square statistic; NaN when df is 0. */
static double chisq_p(double chisq, int df)
{
    if (df <= 0 || !isfinite(chisq))
        return NAN;
    return coh_dist_chisq_q(chisq > 0 ? chisq : 0, (double)df);
}

/* The joint Wald test of term k (the design's term index) of m. */
static coh_status term_wald(const model *m, size_t k, double *chisq, int *df, double *p)
{
    size_t n = m->design->term_ncols[k];
    size_t *cols = malloc((n ? n : 1) * sizeof *cols);
    if (cols == NULL)
        return COH_ENOMEM;
    for (size_t j = 0; j < n; j++)
        cols[j] = m->design->term_first[k] + j;
    *chisq = 0;
    *df = 0;
    coh_status st = n > 0 ? coh_cox_wald(m->fit, cols, n, chisq, df) : COH_OK;
    free(cols);
    *p = chisq_p(*chisq, *df);
    return st;
}

/* The LR test of the difference between a larger and a smaller model. */
static void lr_test(const model *big, const model *small, double *chisq, int *df, double *p)
{
    *chisq = 2 * (big->fit->loglik - small->fit->loglik);
    *df = big->fit->df - small->fit->df;
    *p = chisq_p(*chisq, *df);
}

/* a is a larger p than b, NaN being the largest. */
static bool p_greater(double a, double b)
{
    if (isnan(b))
        return false;
    return isnan(a) || a > b;
}

/* ---- univariable --------------------------------------------------------- */

void coh_univariable_result_free(coh_univariable_result *r)
{
    if (r == NULL)
        return;
    for (size_t k = 0; k < r->n_terms; k++) {
        free(r->terms[k].term);
        coh_design_free(r->terms[k].design);
        coh_cox_fit_free(r->terms[k].fit);
    }
    free(r->terms);
    free(r);
}

/* Each term of spec alone on the rows allowed (NULL: its own complete
 * cases). */
static coh_status univariable_on(const coh_table *t, const coh_cox_spec *surv,
                                 const coh_design_spec *spec, const coh_cox_options *o,
                                 coh_select_test test, const uint8_t *allowed,
                                 coh_univariable_result **out, coh_error *err)
{
    coh_status st = COH_OK;
    coh_univariable_result *r = calloc(1, sizeof *r);
    uint8_t *in = calloc(spec->n_terms ? spec->n_terms : 1, 1);
    if (r == NULL || in == NULL ||
        (r->terms = calloc(spec->n_terms ? spec->n_terms : 1, sizeof *r->terms)) == NULL) {
        st = coh_error_set(err, COH_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t k = 0; k < spec->n_terms; k++) {
        coh_univariable *u = &r->terms[k];
        r->n_terms = k + 1;
        if ((u->term = coh_strdup(spec->terms[k])) == NULL) {
            st = coh_error_set(err, COH_ENOMEM, "out of memory");
            goto done;
        }
        model m;
        in[k] = 1;
        st = model_fit(t, surv, spec, in, allowed, o, &m, err);
        in[k] = 0;
        if (st != COH_OK)
            goto done;
        u->n = m.data->n;
        u->events = m.fit->n_events;
        double chisq = 0;
        if (test == COH_SELECT_LR) {
            chisq = m.fit->lr_chisq;
            u->df = m.fit->df;
            u->p = chisq_p(chisq, u->df);
        } else if ((st = term_wald(&m, 0, &chisq, &u->df, &u->p)) != COH_OK) {
            model_free(&m);
            coh_error_set(err, st, "the Wald test of '%s' failed", u->term);
            goto done;
        }
        u->design = m.design;
        u->fit = m.fit;
        m.design = NULL;
        m.fit = NULL;
        model_free(&m);
    }
done:
    free(in);
    if (st != COH_OK) {
        coh_univariable_result_free(r);
        r = NULL;
    }
    *out = r;
    return st;
}

coh_status coh_cox_univariable(const coh_table *t, const coh_cox_spec *surv,
                               const coh_design_spec *spec, const coh_cox_options *o,
                               coh_select_test test, bool common_cases,
                               coh_univariable_result **out, coh_error *err)
{
    *out = NULL;
    uint8_t *allowed = NULL;
    if (common_cases) {
        if ((allowed = malloc(t->n_rows ? t->n_rows : 1)) == NULL)
            return coh_error_set(err, COH_ENOMEM, "out of memory");
        coh_status st = coh_complete_rows(t, surv, spec, allowed, err);
        if (st != COH_OK) {
            free(allowed);
            return st;
        }
    }
    coh_status st = univariable_on(t, surv, spec, o, test, allowed, out, err);
    free(allowed);
    return st;
}

/* ---- selection ----------------------------------------------------------- */

void coh_select_result_free(coh_select_result *r)
{
    if (r == NULL)
        return;
    for (size_t k = 0; k < r->n_screened_in; k++)
        free(r->screened_in[k]);
    for (size_t k = 0; k < r->n_steps; k++)
        free(r->steps[k].term);
    for (size_t k = 0; k < r->n_final; k++)
        free(r->final_terms[k]);
    free(r->screened_in);
    free(r->steps);
    free(r->final_terms);
    coh_univariable_result_free(r->screen);
    coh_design_free(r->design);
    if (r->data != NULL)
        coh_cox_data_free(r->data);
    coh_cox_fit_free(r->fit);
    free(r);
}

/* The state of a selection. */
typedef struct selection {
    const coh_table *t;
    const coh_cox_spec *surv;
    const coh_design_spec *spec;
    const coh_cox_options *o;
    const coh_select_options *so;
    const uint8_t *allowed;   /* the fixed rows */
    uint8_t *in;              /* n_terms: in the model */
    coh_select_result *r;
    coh_error *err;
} selection;

static coh_status record_step(selection *s, size_t term, bool entered, double chisq, int df,
                              double p)
{
    coh_select_result *r = s->r;
    coh_select_step *steps = realloc(r->steps, (r->n_steps + 1) * sizeof *steps);
    if (steps == NULL)
        return coh_error_set(s->err, COH_ENOMEM, "out of memory");
    r->steps = steps;
    coh_select_step *st = &steps[r->n_steps];
    memset(st, 0, sizeof *st);
    if ((st->term = coh_strdup(s->spec->terms[term])) == NULL)
        return coh_error_set(s->err, COH_ENOMEM, "out of memory");
    r->n_steps++;
    st->step = (int)r->n_steps;
    st->entered = entered;
    st->chisq = chisq;
    st->df = df;
    st->p = p;
    return COH_OK;
}

/* The design's index of candidate term k (in s->in), counting the terms
 * in the model before it. */
static size_t design_index(const selection *s, size_t k)
{
    size_t j = 0;
    for (size_t q = 0; q < k; q++)
        j += s->in[q];
    return j;
}

/* One backward step: the term of the current model with the largest p;
 * *found is false when the model is empty. */
static coh_status worst_term(selection *s, bool *found, size_t *term, double *chisq, int *df,
                             double *p)
{
    coh_status st;
    model full;
    *found = false;
    size_t n_in = 0;
    for (size_t k = 0; k < s->spec->n_terms; k++)
        n_in += s->in[k];
    if (n_in == 0)
        return COH_OK;
    if ((st = model_fit(s->t, s->surv, s->spec, s->in, s->allowed, s->o, &full, s->err)))
        return st;
    for (size_t k = 0; k < s->spec->n_terms; k++) {
        if (!s->in[k])
            continue;
        double c, pk;
        int d;
        if (s->so->test == COH_SELECT_WALD) {
            if ((st = term_wald(&full, design_index(s, k), &c, &d, &pk)) != COH_OK) {
                model_free(&full);
                return coh_error_set(s->err, st, "the Wald test of '%s' failed",
                                     s->spec->terms[k]);
            }
        } else {
            model reduced;
            s->in[k] = 0;
            st = model_fit(s->t, s->surv, s->spec, s->in, s->allowed, s->o, &reduced, s->err);
            s->in[k] = 1;
            if (st != COH_OK) {
                model_free(&full);
                return st;
            }
            lr_test(&full, &reduced, &c, &d, &pk);
            model_free(&reduced);
        }
        /* strictly greater: ties go to the term given first */
        if (!*found || p_greater(pk, *p)) {
            *found = true;
            *term = k;
            *chisq = c;
            *df = d;
            *p = pk;
        }
    }
    model_free(&full);
    return COH_OK;
}

/* One forward step: the candidate (not in the model, not barred) with the
 * smallest p when added; *found is false when none is left or none has a
 * p (all NaN). */
static coh_status best_term(selection *s, const uint8_t *candidate, const uint8_t *barred,
                            bool *found, size_t *term, double *chisq, int *df, double *p)
{
    coh_status st = COH_OK;
    model cur;
    bool have_cur = false;
    *found = false;
    for (size_t k = 0; k < s->spec->n_terms; k++) {
        if (s->in[k] || !candidate[k] || barred[k])
            continue;
        if (s->so->test == COH_SELECT_LR && !have_cur) {
            if ((st = model_fit(s->t, s->surv, s->spec, s->in, s->allowed, s->o, &cur,
                                s->err)) != COH_OK)
                return st;
            have_cur = true;
        }
        model bigger;
        s->in[k] = 1;
        st = model_fit(s->t, s->surv, s->spec, s->in, s->allowed, s->o, &bigger, s->err);
        if (st == COH_OK && s->so->test == COH_SELECT_WALD) {
            double c, pk;
            int d;
            st = term_wald(&bigger, design_index(s, k), &c, &d, &pk);
            if (st != COH_OK)
                coh_error_set(s->err, st, "the Wald test of '%s' failed", s->spec->terms[k]);
            else if (!isnan(pk) && (!*found || pk < *p)) {
                *found = true, *term = k, *chisq = c, *df = d, *p = pk;
            }
        } else if (st == COH_OK) {
            double c, pk;
            int d;
            lr_test(&bigger, &cur, &c, &d, &pk);
            if (!isnan(pk) && (!*found || pk < *p)) {
                *found = true, *term = k, *chisq = c, *df = d, *p = pk;
            }
        }
        s->in[k] = 0;
        model_free(&bigger);
        if (st != COH_OK)
            break;
    }
    if (have_cur)
        model_free(&cur);
    return st;
}

/* Backward elimination from the current model while the largest p > stay.
 * Removed terms are marked in `removed` (may be NULL). */
static coh_status backward(selection *s, uint8_t *removed)
{
    for (;;) {
        bool found;
        size_t k = 0;
        double chisq = 0, p = 0;
        int df = 0;
        coh_status st = worst_term(s, &found, &k, &chisq, &df, &p);
        if (st != COH_OK)
            return st;
        if (!found || !p_greater(p, s->so->stay))
            return COH_OK;
        s->in[k] = 0;
        if (removed != NULL)
            removed[k] = 1;
        if ((st = record_step(s, k, false, chisq, df, p)) != COH_OK)
            return st;
    }
}

/* Forward selection (stepwise: with the backward check after each
 * addition, and no re-entry of a term the check removed). */
static coh_status forward(selection *s, const uint8_t *candidate, bool stepwise)
{
    size_t n = s->spec->n_terms;
    uint8_t *barred = calloc(n ? n : 1, 1);
    if (barred == NULL)
        return coh_error_set(s->err, COH_ENOMEM, "out of memory");
    coh_status st = COH_OK;
    for (;;) {
        bool found;
        size_t k = 0;
        double chisq = 0, p = 0;
        int df = 0;
        if ((st = best_term(s, candidate, barred, &found, &k, &chisq, &df, &p)) != COH_OK)
            break;
        if (!found || !(p <= s->so->enter))
            break;
        s->in[k] = 1;
        if ((st = record_step(s, k, true, chisq, df, p)) != COH_OK)
            break;
        if (stepwise && (st = backward(s, barred)) != COH_OK)
            break;
    }
    free(barred);
    return st;
}

coh_status coh_cox_select(const coh_table *t, const coh_cox_spec *surv,
                          const coh_design_spec *spec, const coh_cox_options *o,
                          const coh_select_options *so, coh_select_result **out,
                          coh_error *err)
{
    *out = NULL;
    size_t n = spec->n_terms, nr = t->n_rows;
    coh_status st;
    coh_select_result *r = calloc(1, sizeof *r);
    uint8_t *allowed = malloc(nr ? nr : 1);
    uint8_t *in = calloc(n ? n : 1, 1);
    uint8_t *screened = calloc(n ? n : 1, 1);
    coh_univariable_result *uni = NULL;
    if (r == NULL || allowed == NULL || in == NULL || screened == NULL) {
        st = coh_error_set(err, COH_ENOMEM, "out of memory");
        goto done;
    }
    r->options = *so;
    if (!(so->stay > 0 && so->stay <= 1) && so->method != COH_SELECT_NONE &&
        so->method != COH_SELECT_FORWARD) {
        st = coh_error_set(err, COH_EINVAL, "the stay level is %g; it must be in (0, 1]",
                           so->stay);
        goto done;
    }
    if (!(so->enter > 0 && so->enter <= 1) &&
        (so->method == COH_SELECT_FORWARD || so->method == COH_SELECT_STEPWISE)) {
        st = coh_error_set(err, COH_EINVAL, "the entry level is %g; it must be in (0, 1]",
                           so->enter);
        goto done;
    }
    bool own_rows = so->screen_rows == COH_SCREEN_AVAILABLE && so->entry_screen > 0;
    /* COMPLETE: the fixed rows, complete in every candidate term, before
     * the screen */
    if (!own_rows) {
        if ((st = coh_complete_rows(t, surv, spec, allowed, err)) != COH_OK)
            goto done;
        for (size_t i = 0; i < nr; i++)
            r->n_screen_rows += allowed[i];
    }
    /* the entry screen, on those rows (AVAILABLE: each term on its own) */
    if (so->entry_screen > 0) {
        if ((st = univariable_on(t, surv, spec, o, so->test, own_rows ? NULL : allowed, &uni,
                                 err)) != COH_OK)
            goto done;
        for (size_t k = 0; k < n; k++)
            screened[k] = !isnan(uni->terms[k].p) && uni->terms[k].p <= so->entry_screen;
    } else {
        memset(screened, 1, n ? n : 1);
    }
    if ((r->screened_in = calloc(n ? n : 1, sizeof *r->screened_in)) == NULL)
        goto oom;
    for (size_t k = 0; k < n; k++)
        if (screened[k] && (r->screened_in[r->n_screened_in++] = coh_strdup(spec->terms[k])) == NULL)
            goto oom;
    /* AVAILABLE: the fixed rows, complete in the terms that entered */
    if (own_rows) {
        coh_design_spec sub = *spec;
        sub.terms = (const char *const *)r->screened_in;
        sub.n_terms = r->n_screened_in;
        if ((st = coh_complete_rows(t, surv, &sub, allowed, err)) != COH_OK)
            goto done;
    }
    for (size_t i = 0; i < nr; i++)
        r->n_rows += allowed[i];
    if (r->n_rows == 0) {
        /* nothing to select on: say which terms left no complete row */
        char list[400] = "";
        size_t used = 0;
        for (size_t k = 0; k < r->n_screened_in && used < sizeof list - 1; k++)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", k ? ", " : "",
                                     r->screened_in[k]);
        if (own_rows)
            st = coh_error_set(err, COH_EDOMAIN,
                               "no patient has a value of every term that passed the entry "
                               "screen (%s): there are no rows to select on",
                               list);
        else
            st = coh_error_set(err, COH_EDOMAIN,
                               "no patient has a value of every candidate term: there are no "
                               "rows to select on%s",
                               so->entry_screen > 0 ? " (screen_rows available screens each "
                                                      "term on its own rows)" : "");
        goto done;
    }
    selection s = {t, surv, spec, o, so, allowed, in, r, err};
    switch (so->method) {
    case COH_SELECT_NONE:
    case COH_SELECT_BACKWARD:
        memcpy(in, screened, n);
        if (so->method == COH_SELECT_BACKWARD && (st = backward(&s, NULL)) != COH_OK)
            goto done;
        break;
    case COH_SELECT_FORWARD:
    case COH_SELECT_STEPWISE:
        if ((st = forward(&s, screened, so->method == COH_SELECT_STEPWISE)) != COH_OK)
            goto done;
        break;
    }
    /* the final model */
    if ((r->final_terms = calloc(n ? n : 1, sizeof *r->final_terms)) == NULL)
        goto oom;
    for (size_t k = 0; k < n; k++)
        if (in[k] && (r->final_terms[r->n_final++] = coh_strdup(spec->terms[k])) == NULL)
            goto oom;
    model m;
    if ((st = model_fit(t, surv, spec, in, allowed, o, &m, err)) != COH_OK)
        goto done;
    r->design = m.design;
    r->data = m.data;
    r->fit = m.fit;
    st = COH_OK;
    goto done;
oom:
    st = coh_error_set(err, COH_ENOMEM, "out of memory");
done:
    if (r != NULL)
        r->screen = uni;
    else
        coh_univariable_result_free(uni);
    free(allowed);
    free(in);
    free(screened);
    if (st != COH_OK) {
        coh_select_result_free(r);
        r = NULL;
    }
    *out = r;
    return st;
}
