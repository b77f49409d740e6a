/* cox.c - `cohort cox DATA --time COL --event COL --terms a,b,c ...`: Cox
 * regression, univariable screens and variable selection, with the
 * diagnostics a reviewer asks for (concordance, proportional hazards).
 *
 * The model part (its options, loading, building and fitting the model,
 * the numbers of each coefficient) is shared with `cohort plot forest`
 * through cox_model.h; the rest of this file is how `cohort cox` reports. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cohort/cox.h"
#include "cohort/coxsel.h"
#include "cohort/design.h"
#include "cohort/dist.h"
#include "cohort/filter.h"
#include "cohort/format.h"
#include "cox_model.h"

enum out_format { OUT_TEXT = CLI_OUT_TEXT, OUT_JSON = CLI_OUT_JSON, OUT_CSV = CLI_OUT_CSV };

/* `cohort cox`'s options: the model's, then how it is reported. */
typedef struct cox_opts {
    cli_cox_model_opts m;
    const char *predict;
    bool univariable, common_cases, zph_given;
    coh_zph_transform zph;
    double conf_level;
    enum out_format format;
    bool timings;
} cox_opts;

/* ---- the model's options (cox_model.h) ------------------------------------ */

void cli_cox_model_opts_init(cli_cox_model_opts *o)
{
    memset(o, 0, sizeof *o);
    coh_cox_options_init(&o->fit);
    o->sel.method = COH_SELECT_NONE;
    o->sel.test = COH_SELECT_WALD;
    o->sel.entry_screen = 0;
    o->sel.stay = 0.20;
    o->sel.enter = 0.20;
}

void cli_cox_model_opts_free(cli_cox_model_opts *o)
{
    cli_list_free(&o->terms);
    cli_list_free(&o->categorical);
    cli_list_free(&o->refs);
    cli_list_free(&o->pers);
    cli_list_free(&o->event_values);
    cli_list_free(&o->censor_values);
}

static int parse_prob(cli_args *a, const char *opt, const char *v, double *out)
{
    char *end;
    double x = strtod(v, &end);
    if (*end != '\0' || !(x > 0 && x <= 1))
        return cli_usage_error(a->cmd, "%s wants a probability in (0, 1], got '%s'", opt, v);
    *out = x;
    return 0;
}

bool cli_cox_model_opt(cli_cox_model_opts *o, cli_args *a, int *rc)
{
    const char *v = NULL;
    int bad = 0, mem = 0;
    *rc = 0;
    if (cli_opt(a, "--time", true, &v, &bad)) {
        o->time = v;
    } else if (cli_opt(a, "--event", true, &v, &bad)) {
        o->event = v;
    } else if (cli_opt(a, "--event-value", true, &v, &bad)) {
        mem = bad ? 0 : cli_list_set(&o->event_values, v);
    } else if (cli_opt(a, "--censor-value", true, &v, &bad)) {
        mem = bad ? 0 : cli_list_set(&o->censor_values, v);
    } else if (cli_opt(a, "--terms", true, &v, &bad)) {
        mem = bad ? 0 : cli_list_set(&o->terms, v);
    } else if (cli_opt(a, "--categorical", true, &v, &bad)) {
        mem = bad ? 0 : cli_list_set(&o->categorical, v);
    } else if (cli_opt(a, "--ref", true, &v, &bad)) {
        mem = bad ? 0 : cli_list_set(&o->refs, v);
    } else if (cli_opt(a, "--per", true, &v, &bad)) {
        mem = bad ? 0 : cli_list_set(&o->pers, v);
    } else if (cli_opt(a, "--strata", true, &v, &bad)) {
        o->strata = v;
    } else if (cli_opt(a, "--cluster", true, &v, &bad)) {
        o->cluster = v;
    } else if (cli_opt(a, "--weights", true, &v, &bad)) {
        o->weights = v;
    } else if (cli_opt(a, "--where", true, &v, &bad)) {
        o->where = v;
    } else if (cli_opt(a, "--robust", false, &v, &bad)) {
        o->robust = true;
    } else if (cli_opt(a, "--ties", true, &v, &bad)) {
        if (!bad && coh_ties_parse(v, &o->fit.ties) != COH_OK)
            bad = cli_usage_error(a->cmd, "--ties wants efron or breslow, got '%s'", v);
    } else if (cli_opt(a, "--entry-screen", true, &v, &bad)) {
        if (!bad)
            bad = parse_prob(a, "--entry-screen", v, &o->sel.entry_screen);
    } else if (cli_opt(a, "--screen-rows", true, &v, &bad)) {
        if (!bad && coh_screen_rows_parse(v, &o->sel.screen_rows) != COH_OK)
            bad = cli_usage_error(a->cmd, "--screen-rows wants complete or available, got '%s'", v);
    } else if (cli_opt(a, "--select", true, &v, &bad)) {
        if (!bad && coh_select_method_parse(v, &o->sel.method) != COH_OK)
            bad = cli_usage_error(a->cmd, "--select wants backward, forward or stepwise, "
                                          "got '%s'", v);
    } else if (cli_opt(a, "--stay", true, &v, &bad)) {
        if (!bad)
            bad = parse_prob(a, "--stay", v, &o->sel.stay);
    } else if (cli_opt(a, "--enter", true, &v, &bad)) {
        if (!bad)
            bad = parse_prob(a, "--enter", v, &o->sel.enter);
    } else if (cli_opt(a, "--select-test", true, &v, &bad)) {
        if (!bad && coh_select_test_parse(v, &o->sel.test) != COH_OK)
            bad = cli_usage_error(a->cmd, "--select-test wants wald or lr, got '%s'", v);
    } else if (cli_opt(a, "--max-iter", true, &v, &bad)) {
        char *end;
        long n = bad ? 0 : strtol(v, &end, 10);
        if (!bad && (*end != '\0' || n < 0 || n > 10000))
            bad = cli_usage_error(a->cmd, "--max-iter wants a whole number from 0 to 10000");
        o->fit.max_iter = (int)n;
    } else if (cli_opt(a, "--eps", true, &v, &bad)) {
        char *end;
        double e = bad ? 0 : strtod(v, &end);
        if (!bad && (*end != '\0' || !(e > 0 && e < 1)))
            bad = cli_usage_error(a->cmd, "--eps wants a small positive number such as 1e-9");
        o->fit.eps = e;
    } else {
        return false;
    }
    *rc = bad ? bad : mem ? cli_fail(COH_ENOMEM, NULL) : 0;
    return true;
}

int cli_cox_model_check(const cli_cox_model_opts *o, const char *cmd, const char *path)
{
    if (path == NULL)
        return cli_usage_error(cmd, "no data file given");
    if (o->time == NULL || o->event == NULL || o->terms.n == 0)
        return cli_usage_error(cmd, "--time, --event and --terms are required");
    if (o->sel.screen_rows == COH_SCREEN_AVAILABLE &&
        (o->sel.entry_screen <= 0 || o->sel.method == COH_SELECT_NONE))
        return cli_usage_error(cmd, "--screen-rows available is the rows of an entry screen: "
                                    "it needs --entry-screen and --select");
    return 0;
}

static int parse_args(int argc, char **argv, cox_opts *o, cli_data_opts *d, const char **path)
{
    cli_args a = {.argc = argc, .argv = argv, .i = 1, .cmd = "cox"};
    for (; a.i < argc; a.i++) {
        const char *v = NULL;
        int bad = 0, got, rc = 0;
        if (cli_is_help(argv[a.i]))
            return cli_help(&cli_cox), 1;
        if (cli_cox_model_opt(&o->m, &a, &rc)) {
            if (rc)
                return rc;
        } else if (cli_opt(&a, "--univariable", false, &v, &bad)) {
            o->univariable = true;
        } else if (cli_opt(&a, "--common-cases", false, &v, &bad)) {
            o->common_cases = true;
        } else if (cli_opt(&a, "--zph", true, &v, &bad)) {
            if (!bad && coh_zph_transform_parse(v, &o->zph) != COH_OK)
                return cli_usage_error(a.cmd, "--zph wants km, identity, rank or log, got '%s'",
                                       v);
            o->zph_given = true;
        } else if (cli_opt(&a, "--predict", true, &v, &bad)) {
            o->predict = v;
        } else if (cli_opt(&a, "--conf-level", true, &v, &bad)) {
            if (!bad && (parse_prob(&a, "--conf-level", v, &o->conf_level) || o->conf_level >= 1))
                return cli_usage_error(a.cmd, "--conf-level wants a number between 0 and 1");
        } else if (cli_opt(&a, "--timings", false, &v, &bad)) {
            o->timings = true;
        } else if (cli_opt(&a, "--format", true, &v, &bad)) {
            int f, frc;
            if (!bad && (frc = cli_out_format(&a, v, &f)) != 0)
                return frc;
            o->format = (enum out_format)f;
        } else if ((got = cli_rest_arg(&a, d, path)) != 0) {
            return got;
        }
        if (bad)
            return bad;
    }
    return cli_cox_model_check(&o->m, a.cmd, *path);
}

/* ---- loading and fitting the model (cox_model.h) ---------------------------- */

/* Split "col=value" items into two lists (values kept as text). */
static int split_pairs(const cli_list *l, const char *cmd, const char *opt, const char ***col,
                       const char ***val)
{
    *col = calloc(l->n ? l->n : 1, sizeof **col);
    *val = calloc(l->n ? l->n : 1, sizeof **val);
    if (*col == NULL || *val == NULL)
        return cli_fail(COH_ENOMEM, NULL);
    for (size_t k = 0; k < l->n; k++) {
        char *eq = strchr(l->v[k], '=');
        if (eq == NULL || eq == l->v[k] || eq[1] == '\0')
            return cli_usage_error(cmd, "%s wants COL=VALUE items, got '%s'", opt, l->v[k]);
        *eq = '\0';
        (*col)[k] = l->v[k];
        (*val)[k] = eq + 1;
    }
    return 0;
}

int cli_cox_load(cli_cox_model_opts *o, cli_data_opts *d, const char *path, const char *cmd,
                 cli_cox_result *r)
{
    int rc;
    if ((rc = split_pairs(&o->refs, cmd, "--ref", &r->ref_col, &r->ref_val)) != 0 ||
        (rc = split_pairs(&o->pers, cmd, "--per", &r->per_col, &r->per_val)) != 0)
        return rc;
    r->per_step = calloc(o->pers.n ? o->pers.n : 1, sizeof *r->per_step);
    if (r->per_step == NULL)
        return cli_fail(COH_ENOMEM, NULL);
    for (size_t k = 0; k < o->pers.n; k++) {
        char *end;
        r->per_step[k] = strtod(r->per_val[k], &end);
        if (*end != '\0' || !(r->per_step[k] > 0))
            return cli_usage_error(cmd, "--per wants COL=STEP with a positive step, got '%s=%s'",
                                   r->per_col[k], r->per_val[k]);
    }
    o->fit.robust = o->robust;
    double t0 = cli_seconds();
    if ((rc = cli_load(d, path, &r->table)) != EXIT_OK)
        return rc;
    r->load_seconds = cli_seconds() - t0;
    if ((rc = cli_where(r->table, o->where, &r->keep)) != EXIT_OK)
        return rc;
    r->surv = (coh_cox_spec){o->time, o->event, o->event_values.n ? o->event_values.v : NULL,
                             o->event_values.n, o->censor_values.n ? o->censor_values.v : NULL,
                             o->censor_values.n, o->strata, o->weights, o->cluster, r->keep};
    r->spec = (coh_design_spec){o->terms.v, o->terms.n, o->categorical.v, o->categorical.n,
                                r->ref_col, r->ref_val, o->refs.n, r->per_col, r->per_step,
                                o->pers.n};
    /* as R's coxph: non-integer case weights imply the robust variance, for
     * every fit (univariable, selection and the model) */
    const coh_column *wcol = o->weights ? coh_table_find(r->table, o->weights) : NULL;
    if (wcol != NULL && wcol->num != NULL && !o->fit.robust)
        for (size_t i = 0; i < wcol->n; i++)
            if (!coh_column_is_na(wcol, i) && wcol->num[i] != floor(wcol->num[i])) {
                o->fit.robust = true;
                fprintf(stderr, "cohort %s: non-integer weights: robust variance used, as R's "
                                "coxph does\n", cmd);
                break;
            }
    return EXIT_OK;
}

int cli_cox_fit_model(const cli_cox_model_opts *o, cli_cox_result *r)
{
    coh_error err;
    coh_error_clear(&err);
    coh_status st;
    memset(&r->dropped, 0, sizeof r->dropped);
    if (o->sel.method != COH_SELECT_NONE) {
        st = coh_cox_select(r->table, &r->surv, &r->spec, &o->fit, &o->sel, &r->sel, &err);
    } else {
        st = coh_cox_data_build(r->table, &r->surv, &r->spec, NULL, &r->design, &r->data,
                                &r->dropped, &err);
        if (st == COH_OK)
            st = coh_cox_fit(r->data, &o->fit, &r->fit);
    }
    if (st != COH_OK)
        return cli_fail(st, err.msg);
    r->final_design = r->sel ? r->sel->design : r->design;
    r->final_data = r->sel ? r->sel->data : r->data;
    r->final_fit = r->sel ? r->sel->fit : r->fit;
    return EXIT_OK;
}

void cli_cox_result_free(cli_cox_result *r)
{
    coh_cox_fit_free(r->fit);
    coh_cox_data_free(r->data);
    coh_design_free(r->design);
    coh_select_result_free(r->sel);
    coh_table_free(r->table);
    free(r->keep);
    free(r->ref_col);
    free(r->ref_val);
    free(r->per_col);
    free(r->per_val);
    free(r->per_step);
    memset(r, 0, sizeof *r);
}

/* ---- numbers of a fitted model --------------------------------------------- */

cli_cox_coef cli_cox_coef_stats(const coh_cox_model *f, size_t j, double conf_level)
{
    cli_cox_coef r;
    double zq = coh_dist_norm_quantile(1 - (1 - conf_level) / 2);
    r.coef = f->coef[j];
    r.se = f->aliased[j] ? NAN : sqrt(f->var[j * f->p + j]);
    r.robust_se = f->robust_var && !f->aliased[j] ? sqrt(f->robust_var[j * f->p + j]) : NAN;
    double se = f->robust_var ? r.robust_se : r.se;
    r.hr = exp(r.coef);
    r.lower = exp(r.coef - zq * se);
    r.upper = exp(r.coef + zq * se);
    r.z = r.coef / se;
    r.p = 2 * coh_dist_norm_q(fabs(r.z));
    return r;
}

static void p_text(double p, char *buf, size_t size)
{
    char v[32];
    coh_format_p(p, 2, v, sizeof v);
    snprintf(buf, size, "%s", v);
}

/* A hazard ratio as journals print it: two decimals ("1.73 (1.24-2.40)"),
 * three significant digits when that would show 0.00 or be very wide. */
static void ratio_text(double v, char *buf, size_t size)
{
    if (isnan(v))
        snprintf(buf, size, "NA");
    else if (v < 0.01 || v >= 1000)
        coh_format_human(v, 3, buf, size);
    else
        snprintf(buf, size, "%.2f", v);
}

static void hr_text(const cli_cox_coef *r, char *buf, size_t size)
{
    char h[32], l[32], u[32];
    if (isnan(r->coef)) {
        snprintf(buf, size, "(aliased)");
        return;
    }
    ratio_text(r->hr, h, sizeof h);
    ratio_text(r->lower, l, sizeof l);
    ratio_text(r->upper, u, sizeof u);
    snprintf(buf, size, "%s (%s-%s)", h, l, u);
}

/* The joint Wald test of term t (all its columns). */
static coh_status term_wald(const coh_design *des, const coh_cox_model *f, size_t t, double *chisq,
                            int *df)
{
    size_t k = des->term_ncols[t];
    size_t *cols = malloc((k ? k : 1) * sizeof *cols);
    *chisq = NAN;
    *df = 0;
    if (cols == NULL)
        return COH_ENOMEM;
    for (size_t c = 0; c < k; c++)
        cols[c] = des->term_first[t] + c;
    coh_status st = coh_cox_wald(f, cols, k, chisq, df);
    free(cols);
    return st;
}

/* ---- JSON --------------------------------------------------------------------- */

static void json_test(coh_json *j, const char *key, double chisq, int df)
{
    coh_json_key(j, key);
    coh_json_object_begin(j);
    coh_json_key(j, "chisq");
    coh_json_number(j, chisq);
    coh_json_key(j, "df");
    coh_json_int(j, df);
    coh_json_key(j, "p");
    coh_json_number(j, df > 0 ? coh_dist_chisq_q(chisq, df) : NAN);
    coh_json_object_end(j);
}

/* The model object: everything about one fit. */
static void json_model(coh_json *j, const cox_opts *o, const coh_design *des,
                       const coh_cox_data *data, const coh_cox_model *f, const coh_dropped *dr,
                       bool diagnostics)
{
    coh_json_object_begin(j);
    coh_json_key(j, "n");
    coh_json_int(j, (int64_t)f->n);
    coh_json_key(j, "events");
    coh_json_int(j, (int64_t)f->n_events);
    coh_json_key(j, "n_dropped");
    if (dr != NULL) {
        coh_json_object_begin(j);
        coh_json_key(j, "filtered");
        coh_json_int(j, (int64_t)dr->filtered);
        coh_json_key(j, "missing_outcome");
        coh_json_int(j, (int64_t)dr->missing_outcome);
        coh_json_key(j, "missing_covariate");
        coh_json_int(j, (int64_t)dr->missing_covariate);
        coh_json_key(j, "missing_other");
        coh_json_int(j, (int64_t)dr->missing_other);
        coh_json_object_end(j);
    } else {
        coh_json_null(j);
    }
    coh_json_key(j, "ties");
    coh_json_string(j, coh_ties_name(f->ties));
    coh_json_key(j, "robust");
    coh_json_bool(j, f->robust);
    coh_json_key(j, "loglik");
    coh_json_object_begin(j);
    coh_json_key(j, "null");
    coh_json_number(j, f->loglik_null);
    coh_json_key(j, "final");
    coh_json_number(j, f->loglik);
    coh_json_object_end(j);
    coh_json_key(j, "iterations");
    coh_json_int(j, f->iterations);
    coh_json_key(j, "converged");
    coh_json_bool(j, f->converged);
    coh_json_key(j, "step_halvings");
    coh_json_int(j, f->step_halvings);
    coh_json_key(j, "coefficients");
    coh_json_array_begin(j);
    for (size_t c = 0; c < f->p; c++) {
        cli_cox_coef r = cli_cox_coef_stats(f, c, o->conf_level);
        coh_json_object_begin(j);
        coh_json_key(j, "name");
        coh_json_string(j, des->col_names[c]);
        coh_json_key(j, "term");
        coh_json_string(j, des->term_names[des->col_term[c]]);
        coh_json_key(j, "per");
        coh_json_number(j, des->term_per[des->col_term[c]]);
        coh_json_key(j, "reference");
        coh_json_string(j, des->term_ref[des->col_term[c]]);
        coh_json_key(j, "coef");
        coh_json_number(j, r.coef);
        coh_json_key(j, "se");
        coh_json_number(j, r.se);
        coh_json_key(j, "robust_se");
        coh_json_number(j, r.robust_se);
        coh_json_key(j, "hr");
        coh_json_number(j, r.hr);
        coh_json_key(j, "lower");
        coh_json_number(j, r.lower);
        coh_json_key(j, "upper");
        coh_json_number(j, r.upper);
        coh_json_key(j, "z");
        coh_json_number(j, r.z);
        coh_json_key(j, "p");
        coh_json_number(j, r.p);
        coh_json_key(j, "aliased");
        coh_json_bool(j, f->aliased[c]);
        coh_json_key(j, "infinite");
        coh_json_bool(j, f->infinite[c]);
        coh_json_object_end(j);
    }
    coh_json_array_end(j);
    coh_json_key(j, "terms");
    coh_json_array_begin(j);
    for (size_t t = 0; t < des->n_terms; t++) {
        double chisq = NAN;
        int df = 0;
        term_wald(des, f, t, &chisq, &df);
        coh_json_object_begin(j);
        coh_json_key(j, "term");
        coh_json_string(j, des->term_names[t]);
        coh_json_key(j, "df");
        coh_json_int(j, df);
        coh_json_key(j, "chisq");
        coh_json_number(j, chisq);
        coh_json_key(j, "p");
        coh_json_number(j, df > 0 ? coh_dist_chisq_q(chisq, df) : NAN);
        coh_json_object_end(j);
    }
    coh_json_array_end(j);
    coh_json_key(j, "tests");
    coh_json_object_begin(j);
    json_test(j, "likelihood_ratio", f->lr_chisq, f->df);
    json_test(j, "wald", f->wald_chisq, f->df);
    json_test(j, "score", f->score_chisq, f->df);
    if (f->robust)
        json_test(j, "robust_score", f->robust_score_chisq, f->df);
    coh_json_object_end(j);
    if (diagnostics) {
        coh_concordance cc;
        coh_json_key(j, "concordance");
        if (coh_cox_concordance(data, f, &cc) == COH_OK) {
            coh_json_object_begin(j);
            coh_json_key(j, "estimate");
            coh_json_number(j, cc.estimate);
            coh_json_key(j, "se");
            coh_json_number(j, cc.std_err);
            coh_json_object_end(j);
        } else {
            coh_json_null(j);
        }
        coh_zph_result *z = NULL;
        coh_json_key(j, "zph");
        if (o->zph_given && f->df > 0 && coh_cox_zph(data, f, o->zph, des->term_first, des->term_ncols,
                                     des->n_terms, &z) == COH_OK) {
            coh_json_object_begin(j);
            coh_json_key(j, "transform");
            coh_json_string(j, coh_zph_transform_name(o->zph));
            coh_json_key(j, "terms");
            coh_json_array_begin(j);
            for (size_t t = 0; t < z->n_terms; t++) {
                coh_json_object_begin(j);
                coh_json_key(j, "term");
                coh_json_string(j, des->term_names[t]);
                coh_json_key(j, "chisq");
                coh_json_number(j, z->chisq[t]);
                coh_json_key(j, "df");
                coh_json_int(j, z->df[t]);
                coh_json_key(j, "p");
                coh_json_number(j, z->p[t]);
                coh_json_object_end(j);
            }
            coh_json_array_end(j);
            coh_json_key(j, "global");
            coh_json_object_begin(j);
            coh_json_key(j, "chisq");
            coh_json_number(j, z->global_chisq);
            coh_json_key(j, "df");
            coh_json_int(j, z->global_df);
            coh_json_key(j, "p");
            coh_json_number(j, z->global_p);
            coh_json_object_end(j);
            coh_json_object_end(j);
        } else {
            coh_json_null(j);
        }
        coh_zph_result_free(z);
    }
    coh_json_key(j, "warnings");
    coh_json_array_begin(j);
    for (size_t w = 0; w < f->n_warnings; w++)
        coh_json_string(j, f->warnings[w]);
    coh_json_array_end(j);
    coh_json_object_end(j);
}

/* ---- text ------------------------------------------------------------------ */

static void print_model_text(const cox_opts *o, const coh_design *des, const coh_cox_data *data,
                             const coh_cox_model *f, const coh_dropped *dr, const char *title)
{
    printf("%s\n", title);
    printf("%zu used, %zu events", f->n, f->n_events);
    if (dr != NULL) {
        size_t dropped = dr->missing_outcome + dr->missing_covariate + dr->missing_other;
        if (dr->filtered)
            printf(", %zu excluded by --where", dr->filtered);
        if (dropped)
            printf(", %zu dropped for missing values (listwise: outcome %zu, covariates %zu, "
                   "other %zu)", dropped, dr->missing_outcome, dr->missing_covariate,
                   dr->missing_other);
    }
    printf(".  Ties: %s%s.\n\n", coh_ties_name(f->ties), f->robust ? "; robust SE" : "");
    size_t w = 10;
    for (size_t c = 0; c < f->p; c++)
        w = strlen(des->col_names[c]) > w ? strlen(des->col_names[c]) : w;
    w = w > 40 ? 40 : w;
    printf("%-*s  %9s  %8s  %7s  %-22s  %s\n", (int)w + 10, "", "coef", f->robust ? "robust SE" : "SE",
           "z", "HR (95% CI)", "p");
    for (size_t c = 0; c < f->p; c++) {
        cli_cox_coef r = cli_cox_coef_stats(f, c, o->conf_level);
        char hr[128], p[32], per[64] = "", cf[32], se[32], z[32];
        size_t t = des->col_term[c];
        if (des->term_per[t] != 1) {
            char s[32];
            coh_format_human(des->term_per[t], 4, s, sizeof s);
            snprintf(per, sizeof per, " (per %s)", s);
        }
        hr_text(&r, hr, sizeof hr);
        if (f->n_events == 0)
            snprintf(hr, sizeof hr, "not estimable");
        p_text(r.p, p, sizeof p);
        coh_format_human(r.coef, 4, cf, sizeof cf);
        coh_format_human(f->robust ? r.robust_se : r.se, 3, se, sizeof se);
        coh_format_human(r.z, 3, z, sizeof z);
        cli_put_clean(des->col_names[c], stdout);
        fputs(per, stdout);
        for (size_t k = strlen(des->col_names[c]) + strlen(per); k < w + 10; k++)
            putchar(' ');
        if (f->aliased[c])
            printf("  %9s  %8s  %7s  %-22s\n", "", "", "", hr);
        else
            printf("  %9s  %8s  %7s  %-22s  %s%s\n", cf, se, z, hr, p,
                   f->infinite[c] ? "  (may be infinite)" : "");
    }
    for (size_t t = 0; t < des->n_terms; t++) {
        if (des->term_ncols[t] < 2)
            continue;
        double chisq;
        int df;
        if (term_wald(des, f, t, &chisq, &df) == COH_OK && df > 0) {
            char p[32];
            p_text(coh_dist_chisq_q(chisq, df), p, sizeof p);
            printf("  %s overall (Wald, %d df): p %s%s (reference %s)\n", des->term_names[t], df,
                   strchr(p, '<') ? "" : "= ", p, des->term_ref[t] ? des->term_ref[t] : "-");
        }
    }
    char c1[32], p1[32];
    coh_format_human(f->lr_chisq, 4, c1, sizeof c1);
    p_text(f->df > 0 ? coh_dist_chisq_q(f->lr_chisq, f->df) : NAN, p1, sizeof p1);
    printf("\nLikelihood ratio test: chi-square %s on %d df, p %s%s\n", c1, f->df,
           strchr(p1, '<') ? "" : "= ", p1);
    coh_format_human(f->wald_chisq, 4, c1, sizeof c1);
    p_text(f->df > 0 ? coh_dist_chisq_q(f->wald_chisq, f->df) : NAN, p1, sizeof p1);
    printf("Wald test: chi-square %s on %d df, p %s%s\n", c1, f->df, strchr(p1, '<') ? "" : "= ",
           p1);
    coh_format_human(f->score_chisq, 4, c1, sizeof c1);
    p_text(f->df > 0 ? coh_dist_chisq_q(f->score_chisq, f->df) : NAN, p1, sizeof p1);
    printf("Score test: chi-square %s on %d df, p %s%s\n", c1, f->df, strchr(p1, '<') ? "" : "= ",
           p1);
    if (f->robust) {
        coh_format_human(f->robust_score_chisq, 4, c1, sizeof c1);
        p_text(f->df > 0 ? coh_dist_chisq_q(f->robust_score_chisq, f->df) : NAN, p1, sizeof p1);
        printf("Robust score test: chi-square %s on %d df, p %s%s\n", c1, f->df,
               strchr(p1, '<') ? "" : "= ", p1);
        if (data->cluster != NULL)
            printf("(The likelihood ratio and score tests assume independent rows; with "
                   "clusters use the Wald or robust score test, as R notes.)\n");
    }
    coh_concordance cc;
    if (coh_cox_concordance(data, f, &cc) == COH_OK) {
        char e[32], s[32];
        coh_format_human(cc.estimate, 3, e, sizeof e);
        coh_format_human(cc.std_err, 2, s, sizeof s);
        printf("Concordance: %s (SE %s)\n", e, s);
    }
    coh_zph_result *z = NULL;
    if (o->zph_given && f->df > 0 && coh_cox_zph(data, f, o->zph, des->term_first, des->term_ncols, des->n_terms,
                                 &z) == COH_OK) {
        char p[32];
        p_text(z->global_p, p, sizeof p);
        printf("Proportional hazards (cox.zph, %s transform): global p %s%s", 
               coh_zph_transform_name(o->zph), strchr(p, '<') ? "" : "= ", p);
        bool first = true;
        for (size_t t = 0; t < z->n_terms; t++)
            if (z->p[t] < 0.05) {
                p_text(z->p[t], p, sizeof p);
                printf("%s%s p %s%s", first ? "; departures: " : ", ", des->term_names[t],
                       strchr(p, '<') ? "" : "= ", p);
                first = false;
            }
        printf("\n");
    }
    coh_zph_result_free(z);
    printf("Iterations: %d, %s%s.\n", f->iterations, f->converged ? "converged" : "NOT converged",
           f->step_halvings ? " (with step-halving)" : "");
    for (size_t k = 0; k < f->n_warnings; k++)
        printf("Warning: %s\n", f->warnings[k]);
}

/* ---- predicted survival ---------------------------------------------------- */

/* The model-matrix row for "age=60,stage=II": numbers divided by the
 * term's step, factors as their dummies; interactions are not supported. */
static int predict_row(const coh_design *des, const char *spec, const char *strata_col,
                       double *newx)
{
    cli_list l = {0};
    if (cli_list_set(&l, spec))
        return cli_fail(COH_ENOMEM, NULL);
    for (size_t c = 0; c < des->p; c++)
        newx[c] = 0;
    int rc = 0;
    for (size_t k = 0; k < l.n && rc == 0; k++) {
        /* every key must be a model term */
        const char *eq = strchr(l.v[k], '=');
        bool known = eq && strata_col && strlen(strata_col) == (size_t)(eq - l.v[k]) &&
                     strncmp(strata_col, l.v[k], (size_t)(eq - l.v[k])) == 0;
        for (size_t t = 0; eq && t < des->n_terms; t++)
            known = known || (strlen(des->term_names[t]) == (size_t)(eq - l.v[k]) &&
                              strncmp(des->term_names[t], l.v[k], (size_t)(eq - l.v[k])) == 0);
        if (!known)
            rc = cli_usage_error("cox", "--predict: '%s' is not TERM=VALUE for a term of the "
                                        "model (or STRATA=VALUE)", l.v[k]);
    }
    for (size_t t = 0; t < des->n_terms && rc == 0; t++) {
        if (strchr(des->term_names[t], ':')) {
            rc = cli_usage_error("cox", "--predict does not support interaction terms yet");
            break;
        }
        const char *val = NULL;
        size_t len = strlen(des->term_names[t]);
        for (size_t k = 0; k < l.n; k++)
            if (strncmp(l.v[k], des->term_names[t], len) == 0 && l.v[k][len] == '=')
                val = l.v[k] + len + 1;
        if (val == NULL) {
            rc = cli_usage_error("cox", "--predict needs a value for '%s'", des->term_names[t]);
            break;
        }
        if (!des->term_factor[t]) {
            char *end;
            double x = strtod(val, &end);
            if (*end != '\0' || end == val) {
                rc = cli_usage_error("cox", "--predict: '%s' wants a number, got '%s'",
                                     des->term_names[t], val);
                break;
            }
            newx[des->term_first[t]] = x / des->term_per[t];
            continue;
        }
        bool found = des->term_ref[t] && strcmp(des->term_ref[t], val) == 0;
        for (size_t c = 0; c < des->term_ncols[t]; c++) {
            const char *name = des->col_names[des->term_first[t] + c];
            const char *eq = strchr(name, '=');
            if (eq && strcmp(eq + 1, val) == 0) {
                newx[des->term_first[t] + c] = 1;
                found = true;
            }
        }
        if (!found)
            rc = cli_usage_error("cox", "--predict: '%s' has no level '%s'", des->term_names[t],
                                 val);
    }
    cli_list_free(&l);
    return rc;
}

/* The stratum of row k of a (concatenated) predicted curve. */
static long curve_stratum(const coh_cox_curve *c, size_t k)
{
    for (size_t s = 0; s < c->n_strata; s++)
        if (k < c->strata_first[s + 1])
            return (long)s;
    return (long)c->n_strata - 1;
}

/* Names of the strata of a stratified model (the strata column's value
 * text, by stratum code, from the rows of the data), and the stratum the
 * --predict value asks for ("STRATA=VALUE"), or -1 for all. */
static int predict_strata(const coh_table *t, const char *strata_col, const char *spec,
                          const coh_cox_data *d, const coh_cox_curve *curve, char ***names,
                          long *shown)
{
    const coh_column *c = coh_table_find(t, strata_col);
    *names = calloc(curve->n_strata, sizeof **names);
    if (c == NULL || *names == NULL)
        return cli_fail(COH_ENOMEM, NULL);
    for (size_t r = 0; r < d->n; r++) {
        size_t k = (size_t)d->stratum[r], row = d->row[r];
        if (k >= curve->n_strata || (*names)[k] != NULL)
            continue;
        char buf[40];
        const char *v = buf;
        if (c->code != NULL)
            v = coh_column_level_text(c, (size_t)c->code[row]);
        else
            coh_format_num(c->num[row], buf, sizeof buf);
        if (((*names)[k] = strdup(v)) == NULL)
            return cli_fail(COH_ENOMEM, NULL);
    }
    *shown = -1;
    cli_list l = {0};
    if (cli_list_set(&l, spec))
        return cli_fail(COH_ENOMEM, NULL);
    size_t len = strlen(strata_col);
    int rc = 0;
    for (size_t k = 0; k < l.n; k++) {
        if (strncmp(l.v[k], strata_col, len) != 0 || l.v[k][len] != '=')
            continue;
        const char *val = l.v[k] + len + 1;
        for (size_t s = 0; s < curve->n_strata; s++)
            if ((*names)[s] != NULL && strcmp((*names)[s], val) == 0)
                *shown = (long)s;
        if (*shown < 0)
            rc = cli_usage_error("cox", "--predict: the strata column '%s' has no stratum '%s'",
                                 strata_col, val);
    }
    cli_list_free(&l);
    return rc;
}

/* ---- the command ----------------------------------------------------------- */

static int run(int argc, char **argv)
{
    cox_opts o;
    memset(&o, 0, sizeof o);
    cli_cox_model_opts_init(&o.m);
    o.zph = COH_ZPH_KM;
    o.conf_level = 0.95;
    cli_data_opts d;
    cli_data_opts_init(&d);
    const char *path = NULL;
    cli_cox_result model;
    memset(&model, 0, sizeof model);
    coh_univariable_result *uni = NULL;
    double *newx = NULL;
    coh_cox_curve *curve = NULL;
    char **stratum_names = NULL; /* curve->n_strata names, with strata */
    long shown_stratum = -1;     /* the stratum asked for, or -1: all */
    coh_error err;
    coh_error_clear(&err);
    coh_status st;

    int rc = parse_args(argc, argv, &o, &d, &path);
    if (rc != 0) {
        rc = rc == 1 ? EXIT_OK : rc;
        goto done;
    }
    double t0 = cli_seconds();
    if ((rc = cli_cox_load(&o.m, &d, path, "cox", &model)) != EXIT_OK)
        goto done;
    double t1 = t0 + model.load_seconds;
    if (o.univariable) {
        st = coh_cox_univariable(model.table, &model.surv, &model.spec, &o.m.fit, o.m.sel.test,
                                 o.common_cases, &uni, &err);
        if (st != COH_OK) {
            rc = cli_fail(st, err.msg);
            goto done;
        }
    }
    if ((rc = cli_cox_fit_model(&o.m, &model)) != EXIT_OK)
        goto done;
    const coh_table *t = model.table;
    const coh_select_result *sel = model.sel;
    const coh_design *des = model.design;
    const coh_cox_data *data = model.data;
    const coh_cox_model *fit = model.fit;
    const coh_design *mdes = model.final_design;
    const coh_cox_data *mdata = model.final_data;
    const coh_cox_model *mfit = model.final_fit;
    if (o.predict != NULL && mfit != NULL) {
        newx = calloc(mdes->p ? mdes->p : 1, sizeof *newx);
        if (newx == NULL) {
            rc = cli_fail(COH_ENOMEM, NULL);
            goto done;
        }
        if ((rc = predict_row(mdes, o.predict, o.m.strata, newx)) != 0)
            goto done;
        if ((st = coh_cox_predict(mdata, mfit, newx, o.conf_level, &curve)) != COH_OK) {
            rc = cli_fail(st, "--predict: the curve could not be computed");
            goto done;
        }
        if (curve->n_strata > 1 &&
            (rc = predict_strata(t, o.m.strata, o.predict, mdata, curve, &stratum_names,
                                 &shown_stratum)) != 0)
            goto done;
    }
    if (o.timings)
        fprintf(stderr, "load_seconds=%.3f compute_seconds=%.3f rows=%zu\n", t1 - t0,
                cli_seconds() - t1, t->n_rows);

    if (o.format == OUT_JSON) {
        coh_json j;
        coh_json_init(&j, stdout);
        coh_json_object_begin(&j);
        coh_json_key(&j, "file");
        coh_json_string(&j, path);
        coh_json_key(&j, "time");
        coh_json_string(&j, o.m.time);
        coh_json_key(&j, "event");
        coh_json_string(&j, o.m.event);
        coh_json_key(&j, "where");
        coh_json_string(&j, o.m.where);
        coh_json_key(&j, "conf_level");
        coh_json_number(&j, o.conf_level);
        coh_json_key(&j, "univariable");
        if (uni != NULL) {
            coh_json_array_begin(&j);
            for (size_t k = 0; k < uni->n_terms; k++) {
                const coh_univariable *u = &uni->terms[k];
                coh_json_object_begin(&j);
                coh_json_key(&j, "term");
                coh_json_string(&j, u->term);
                coh_json_key(&j, "p");
                coh_json_number(&j, u->p);
                coh_json_key(&j, "df");
                coh_json_int(&j, u->df);
                coh_json_key(&j, "model");
                json_model(&j, &o, u->design, NULL, u->fit, NULL, false);
                coh_json_object_end(&j);
            }
            coh_json_array_end(&j);
        } else {
            coh_json_null(&j);
        }
        coh_json_key(&j, "selection");
        if (sel != NULL) {
            coh_json_object_begin(&j);
            coh_json_key(&j, "method");
            coh_json_string(&j, coh_select_method_name(sel->options.method));
            coh_json_key(&j, "test");
            coh_json_string(&j, coh_select_test_name(sel->options.test));
            coh_json_key(&j, "entry");
            coh_json_number(&j, sel->options.entry_screen > 0 ? sel->options.entry_screen : NAN);
            coh_json_key(&j, "stay");
            coh_json_number(&j, sel->options.stay);
            coh_json_key(&j, "enter");
            coh_json_number(&j, sel->options.enter);
            coh_json_key(&j, "screen_rows");
            coh_json_string(&j, coh_screen_rows_name(sel->options.screen_rows));
            coh_json_key(&j, "n_rows");
            coh_json_int(&j, (int64_t)sel->n_rows);
            coh_json_key(&j, "screened_in");
            coh_json_array_begin(&j);
            for (size_t k = 0; k < sel->n_screened_in; k++)
                coh_json_string(&j, sel->screened_in[k]);
            coh_json_array_end(&j);
            coh_json_key(&j, "steps");
            coh_json_array_begin(&j);
            for (size_t k = 0; k < sel->n_steps; k++) {
                coh_json_object_begin(&j);
                coh_json_key(&j, "step");
                coh_json_int(&j, sel->steps[k].step);
                coh_json_key(&j, sel->steps[k].entered ? "entered" : "removed");
                coh_json_string(&j, sel->steps[k].term);
                coh_json_key(&j, "p");
                coh_json_number(&j, sel->steps[k].p);
                coh_json_key(&j, "chisq");
                coh_json_number(&j, sel->steps[k].chisq);
                coh_json_key(&j, "df");
                coh_json_int(&j, sel->steps[k].df);
                coh_json_object_end(&j);
            }
            coh_json_array_end(&j);
            coh_json_key(&j, "final");
            json_model(&j, &o, sel->design, sel->data, sel->fit, NULL, true);
            coh_json_object_end(&j);
        } else {
            coh_json_null(&j);
        }
        coh_json_key(&j, "model");
        if (fit != NULL)
            json_model(&j, &o, des, data, fit, &model.dropped, true);
        else
            coh_json_null(&j);
        coh_json_key(&j, "prediction");
        if (curve != NULL) {
            coh_json_object_begin(&j);
            coh_json_key(&j, "for");
            coh_json_string(&j, o.predict);
            coh_json_key(&j, "table");
            coh_json_array_begin(&j);
            for (size_t k = 0; k < curve->n_times; k++) {
                long sk = curve_stratum(curve, k);
                if (shown_stratum >= 0 && sk != shown_stratum)
                    continue;
                coh_json_object_begin(&j);
                if (stratum_names != NULL) {
                    coh_json_key(&j, "stratum");
                    coh_json_string(&j, stratum_names[sk]);
                }
                coh_json_key(&j, "time");
                coh_json_number(&j, curve->time[k]);
                coh_json_key(&j, "surv");
                coh_json_number(&j, curve->surv[k]);
                coh_json_key(&j, "std_err");
                coh_json_number(&j, curve->std_err[k]);
                coh_json_key(&j, "lower");
                coh_json_number(&j, curve->lower[k]);
                coh_json_key(&j, "upper");
                coh_json_number(&j, curve->upper[k]);
                coh_json_object_end(&j);
            }
            coh_json_array_end(&j);
            coh_json_object_end(&j);
        } else {
            coh_json_null(&j);
        }
        coh_json_object_end(&j);
        coh_json_end(&j);
    } else if (o.format == OUT_CSV) {
        puts("model,name,term,coef,se,robust_se,hr,lower,upper,z,p");
        for (int m = 0; m < 2; m++) {
            size_t nmod = m == 0 ? (uni ? uni->n_terms : 0) : 1;
            for (size_t k = 0; k < nmod; k++) {
                const coh_cox_model *f = m == 0 ? uni->terms[k].fit : mfit;
                const coh_design *ds = m == 0 ? uni->terms[k].design : mdes;
                for (size_t c = 0; c < f->p; c++) {
                    cli_cox_coef r = cli_cox_coef_stats(f, c, o.conf_level);
                    double v[] = {r.coef, r.se, r.robust_se, r.hr, r.lower, r.upper, r.z, r.p};
                    printf("%s,", m == 0 ? "univariable" : "multivariable");
                    cli_csv_field(ds->col_names[c], stdout);
                    putchar(',');
                    cli_csv_field(ds->term_names[ds->col_term[c]], stdout);
                    for (size_t q = 0; q < 8; q++) {
                        char b[40] = "";
                        if (!isnan(v[q]))
                            coh_format_num(v[q], b, sizeof b);
                        printf(",%s", b);
                    }
                    putchar('\n');
                }
            }
        }
    } else {
        if (uni != NULL) {
            printf("Univariable Cox models (each term alone, %s complete cases):\n",
                   o.common_cases ? "common" : "its own");
            for (size_t k = 0; k < uni->n_terms; k++) {
                const coh_univariable *u = &uni->terms[k];
                bool joint = u->fit->p > 1;
                for (size_t c = 0; c < u->fit->p; c++) {
                    cli_cox_coef r = cli_cox_coef_stats(u->fit, c, o.conf_level);
                    char hr[128], p[32];
                    hr_text(&r, hr, sizeof hr);
                    p_text(joint ? r.p : u->p, p, sizeof p);
                    printf("  %-30s %-22s p %s\n", u->design->col_names[c], hr, p);
                }
                if (joint) {
                    char p[32];
                    p_text(u->p, p, sizeof p);
                    printf("  %-30s %-22s p %s (%d df)\n", u->term, "overall", p, u->df);
                }
                printf("  %-30s n = %zu, events %zu\n", "", u->n, u->events);
            }
            printf("\n");
        }
        if (sel != NULL) {
            printf("Selection: %s by %s test", coh_select_method_name(sel->options.method),
                   coh_select_test_name(sel->options.test));
            if (sel->options.entry_screen > 0)
                printf(", entry screen univariable p <= %g", sel->options.entry_screen);
            if (sel->options.method == COH_SELECT_BACKWARD)
                printf(", remove while p > %g", sel->options.stay);
            else if (sel->options.method == COH_SELECT_FORWARD)
                printf(", add while p <= %g", sel->options.enter);
            else
                printf(", add while p <= %g, remove while p > %g", sel->options.enter,
                       sel->options.stay);
            bool own = sel->options.screen_rows == COH_SCREEN_AVAILABLE && sel->screen != NULL;
            printf("; %zu rows complete in %s.\n", sel->n_rows,
                   own ? "the terms that passed the screen" : "every candidate");
            if (sel->screen != NULL) {
                /* the screen's own p-values, on the common rows or each
                 * term's own */
                printf("  entry screen %s:", own ? "(each term on its own complete cases)"
                                                 : "on those rows");
                for (size_t k = 0; k < sel->screen->n_terms; k++) {
                    const coh_univariable *u = &sel->screen->terms[k];
                    char p[32];
                    p_text(u->p, p, sizeof p);
                    bool in = !(u->p > sel->options.entry_screen) && !isnan(u->p);
                    printf("%s %s (p %s%s%s)", k ? "," : "", u->term, strchr(p, '<') ? "" : "= ",
                           p, in ? "" : ", left out");
                }
                printf("\n");
            }
            for (size_t k = 0; k < sel->n_steps; k++) {
                char p[32];
                p_text(sel->steps[k].p, p, sizeof p);
                printf("  step %d: %s %s (p %s%s)\n", sel->steps[k].step,
                       sel->steps[k].entered ? "entered" : "removed", sel->steps[k].term,
                       strchr(p, '<') ? "" : "= ", p);
            }
            printf("\n");
            if (sel->n_final == 0)
                printf("No term was selected: the final model is the null model.\n\n");
            print_model_text(&o, sel->design, sel->data, sel->fit, NULL, "Final model:");
        } else {
            print_model_text(&o, des, data, fit, &model.dropped, "Cox proportional hazards model:");
        }
        if (curve != NULL) {
            printf("\nPredicted survival for %s (first times):\n", o.predict);
            for (size_t sk = 0; sk < curve->n_strata; sk++) {
                if (shown_stratum >= 0 && (long)sk != shown_stratum)
                    continue;
                if (stratum_names != NULL)
                    printf("  stratum %s=%s:\n", o.m.strata, stratum_names[sk]);
                size_t lo = curve->strata_first[sk], hi = curve->strata_first[sk + 1];
                for (size_t k = lo; k < hi && k < lo + 10; k++)
                    printf("  t = %g: %.3f (%.3f-%.3f)\n", curve->time[k], curve->surv[k],
                           curve->lower[k], curve->upper[k]);
                if (hi - lo > 10)
                    printf("  ... %zu times in all (--format json for the whole curve)\n",
                           hi - lo);
            }
        }
    }
    if (fflush(stdout) != 0 || ferror(stdout))
        rc = cli_fail(COH_EIO, "cannot write the output");
done:
    if (stratum_names != NULL && curve != NULL)
        for (size_t k = 0; k < curve->n_strata; k++)
            free(stratum_names[k]);
    free(stratum_names);
    coh_cox_curve_free(curve);
    free(newx);
    coh_univariable_result_free(uni);
    cli_cox_result_free(&model);
    cli_cox_model_opts_free(&o.m);
    cli_data_opts_free(&d);
    return rc;
}

const cli_command cli_cox = {
    "cox", run, "Cox regression, univariable screens and variable selection",
    "usage: cohort cox DATA --time COL --event COL --terms A,B,C [options] [data options]\n"
    "\n"
    "Cox proportional hazards regression as R's coxph: hazard ratios with\n"
    "confidence intervals, Wald, likelihood-ratio and score tests, the joint\n"
    "test of each multi-level term, concordance and the proportional-hazards\n"
    "test (cox.zph).  With --select, the selection procedure of a clinical\n"
    "paper in one command, its path reported.\n"
    "\n"
    CLI_COX_MODEL_HELP
    "  --univariable         also fit each term alone (Table 3's first columns)\n"
    "  --common-cases        univariable fits on the rows complete in every term\n"
    "  --entry-screen P      start selection from terms with univariable p <= P\n"
    "  --screen-rows R       complete: the screen and the selection on the rows\n"
    "                        complete in every candidate (default); available: the\n"
    "                        screen on each term's own complete cases, the selection\n"
    "                        on the rows complete in the terms that passed\n"
    "  --select M            backward, forward or stepwise selection\n"
    "  --stay P              backward: remove terms with p > P (default 0.20)\n"
    "  --enter P             forward: add terms with p <= P (default 0.20)\n"
    "  --select-test T       wald (default, as SAS PHREG) or lr\n"
    "  --zph T               test proportional hazards (R's cox.zph) with this\n"
    "                        transform: km (R's default), identity, rank, log\n"
    "  --predict 'A=60,C=II' predicted survival for these covariate values\n"
    "  --max-iter N, --eps E Newton-Raphson limits (default 20, 1e-9, as R)\n"
    "  --conf-level L        confidence level for hazard ratios (default 0.95)\n"
    "  --format F            text (default), json, or csv (coefficients)\n"
    "  --timings             print load and compute seconds to standard error\n",
    true};
