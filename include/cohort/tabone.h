/* cohort/tabone.h - descriptive tables with group comparisons ("Table 1"):
 * per variable and per group, counts with percentages for categorical
 * variables and median (IQR) or mean (SD) for continuous ones, a Missing
 * row, a p-value tied to the name of its test, and standardised mean
 * differences.  The tests are those of htest.h; the summaries and the rules
 * that choose a test are in docs/methods.md section 22.
 *
 * Two steps: coh_tabone_build computes every number and the text of every
 * cell (so that all output formats show the same text); the writers render
 * a built table as text, Markdown, CSV, HTML, JSON or XLSX.
 */
#ifndef COHORT_TABONE_H
#define COHORT_TABONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cohort/status.h"
#include "cohort/table.h"

typedef enum coh_tabone_kind {
    COH_TABONE_AUTO = 0,     /* categorical and string columns are
                                categorical; numbers and dates continuous,
                                except integer columns with at most
                                `auto_levels` distinct values (stated in a
                                note) */
    COH_TABONE_CATEGORICAL,
    COH_TABONE_CONTINUOUS
} coh_tabone_kind;

typedef enum coh_tabone_summary {
    COH_TABONE_MEDIAN_IQR = 0, /* median (Q1-Q3), quantile type 7 */
    COH_TABONE_MEAN_SD,        /* mean (SD) */
    COH_TABONE_BOTH            /* both, on two lines */
} coh_tabone_summary;

typedef enum coh_tabone_cat_test {
    COH_TABONE_CAT_AUTO = 0,   /* Pearson chi-square; Fisher's exact test when
                                  an expected count is below 5 */
    COH_TABONE_CAT_PEARSON,    /* chi-square without continuity correction */
    COH_TABONE_CAT_YATES,      /* with Yates's correction (2 x 2 only; larger
                                  tables as Pearson, as R's chisq.test) */
    COH_TABONE_CAT_FISHER,
    COH_TABONE_CAT_NONE
} coh_tabone_cat_test;

typedef enum coh_tabone_cont_test {
    COH_TABONE_CONT_RANK = 0,  /* Mann-Whitney U; Kruskal-Wallis for > 2 groups */
    COH_TABONE_CONT_WELCH,     /* Welch's t-test; Welch's ANOVA for > 2 groups */
    COH_TABONE_CONT_STUDENT,   /* Student's t-test; one-way ANOVA for > 2 groups */
    COH_TABONE_CONT_NONE
} coh_tabone_cont_test;

typedef enum coh_tabone_missing {
    COH_TABONE_MISSING_IFANY = 0, /* a Missing row where a value is missing */
    COH_TABONE_MISSING_ALWAYS,
    COH_TABONE_MISSING_NO
} coh_tabone_missing;

typedef enum coh_tabone_percent {
    COH_TABONE_PCT_COLUMN = 0, /* of the group's non-missing values */
    COH_TABONE_PCT_ROW         /* of the level's non-missing values over the groups */
} coh_tabone_percent;

/* One variable (row block) of the table. */
typedef struct coh_tabone_var {
    const char *name;            /* column name */
    const char *label;           /* shown instead of the column's label or
                                    name; NULL: column label, else name */
    const char *section;         /* a heading row before this variable, or NULL */
    coh_tabone_kind kind;
    int digits;                  /* decimals of continuous summaries; < 0:
                                    the spec's */
    const char *const *levels;   /* categorical: the levels to show, in this
                                    order (value or label); the others
                                    follow in data order.  NULL: data order */
    size_t n_levels;
} coh_tabone_var;

typedef struct coh_tabone_spec {
    const char *by;              /* grouping column; NULL: one column, all rows */
    const char *const *by_levels;/* order of the groups (value or label); NULL:
                                    the column's level order */
    size_t n_by_levels;
    const coh_tabone_var *vars;
    size_t n_vars;
    const uint8_t *keep;         /* rows to use (1 = use), or NULL for all */
    coh_tabone_summary summary;
    bool minmax;                 /* add a "min-max" line to continuous variables */
    coh_tabone_cat_test cat_test;
    coh_tabone_cont_test cont_test;
    bool wilcox_correct;         /* continuity correction (R's default: true) */
    bool wilcox_exact;           /* exact p for small samples without ties
                                    (R's default: true) */
    bool overall;                /* an "All" column first (default: no, as tableone) */
    const char *overall_label;   /* its header; NULL: "All" */
    coh_tabone_missing missing;
    coh_tabone_percent percent;
    bool smd;                    /* a standardised mean difference column */
    int digits;                  /* decimals of continuous summaries (1) */
    int pct_digits;              /* decimals of percentages (1) */
    int p_digits;                /* significant digits of p (2) */
    double fisher_below;         /* auto: Fisher when an expected count < this (5) */
    size_t many_levels;          /* warn above this many levels (50) */
    size_t auto_levels;          /* see COH_TABONE_AUTO (5); 0: never */
} coh_tabone_spec;

/* The defaults above: R's choices where R has one. */
void coh_tabone_spec_init(coh_tabone_spec *s);

typedef enum coh_tabone_row_kind {
    COH_TABONE_ROW_N = 0,    /* "n": the number of rows per group */
    COH_TABONE_ROW_SECTION,  /* a heading; no cells */
    COH_TABONE_ROW_VARIABLE, /* a categorical variable's name; carries p and SMD */
    COH_TABONE_ROW_LEVEL,    /* one level: n (%) */
    COH_TABONE_ROW_SUMMARY,  /* a continuous variable's summary line; the
                                first one carries p and SMD, except that
                                t-tests and ANOVA put them on the mean (SD)
                                line when it is not the first */
    COH_TABONE_ROW_MISSING   /* the variable's missing count per group */
} coh_tabone_row_kind;

/* One cell: the numbers behind it and its text. */
typedef struct coh_tabone_cell {
    double n;        /* count of the level, of missing values, or of
                        non-missing values (summary lines) */
    double pct;      /* percentage; NAN where none */
    double median, q1, q3, mean, sd, min, max; /* summary lines; NAN otherwise
                                                  or when no value */
    char *text;      /* e.g. "195 (66.6%)", "61.0 (53.0–69.0)", "10", "–" */
} coh_tabone_cell;

typedef struct coh_tabone_row {
    coh_tabone_row_kind kind;
    char *variable;      /* column name; NULL for N and SECTION rows */
    char *label;         /* first-column text: variable label, level,
                            "Missing", or the summary's name */
    char *level;         /* LEVEL rows: the level's stored value; else NULL */
    char *stat;          /* SUMMARY rows: "median_iqr", "mean_sd", "min_max" */
    coh_tabone_cell *cells; /* n_cols cells (NULL for SECTION rows) */
    double p;            /* NAN when no test or not testable */
    int test;            /* index into coh_tabone.tests, or -1 */
    char *p_text;        /* "0.005", "< 0.001", "–" or "" (rows without p) */
    double smd;          /* NAN when none */
    char *smd_text;
} coh_tabone_row;

typedef struct coh_tabone_test {
    char *name;          /* e.g. "Pearson's chi-square test" */
    int footnote;        /* 1-based footnote mark (a, b, ...) = index + 1 */
} coh_tabone_test;

typedef struct coh_tabone {
    size_t n_cols;          /* overall column (if any) first, then the groups */
    char **col_labels;      /* group text as shown, e.g. "HAIP" */
    char **col_levels;      /* group stored values (overall: NULL) */
    double *col_n;          /* rows per column */
    bool has_overall;
    size_t n_groups;        /* groups compared (n_cols minus the overall) */
    char *by;               /* grouping column name, or NULL */
    char *by_label;         /* its label or name, or NULL */
    coh_tabone_row *rows;
    size_t n_rows;
    coh_tabone_test *tests; /* the tests used, in order of first use */
    size_t n_tests;
    char **notes;           /* footnotes: summaries, tests, choices made */
    size_t n_notes;
    char **warnings;        /* problems the reader should know of */
    size_t n_warnings;
    size_t n_used;          /* rows in the table */
    size_t n_by_missing;    /* rows left out: grouping value missing */
    /* method record */
    coh_tabone_spec spec;   /* a copy of the scalar options (pointers NULL) */
} coh_tabone;

/* Build the table of `spec` over `t`.  Errors (COH_ENOTFOUND for an unknown
 * column, COH_EINVAL for a bad option, COH_EDOMAIN when no row is left)
 * come with a message in `err`.  Statistical problems (a group with one
 * level, a constant variable, all values missing, zero expected counts)
 * are not errors: the cells and p say what can be said, and a warning
 * says why.  No cell text is ever "NaN". */
coh_status coh_tabone_build(const coh_table *t, const coh_tabone_spec *spec, coh_tabone **out,
                            coh_error *err);
void coh_tabone_free(coh_tabone *tab);

typedef enum coh_tabone_format {
    COH_TABONE_TEXT = 0,  /* aligned columns for a terminal */
    COH_TABONE_MARKDOWN,  /* a pipe table with footnotes */
    COH_TABONE_CSV,       /* one line per row, header first */
    COH_TABONE_HTML,      /* one self-contained page, every text escaped */
    COH_TABONE_JSON,      /* stable keys, docs/cli.md */
    COH_TABONE_HTML_FRAGMENT /* the <table> and its notes only, for a page
                                that holds several (the study report) */
} coh_tabone_format;

/* Parse "text", "markdown" (or "md"), "csv", "html", "json" (lower case,
 * exactly); COH_EINVAL
 * otherwise ("xlsx" is written by coh_tabone_write_xlsx). */
coh_status coh_tabone_format_parse(const char *s, coh_tabone_format *out);

/* Write `tab` to `out`.  `title` (may be NULL) heads the HTML page and the
 * Markdown and text output.  COH_EIO when writing fails, COH_ENOMEM when
 * memory runs out, COH_EINVAL for an unknown format or NULL arguments. */
coh_status coh_tabone_write(const coh_tabone *tab, coh_tabone_format fmt, const char *title,
                            FILE *out);
/* Write `tab` as an Excel workbook (one sheet) to `path`, whole or not at
 * all (a temporary file renamed into place).  COH_EIO (naming the path),
 * COH_ENOMEM, or COH_EINVAL for NULL arguments or a table beyond the
 * sheet's limits.  (libxlsxwriter prints its own "[ERROR]" lines to
 * standard error on failure; they cannot be turned off.) */
coh_status coh_tabone_write_xlsx(const coh_tabone *tab, const char *title, const char *path,
                                 coh_error *err);

/* A grid: a table of ready-made text cells (the study report's survival
 * summaries and Cox tables), written as CSV or XLSX as Table 1 is. */
typedef struct coh_grid {
    const char *title;        /* the sheet's first line, or NULL */
    const char *const *head;  /* nc header cells */
    size_t nc;
    const char *const *cells; /* nr * nc, row by row (NULL cells are empty) */
    size_t nr;
    const uint8_t *section;   /* nr flags: a heading row (its first cell
                                 only, bold), or NULL */
    const char *const *notes; /* lines under the table */
    size_t n_notes;
} coh_grid;

/* The header and the rows as CSV (RFC 4180 quoting; no title or notes; a
 * heading row writes its first cell only).  COH_EINVAL for a grid without
 * columns, COH_EENCODING when a text is not valid UTF-8, COH_EIO when
 * writing fails. */
coh_status coh_grid_write_csv(const coh_grid *g, FILE *out);
/* The grid as an Excel workbook, whole or not at all (as
 * coh_tabone_write_xlsx); COH_EENCODING for a text that is not valid
 * UTF-8.  A text longer than a cell holds (32767 characters) is cut there
 * with an ellipsis, in this and in coh_tabone_write_xlsx. */
coh_status coh_grid_write_xlsx(const coh_grid *g, const char *path, coh_error *err);

#endif
