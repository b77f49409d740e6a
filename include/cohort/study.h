/* cohort/study.h - a whole study from one YAML file: `cohort run` and
 * `cohort check`.
 *
 * A study file names its data sources and how each maps onto one common
 * set of columns (SQL), derives variables (SQL expressions, in order),
 * selects the cohort step by step (include/exclude with a label; the
 * counts become the flow diagram), splits it into the compared groups,
 * describes the variables, and lists the analyses: descriptive tables,
 * Kaplan-Meier analyses per endpoint, Cox models.  docs/study.md gives
 * every key.
 *
 * Three steps, each its own function so that `cohort check` can stop
 * after the second:
 *   coh_study_load   read and validate the file (errors name the file,
 *                    line and column of the study file)
 *   coh_study_data   read the sources, stack, derive, select: the
 *                    analysis table and the flow counts (errors name the
 *                    source or the step)
 *   coh_study_run    every analysis, and the report written to a folder
 *                    whole or not at all
 */
#ifndef COHORT_STUDY_H
#define COHORT_STUDY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cohort/cox.h"
#include "cohort/coxsel.h"
#include "cohort/km.h"
#include "cohort/plot.h"
#include "cohort/status.h"
#include "cohort/survdiff.h"
#include "cohort/table.h"
#include "cohort/tabone.h"

/* Where a key was written in the study file, for messages. */
typedef struct coh_study_pos {
    size_t line, column; /* 1-based; 0 when not from the file */
} coh_study_pos;

typedef struct coh_study_source {
    char *name;          /* e.g. "MSKCC"; the value of the `source` column */
    char *file;          /* path as written (relative to the study file) */
    char *path;          /* resolved path */
    char *table;         /* SQLite: a table, or NULL */
    char *query;         /* SQLite: a query, or NULL */
    char *select;        /* SQL over the source's rows, as the table
                            "source": the common columns; NULL = SELECT * */
    char **na;           /* extra missing-value tokens, or NULL */
    size_t n_na;
    coh_study_pos pos;
} coh_study_source;

typedef struct coh_study_derive {
    char *name;
    char *expr;          /* SQL expression over the columns so far */
    coh_study_pos pos;
} coh_study_derive;

typedef struct coh_study_step {
    bool include;        /* include: keep rows where `when` is true;
                            exclude: drop them */
    char *label;         /* the reason, as the flow diagram shows it */
    char *when;          /* SQL condition */
    coh_study_pos pos;
} coh_study_step;

typedef struct coh_study_variable {
    char *name;
    char *label;         /* NULL: the name */
    char *unit;          /* NULL: none */
    coh_tabone_kind kind; /* categorical / continuous / auto */
    char **levels;       /* stored values in the order to show, or NULL */
    char **level_labels; /* display text per level (NULL entries: the value) */
    size_t n_levels;
    char *reference;     /* reference level for Cox models, or NULL (first) */
    int digits;          /* -1: the option's */
    coh_study_pos pos;
} coh_study_variable;

typedef struct coh_study_table_row {
    char *section;       /* a heading row, or NULL */
    char *variable;      /* a variable, or NULL for a heading */
    coh_study_pos pos;
} coh_study_table_row;

typedef struct coh_study_table {
    char *name;          /* file names: tables/NAME.csv ... */
    char *title;
    char *by;            /* NULL: the cohort's groups; "none": one column */
    char *where;         /* a subgroup (SQL), or NULL */
    char *subgroup;      /* its name in the report's sentences, or NULL */
    coh_study_table_row *rows;
    size_t n_rows;
    bool overall;        /* an "All" column (default true) */
    bool smd;
    coh_study_pos pos;
} coh_study_table;

typedef struct coh_study_endpoint {
    char *name;          /* e.g. "os" */
    char *label;         /* "Overall survival" */
    char *time;          /* column of the time */
    char *event;         /* column of the event indicator (1 = event) */
    char *unit;          /* "months" */
    coh_study_pos pos;
    coh_study_pos time_pos, event_pos; /* where `time` and `event` were written */
} coh_study_endpoint;

typedef struct coh_study_km {
    char *name;
    char *title;
    char *endpoint;      /* name of an endpoint */
    char *by;            /* NULL: the cohort's groups; "none": one curve */
    char *where;         /* subgroup, or NULL */
    char *subgroup;      /* its name in the report's sentences, or NULL */
    double *times;       /* survival at these times */
    size_t n_times;
    bool followup;       /* median follow-up (default true) */
    bool ci;             /* bands in the figure */
    int median_ci;       /* -1: options.median_ci; 0: Brookmeyer-Crowley; 1: SPSS */
    double x_max, x_step; /* the figure's time axis; NAN: automatic */
    coh_study_pos pos;
} coh_study_km;

typedef struct coh_study_cox {
    char *name;
    char *title;
    char *endpoint;
    char *where;
    char *subgroup;      /* its name in the report's sentences, or NULL */
    char **terms;        /* candidate variables */
    coh_study_pos *term_pos; /* n_terms: where each term was written */
    char **term_section; /* n_terms: a heading shown before the term in
                            the model's table, or NULL */
    size_t n_terms;
    bool univariable;    /* each term alone (default true) */
    bool select;         /* a multivariable model with selection
                            (method != COH_SELECT_NONE) */
    coh_select_method method;  /* none (default: one model of all terms) */
    double entry;        /* univariable screen p <= entry; NAN: none (default) */
    double stay;         /* stay while p <= stay (0.2) */
    coh_study_pos pos;
} coh_study_cox;

/* One line of the report's "Published vs reproduced" table: a number a
 * paper printed beside the same number computed here, found in
 * results.json by its path (e.g. "survival[1].groups[0].median.estimate"). */
typedef struct coh_study_published {
    char *label;         /* "Median OS, HAIP (months)" */
    char *published;     /* as printed: "89 (95% CI 60-NR)" */
    char *value;         /* path of the reproduced number */
    char *lower, *upper; /* paths of its interval, or NULL */
    int digits;          /* decimals shown (default 2) */
    double scale;        /* multiply by this before showing (100: percent; default 1) */
    bool p_value;        /* `format: p`: shown as the report's p-values */
    bool optional;       /* `optional: true`: a [key=value] of `value` that
                            matches nothing (a term the selection removed)
                            shows "not in these results"; otherwise an error */
    coh_study_pos pos;
} coh_study_published;

/* Every method choice, with its default, recorded in the report. */
typedef struct coh_study_options {
    coh_ties ties;               /* efron */
    coh_conf_type conf_type;     /* log */
    double conf_level;           /* 0.95 */
    bool median_ci_spss;         /* false: Brookmeyer-Crowley as R */
    coh_test_kind test;          /* log-rank */
    coh_tabone_cat_test cat_test;        /* auto */
    coh_tabone_cont_test cont_test;      /* rank */
    bool mw_continuity;          /* true, as R */
    coh_tabone_summary summary;  /* median (IQR) */
    int digits;                  /* 1 */
    int p_digits;                /* 2 */
    coh_select_test select_test; /* Wald */
    coh_screen_rows screen_rows; /* available: the entry screen on each
                                    term's own complete cases, as the
                                    univariable column shows them */
} coh_study_options;

typedef struct coh_study {
    char *file;          /* the study file as given */
    char *dir;           /* its folder (relative paths start there) */
    char *name;          /* `study`: short name, also the output folder */
    char *title;
    char *description;
    coh_study_source *sources;
    size_t n_sources;
    coh_study_derive *derive;
    size_t n_derive;
    coh_study_step *steps;
    size_t n_steps;
    char *group_var;     /* cohort.groups.variable, or NULL */
    coh_study_pos group_pos; /* where it was written */
    char *group_label;
    char **group_order;  /* order of the groups (values), or NULL */
    size_t n_group_order;
    coh_study_variable *vars;
    size_t n_vars;
    coh_study_table *tables;
    size_t n_tables;
    coh_study_endpoint *endpoints;
    size_t n_endpoints;
    coh_study_km *km;
    size_t n_km;
    coh_study_cox *cox;
    size_t n_cox;
    coh_study_options options;
    coh_study_published *published; /* `published`: the table that opens
                                       the report, or none */
    size_t n_published;
    char *published_note;            /* `published_note`: what the
                                        comparison means, or NULL */
} coh_study;

/* Read and check the study file: unknown keys, wrong types, missing
 * required keys and references to unknown endpoints or variables
 * (variables are checked against the data later, by coh_study_data) are
 * COH_EPARSE / COH_EINVAL with "FILE:LINE:COL: ..." in err. */
coh_status coh_study_load(const char *path, coh_study **out, coh_error *err);
void coh_study_free(coh_study *s);

/* The counts of cohort selection, in order: one per source (the rows
 * read), then one per step (n before, n after), then one per group. */
typedef struct coh_study_flow {
    coh_flow_step *steps; /* as coh_plot_flow takes them */
    size_t n_steps;
    char **labels;        /* storage behind steps[].label */
    size_t *source_rows;  /* per source: rows read */
} coh_study_flow;

/* The analysis table: every source read, mapped by its SQL, stacked
 * with a `source` column, the derived columns added in order, the steps
 * applied.  Variables' types, levels, labels and references are applied.
 * A step that leaves no row is COH_EDOMAIN naming the step; SQL errors
 * name the source, derived variable or step and the study file's line. */
coh_status coh_study_data(const coh_study *s, coh_table **table, coh_study_flow **flow,
                          coh_error *err);
void coh_study_flow_free(coh_study_flow *f);

/* Every variable the analyses name (table rows and groups, endpoints'
 * time and event, survival groups, Cox terms) is a column of `t`:
 * COH_ENOTFOUND "FILE:LINE:COL: table 'x': no variable 'y'" otherwise.
 * coh_study_run calls it; `cohort check` too. */
coh_status coh_study_check_columns(const coh_study *s, const coh_table *t, coh_error *err);

typedef struct coh_study_run_options {
    const char *out_dir;     /* NULL: out/<study name> */
    const char *run_date;    /* the one line that may differ between runs;
                                NULL: today (UTC, YYYY-MM-DD) */
    bool quiet;
    FILE *summary;           /* the headline results as text (the published
                                table, else the Results sentences), written
                                after the report is in place; NULL: none */
} coh_study_run_options;

/* Run every analysis and write the report folder: report.html,
 * report.md, results.json, tables/ (CSV, XLSX), figures/ (SVG, PDF, PNG),
 * warnings.txt.  Written to a temporary folder beside out_dir and renamed
 * into place only when everything succeeded. */
coh_status coh_study_run(const coh_study *s, const coh_study_run_options *o, coh_error *err);

#endif
