/* run.c - `cohort run STUDY.yaml` (every analysis and the report) and
 * `cohort check STUDY.yaml` (the file and the data, no analysis). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cohort/study.h"

typedef struct run_opts {
    const char *path, *out, *date;
    bool quiet;
} run_opts;

static int parse(int argc, char **argv, const cli_command *cmd, bool run, run_opts *o)
{
    cli_args a = {.argc = argc, .argv = argv, .i = 1, .cmd = cmd->name};
    for (; a.i < argc; a.i++) {
        const char *v = NULL;
        int bad = 0;
        if (cli_is_help(argv[a.i]))
            return cli_help(cmd), 1;
        if (run && cli_opt(&a, "--out", true, &v, &bad)) {
            o->out = v;
        } else if (run && cli_opt(&a, "--date", true, &v, &bad)) {
            o->date = v;
        } else if (run && cli_opt(&a, "--quiet", false, &v, &bad)) {
            o->quiet = true;
        } else if (argv[a.i][0] == '-' && argv[a.i][1] != '\0') {
            return cli_usage_error(a.cmd, "unknown option '%s'", argv[a.i]);
        } else if (o->path != NULL) {
            return cli_usage_error(a.cmd, "one study file only ('%s' and '%s')", o->path,
                                   argv[a.i]);
        } else {
            o->path = argv[a.i];
        }
        if (bad)
            return bad;
    }
    if (o->path == NULL)
        return cli_usage_error(a.cmd, "no study file given");
    return 0;
}

/* A study or data problem is exit 1, whatever the status (an option
 * given in the study file is not a bad command line); files 3, memory 4. */
static int study_fail(coh_status st, const char *msg)
{
    fprintf(stderr, "cohort: %s\n", msg && *msg ? msg : coh_status_str(st));
    return st == COH_EIO ? EXIT_IO : st == COH_ENOMEM ? EXIT_NOMEM : EXIT_DATA;
}

/* YYYY-MM-DD with a real month and day. */
static bool iso_date(const char *s)
{
    int y, m, d;
    char tail;
    if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
        return false;
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return s[4] == '-' && s[7] == '-' && m >= 1 && m <= 12 && d >= 1 && d <= days[m - 1];
}

static int run(int argc, char **argv)
{
    run_opts o = {NULL, NULL, NULL, false};
    int rc = parse(argc, argv, &cli_run, true, &o);
    if (rc != 0)
        return rc == 1 ? EXIT_OK : rc;
    if (o.date != NULL && !iso_date(o.date))
        return cli_usage_error("run", "--date wants a date as YYYY-MM-DD, got '%s'", o.date);
    if (o.out != NULL && o.out[0] == '\0')
        return cli_usage_error("run", "--out wants a folder");
    coh_study *s = NULL;
    coh_error err;
    coh_status st = coh_study_load(o.path, &s, &err);
    if (st != COH_OK)
        return study_fail(st, err.msg);
    coh_study_run_options ro = {o.out, o.date, false, o.quiet ? NULL : stdout};
    st = coh_study_run(s, &ro, &err);
    if (st != COH_OK) {
        coh_study_free(s);
        return study_fail(st, err.msg);
    }
    char dir[1100];
    if (o.out == NULL)
        snprintf(dir, sizeof dir, "out/%s", s->name);
    else
        snprintf(dir, sizeof dir, "%s", o.out);
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/')
        dir[--dl] = '\0';
    if (!o.quiet)
        printf("report: %s/report.html (also report.md, results.json, tables/, figures/)\n",
               dir);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        coh_study_free(s);
        fprintf(stderr, "cohort: cannot write the summary to standard output (the report is "
                        "written)\n");
        return EXIT_IO;
    }
    coh_study_free(s);
    return EXIT_OK;
}

static int check(int argc, char **argv)
{
    run_opts o = {NULL, NULL, NULL, false};
    int rc = parse(argc, argv, &cli_check, false, &o);
    if (rc != 0)
        return rc == 1 ? EXIT_OK : rc;
    coh_study *s = NULL;
    coh_table *t = NULL;
    coh_study_flow *flow = NULL;
    coh_error err;
    coh_status st = coh_study_load(o.path, &s, &err);
    if (st == COH_OK)
        st = coh_study_data(s, &t, &flow, &err);
    if (st == COH_OK)
        st = coh_study_check_columns(s, t, &err);
    if (st != COH_OK) {
        rc = study_fail(st, err.msg);
    } else {
        printf("%s: the study file and its data are usable\n", o.path);
        for (size_t i = 0; i < flow->n_steps; i++) {
            static const char *const kinds[] = {"source", "excluded", "eligible", "group"};
            printf("  %-9s %8.0f  ", kinds[flow->steps[i].kind], flow->steps[i].n);
            cli_put_clean(flow->steps[i].label, stdout);
            putchar('\n');
        }
        printf("  %zu rows and %zu columns to analyse; %zu tables, %zu survival analyses, %zu "
               "Cox models\n",
               t->n_rows, t->n_cols, s->n_tables, s->n_km, s->n_cox);
    }
    coh_study_flow_free(flow);
    coh_table_free(t);
    coh_study_free(s);
    return rc;
}

const cli_command cli_run = {
    "run", run, "run a whole study from its YAML file and write the report",
    "usage: cohort run STUDY.yaml [--out DIR] [--date YYYY-MM-DD] [--quiet]\n"
    "\n"
    "Reads the study file (docs/study.md), its data sources, derives the\n"
    "variables, selects the cohort, and runs every table, survival analysis\n"
    "and Cox model it lists.  Writes DIR (default out/<study>): report.html\n"
    "(one self-contained page), report.md, results.json, tables/ (CSV, XLSX),\n"
    "figures/ (SVG, PDF, PNG with their numbers as CSV), warnings.txt; whole\n"
    "or not at all.  The same inputs give the same files, except the line\n"
    "with the run date (--date fixes it).  Then prints the headline results\n"
    "(the study's published-vs-reproduced table, else its Results\n"
    "sentences) and where the report is; --quiet prints nothing.\n",
    false};

const cli_command cli_check = {
    "check", check, "check a study file and its data without running the analyses",
    "usage: cohort check STUDY.yaml\n"
    "\n"
    "Reads the study file and its data sources, derives the variables and\n"
    "selects the cohort as 'cohort run' does, checks that every variable the\n"
    "analyses name exists, and prints the selection's counts.  Errors name\n"
    "the study file's line and column.\n",
    false};
