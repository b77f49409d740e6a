/* table.c - `cohort table DATA --by GROUP --vars a,b,c`: a descriptive
 * table with group comparisons ("Table 1" of a clinical paper). */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cohort/outfile.h"
#include "cohort/tabone.h"

/* A repeatable VAR=VALUE option. */
typedef struct assign {
    const char *var;
    char *value; /* points into the argument copy `buf` */
    char *buf;
} assign;

typedef struct table_opts {
    const char *by, *where, *title, *out, *overall_label;
    cli_list vars, categorical, continuous, by_levels;
    assign *levels, *labels, *digits, *sections;
    size_t n_levels, n_labels, n_digits, n_sections;
    coh_tabone_spec spec;
    bool tests_none, cont_test_given;
    bool xlsx;
    coh_tabone_format format;
} table_opts;

/* Record "VAR=VALUE" of option `opt`: 0, -1 after a message. */
static int assign_add(cli_args *a, const char *opt, const char *v, assign **list, size_t *n)
{
    const char *eq = strchr(v, '=');
    if (eq == NULL || eq == v)
        return cli_usage_error(a->cmd, "%s wants VARIABLE=VALUE, got '%s'", opt, v), -1;
    assign *nl = realloc(*list, (*n + 1) * sizeof *nl);
    if (nl == NULL)
        return cli_fail(COH_ENOMEM, NULL), -1;
    *list = nl;
    char *buf = strdup(v);
    if (buf == NULL)
        return cli_fail(COH_ENOMEM, NULL), -1;
    buf[eq - v] = '\0';
    nl[*n] = (assign){buf, buf + (eq - v) + 1, buf};
    (*n)++;
    return 0;
}

static void assigns_free(assign *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i].buf);
    free(list);
}

/* The last VAR=... given for `var`, or NULL. */
static const assign *assign_find(const assign *list, size_t n, const char *var)
{
    for (size_t i = n; i-- > 0;)
        if (strcmp(list[i].var, var) == 0)
            return &list[i];
    return NULL;
}

/* Which of `names` is `v`: its index, or -1 after a usage error. */
static int choice(cli_args *a, const char *opt, const char *v, const char *const *names, int n)
{
    for (int k = 0; k < n; k++)
        if (strcmp(v, names[k]) == 0)
            return k;
    char list[256] = "";
    for (int k = 0; k < n; k++) {
        strncat(list, names[k], sizeof list - strlen(list) - 1);
        strncat(list, k + 2 < n ? ", " : k + 1 < n ? " or " : "", sizeof list - strlen(list) - 1);
    }
    cli_usage_error(a->cmd, "%s wants %s, got '%s'", opt, list, v);
    return -1;
}

static int parse_args(int argc, char **argv, table_opts *o, cli_data_opts *d, const char **path)
{
    cli_args a = {.argc = argc, .argv = argv, .i = 1, .cmd = "table"};
    static const char *const summaries[] = {"median-iqr", "mean-sd", "both"};
    static const char *const cat_tests[] = {"auto", "pearson", "yates", "fisher", "none"};
    static const char *const cont_tests[] = {"rank", "welch", "student", "none"};
    static const char *const missings[] = {"ifany", "always", "no"};
    static const char *const percents[] = {"column", "row"};
    static const char *const yes_no[] = {"yes", "no"};
    static const char *const exacts[] = {"auto", "no"};
    static const char *const formats[] = {"text", "markdown", "csv", "html", "json", "xlsx"};
    for (; a.i < argc; a.i++) {
        const char *v = NULL;
        int bad = 0, got, k = 0;
        if (cli_is_help(argv[a.i]))
            return cli_help(&cli_table), 1;
        if (cli_opt(&a, "--by", true, &v, &bad)) {
            o->by = v;
        } else if (cli_opt(&a, "--vars", true, &v, &bad)) {
            if (!bad && cli_list_set(&o->vars, v))
                return cli_fail(COH_ENOMEM, NULL);
        } else if (cli_opt(&a, "--categorical", true, &v, &bad)) {
            if (!bad && cli_list_set(&o->categorical, v))
                return cli_fail(COH_ENOMEM, NULL);
        } else if (cli_opt(&a, "--continuous", true, &v, &bad)) {
            if (!bad && cli_list_set(&o->continuous, v))
                return cli_fail(COH_ENOMEM, NULL);
        } else if (cli_opt(&a, "--by-levels", true, &v, &bad)) {
            if (!bad && cli_list_set(&o->by_levels, v))
                return cli_fail(COH_ENOMEM, NULL);
        } else if (cli_opt(&a, "--levels", true, &v, &bad)) {
            if (!bad && assign_add(&a, "--levels", v, &o->levels, &o->n_levels) < 0)
                return EXIT_USAGE;
        } else if (cli_opt(&a, "--label", true, &v, &bad)) {
            if (!bad && assign_add(&a, "--label", v, &o->labels, &o->n_labels) < 0)
                return EXIT_USAGE;
        } else if (cli_opt(&a, "--section", true, &v, &bad)) {
            if (!bad && assign_add(&a, "--section", v, &o->sections, &o->n_sections) < 0)
                return EXIT_USAGE;
        } else if (cli_opt(&a, "--digits", true, &v, &bad)) {
            if (bad) {
            } else if (strchr(v, '=') != NULL) {
                if (assign_add(&a, "--digits", v, &o->digits, &o->n_digits) < 0)
                    return EXIT_USAGE;
                int dummy;
                if (cli_int(&a, "--digits", o->digits[o->n_digits - 1].value, 0, 10, &dummy))
                    return EXIT_USAGE;
            } else if (cli_int(&a, "--digits", v, 0, 10, &o->spec.digits)) {
                return EXIT_USAGE;
            }
        } else if (cli_opt(&a, "--pct-digits", true, &v, &bad)) {
            if (!bad && cli_int(&a, "--pct-digits", v, 0, 6, &o->spec.pct_digits))
                return EXIT_USAGE;
        } else if (cli_opt(&a, "--p-digits", true, &v, &bad)) {
            if (!bad && cli_int(&a, "--p-digits", v, 1, 6, &o->spec.p_digits))
                return EXIT_USAGE;
        } else if (cli_opt(&a, "--summary", true, &v, &bad)) {
            if (!bad && (k = choice(&a, "--summary", v, summaries, 3)) < 0)
                return EXIT_USAGE;
            o->spec.summary = (coh_tabone_summary)k;
        } else if (cli_opt(&a, "--minmax", false, &v, &bad)) {
            o->spec.minmax = true;
        } else if (cli_opt(&a, "--tests", true, &v, &bad)) {
            if (!bad && (k = choice(&a, "--tests", v, cat_tests, 5)) < 0)
                return EXIT_USAGE;
            o->spec.cat_test = (coh_tabone_cat_test)k;
            o->tests_none = k == COH_TABONE_CAT_NONE;
        } else if (cli_opt(&a, "--continuous-test", true, &v, &bad)) {
            if (!bad && (k = choice(&a, "--continuous-test", v, cont_tests, 4)) < 0)
                return EXIT_USAGE;
            o->spec.cont_test = (coh_tabone_cont_test)k;
            o->cont_test_given = true;
        } else if (cli_opt(&a, "--mw-continuity", true, &v, &bad)) {
            if (!bad && (k = choice(&a, "--mw-continuity", v, yes_no, 2)) < 0)
                return EXIT_USAGE;
            o->spec.wilcox_correct = k == 0;
        } else if (cli_opt(&a, "--mw-exact", true, &v, &bad)) {
            if (!bad && (k = choice(&a, "--mw-exact", v, exacts, 2)) < 0)
                return EXIT_USAGE;
            o->spec.wilcox_exact = k == 0;
        } else if (cli_opt(&a, "--fisher-below", true, &v, &bad)) {
            char *end;
            if (!bad) {
                o->spec.fisher_below = strtod(v, &end);
                if (end == v || *end != '\0' || !(o->spec.fisher_below >= 0) || !isfinite(o->spec.fisher_below))
                    return cli_usage_error(a.cmd, "--fisher-below wants a count >= 0, got '%s'", v);
            }
        } else if (cli_opt(&a, "--overall", false, &v, &bad)) {
            o->spec.overall = true;
        } else if (cli_opt(&a, "--overall-label", true, &v, &bad)) {
            if (!bad && v[0] == '\0')
                return cli_usage_error(a.cmd, "--overall-label wants a text, got nothing");
            o->overall_label = v;
            o->spec.overall = true;
        } else if (cli_opt(&a, "--missing", true, &v, &bad)) {
            if (!bad && (k = choice(&a, "--missing", v, missings, 3)) < 0)
                return EXIT_USAGE;
            o->spec.missing = (coh_tabone_missing)k;
        } else if (cli_opt(&a, "--percent", true, &v, &bad)) {
            if (!bad && (k = choice(&a, "--percent", v, percents, 2)) < 0)
                return EXIT_USAGE;
            o->spec.percent = (coh_tabone_percent)k;
        } else if (cli_opt(&a, "--smd", false, &v, &bad)) {
            o->spec.smd = true;
        } else if (cli_opt(&a, "--where", true, &v, &bad)) {
            o->where = v;
        } else if (cli_opt(&a, "--title", true, &v, &bad)) {
            o->title = v;
        } else if (cli_opt(&a, "--out", true, &v, &bad)) {
            o->out = v;
        } else if (cli_opt(&a, "--format", true, &v, &bad)) {
            if (!bad && strcmp(v, "md") == 0)
                v = "markdown";
            if (!bad && (k = choice(&a, "--format", v, formats, 6)) < 0)
                return EXIT_USAGE;
            o->xlsx = k == 5;
            if (k < 5)
                o->format = (coh_tabone_format)k;
        } else if ((got = cli_rest_arg(&a, d, path)) != 0) {
            return got;
        }
        if (bad)
            return bad;
    }
    if (*path == NULL)
        return cli_usage_error(a.cmd, "no data file given");
    /* --tests none means no tests at all, unless --continuous-test asks
     * for one (in either order) */
    if (o->tests_none && !o->cont_test_given)
        o->spec.cont_test = COH_TABONE_CONT_NONE;
    if (o->by_levels.n > 0 && o->by == NULL)
        return cli_usage_error(a.cmd, "--by-levels orders the groups of --by, which is not given");
    if (o->vars.buf != NULL && o->vars.n == 0)
        return cli_usage_error(a.cmd, "--vars names no variable");
    /* text given here goes into JSON, HTML and XLSX: it must be UTF-8 */
    const char *texts[] = {o->title, o->overall_label};
    const char *names[] = {"--title", "--overall-label"};
    for (size_t k = 0; k < 2; k++)
        if (texts[k] != NULL && !coh_text_is_utf8(texts[k]))
            return cli_usage_error(a.cmd, "%s is not valid UTF-8 text", names[k]);
    const assign *lists[] = {o->labels, o->sections, o->levels};
    size_t n_lists[] = {o->n_labels, o->n_sections, o->n_levels};
    const char *opts[] = {"--label", "--section", "--levels"};
    for (size_t k = 0; k < 3; k++)
        for (size_t i = 0; i < n_lists[k]; i++)
            if (!coh_text_is_utf8(lists[k][i].value))
                return cli_usage_error(a.cmd, "%s for '%s' is not valid UTF-8 text", opts[k],
                                       lists[k][i].var);
    if (o->xlsx && (o->out == NULL || strcmp(o->out, "-") == 0))
        return cli_usage_error(a.cmd, "--format xlsx writes a file: give it with --out FILE");
    return 0;
}

/* Is `name` in the list? */
static bool in_list(const cli_list *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], name) == 0)
            return true;
    return false;
}

/* The variables of the table: --vars, or every column but --by and the
 * string columns (identifiers and free text). */
static int make_vars(const coh_table *t, table_opts *o, coh_tabone_var **out, size_t *n_out,
                     cli_list *level_lists)
{
    size_t n = o->vars.n ? o->vars.n : t->n_cols;
    coh_tabone_var *v = calloc(n ? n : 1, sizeof *v);
    if (v == NULL)
        return cli_fail(COH_ENOMEM, NULL);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name;
        if (o->vars.n) {
            name = o->vars.v[i];
        } else {
            const coh_column *c = t->cols[i];
            if ((o->by != NULL && strcmp(c->name, o->by) == 0) || c->type == COH_STRING)
                continue;
            name = c->name;
        }
        coh_tabone_var *x = &v[m++];
        x->name = name;
        x->digits = -1;
        if (in_list(&o->categorical, name) && in_list(&o->continuous, name)) {
            free(v);
            return cli_usage_error("table", "'%s' is given as both categorical and continuous",
                                   name);
        }
        x->kind = in_list(&o->categorical, name)  ? COH_TABONE_CATEGORICAL
                  : in_list(&o->continuous, name) ? COH_TABONE_CONTINUOUS
                                                  : COH_TABONE_AUTO;
        const assign *as = assign_find(o->labels, o->n_labels, name);
        x->label = as ? as->value : NULL;
        if ((as = assign_find(o->sections, o->n_sections, name)) != NULL)
            x->section = as->value;
        if ((as = assign_find(o->digits, o->n_digits, name)) != NULL)
            x->digits = atoi(as->value);
        if ((as = assign_find(o->levels, o->n_levels, name)) != NULL) {
            cli_list *l = &level_lists[i];
            if (cli_list_set(l, as->value)) {
                free(v);
                return cli_fail(COH_ENOMEM, NULL);
            }
            x->levels = l->v;
            x->n_levels = l->n;
        }
    }
    /* options naming variables the table does not show are mistakes */
    const cli_list *lists[] = {&o->categorical, &o->continuous};
    for (size_t k = 0; k < 2; k++)
        for (size_t i = 0; i < lists[k]->n; i++) {
            size_t j = 0;
            while (j < m && strcmp(v[j].name, lists[k]->v[i]) != 0)
                j++;
            if (j == m) {
                free(v);
                return cli_usage_error("table", "--%s names '%s', which is not among the "
                                                "variables of the table",
                                       k ? "continuous" : "categorical", lists[k]->v[i]);
            }
        }
    const assign *assigns[] = {o->levels, o->labels, o->digits, o->sections};
    size_t n_assigns[] = {o->n_levels, o->n_labels, o->n_digits, o->n_sections};
    const char *opt[] = {"--levels", "--label", "--digits", "--section"};
    for (size_t k = 0; k < 4; k++)
        for (size_t i = 0; i < n_assigns[k]; i++) {
            size_t j = 0;
            while (j < m && strcmp(v[j].name, assigns[k][i].var) != 0)
                j++;
            if (j == m) {
                free(v);
                return cli_usage_error("table", "%s names '%s', which is not among the "
                                                "variables of the table",
                                       opt[k], assigns[k][i].var);
            }
        }
    if (m == 0) {
        free(v);
        return cli_usage_error("table", "no variables to show (give them with --vars)");
    }
    *out = v;
    *n_out = m;
    return EXIT_OK;
}

static int run(int argc, char **argv)
{
    table_opts o;
    memset(&o, 0, sizeof o);
    coh_tabone_spec_init(&o.spec);
    cli_data_opts d;
    cli_data_opts_init(&d);
    const char *path = NULL;
    coh_table *t = NULL;
    coh_tabone *tab = NULL;
    coh_tabone_var *vars = NULL;
    cli_list *level_lists = NULL;
    uint8_t *keep = NULL;
    coh_error err;
    coh_error_clear(&err);
    coh_status st;

    int rc = parse_args(argc, argv, &o, &d, &path);
    if (rc != 0) {
        rc = rc == 1 ? EXIT_OK : rc;
        goto done;
    }
    if ((rc = cli_load(&d, path, &t)) != EXIT_OK)
        goto done;
    if ((rc = cli_where(t, o.where, &keep)) != EXIT_OK)
        goto done;
    level_lists = calloc((o.vars.n ? o.vars.n : t->n_cols) + 1, sizeof *level_lists);
    if (level_lists == NULL) {
        rc = cli_fail(COH_ENOMEM, NULL);
        goto done;
    }
    size_t n_vars = 0;
    if ((rc = make_vars(t, &o, &vars, &n_vars, level_lists)) != EXIT_OK)
        goto done;
    o.spec.by = o.by;
    o.spec.by_levels = o.by_levels.n ? o.by_levels.v : NULL;
    o.spec.n_by_levels = o.by_levels.n;
    o.spec.vars = vars;
    o.spec.n_vars = n_vars;
    o.spec.keep = keep;
    o.spec.overall_label = o.overall_label;
    if ((st = coh_tabone_build(t, &o.spec, &tab, &err)) != COH_OK) {
        char msg[1200];
        snprintf(msg, sizeof msg, "%s: %s", path, err.msg);
        rc = cli_fail(st, msg);
        goto done;
    }
    /* warnings on standard error too when the reader of the terminal does
     * not see the table's footnotes: output to a file, or CSV (which has
     * none) and JSON (meant for programs) */
    bool to_file = o.out != NULL && strcmp(o.out, "-") != 0;
    if (to_file || o.xlsx || o.format == COH_TABONE_CSV || o.format == COH_TABONE_JSON)
        for (size_t i = 0; i < tab->n_warnings; i++) {
            fputs("cohort table: warning: ", stderr);
            cli_put_clean(tab->warnings[i], stderr);
            fputc('\n', stderr);
        }
    if (o.xlsx) {
        st = coh_tabone_write_xlsx(tab, o.title, o.out, &err);
        if (st != COH_OK)
            rc = cli_fail(st, err.msg);
        goto done;
    }
    coh_outfile of;
    if ((st = coh_outfile_open(&of, o.out != NULL ? o.out : "-", &err)) != COH_OK) {
        rc = cli_fail(st, err.msg);
        goto done;
    }
    errno = 0;
    st = coh_tabone_write(tab, o.format, o.title, of.fp);
    if (st != COH_OK) {
        char msg[1200];
        int e = errno;
        snprintf(msg, sizeof msg, "%s: cannot write the table: %s",
                 o.out != NULL ? o.out : "standard output",
                 st == COH_ENOMEM ? "out of memory" : e ? strerror(e) : coh_status_str(st));
        coh_outfile_abort(&of);
        rc = cli_fail(st, msg);
        goto done;
    }
    if ((st = coh_outfile_commit(&of, &err)) != COH_OK)
        rc = cli_fail(st, err.msg);
done:
    if (level_lists != NULL)
        for (size_t i = 0; i <= (o.vars.n ? o.vars.n : (t ? t->n_cols : 0)); i++)
            cli_list_free(&level_lists[i]);
    free(level_lists);
    free(vars);
    coh_tabone_free(tab);
    coh_table_free(t);
    free(keep);
    cli_list_free(&o.vars);
    cli_list_free(&o.categorical);
    cli_list_free(&o.continuous);
    cli_list_free(&o.by_levels);
    assigns_free(o.levels, o.n_levels);
    assigns_free(o.labels, o.n_labels);
    assigns_free(o.digits, o.n_digits);
    assigns_free(o.sections, o.n_sections);
    cli_data_opts_free(&d);
    return rc;
}

const cli_command cli_table = {
    "table", run, "descriptive table by group with tests and SMDs (\"Table 1\")",
    "usage: cohort table DATA [--by COL] [--vars A,B,...] [options] [data options]\n"
    "\n"
    "One block of rows per variable: n (%) per level for categorical variables,\n"
    "median (IQR) or mean (SD) for continuous ones, a Missing row (counted, not\n"
    "in the percentages), and a p-value comparing the groups, tied to the name\n"
    "of its test in the footnotes.  Tests agree with R's chisq.test,\n"
    "fisher.test, wilcox.test, kruskal.test, t.test and oneway.test; SMDs with\n"
    "tableone.  docs/methods.md section 22 gives the rules.\n"
    "\n"
    "  --by COL              the groups compared (one column per value); without\n"
    "                        it, one column of all rows and no tests\n"
    "  --by-levels A,B,...   order of the groups (values or labels)\n"
    "  --vars A,B,...        the variables, in order (default: every column but\n"
    "                        --by and text columns such as identifiers)\n"
    "  --categorical A,...   show these as categorical (default: text and\n"
    "                        labelled columns, and whole numbers with at most 5\n"
    "                        distinct values)\n"
    "  --continuous A,...    show these as continuous\n"
    "  --levels VAR=A,B,...  order of VAR's levels (the others follow)\n"
    "  --label VAR=TEXT      the text shown for VAR\n"
    "  --section VAR=TEXT    a heading row before VAR (e.g. \"age=Index CRLM\")\n"
    "  --summary S           median-iqr (default), mean-sd or both\n"
    "  --minmax              also min-max of continuous variables\n"
    "  --tests T             categorical variables: auto (default: Pearson's\n"
    "                        chi-square, Fisher's exact test when an expected\n"
    "                        count is below 5), pearson, yates, fisher, or none\n"
    "                        (no tests at all)\n"
    "  --continuous-test T   rank (default: Mann-Whitney U, Kruskal-Wallis for\n"
    "                        more than 2 groups), welch (Welch's t-test, Welch's\n"
    "                        ANOVA),\n"
    "                        student (Student's t-test, ANOVA) or none\n"
    "  --mw-continuity Y     yes (default, as R) or no (as SPSS) continuity\n"
    "                        correction of the Mann-Whitney normal approximation\n"
    "  --mw-exact E          auto (default: exact p below 50 per group without\n"
    "                        ties, as R) or no\n"
    "  --fisher-below X      auto: the expected count below which Fisher's test\n"
    "                        is used (default 5)\n"
    "  --overall             add a column of all rows first\n"
    "  --overall-label TEXT  its header (default All; implies --overall)\n"
    "  --missing M           ifany (default), always or no Missing row\n"
    "  --percent P           column (default) or row percentages\n"
    "  --smd                 a column of standardised mean differences\n"
    "  --digits N|VAR=N      decimals of continuous summaries (default 1)\n"
    "  --pct-digits N        decimals of percentages (default 1)\n"
    "  --p-digits N          significant digits of p (default 2; < 0.001 below)\n"
    "  --where EXPR          use only rows where the SQL expression is true\n"
    "  --title TEXT          a title above the table\n"
    "  --format F            text (default), markdown, csv, html, json or xlsx\n"
    "  --out FILE            write to FILE, whole or not at all (needed for xlsx)\n",
    true};
