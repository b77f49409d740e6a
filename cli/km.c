/* km.c - `cohort km DATA --time COL --event COL ...`: Kaplan-Meier curves,
 * medians, survival at given times, restricted means, tests between
 * groups and median follow-up.  The options that choose the rows and fit
 * the curves, the loading and the test are shared with `cohort plot km`
 * through cli_km_input (end of this file). */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cohort/filter.h"
#include "cohort/format.h"
#include "cohort/km.h"
#include "cohort/plot.h"
#include "cohort/survdata.h"
#include "cohort/survdiff.h"

enum out_format { OUT_TEXT = CLI_OUT_TEXT, OUT_JSON = CLI_OUT_JSON, OUT_CSV = CLI_OUT_CSV };
enum median_ci { MEDIAN_R, MEDIAN_SPSS };

typedef struct km_opts {
    const char *time, *event, *group, *strata, *where, *unit;
    cli_list event_values, censor_values;
    double *at;
    size_t n_at;
    coh_conf_type conf_type;
    double conf_level;
    enum median_ci median_ci;
    coh_test_spec test;
    bool test_given;
    coh_p_adjust pairwise;
    bool pairwise_given;
    double rmst_tau;
    bool followup;
    bool timings;
    enum out_format format;
} km_opts;

/* One group's results. */
typedef struct group_result {
    const char *name;
    coh_km *km;
    coh_km_quantile median, q25, q75;
    coh_km_at *at;
    coh_rmst rmst;
    coh_km *reverse;          /* follow-up: reverse Kaplan-Meier */
    coh_km_quantile fu_median;
    double alive_median, alive_q25, alive_q75;
    size_t n_alive;
} group_result;

typedef struct pair_result {
    size_t a, b;
    double chisq, p, p_adj;
    int df;
} pair_result;

static int parse_number_list(cli_args *a, const char *opt, const char *v, double **out,
                             size_t *n)
{
    free(*out);
    size_t cnt = 1;
    for (const char *p = v; *p; p++)
        cnt += *p == ',';
    *out = calloc(cnt, sizeof **out);
    if (*out == NULL)
        return cli_fail(COH_ENOMEM, NULL), -1;
    *n = 0;
    const char *p = v;
    for (;;) {
        char *end;
        double x = strtod(p, &end);
        if (end == p || (*end != ',' && *end != '\0') || !isfinite(x) || x < 0)
            return cli_usage_error(a->cmd, "%s wants non-negative numbers separated by "
                                           "commas, got '%s'", opt, v), -1;
        (*out)[(*n)++] = x;
        if (*end == '\0')
            break;
        p = end + 1;
    }
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One of the options that choose the rows and fit the curves, shared with
 * `cohort plot km`: true when a->argv[a->i] is one (consumed), with *bad
 * set to an exit code after a message when its value is unusable. */
static bool curve_option(km_opts *o, cli_args *a, int *bad)
{
    const char *v = NULL;
    if (cli_opt(a, "--time", true, &v, bad)) {
        o->time = v;
    } else if (cli_opt(a, "--event", true, &v, bad)) {
        o->event = v;
    } else if (cli_opt(a, "--event-value", true, &v, bad)) {
        if (!*bad && cli_list_set(&o->event_values, v))
            *bad = cli_fail(COH_ENOMEM, NULL);
    } else if (cli_opt(a, "--censor-value", true, &v, bad)) {
        if (!*bad && cli_list_set(&o->censor_values, v))
            *bad = cli_fail(COH_ENOMEM, NULL);
    } else if (cli_opt(a, "--group", true, &v, bad)) {
        o->group = v;
    } else if (cli_opt(a, "--strata", true, &v, bad)) {
        o->strata = v;
    } else if (cli_opt(a, "--where", true, &v, bad)) {
        o->where = v;
    } else if (cli_opt(a, "--unit", true, &v, bad)) {
        o->unit = v;
    } else if (cli_opt(a, "--conf-type", true, &v, bad)) {
        if (!*bad && coh_conf_type_parse(v, &o->conf_type) != COH_OK)
            *bad = cli_usage_error(a->cmd, "--conf-type wants log, log-log, plain, logit, "
                                           "arcsin or none, got '%s'", v);
    } else if (cli_opt(a, "--conf-level", true, &v, bad)) {
        char *end;
        if (!*bad) {
            o->conf_level = strtod(v, &end);
            if (*end != '\0' || !(o->conf_level > 0 && o->conf_level < 1))
                *bad = cli_usage_error(a->cmd, "--conf-level wants a number between 0 "
                                               "and 1, such as 0.95; got '%s'", v);
        }
    } else if (cli_opt(a, "--test", true, &v, bad)) {
        if (!*bad && coh_test_spec_parse(v, &o->test) != COH_OK)
            *bad = cli_usage_error(a->cmd, "--test wants logrank, peto, gehan, "
                                           "tarone-ware or fh:RHO,GAMMA; got '%s'", v);
        o->test_given = true;
    } else {
        return false;
    }
    return true;
}

static void km_opts_init(km_opts *o)
{
    memset(o, 0, sizeof *o);
    o->conf_type = COH_CONF_LOG;
    o->conf_level = 0.95;
    o->test.kind = COH_TEST_LOGRANK;
    o->pairwise = COH_ADJUST_HOLM;
}

static void km_opts_free(km_opts *o)
{
    cli_list_free(&o->event_values);
    cli_list_free(&o->censor_values);
    free(o->at);
}

/* After the arguments: the data file, --time and --event are required. */
static int check_required(const cli_args *a, const km_opts *o, const char *path)
{
    if (path == NULL)
        return cli_usage_error(a->cmd, "no data file given");
    if (o->time == NULL || o->event == NULL)
        return cli_usage_error(a->cmd, "--time and --event are required");
    return 0;
}

static int parse_args(int argc, char **argv, km_opts *o, cli_data_opts *d, const char **path)
{
    cli_args a = {.argc = argc, .argv = argv, .i = 1, .cmd = "km"};
    for (; a.i < argc; a.i++) {
        const char *v = NULL;
        int bad = 0, got;
        if (cli_is_help(argv[a.i]))
            return cli_help(&cli_km), 1;
        if (curve_option(o, &a, &bad)) {
        } else if (cli_opt(&a, "--at", true, &v, &bad)) {
            if (!bad && parse_number_list(&a, "--at", v, &o->at, &o->n_at) < 0)
                return EXIT_USAGE;
            /* ascending, as R's summary(times =) reports them */
            qsort(o->at, o->n_at, sizeof *o->at, cmp_double);
        } else if (cli_opt(&a, "--median-ci", true, &v, &bad)) {
            if (bad) {
            } else if (strcmp(v, "brookmeyer-crowley") == 0 || strcmp(v, "r") == 0) {
                o->median_ci = MEDIAN_R;
            } else if (strcmp(v, "spss") == 0) {
                o->median_ci = MEDIAN_SPSS;
            } else {
                return cli_usage_error(a.cmd, "--median-ci wants brookmeyer-crowley or spss, "
                                              "got '%s'", v);
            }
        } else if (cli_opt(&a, "--pairwise", true, &v, &bad)) {
            if (!bad && coh_p_adjust_parse(v, &o->pairwise) != COH_OK)
                return cli_usage_error(a.cmd, "--pairwise wants holm, bh or none; got '%s'", v);
            o->pairwise_given = true;
        } else if (cli_opt(&a, "--rmst", true, &v, &bad)) {
            char *end;
            if (!bad) {
                o->rmst_tau = strtod(v, &end);
                if (*end != '\0' || !(o->rmst_tau > 0) || !isfinite(o->rmst_tau))
                    return cli_usage_error(a.cmd, "--rmst wants a positive time, got '%s'", v);
            }
        } else if (cli_opt(&a, "--followup", false, &v, &bad)) {
            o->followup = true;
        } else if (cli_opt(&a, "--timings", false, &v, &bad)) {
            o->timings = true;
        } else if (cli_opt(&a, "--format", true, &v, &bad)) {
            int f, rc;
            if (!bad && (rc = cli_out_format(&a, v, &f)) != 0)
                return rc;
            o->format = (enum out_format)f;
        } else if ((got = cli_rest_arg(&a, d, path)) != 0) {
            return got;
        }
        if (bad)
            return bad;
    }
    return check_required(&a, o, *path);
}

/* Read the data, apply --where and prepare the sorted arrays (the steps
 * `cohort km` and `cohort plot km` share).  *loaded: the clock after
 * reading, for --timings.  EXIT_OK, or the exit code after the message. */
static int load_data(const km_opts *o, cli_data_opts *d, const char *path, coh_table **t,
                     uint8_t **keep, coh_surv_data **sd, double *loaded)
{
    int rc;
    if ((rc = cli_load(d, path, t)) != EXIT_OK)
        return rc;
    *loaded = cli_seconds();
    if ((rc = cli_where(*t, o->where, keep)) != EXIT_OK)
        return rc;
    coh_surv_spec spec = {o->time, o->event, o->event_values.n ? o->event_values.v : NULL,
                          o->event_values.n, o->censor_values.n ? o->censor_values.v : NULL,
                          o->censor_values.n, o->group, o->strata, *keep};
    coh_error err;
    coh_error_clear(&err);
    coh_status st = coh_surv_prepare(*t, &spec, sd, &err);
    if (st != COH_OK) {
        char msg[1200];
        snprintf(msg, sizeof msg, "%s: %s", path, err.msg);
        return cli_fail(st, msg);
    }
    if ((*sd)->n == 0)
        return cli_fail(COH_EEMPTY, "no rows left to analyse (all filtered out or missing)");
    return EXIT_OK;
}

/* The test between groups: with --group, always (the result says "not
 * testable" when fewer than two groups have patients or nobody had the
 * event); *test stays NULL without --group or with a single group. */
static coh_status group_test(const km_opts *o, const coh_surv_data *sd, coh_test_result **test)
{
    if (o->group == NULL || sd->n_groups < 2)
        return COH_OK;
    return coh_survdiff(sd->s_time, sd->s_event, sd->s_group, o->strata ? sd->s_stratum : NULL,
                        sd->n, sd->n_groups, &o->test, test);
}

/* ---- output helpers -------------------------------------------------------- */

static void num(double v, char *buf, size_t size)
{
    coh_format_human(v, 4, buf, size);
}

/* "57 months (95% CI 47-67)", "not reached", "57 months (95% CI 47-NR)"
 * (NR: the band never crosses 0.5); without an interval (--conf-type none,
 * or an SPSS standard error that cannot be estimated) the estimate alone,
 * saying why. */
static void median_text(const coh_km_quantile *q, const km_opts *o, char *buf, size_t size)
{
    char e[32], l[32], u[32];
    const char *unit_sp = o->unit ? " " : "", *unit = o->unit ? o->unit : "";
    if (isnan(q->estimate)) {
        snprintf(buf, size, "not reached");
        return;
    }
    num(q->estimate, e, sizeof e);
    if (o->conf_type == COH_CONF_NONE) {
        snprintf(buf, size, "%s%s%s", e, unit_sp, unit);
        return;
    }
    if (o->median_ci == MEDIAN_SPSS && isnan(q->std_err)) {
        snprintf(buf, size, "%s%s%s (95%% CI not estimable: no standard error)", e, unit_sp,
                 unit);
        return;
    }
    if (isnan(q->lower))
        snprintf(l, sizeof l, "NR");
    else
        num(q->lower, l, sizeof l);
    if (isnan(q->upper))
        snprintf(u, sizeof u, "NR");
    else
        num(q->upper, u, sizeof u);
    snprintf(buf, size, "%s%s%s (%g%% CI %s-%s)", e, unit_sp, unit, o->conf_level * 100, l, u);
}

static void json_quantile(coh_json *j, const coh_km_quantile *q, bool with_se, bool empty)
{
    coh_json_object_begin(j);
    coh_json_key(j, "estimate");
    coh_json_number(j, q->estimate);
    coh_json_key(j, "lower");
    coh_json_number(j, q->lower);
    coh_json_key(j, "upper");
    coh_json_number(j, q->upper);
    if (with_se) {
        coh_json_key(j, "std_err");
        coh_json_number(j, q->std_err);
    }
    coh_json_key(j, "reached");
    if (empty)
        coh_json_null(j); /* no patients: neither reached nor not */
    else
        coh_json_bool(j, !isnan(q->estimate));
    coh_json_object_end(j);
}

static void json_test(coh_json *j, const coh_test_result *t, const coh_surv_data *d,
                      const coh_test_spec *spec, bool stratified)
{
    char name[96];
    coh_test_spec_name(spec, name, sizeof name);
    coh_json_object_begin(j);
    coh_json_key(j, "method");
    coh_json_string(j, name);
    coh_json_key(j, "stratified");
    coh_json_bool(j, stratified);
    coh_json_key(j, "chisq");
    coh_json_number(j, t->chisq);
    coh_json_key(j, "df");
    coh_json_int(j, t->df);
    coh_json_key(j, "p");
    coh_json_number(j, t->p);
    coh_json_key(j, "groups");
    coh_json_array_begin(j);
    for (size_t g = 0; g < t->n_groups; g++)
        coh_json_string(j, d->group_names[g]);
    coh_json_array_end(j);
    coh_json_key(j, "observed");
    coh_json_array_begin(j);
    for (size_t g = 0; g < t->n_groups; g++)
        coh_json_number(j, t->observed[g]);
    coh_json_array_end(j);
    coh_json_key(j, "expected");
    coh_json_array_begin(j);
    for (size_t g = 0; g < t->n_groups; g++)
        coh_json_number(j, t->expected[g]);
    coh_json_array_end(j);
    coh_json_object_end(j);
}

static void print_json(const char *path, const km_opts *o, const coh_surv_data *d,
                       group_result *gr, const coh_test_result *test, const pair_result *pairs,
                       size_t n_pairs, const group_result *overall_fu)
{
    coh_json j;
    coh_json_init(&j, stdout);
    coh_json_object_begin(&j);
    coh_json_key(&j, "file");
    coh_json_string(&j, path);
    coh_json_key(&j, "time");
    coh_json_string(&j, o->time);
    coh_json_key(&j, "event");
    coh_json_string(&j, o->event);
    coh_json_key(&j, "group");
    coh_json_string(&j, o->group);
    coh_json_key(&j, "strata");
    coh_json_string(&j, o->strata);
    coh_json_key(&j, "where");
    coh_json_string(&j, o->where);
    coh_json_key(&j, "n");
    coh_json_int(&j, (int64_t)d->n);
    coh_json_key(&j, "dropped");
    coh_json_object_begin(&j);
    coh_json_key(&j, "filtered");
    coh_json_int(&j, (int64_t)d->n_filtered);
    coh_json_key(&j, "missing_time");
    coh_json_int(&j, (int64_t)d->n_missing_time);
    coh_json_key(&j, "missing_event");
    coh_json_int(&j, (int64_t)d->n_missing_event);
    coh_json_key(&j, "missing_group");
    coh_json_int(&j, (int64_t)d->n_missing_group);
    coh_json_key(&j, "missing_strata");
    coh_json_int(&j, (int64_t)d->n_missing_stratum);
    coh_json_object_end(&j);
    coh_json_key(&j, "options");
    coh_json_object_begin(&j);
    coh_json_key(&j, "conf_type");
    coh_json_string(&j, coh_conf_type_name(o->conf_type));
    coh_json_key(&j, "conf_level");
    coh_json_number(&j, o->conf_level);
    coh_json_key(&j, "median_ci");
    coh_json_string(&j, o->median_ci == MEDIAN_SPSS ? "spss" : "brookmeyer-crowley");
    coh_json_key(&j, "variance");
    coh_json_string(&j, "greenwood");
    coh_json_object_end(&j);

    coh_json_key(&j, "groups");
    coh_json_array_begin(&j);
    for (size_t g = 0; g < d->n_groups; g++) {
        const group_result *r = &gr[g];
        const coh_km *km = r->km;
        coh_json_object_begin(&j);
        coh_json_key(&j, "group");
        coh_json_string(&j, r->name);
        coh_json_key(&j, "n");
        coh_json_int(&j, (int64_t)km->n);
        coh_json_key(&j, "events");
        coh_json_int(&j, (int64_t)km->n_events);
        coh_json_key(&j, "median");
        bool empty = km->n == 0;
        json_quantile(&j, &r->median, o->median_ci == MEDIAN_SPSS, empty);
        coh_json_key(&j, "quartiles");
        coh_json_array_begin(&j);
        json_quantile(&j, &r->q25, false, empty);
        json_quantile(&j, &r->q75, false, empty);
        coh_json_array_end(&j);
        coh_json_key(&j, "table");
        coh_json_array_begin(&j);
        for (size_t k = 0; k < km->n_times; k++) {
            coh_json_object_begin(&j);
            coh_json_key(&j, "time");
            coh_json_number(&j, km->time[k]);
            coh_json_key(&j, "n_risk");
            coh_json_number(&j, km->n_risk[k]);
            coh_json_key(&j, "n_event");
            coh_json_number(&j, km->n_event[k]);
            coh_json_key(&j, "n_censor");
            coh_json_number(&j, km->n_censor[k]);
            coh_json_key(&j, "surv");
            coh_json_number(&j, km->surv[k]);
            coh_json_key(&j, "std_err");
            coh_json_number(&j, km->std_err[k]);
            coh_json_key(&j, "lower");
            coh_json_number(&j, km->lower[k]);
            coh_json_key(&j, "upper");
            coh_json_number(&j, km->upper[k]);
            coh_json_object_end(&j);
        }
        coh_json_array_end(&j);
        coh_json_key(&j, "at");
        coh_json_array_begin(&j);
        for (size_t k = 0; k < o->n_at; k++) {
            const coh_km_at *a = &r->at[k];
            coh_json_object_begin(&j);
            coh_json_key(&j, "time");
            coh_json_number(&j, a->time);
            coh_json_key(&j, "surv");
            coh_json_number(&j, a->surv);
            coh_json_key(&j, "std_err");
            coh_json_number(&j, a->std_err);
            coh_json_key(&j, "lower");
            coh_json_number(&j, a->lower);
            coh_json_key(&j, "upper");
            coh_json_number(&j, a->upper);
            coh_json_key(&j, "n_risk");
            coh_json_number(&j, a->n_risk);
            coh_json_key(&j, "n_event");
            coh_json_number(&j, a->n_event);
            coh_json_key(&j, "n_censor");
            coh_json_number(&j, a->n_censor);
            coh_json_key(&j, "beyond_last_time");
            coh_json_bool(&j, a->beyond);
            coh_json_object_end(&j);
        }
        coh_json_array_end(&j);
        coh_json_key(&j, "rmst");
        if (o->rmst_tau > 0) {
            coh_json_object_begin(&j);
            coh_json_key(&j, "tau");
            coh_json_number(&j, r->rmst.tau);
            coh_json_key(&j, "estimate");
            coh_json_number(&j, r->rmst.estimate);
            coh_json_key(&j, "se");
            coh_json_number(&j, r->rmst.std_err);
            coh_json_object_end(&j);
        } else {
            coh_json_null(&j);
        }
        coh_json_object_end(&j);
    }
    coh_json_array_end(&j);

    coh_json_key(&j, "test");
    if (test != NULL)
        json_test(&j, test, d, &o->test, o->strata != NULL);
    else
        coh_json_null(&j);
    coh_json_key(&j, "pairwise");
    if (pairs != NULL) {
        coh_json_array_begin(&j);
        for (size_t k = 0; k < n_pairs; k++) {
            coh_json_object_begin(&j);
            coh_json_key(&j, "groups");
            coh_json_array_begin(&j);
            coh_json_string(&j, d->group_names[pairs[k].a]);
            coh_json_string(&j, d->group_names[pairs[k].b]);
            coh_json_array_end(&j);
            coh_json_key(&j, "chisq");
            coh_json_number(&j, pairs[k].chisq);
            coh_json_key(&j, "df");
            coh_json_int(&j, pairs[k].df);
            coh_json_key(&j, "p");
            coh_json_number(&j, pairs[k].p);
            coh_json_key(&j, "p_adjusted");
            coh_json_number(&j, pairs[k].p_adj);
            coh_json_object_end(&j);
        }
        coh_json_array_end(&j);
    } else {
        coh_json_null(&j);
    }
    coh_json_key(&j, "followup");
    if (o->followup) {
        coh_json_object_begin(&j);
        coh_json_key(&j, "method");
        coh_json_string(&j, "reverse Kaplan-Meier");
        coh_json_key(&j, "overall");
        coh_json_object_begin(&j);
        coh_json_key(&j, "median");
        json_quantile(&j, &overall_fu->fu_median, false, false);
        coh_json_key(&j, "n_alive");
        coh_json_int(&j, (int64_t)overall_fu->n_alive);
        coh_json_key(&j, "alive_median");
        coh_json_number(&j, overall_fu->alive_median);
        coh_json_key(&j, "alive_q25");
        coh_json_number(&j, overall_fu->alive_q25);
        coh_json_key(&j, "alive_q75");
        coh_json_number(&j, overall_fu->alive_q75);
        coh_json_object_end(&j);
        coh_json_key(&j, "groups");
        coh_json_array_begin(&j);
        for (size_t g = 0; g < d->n_groups; g++) {
            coh_json_object_begin(&j);
            coh_json_key(&j, "group");
            coh_json_string(&j, gr[g].name);
            coh_json_key(&j, "median");
            json_quantile(&j, &gr[g].fu_median, false, gr[g].km->n == 0);
            coh_json_key(&j, "n_alive");
            coh_json_int(&j, (int64_t)gr[g].n_alive);
            coh_json_key(&j, "alive_median");
            coh_json_number(&j, gr[g].alive_median);
            coh_json_object_end(&j);
        }
        coh_json_array_end(&j);
        coh_json_object_end(&j);
    } else {
        coh_json_null(&j);
    }
    coh_json_object_end(&j);
    coh_json_end(&j);
}

static void print_csv(const coh_surv_data *d, const group_result *gr)
{
    puts("group,time,n_risk,n_event,n_censor,surv,std_err,lower,upper");
    for (size_t g = 0; g < d->n_groups; g++) {
        const coh_km *km = gr[g].km;
        for (size_t k = 0; k < km->n_times; k++) {
            double v[] = {km->time[k], km->n_risk[k], km->n_event[k], km->n_censor[k],
                          km->surv[k], km->std_err[k], km->lower[k], km->upper[k]};
            cli_csv_field(gr[g].name, stdout);
            for (size_t c = 0; c < 8; c++) {
                char buf[40];
                putchar(',');
                if (!isnan(v[c])) {
                    coh_format_num(v[c], buf, sizeof buf);
                    fputs(buf, stdout);
                }
            }
            putchar('\n');
        }
    }
}

static void print_text(const char *path, const km_opts *o, const coh_surv_data *d,
                       const group_result *gr, const coh_test_result *test,
                       const pair_result *pairs, size_t n_pairs, const group_result *overall_fu)
{
    char buf[160];
    printf("Kaplan-Meier estimate of '");
    cli_put_clean(o->time, stdout);
    printf("' (event: '");
    cli_put_clean(o->event, stdout);
    printf("')%s", o->group ? " by '" : "");
    if (o->group) {
        cli_put_clean(o->group, stdout);
        putchar('\'');
    }
    printf("\n");
    cli_put_clean(path, stdout);
    printf(": %zu used", d->n);
    size_t dropped = d->n_missing_time + d->n_missing_event + d->n_missing_group +
                     d->n_missing_stratum;
    if (d->n_filtered)
        printf(", %zu excluded by --where", d->n_filtered);
    if (dropped) {
        /* only the reasons that occurred: "time 1, event 2" */
        const char *what[] = {"time", "event", "group", "strata"};
        size_t cnt[] = {d->n_missing_time, d->n_missing_event, d->n_missing_group,
                        d->n_missing_stratum};
        printf(", %zu dropped for a missing value (", dropped);
        for (size_t k = 0, shown = 0; k < 4; k++)
            if (cnt[k] > 0)
                printf("%s%s %zu", shown++ ? ", " : "", what[k], cnt[k]);
        putchar(')');
    }
    printf(".\n%g%% pointwise CI: %s transform, Greenwood variance; median CI: %s.\n\n",
           o->conf_level * 100, coh_conf_type_name(o->conf_type),
           o->median_ci == MEDIAN_SPSS ? "SPSS (median +- z SE, Collett's SE)"
                                       : "Brookmeyer-Crowley (as R)");
    size_t w = 5;
    for (size_t g = 0; g < d->n_groups; g++)
        w = strlen(gr[g].name) > w ? strlen(gr[g].name) : w;
    w = w > 30 ? 30 : w;
    printf("%-*s  %7s  %7s  %s\n", (int)w, "group", "n", "events", "median");
    for (size_t g = 0; g < d->n_groups; g++) {
        const group_result *r = &gr[g];
        cli_put_clean(r->name, stdout);
        for (size_t k = strlen(r->name); k < w; k++)
            putchar(' ');
        if (r->km->n == 0) {
            printf("  %7s  %7s  no patients\n", "0", "0");
            continue;
        }
        median_text(&r->median, o, buf, sizeof buf);
        printf("  %7zu  %7zu  %s%s\n", r->km->n, r->km->n_events, buf,
               r->km->n_events == 0 ? " (no events)" : "");
    }
    for (size_t k = 0; k < o->n_at; k++) {
        char t[32];
        num(o->at[k], t, sizeof t);
        printf("\nSurvival at %s%s%s:\n", t, o->unit ? " " : "", o->unit ? o->unit : "");
        for (size_t g = 0; g < d->n_groups; g++) {
            const coh_km_at *a = &gr[g].at[k];
            if (gr[g].km->n == 0) {
                printf("  ");
                cli_put_clean(gr[g].name, stdout);
                printf(": no patients\n");
                continue;
            }
            char s[32], l[32], u[32];
            snprintf(s, sizeof s, "%.1f%%", a->surv * 100);
            if (isnan(a->lower))
                snprintf(l, sizeof l, "NA");
            else
                snprintf(l, sizeof l, "%.1f", a->lower * 100);
            if (isnan(a->upper))
                snprintf(u, sizeof u, "NA");
            else
                snprintf(u, sizeof u, "%.1f", a->upper * 100);
            printf("  ");
            cli_put_clean(gr[g].name, stdout);
            printf(": %s (%g%% CI %s-%s), %g at risk%s\n", gr[g].km->n ? s : "NA",
                   o->conf_level * 100, l, u, a->n_risk,
                   a->beyond ? " (after the last observation)" : "");
        }
    }
    if (o->rmst_tau > 0) {
        char t[32];
        num(o->rmst_tau, t, sizeof t);
        printf("\nRestricted mean survival time up to %s:\n", t);
        for (size_t g = 0; g < d->n_groups; g++) {
            char e[32], s[32];
            if (gr[g].km->n == 0) {
                printf("  ");
                cli_put_clean(gr[g].name, stdout);
                printf(": no patients\n");
                continue;
            }
            num(gr[g].rmst.estimate, e, sizeof e);
            num(gr[g].rmst.std_err, s, sizeof s);
            printf("  ");
            cli_put_clean(gr[g].name, stdout);
            printf(": %s (SE %s)\n", e, s);
        }
    }
    if (test != NULL) {
        char name[96], c[32], p[32];
        coh_test_spec_name(&o->test, name, sizeof name);
        if (!o->strata && name[0] >= 'a' && name[0] <= 'z')
            name[0] = (char)(name[0] - 'a' + 'A');
        coh_format_human(test->chisq, 4, c, sizeof c);
        coh_format_p(test->p, 2, p, sizeof p);
        if (test->df > 0)
            printf("\n%s%s test: chi-square %s on %d df, p %s%s\n", o->strata ? "Stratified " : "",
                   name, c, test->df, test->p < 0.001 ? "" : "= ", p);
        else
            printf("\n%s test: not testable (no events, or one group with patients)\n", name);
    }
    if (pairs != NULL) {
        printf("\nPairwise comparisons (p adjusted by %s):\n",
               o->pairwise == COH_ADJUST_HOLM ? "Holm"
               : o->pairwise == COH_ADJUST_BH ? "Benjamini-Hochberg" : "none");
        for (size_t k = 0; k < n_pairs; k++) {
            char p[32], pa[32];
            coh_format_p(pairs[k].p, 2, p, sizeof p);
            coh_format_p(pairs[k].p_adj, 2, pa, sizeof pa);
            printf("  ");
            cli_put_clean(d->group_names[pairs[k].a], stdout);
            printf(" vs ");
            cli_put_clean(d->group_names[pairs[k].b], stdout);
            if (pairs[k].df == 0)
                printf(": not testable (no events in the pair)\n");
            else
                printf(": p %s%s, adjusted %s%s\n", pairs[k].p < 0.001 ? "" : "= ", p,
                       pairs[k].p_adj < 0.001 ? "" : "= ", pa);
        }
    }
    if (o->followup) {
        median_text(&overall_fu->fu_median, o, buf, sizeof buf);
        printf("\nMedian follow-up (reverse Kaplan-Meier): %s\n", buf);
        if (d->n_groups > 1)
            for (size_t g = 0; g < d->n_groups; g++) {
                if (gr[g].km->n == 0)
                    snprintf(buf, sizeof buf, "no patients");
                else
                    median_text(&gr[g].fu_median, o, buf, sizeof buf);
                printf("  ");
                cli_put_clean(gr[g].name, stdout);
                printf(": %s\n", buf);
            }
        char m[32], q1[32], q3[32];
        num(overall_fu->alive_median, m, sizeof m);
        num(overall_fu->alive_q25, q1, sizeof q1);
        num(overall_fu->alive_q75, q3, sizeof q3);
        if (overall_fu->n_alive == 0)
            printf("Every patient had the event: no follow-up of patients without it.\n");
        else
            printf("Follow-up of the %zu patients without the event: median %s (IQR %s-%s)\n",
                   overall_fu->n_alive, m, q1, q3);
    }
}

/* ---- computing -------------------------------------------------------------- */

/* Median follow-up: the reverse Kaplan-Meier (censorings are the events;
 * at a time with both, the patients with the event count as at risk, the
 * usual order with the roles swapped) and the plain median of the times of
 * patients without the event (R's quantile type 7). */
static coh_status followup(const double *time, const uint8_t *event, size_t n,
                           const km_opts *o, group_result *r)
{
    coh_km_followup fu;
    coh_status st =
        coh_km_followup_fit(time, event, n, o->conf_type, o->conf_level, &fu, &r->reverse);
    /* the interval of the reverse-KM median as any median's (--median-ci) */
    if (st == COH_OK && o->median_ci == MEDIAN_SPSS)
        st = coh_km_median_spss(r->reverse, &fu.median);
    if (st == COH_OK) {
        r->fu_median = fu.median;
        r->n_alive = fu.n_alive;
        r->alive_median = fu.alive_median;
        r->alive_q25 = fu.alive_q25;
        r->alive_q75 = fu.alive_q75;
    }
    return st;
}

/* Test groups a and b alone (rows of the stratum-sorted arrays). */
static coh_status pair_test(const coh_surv_data *d, const km_opts *o, size_t a, size_t b,
                            pair_result *out)
{
    size_t n = 0;
    for (size_t i = 0; i < d->n; i++)
        n += (size_t)d->s_group[i] == a || (size_t)d->s_group[i] == b;
    double *t = malloc((n ? n : 1) * sizeof *t);
    uint8_t *e = malloc(n ? n : 1);
    int32_t *g = malloc((n ? n : 1) * sizeof *g), *s = malloc((n ? n : 1) * sizeof *s);
    coh_status st = COH_ENOMEM;
    if (t && e && g && s) {
        size_t k = 0;
        for (size_t i = 0; i < d->n; i++)
            if ((size_t)d->s_group[i] == a || (size_t)d->s_group[i] == b) {
                t[k] = d->s_time[i];
                e[k] = d->s_event[i];
                g[k] = (size_t)d->s_group[i] == a ? 0 : 1;
                s[k++] = d->s_stratum[i];
            }
        coh_test_result *r = NULL;
        st = coh_survdiff(t, e, g, o->strata ? s : NULL, n, 2, &o->test, &r);
        if (st == COH_OK) {
            out->a = a;
            out->b = b;
            out->chisq = r->chisq;
            out->df = r->df;
            out->p = r->p;
        }
        coh_test_result_free(r);
    }
    free(t);
    free(e);
    free(g);
    free(s);
    return st;
}

static int run(int argc, char **argv)
{
    km_opts o;
    km_opts_init(&o);
    cli_data_opts d;
    cli_data_opts_init(&d);
    const char *path = NULL;
    coh_table *t = NULL;
    coh_surv_data *sd = NULL;
    group_result *gr = NULL;
    group_result overall;
    memset(&overall, 0, sizeof overall);
    coh_test_result *test = NULL;
    pair_result *pairs = NULL;
    size_t n_pairs = 0;
    uint8_t *keep = NULL;
    coh_status st = COH_OK;

    int rc = parse_args(argc, argv, &o, &d, &path);
    if (rc != 0) {
        rc = rc == 1 ? EXIT_OK : rc;
        goto done;
    }
    double t0 = cli_seconds(), t1 = t0;
    if ((rc = load_data(&o, &d, path, &t, &keep, &sd, &t1)) != EXIT_OK)
        goto done;
    gr = calloc(sd->n_groups, sizeof *gr);
    if (gr == NULL) {
        rc = cli_fail(COH_ENOMEM, NULL);
        goto done;
    }
    size_t groups_with_data = 0;
    for (size_t g = 0; g < sd->n_groups && st == COH_OK; g++) {
        group_result *r = &gr[g];
        size_t a = sd->group_start[g], b = sd->group_start[g + 1];
        r->name = sd->group_names[g];
        groups_with_data += b > a;
        st = coh_km_fit(sd->g_time + a, sd->g_event + a, b - a, o.conf_type, o.conf_level, &r->km);
        if (st != COH_OK)
            break;
        st = o.median_ci == MEDIAN_SPSS ? coh_km_median_spss(r->km, &r->median)
                                        : coh_km_median_r(r->km, &r->median);
        if (st == COH_OK)
            st = coh_km_quantile_r(r->km, 0.25, &r->q25);
        if (st == COH_OK)
            st = coh_km_quantile_r(r->km, 0.75, &r->q75);
        if (st == COH_OK && o.n_at > 0) {
            r->at = calloc(o.n_at, sizeof *r->at);
            st = r->at ? coh_km_at_times(r->km, o.at, o.n_at, r->at) : COH_ENOMEM;
        }
        if (st == COH_OK && o.rmst_tau > 0)
            st = coh_km_rmst(r->km, o.rmst_tau, &r->rmst);
        if (st == COH_OK && o.followup)
            st = followup(sd->g_time + a, sd->g_event + a, b - a, &o, r);
    }
    if (st == COH_OK && o.followup)
        st = followup(sd->a_time, sd->a_event, sd->n, &o, &overall);
    /* with --group, there is always a test line: "not testable" when fewer
     * than two groups have patients or nobody had the event */
    if (st == COH_OK && o.group != NULL && sd->n_groups >= 2) {
        st = group_test(&o, sd, &test);
        if (o.pairwise_given && groups_with_data < 3)
            fprintf(stderr, "cohort km: --pairwise needs 3 or more groups with patients; "
                            "%zu here, so no pairwise tests\n", groups_with_data);
        if (st == COH_OK && groups_with_data >= 3 && o.pairwise_given) {
            pairs = calloc(sd->n_groups * sd->n_groups, sizeof *pairs);
            double *p = calloc(sd->n_groups * sd->n_groups, sizeof *p);
            if (pairs == NULL || p == NULL) {
                free(p);
                st = COH_ENOMEM;
            }
            for (size_t a = 0; a < sd->n_groups && st == COH_OK; a++)
                for (size_t b = a + 1; b < sd->n_groups && st == COH_OK; b++) {
                    if (gr[a].km->n == 0 || gr[b].km->n == 0)
                        continue;
                    st = pair_test(sd, &o, a, b, &pairs[n_pairs]);
                    p[n_pairs] = pairs[n_pairs].p;
                    n_pairs++;
                }
            if (st == COH_OK) {
                coh_p_adjust_apply(o.pairwise, p, n_pairs, p);
                for (size_t k = 0; k < n_pairs; k++)
                    pairs[k].p_adj = p[k];
            }
            free(p);
        }
    }
    if (st != COH_OK) {
        rc = cli_fail(st, NULL);
        goto done;
    }
    if (o.timings)
        fprintf(stderr, "load_seconds=%.3f compute_seconds=%.3f rows=%zu\n", t1 - t0,
                cli_seconds() - t1, t->n_rows);
    if (o.format == OUT_JSON)
        print_json(path, &o, sd, gr, test, pairs, n_pairs, &overall);
    else if (o.format == OUT_CSV)
        print_csv(sd, gr);
    else
        print_text(path, &o, sd, gr, test, pairs, n_pairs, &overall);
    if (fflush(stdout) != 0 || ferror(stdout))
        rc = cli_fail(COH_EIO, "cannot write the output");
done:
    if (gr != NULL)
        for (size_t g = 0; g < sd->n_groups; g++) {
            coh_km_free(gr[g].km);
            coh_km_free(gr[g].reverse);
            free(gr[g].at);
        }
    coh_km_free(overall.reverse);
    free(gr);
    free(pairs);
    coh_test_result_free(test);
    coh_surv_data_free(sd);
    coh_table_free(t);
    free(keep);
    km_opts_free(&o);
    cli_data_opts_free(&d);
    return rc;
}

const cli_command cli_km = {
    "km", run, "Kaplan-Meier curves, medians, survival at times, tests, follow-up",
    "usage: cohort km DATA --time COL --event COL [options] [data options]\n"
    "\n"
    "Kaplan-Meier estimates per group with Greenwood standard errors, the\n"
    "median and quartiles with confidence intervals, survival at given\n"
    "times, restricted mean survival, a test between groups, and median\n"
    "follow-up.  Numbers agree with R's survival package (survfit,\n"
    "quantile, summary(times=), survdiff); docs/methods.md gives formulas.\n"
    "\n"
    "  --time COL            follow-up time (numbers, >= 0)\n"
    "  --event COL           event indicator\n"
    "  --event-value V,...   values meaning an event (default 1)\n"
    "  --censor-value V,...  values meaning censored (default 0; with\n"
    "                        --event-value alone, the other value of a\n"
    "                        two-valued column)\n"
    "  --group COL           one curve per value; tests compare them\n"
    "  --strata COL          stratify the test by this column\n"
    "  --where EXPR          use only rows where the SQL expression is true,\n"
    "                        e.g. \"age >= 70 AND sex = 'female'\"\n"
    "  --at T1,T2,...        survival at these times (R's summary(times=))\n"
    "  --conf-type T         log (default), log-log, plain, logit, arcsin, none\n"
    "  --conf-level L        confidence level (default 0.95)\n"
    "  --median-ci M         brookmeyer-crowley (default, as R) or spss\n"
    "                        (median +- z SE, symmetric, as SPSS prints)\n"
    "  --test T              logrank (default), peto, gehan (SPSS Breslow),\n"
    "                        tarone-ware, fh:RHO,GAMMA\n"
    "  --pairwise ADJ        also test each pair of groups; p adjusted by\n"
    "                        holm, bh (Benjamini-Hochberg) or none\n"
    "  --rmst TAU            restricted mean survival time up to TAU\n"
    "  --followup            median follow-up by reverse Kaplan-Meier, and of\n"
    "                        the patients without the event\n"
    "  --unit TEXT           time unit for text output, e.g. months\n"
    "  --format F            text (default), json or csv (the KM table)\n"
    "  --timings             print the seconds spent loading and computing to\n"
    "                        standard error\n",
    true};

/* ---- the curves of `cohort plot km` ------------------------------------------ */

/* `cohort plot km` takes the data and curve options of `cohort km`; the
 * cli_km_input functions (cli.h) give it the same parsing, loading,
 * fitting and test. */

struct cli_km_input {
    km_opts o;
    cli_data_opts d;
    const char *path;
    coh_table *t;
    uint8_t *keep;
    coh_surv_data *sd;
    coh_km **km;                /* sd->n_groups */
    coh_plot_km_curve *curves;  /* sd->n_groups */
    coh_test_result *test;
    char annotation[160];
};

/* A new input with `cohort km`'s defaults; NULL when memory runs out. */
cli_km_input *cli_km_input_new(void)
{
    cli_km_input *in = calloc(1, sizeof *in);
    if (in == NULL)
        return NULL;
    km_opts_init(&in->o);
    cli_data_opts_init(&in->d);
    return in;
}

/* The argument at a->i when it is not the caller's own: a curve option, a
 * data option or the data file.  0, or the exit code after a message
 * (an unknown option is a usage error). */
int cli_km_input_arg(cli_km_input *in, cli_args *a)
{
    int bad = 0;
    if (curve_option(&in->o, a, &bad))
        return bad;
    return cli_rest_arg(a, &in->d, &in->path);
}

/* After the arguments: check what is required, read the data, fit one
 * curve per group with patients (groups without are left out, with a note
 * on standard error) and run the test (with --group), and fill the
 * curves, unit and annotation of *spec ("Log-rank p = 0.0013"; none
 * without a group or when nothing is testable).  What *spec points to
 * belongs to `in`.  EXIT_OK, or the exit code after a message; more than
 * 8 groups is a data error, as a figure cannot show them. */
int cli_km_input_fit(cli_km_input *in, const cli_args *a, coh_plot_km_spec *spec)
{
    int rc = check_required(a, &in->o, in->path);
    double loaded;
    if (rc != 0)
        return rc;
    if ((rc = load_data(&in->o, &in->d, in->path, &in->t, &in->keep, &in->sd, &loaded)) != 0)
        return rc;
    const coh_surv_data *sd = in->sd;
    /* a level without patients (excluded by --where, or a labelled code
     * nobody has) is left out of the figure, and said so */
    size_t n_curves = 0;
    for (size_t g = 0; g < sd->n_groups; g++) {
        if (sd->group_start[g + 1] > sd->group_start[g]) {
            n_curves++;
        } else {
            fprintf(stderr, "cohort %s: group '", a->cmd);
            cli_put_clean(sd->group_names[g], stderr);
            fprintf(stderr, "' has no patients and is left out of the figure\n");
        }
    }
    if (n_curves > 8) {
        char msg[600];
        snprintf(msg, sizeof msg, "%s: column '%s' has %zu groups; a Kaplan-Meier figure shows "
                                  "at most 8 (choose some with --where)",
                 in->path, in->o.group, n_curves);
        return cli_fail(COH_EDOMAIN, msg);
    }
    in->km = calloc(sd->n_groups, sizeof *in->km);
    in->curves = calloc(sd->n_groups, sizeof *in->curves);
    if (in->km == NULL || in->curves == NULL)
        return cli_fail(COH_ENOMEM, NULL);
    coh_status st = COH_OK;
    size_t k = 0;
    for (size_t g = 0; g < sd->n_groups && st == COH_OK; g++) {
        size_t b = sd->group_start[g], e = sd->group_start[g + 1];
        if (e == b)
            continue;
        st = coh_km_fit(sd->g_time + b, sd->g_event + b, e - b, in->o.conf_type,
                        in->o.conf_level, &in->km[k]);
        in->curves[k].km = in->km[k];
        in->curves[k++].label = in->o.group != NULL ? sd->group_names[g] : "All patients";
    }
    /* the test over every group, as `cohort km` makes it (empty ones add
     * nothing to it) */
    if (st == COH_OK)
        st = group_test(&in->o, sd, &in->test);
    if (st != COH_OK)
        return cli_fail(st, NULL);
    spec->curves = in->curves;
    spec->n_curves = n_curves;
    spec->unit = in->o.unit;
    spec->annotation = NULL;
    if (in->test != NULL && in->test->df > 0) {
        char name[96], p[32];
        coh_test_spec_name(&in->o.test, name, sizeof name);
        if (!in->o.strata && name[0] >= 'a' && name[0] <= 'z')
            name[0] = (char)(name[0] - 'a' + 'A');
        coh_format_p(in->test->p, 2, p, sizeof p);
        snprintf(in->annotation, sizeof in->annotation, "%s%s p %s%s",
                 in->o.strata ? "Stratified " : "", name, in->test->p < 0.001 ? "" : "= ", p);
        spec->annotation = in->annotation;
    }
    return EXIT_OK;
}

const char *cli_km_input_path(const cli_km_input *in)
{
    return in->path;
}

void cli_km_input_free(cli_km_input *in)
{
    if (in == NULL)
        return;
    if (in->km != NULL)
        for (size_t g = 0; g < in->sd->n_groups; g++)
            coh_km_free(in->km[g]);
    free(in->km);
    free(in->curves);
    coh_test_result_free(in->test);
    coh_surv_data_free(in->sd);
    coh_table_free(in->t);
    free(in->keep);
    km_opts_free(&in->o);
    cli_data_opts_free(&in->d);
    free(in);
}
