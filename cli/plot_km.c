/* plot_km.c - `cohort plot km DATA --time COL --event COL --out FILE`:
 * the Kaplan-Meier figure with its number-at-risk table (coh_plot_km),
 * and that table as CSV beside the figure.  The data and curve options are
 * `cohort km`'s, parsed and fitted by the same code (cli_km_input, km.c). */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cohort/plot.h"

typedef struct plot_opts {
    coh_plot_km_spec spec;
    cli_figure_outs out; /* --out, in order */
    bool no_p;
} plot_opts;

/* A time option: a finite number above 0, or a usage error (its exit code). */
static int positive_time(cli_args *a, const char *opt, const char *v, double *out)
{
    char *end;
    double x = strtod(v, &end);
    if (end == v || *end != '\0' || !isfinite(x) || !(x > 0))
        return cli_usage_error(a->cmd, "%s wants a positive time, got '%s'", opt, v);
    *out = x;
    return 0;
}

/* A figure option at a->i: 1 consumed, 0 not one, or -(exit code) after
 * a message. */
static int figure_option(plot_opts *p, cli_args *a)
{
    coh_plot_km_spec *s = &p->spec;
    const char *v = NULL;
    int bad = 0, rc = 0;
    int shared = cli_figure_opt(a, &p->out, &s->style);
    if (shared != 0)
        return shared;
    if (cli_opt(a, "--ci", false, &v, &bad)) {
        s->ci = true;
    } else if (cli_opt(a, "--no-censor-marks", false, &v, &bad)) {
        s->censor_marks = false;
    } else if (cli_opt(a, "--proportion", false, &v, &bad)) {
        s->percent = false;
    } else if (cli_opt(a, "--cumulative", false, &v, &bad)) {
        s->cumulative = true;
    } else if (cli_opt(a, "--no-risk-table", false, &v, &bad)) {
        s->risk_table = false;
    } else if (cli_opt(a, "--cum-events", false, &v, &bad)) {
        s->cum_events = true;
    } else if (cli_opt(a, "--x-max", true, &v, &bad)) {
        if (!bad)
            rc = positive_time(a, "--x-max", v, &s->x_max);
    } else if (cli_opt(a, "--x-step", true, &v, &bad)) {
        if (!bad)
            rc = positive_time(a, "--x-step", v, &s->x_step);
    } else if (cli_opt(a, "--title", true, &v, &bad)) {
        s->title = v;
    } else if (cli_opt(a, "--x-title", true, &v, &bad)) {
        s->x_title = v;
    } else if (cli_opt(a, "--y-title", true, &v, &bad)) {
        s->y_title = v;
    } else if (cli_opt(a, "--legend-title", true, &v, &bad)) {
        s->legend_title = v;
    } else if (cli_opt(a, "--no-p", false, &v, &bad)) {
        p->no_p = true;
    } else {
        return 0;
    }
    if (bad)
        return -bad;
    return rc ? -rc : 1;
}

/* The number-at-risk table of `d` as CSV at `path`, whole or not at all. */
static int write_csv(const char *path, const coh_plot_km_drawn *d, const coh_plot_km_spec *s)
{
    coh_error err;
    coh_error_clear(&err);
    coh_outfile of;
    coh_status st = coh_outfile_open(&of, path, &err);
    if (st != COH_OK)
        return cli_fail(st, err.msg);
    if ((st = coh_plot_km_drawn_csv(d, s, of.fp)) != COH_OK) {
        coh_outfile_abort(&of);
        char msg[1100];
        snprintf(msg, sizeof msg, "%s: cannot write the table", path);
        return cli_fail(st, msg);
    }
    if ((st = coh_outfile_commit(&of, &err)) != COH_OK)
        return cli_fail(st, err.msg);
    return EXIT_OK;
}

static int run(int argc, char **argv)
{
    cli_args a = {.argc = argc, .argv = argv, .i = 1, .cmd = "plot km"};
    plot_opts p;
    memset(&p, 0, sizeof p);
    coh_plot_km_spec_init(&p.spec);
    cli_km_input *in = cli_km_input_new();
    char **csv = calloc((size_t)argc, sizeof *csv); /* at most one per --out */
    size_t n_csv = 0;
    int rc = EXIT_OK;
    if (in == NULL || csv == NULL) {
        rc = cli_fail(COH_ENOMEM, NULL);
        goto done;
    }
    for (; a.i < argc; a.i++) {
        if (cli_is_help(argv[a.i])) {
            rc = cli_help(&cli_plot_km);
            goto done;
        }
        int got = figure_option(&p, &a);
        if (got < 0) {
            rc = -got;
            goto done;
        }
        if (got == 0 && (rc = cli_km_input_arg(in, &a)) != 0)
            goto done;
    }
    if (p.out.n == 0) {
        rc = cli_usage_error(a.cmd, "--out FILE.svg|pdf|png is required");
        goto done;
    }
    if ((rc = cli_figure_outs_check(&p.out, cli_km_input_path(in), a.cmd)) != EXIT_OK)
        goto done;
    if ((rc = cli_km_input_fit(in, &a, &p.spec)) != EXIT_OK)
        goto done;
    if (p.no_p)
        p.spec.annotation = NULL;
    for (size_t k = 0; k < p.out.n && rc == EXIT_OK; k++) {
        bool again = false;
        for (size_t j = 0; j < k; j++)
            again = again || strcmp(p.out.v[j], p.out.v[k]) == 0;
        if (again)
            continue; /* the same file twice: drawn once */
        coh_plot_km_drawn *drawn = NULL;
        coh_error err;
        coh_error_clear(&err);
        coh_status st = coh_plot_km(&p.spec, p.out.v[k], &drawn, &err);
        if (st != COH_OK) {
            rc = cli_fail(st, err.msg);
            break;
        }
        /* the table beside it, once per name (a.png and a.pdf share a.csv) */
        char *name = cli_csv_beside(p.out.v[k]);
        if (name == NULL) {
            rc = cli_fail(COH_ENOMEM, NULL);
        } else {
            bool written = false;
            for (size_t j = 0; j < n_csv; j++)
                written = written || strcmp(csv[j], name) == 0;
            if (written) {
                free(name);
            } else {
                csv[n_csv++] = name;
                rc = write_csv(name, drawn, &p.spec);
            }
        }
        coh_plot_km_drawn_free(drawn);
    }
done:
    for (size_t j = 0; j < n_csv; j++)
        free(csv[j]);
    free(csv);
    cli_figure_outs_free(&p.out);
    cli_km_input_free(in);
    return rc;
}

const cli_command cli_plot_km = {
    "km", run, "Kaplan-Meier curves with a number-at-risk table",
    "usage: cohort plot km DATA --time COL --event COL --out FILE [options]\n"
    "       [data options]\n"
    "\n"
    "Kaplan-Meier curves per group, with censor marks, a legend with the\n"
    "group sizes, the test's p-value in the panel, and a number-at-risk table\n"
    "whose numbers sit under the x-axis ticks.  The format follows the\n"
    "extension of --out (.svg, .pdf or .png).  The number-at-risk table is\n"
    "also written as CSV beside the figure: FILE with .csv, columns group,\n"
    "time, n_risk, n_events (events up to and including the time).\n"
    "\n"
    "Rows and curves (as 'cohort km'):\n"
    "  --time COL            follow-up time (numbers, >= 0)\n"
    "  --event COL           event indicator\n"
    "  --event-value V,...   values meaning an event (default 1)\n"
    "  --censor-value V,...  values meaning censored (default 0; with\n"
    "                        --event-value alone, the other value of a\n"
    "                        two-valued column)\n"
    "  --group COL           one curve per value (at most 8), compared by the\n"
    "                        test\n"
    "  --strata COL          stratify the test by this column\n"
    "  --where EXPR          use only rows where the SQL expression is true\n"
    "  --unit TEXT           time unit: months gives ticks every 12 months,\n"
    "                        years every year; the x title is \"Time (UNIT)\"\n"
    "  --conf-type T         band: log (default), log-log, plain, logit, arcsin\n"
    "  --conf-level L        band level (default 0.95)\n"
    "  --test T              logrank (default), peto, gehan (SPSS Breslow),\n"
    "                        tarone-ware, fh:RHO,GAMMA\n"
    "\n"
    "Figure:\n"
    "  --out FILE            the figure: .svg, .pdf or .png; repeat --out for\n"
    "                        several formats from one run\n"
    "  --width IN            width in inches (default 7)\n"
    "  --height IN           height in inches (default 5 with the risk table,\n"
    "                        0.2 more per group beyond 2; 4.2 without)\n"
    "  --dpi N               PNG resolution (default 300)\n"
    "  --font NAME           font family (default DejaVu Sans)\n"
    "  --font-size PT        text size in points (default 9)\n"
    "  --grayscale           grays and line types instead of colours\n"
    "  --ci                  pointwise confidence bands\n"
    "  --no-censor-marks     no marks at censoring times\n"
    "  --proportion          y axis from 0 to 1 (default: percent)\n"
    "  --cumulative          cumulative incidence, 1 - S\n"
    "  --no-risk-table       no number-at-risk table\n"
    "  --cum-events          the table also gives cumulative events: n (e)\n"
    "  --x-max T             end of the time axis (default: the last time,\n"
    "                        rounded up to a tick); later data are cut off\n"
    "  --x-step T            time between ticks (default: by --unit)\n"
    "  --title TEXT          a title above the panel\n"
    "  --x-title TEXT        default \"Time (UNIT)\"\n"
    "  --y-title TEXT        default \"Survival (%)\" or \"Cumulative incidence (%)\"\n"
    "  --legend-title TEXT   a heading over the legend, e.g. the group's name\n"
    "  --no-p                leave out the test's p-value\n",
    true};
