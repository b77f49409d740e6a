/* cox_model.h - the model of `cohort cox` (cox.c), shared with the
 * commands that draw one (`cohort plot forest`): its options, parsed the
 * same way with the same messages, and the model they ask for, built and
 * fitted the same way (the selection's final model under --select), so
 * that a figure shows exactly the numbers `cohort cox` prints.
 *
 * Use: cli_cox_model_opts_init; for each argument cli_cox_model_opt (then
 * the command's own options); cli_cox_model_check; cli_cox_load;
 * cli_cox_fit_model; read `final_*`; cli_cox_result_free and
 * cli_cox_model_opts_free.
 */
#ifndef COHORT_CLI_COX_MODEL_H
#define COHORT_CLI_COX_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"

/* The options that define the model (not how it is reported). */
typedef struct cli_cox_model_opts {
    const char *time, *event, *strata, *cluster, *weights, *where;
    cli_list terms, categorical, refs, pers, event_values, censor_values;
    bool robust;
    coh_cox_options fit;      /* fit.robust: --robust, or implied (cli_cox_load) */
    coh_select_options sel;   /* method COH_SELECT_NONE: the full model */
} cli_cox_model_opts;

void cli_cox_model_opts_init(cli_cox_model_opts *o);
void cli_cox_model_opts_free(cli_cox_model_opts *o);

/* Is argv[a->i] a model option (--time, --event, --terms, --categorical,
 * --ref, --per, --strata, --weights, --cluster, --robust, --ties, --where,
 * --event-value, --censor-value, --select, --entry-screen, --screen-rows, --stay,
 * --enter, --select-test, --max-iter, --eps)?  Then it is consumed, and
 * *rc is 0 or, after the message, the exit code. */
bool cli_cox_model_opt(cli_cox_model_opts *o, cli_args *a, int *rc);

/* After parsing: a data file and --time, --event and --terms are given.
 * 0, or EXIT_USAGE after the message. */
int cli_cox_model_check(const cli_cox_model_opts *o, const char *cmd, const char *path);

/* The data, the specifications built from the options, and the model. */
typedef struct cli_cox_result {
    coh_table *table;
    uint8_t *keep;            /* rows where --where holds, or NULL */
    coh_cox_spec surv;
    coh_design_spec spec;
    double load_seconds;      /* reading the data */
    /* without --select: the full model */
    coh_design *design;
    coh_cox_data *data;
    coh_cox_model *fit;
    coh_dropped dropped;
    /* with --select */
    coh_select_result *sel;
    /* the model to report: the selection's final model, or the full one */
    const coh_design *final_design;
    const coh_cox_data *final_data;
    const coh_cox_model *final_fit;
    /* storage behind spec */
    const char **ref_col, **ref_val, **per_col, **per_val;
    double *per_step;
} cli_cox_result;

/* Check the --ref and --per values, read the data file, apply --where
 * and fill r->surv and r->spec.  Non-integer case weights set
 * o->fit.robust, with a note on standard error, as R's coxph does.  `cmd`
 * names the command in messages ("cox").  EXIT_OK, or the exit code after
 * the message; r is the caller's to free either way. */
int cli_cox_load(cli_cox_model_opts *o, cli_data_opts *d, const char *path, const char *cmd,
                 cli_cox_result *r);

/* Fit the model of the options: the selection with --select, else the
 * full model; sets the final_* pointers.  EXIT_OK, or the exit code after
 * the message. */
int cli_cox_fit_model(const cli_cox_model_opts *o, cli_cox_result *r);

void cli_cox_result_free(cli_cox_result *r);

/* One coefficient as `cohort cox` reports it: HR = exp(b) (per the term's
 * step), the Wald z and p with the robust SE when the fit is robust (as
 * R's summary.coxph), CI exp(b -+ z_{1-(1-level)/2} se).  An aliased
 * coefficient (coef NAN) is NAN throughout. */
typedef struct cli_cox_coef {
    double coef, se, robust_se, hr, lower, upper, z, p;
} cli_cox_coef;

cli_cox_coef cli_cox_coef_stats(const coh_cox_model *f, size_t j, double conf_level);

/* The help lines of the model options, shared by `cohort cox` and
 * `cohort plot forest`. */
#define CLI_COX_MODEL_HELP \
    "  --terms A,B,A:B       model terms: columns, or A:B for an interaction\n" \
    "  --categorical C,...   treat these numeric columns as factors\n" \
    "  --ref C=LEVEL,...     reference level of a factor (default: the first)\n" \
    "  --per A=STEP,...      hazard ratio per STEP units (e.g. age=10)\n" \
    "  --event-value V,...   values meaning an event (default 1)\n" \
    "  --censor-value V,...  values meaning censored (default 0)\n" \
    "  --strata COL          separate baseline hazards\n" \
    "  --weights COL         case weights (> 0)\n" \
    "  --cluster COL         robust variance clustered on COL\n" \
    "  --robust              robust (sandwich) variance\n" \
    "  --ties T              efron (default, as R) or breslow (as SAS/SPSS)\n" \
    "  --where EXPR          use only rows where the SQL expression is true\n"

#endif
