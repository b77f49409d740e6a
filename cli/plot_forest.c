/* plot_forest.c - `cohort plot forest DATA --time COL --event COL --terms
 * A,B --out forest.pdf`: the hazard ratios of a Cox model as a forest plot,
 * with the forest rows as CSV beside each figure.
 *
 * The model is the one `cohort cox` fits with the same options (cox_model.h:
 * the same parsing, data, design, fit and selection), and each row's
 * numbers are those `cohort cox` prints (cli_cox_coef_stats, the robust
 * variance when the fit is robust).  Rows: a numeric term is one row, "age
 * (per 10)"; a factor is a heading row with the term's name and a row per
 * level, its reference level first; an interaction with a factor is one
 * row ("age:sex=male") or, with several columns, a heading row and a row
 * per column.  --label replaces a term's name (or a one-row interaction's
 * column name).  Every row names its term (the model's name, not its
 * --label) in the CSV's `term` column, so that the levels of two factors
 * can be told apart; a coefficient the fit calls possibly infinite
 * (coh_cox_model.infinite, R's warning) is flagged so. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cohort/outfile.h"
#include "cohort/plot.h"
#include "cox_model.h"

#define CMD "plot forest"

/* A repeatable VAR=TEXT option (--label). */
typedef struct label_opt {
    char *var; /* "VAR\0TEXT" in one block */
    const char *text;
} label_opt;

typedef struct forest_opts {
    cli_cox_model_opts m;
    cli_figure_outs outs;
    label_opt *labels;
    size_t n_labels;
    coh_plot_forest_spec spec;
} forest_opts;

static void forest_opts_free(forest_opts *o)
{
    cli_cox_model_opts_free(&o->m);
    cli_figure_outs_free(&o->outs);
    for (size_t k = 0; k < o->n_labels; k++)
        free(o->labels[k].var);
    free(o->labels);
}

/* Record a --label TERM=TEXT (the text must be UTF-8; the term is checked
 * once --terms is known): 0, or the exit code after the message. */
static int add_label(cli_args *a, const char *opt, const char *v, forest_opts *o)
{
    const char *eq = strchr(v, '=');
    if (eq == NULL || eq == v)
        return cli_usage_error(a->cmd, "%s wants TERM=TEXT, got '%s'", opt, v);
    if (!coh_text_is_utf8(eq + 1))
        return cli_usage_error(a->cmd, "%s for '%.*s' is not valid UTF-8 text", opt,
                               (int)(eq - v), v);
    label_opt *nl = realloc(o->labels, (o->n_labels + 1) * sizeof *nl);
    if (nl == NULL)
        return cli_fail(COH_ENOMEM, NULL);
    o->labels = nl;
    char *buf = strdup(v);
    if (buf == NULL)
        return cli_fail(COH_ENOMEM, NULL);
    buf[eq - v] = '\0';
    nl[o->n_labels++] = (label_opt){buf, buf + (eq - v) + 1};
    return 0;
}

static int parse_args(int argc, char **argv, forest_opts *o, cli_data_opts *d, const char **path)
{
    cli_args a = {.argc = argc, .argv = argv, .i = 1, .cmd = CMD};
    coh_plot_style *st = &o->spec.style;
    for (; a.i < argc; a.i++) {
        const char *v = NULL;
        int bad = 0, got, rc = 0;
        if (cli_is_help(argv[a.i]))
            return cli_help(&cli_plot_forest), 1;
        if (cli_cox_model_opt(&o->m, &a, &rc)) {
            if (rc)
                return rc;
        } else if ((got = cli_figure_opt(&a, &o->outs, st)) != 0) {
            if (got < 0)
                return -got;
        } else if (cli_opt(&a, "--title", true, &v, &bad)) {
            o->spec.title = v;
        } else if (cli_opt(&a, "--x-title", true, &v, &bad)) {
            o->spec.x_title = v;
        } else if (cli_opt(&a, "--p-digits", true, &v, &bad)) {
            if (!bad && cli_int(&a, "--p-digits", v, 1, 6, &o->spec.p_digits))
                return EXIT_USAGE;
        } else if (cli_opt(&a, "--label", true, &v, &bad) ||
                   cli_opt(&a, "--labels", true, &v, &bad)) {
            if (!bad && (rc = add_label(&a, "--label", v, o)) != 0)
                return rc;
        } else if ((got = cli_rest_arg(&a, d, path)) != 0) {
            return got;
        }
        if (bad)
            return bad;
    }
    int rc = cli_cox_model_check(&o->m, a.cmd, *path);
    if (rc)
        return rc;
    if (o->outs.n == 0)
        return cli_usage_error(a.cmd, "--out FILE.svg|pdf|png is required");
    const char *texts[] = {o->spec.title, o->spec.x_title};
    const char *names[] = {"--title", "--x-title"};
    for (size_t k = 0; k < 2; k++)
        if (texts[k] != NULL && !coh_text_is_utf8(texts[k]))
            return cli_usage_error(a.cmd, "%s is not valid UTF-8 text", names[k]);
    /* a label names a term of the model */
    for (size_t k = 0; k < o->n_labels; k++) {
        size_t t = 0;
        while (t < o->m.terms.n && strcmp(o->m.terms.v[t], o->labels[k].var) != 0)
            t++;
        if (t == o->m.terms.n)
            return cli_usage_error(a.cmd, "--label names '%s', which is not among the --terms",
                                   o->labels[k].var);
    }
    return 0;
}

/* ---- rows --------------------------------------------------------------------- */

/* The display name of term t: its --label (the last given), or its name. */
static const char *term_label(const forest_opts *o, const char *term)
{
    for (size_t k = o->n_labels; k-- > 0;)
        if (strcmp(o->labels[k].var, term) == 0)
            return o->labels[k].text;
    return term;
}

/* The rows owned here: labels are built strings. */
typedef struct forest_rows {
    coh_plot_forest_row *v;
    char **text; /* one per row, the label's storage */
    size_t n, cap;
} forest_rows;

static void forest_rows_free(forest_rows *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->text[i]);
    free(r->text);
    free(r->v);
}

/* Append a row of term `term` with a copy of `label`: 0, or -1 when
 * memory runs out. */
static int add_row(forest_rows *r, const char *label, const char *term, const char *heading,
                   const coh_cox_model *f, long col)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 16;
        coh_plot_forest_row *nv = realloc(r->v, cap * sizeof *nv);
        if (nv == NULL)
            return -1;
        r->v = nv;
        char **nt = realloc(r->text, cap * sizeof *nt);
        if (nt == NULL)
            return -1;
        r->text = nt;
        r->cap = cap;
    }
    if ((r->text[r->n] = strdup(label)) == NULL)
        return -1;
    coh_plot_forest_row *row = &r->v[r->n++];
    *row = (coh_plot_forest_row){r->text[r->n - 1], term, heading, NAN, NAN, NAN, NAN, col < 0,
                                 false, false};
    if (col >= 0 && f->n_events > 0) {
        /* exactly what `cohort cox` prints; no events or an aliased column:
         * not estimable (NAN) */
        cli_cox_coef c = cli_cox_coef_stats(f, (size_t)col, 0.95);
        if (!f->aliased[col] && isfinite(c.hr)) {
            row->hr = c.hr;
            row->lower = c.lower;
            row->upper = c.upper;
            row->p = c.p;
            row->infinite = f->infinite[col];
        }
    }
    return 0;
}

/* The rows of the model: per term, as the file's header comment says. */
static int build_rows(const forest_opts *o, const coh_design *des, const coh_cox_model *f,
                      forest_rows *rows)
{
    for (size_t t = 0; t < des->n_terms; t++) {
        const char *term = des->term_names[t];
        const char *name = term_label(o, term);
        size_t first = des->term_first[t], k = des->term_ncols[t];
        bool interaction = strchr(des->term_names[t], ':') != NULL;
        if (!des->term_factor[t]) {
            /* a number (or a product of numbers): one row, per its step */
            char label[512], per[64] = "";
            if (des->term_per[t] != 1) {
                char s[32];
                coh_format_human(des->term_per[t], 4, s, sizeof s);
                snprintf(per, sizeof per, " (per %s)", s);
            }
            snprintf(label, sizeof label, "%s%s", name, per);
            for (size_t c = 0; c < k; c++)
                if (add_row(rows, label, term, NULL, f, (long)(first + c)))
                    return -1;
            continue;
        }
        if (interaction && k == 1) {
            /* "age:sex=male": one row, by its --label or its column name */
            const char *label = name != des->term_names[t] ? name : des->col_names[first];
            if (add_row(rows, label, term, NULL, f, (long)first))
                return -1;
            continue;
        }
        const char *heading = name;
        if (!interaction && des->term_ref[t] != NULL) {
            if (add_row(rows, des->term_ref[t], term, heading, f, -1))
                return -1;
            rows->v[rows->n - 1].indent = true;
            heading = NULL;
        }
        size_t prefix = strlen(des->term_names[t]);
        for (size_t c = 0; c < k; c++) {
            /* a level: "sex=male" shows as "male" */
            const char *col = des->col_names[first + c];
            const char *label = col;
            if (!interaction && strncmp(col, des->term_names[t], prefix) == 0 &&
                col[prefix] == '=')
                label = col + prefix + 1;
            if (add_row(rows, label, term, heading, f, (long)(first + c)))
                return -1;
            rows->v[rows->n - 1].indent = !interaction;
            heading = NULL;
        }
    }
    return 0;
}

/* ---- output --------------------------------------------------------------------- */

static int write_csv(const coh_plot_forest_spec *spec, const char *path)
{
    coh_outfile of;
    coh_error err;
    coh_status st = coh_outfile_open(&of, path, &err);
    if (st != COH_OK)
        return cli_fail(st, err.msg);
    if ((st = coh_plot_forest_csv(spec, of.fp)) != COH_OK) {
        coh_outfile_abort(&of);
        return cli_fail(st, "cannot write the forest rows");
    }
    if ((st = coh_outfile_commit(&of, &err)) != COH_OK)
        return cli_fail(st, err.msg);
    return EXIT_OK;
}

/* Each figure, and its CSV once per distinct CSV name. */
static int write_outputs(const forest_opts *o, const coh_plot_forest_spec *spec)
{
    int rc = EXIT_OK;
    char **csvs = calloc(o->outs.n, sizeof *csvs);
    if (csvs == NULL)
        return cli_fail(COH_ENOMEM, NULL);
    for (size_t k = 0; k < o->outs.n && rc == EXIT_OK; k++) {
        coh_error err;
        coh_plot_forest_drawn *drawn = NULL;
        coh_status st = coh_plot_forest(spec, o->outs.v[k], k == 0 ? &drawn : NULL, &err);
        if (st != COH_OK) {
            rc = cli_fail(st, err.msg);
            break;
        }
        /* the default width grows only when even shortened labels leave
         * the panel less than its minimum: say so */
        if (drawn != NULL && spec->style.width <= 0 && drawn->width_pt > 7 * 72 + 1e-9)
            fprintf(stderr,
                    "cohort %s: note: the figure is %.2f in wide, not 7 in, so that the plot "
                    "keeps 2.5 in beside the labels and columns (--width sets the width)\n",
                    CMD, drawn->width_pt / 72);
        coh_plot_forest_drawn_free(drawn);
        if ((csvs[k] = cli_csv_beside(o->outs.v[k])) == NULL) {
            rc = cli_fail(COH_ENOMEM, NULL);
            break;
        }
        bool seen = false;
        for (size_t j = 0; j < k; j++)
            seen = seen || strcmp(csvs[j], csvs[k]) == 0;
        if (!seen)
            rc = write_csv(spec, csvs[k]);
    }
    for (size_t k = 0; k < o->outs.n; k++)
        free(csvs[k]);
    free(csvs);
    return rc;
}

static int run(int argc, char **argv)
{
    forest_opts o;
    memset(&o, 0, sizeof o);
    cli_cox_model_opts_init(&o.m);
    coh_plot_forest_spec_init(&o.spec);
    cli_data_opts d;
    cli_data_opts_init(&d);
    const char *path = NULL;
    cli_cox_result model;
    memset(&model, 0, sizeof model);
    forest_rows rows;
    memset(&rows, 0, sizeof rows);

    int rc = parse_args(argc, argv, &o, &d, &path);
    if (rc != 0) {
        rc = rc == 1 ? EXIT_OK : rc;
        goto done;
    }
    if ((rc = cli_figure_outs_check(&o.outs, path, CMD)) != EXIT_OK)
        goto done;
    if ((rc = cli_cox_load(&o.m, &d, path, CMD, &model)) != EXIT_OK ||
        (rc = cli_cox_fit_model(&o.m, &model)) != EXIT_OK)
        goto done;
    const coh_cox_model *f = model.final_fit;
    for (size_t w = 0; w < f->n_warnings; w++) {
        fprintf(stderr, "cohort %s: warning: ", CMD);
        cli_put_clean(f->warnings[w], stderr);
        fputc('\n', stderr);
    }
    if (model.final_design->n_terms == 0) {
        rc = cli_fail(COH_EDOMAIN, "the selection kept no term: the final model is the null "
                                   "model, with no hazard ratio to plot");
        goto done;
    }
    if (build_rows(&o, model.final_design, f, &rows)) {
        rc = cli_fail(COH_ENOMEM, NULL);
        goto done;
    }
    o.spec.rows = rows.v;
    o.spec.n_rows = rows.n;
    rc = write_outputs(&o, &o.spec);
done:
    forest_rows_free(&rows);
    cli_cox_result_free(&model);
    forest_opts_free(&o);
    cli_data_opts_free(&d);
    return rc;
}

const cli_command cli_plot_forest = {
    "forest", run, "a forest plot of a Cox model's hazard ratios",
    "usage: cohort plot forest DATA --time COL --event COL --terms A,B,C\n"
    "                          --out FILE.svg|pdf|png [options] [data options]\n"
    "\n"
    "The hazard ratios of the Cox model that 'cohort cox' fits with the same\n"
    "options, as a forest plot: a row per coefficient with its label, a square\n"
    "sized by precision and the 95% confidence interval on a log scale, a\n"
    "dashed line at HR = 1, and the columns HR (95% CI) and p.  A factor shows\n"
    "its name as a heading and a row per level, the reference level marked as\n"
    "such; a numeric term shows one row, per its --per step.  With --select,\n"
    "the final model.  Labels longer than the label column (at most 40% of\n"
    "the width) are shortened with '...'; titles are wrapped.  A coefficient\n"
    "the fit calls possibly infinite shows as not estimable, with an arrow\n"
    "at the edge it tends to.  The rows are also written as CSV beside each\n"
    "figure (FILE with .csv):\n"
    "label,term,heading,hr,lower,upper,p,reference,infinite (term: the\n"
    "model's term of the row; infinite: the coefficient may be infinite).\n"
    "\n"
    "Model options (as 'cohort cox'):\n"
    CLI_COX_MODEL_HELP
    "  --entry-screen P, --screen-rows R, --select M, --stay P, --enter P,\n"
    "  --select-test T\n"
    "                        variable selection: plot the final model\n"
    "  --max-iter N, --eps E Newton-Raphson limits (default 20, 1e-9, as R)\n"
    "\n"
    "Figure options:\n"
    "  --out FILE            .svg, .pdf or .png (repeatable); required\n"
    "  --label TERM=TEXT     the text shown for a term (repeatable; also --labels)\n"
    "  --title TEXT          a title above the figure\n"
    "  --x-title TEXT        the axis title (default: Hazard ratio (95% CI, log\n"
    "                        scale))\n"
    "  --width IN            width in inches (default 7)\n"
    "  --height IN           height in inches (default: 0.22 in per row)\n"
    "  --dpi N               PNG resolution (default 300)\n"
    "  --font NAME           font family (default DejaVu Sans)\n"
    "  --font-size PT        text size in points (default 9)\n"
    "  --grayscale           black and gray instead of colour\n"
    "  --p-digits N          significant digits of p (default 2; < 0.001 below)\n",
    true};
