/* test_golden_tabone.c - descriptive tables (coh_tabone_build) on real data
 * against the numbers R computed: every cell (counts, column percentages,
 * missing counts, median, quartiles, mean, SD, minimum, maximum), every
 * p-value under each test option, and the SMDs.  tests/golden/tabone/make.R
 * wrote the expected files; tests/golden/tabone/README.md says what each
 * holds.  Run from the repository root.
 *
 * cases.csv lists the variables of each table (case, data file, grouping
 * column, variable, kind).  For each case the test builds four tables that
 * differ only in their test options, so that every p-value R gives has a
 * table that shows it:
 *
 *   A  Pearson chi-square, Mann-Whitney (continuity correction) / Kruskal
 *   B  Yates,              Welch t / Welch's ANOVA
 *   C  Fisher,             Mann-Whitney without correction / Kruskal
 *   D  auto (Fisher when an expected count < 5), Student t / one-way ANOVA
 *
 * Cells, SMDs and the table's counts are compared on table A.  Then two
 * invariances, on tables A and C: the data with their rows in reverse
 * order give the same table, and the grouping column recoded to letters
 * in the reverse order of its levels ("B", "A" for two groups) gives the
 * same table with the group columns reversed.
 *
 * Tolerance: counts exact; other numbers |got - want| <= 1e-12 |want|.
 * Fisher's p: 1e-11 against p_fisher_enum (every table summed); against
 * R's fisher.test 1e-9 on 2 x c tables, but 1e-6 on r x c ones with r, c
 * >= 3, where R's FEXACT merges network nodes whose log probabilities
 * agree within 3.45e-7 (pbc_stage status: R is 4.7e-7 off the sum over
 * all 470 million tables, Cohort 1e-13).  SMDs also pass within 1e-14
 * absolute: a small SMD is a difference of two nearly equal means, good
 * to about ulp(mean) / SD, not to a relative 1e-12.  The invariances use
 * the same tolerances (1e-12, SMD 1e-14 absolute) and texts must be
 * equal; with the rows reversed every number must also be bit-identical
 * (the builder sums sorted values), while renamed groups change the order
 * of the groups in the sums, so there the count of values that are not
 * bit-identical is only printed.  For
 * each quantity the largest relative difference found goes to stdout with
 * its place.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "cohort/cohort.h"

#define DIR "tests/golden/tabone/"
#define DATA_DIR "tests/golden/data/"
#define REL_TOL 1e-12
#define EXACT_P_TOL 1e-9
#define FEXACT_RC_TOL 1e-6
#define ENUM_TOL 1e-11
#define SMD_ABS_TOL 1e-14   /* an SMD is a difference of means over an SD:
                               its error is absolute, ~ ulp(mean) / SD */
#define SAME_TOL 1e-12
#define MAX_SHOWN 10        /* failures printed per quantity */
#define MAX_QUANTITIES 64
#define MAX_VARS 32
#define N_BUILDS 4

/* ---- tally of the comparisons ------------------------------------------ */

typedef struct quantity {
    char name[48];
    double max_diff;        /* largest relative difference (absolute at 0) */
    char where[200];
    size_t compared, failed;
    size_t not_identical;   /* invariances: equal only within SAME_TOL */
} quantity;

typedef struct tally {
    quantity q[MAX_QUANTITIES];
    size_t n;
    size_t calls;           /* compare() calls so far */
} tally;

static quantity *quantity_of(tally *ty, const char *name)
{
    for (size_t k = 0; k < ty->n; k++)
        if (strcmp(ty->q[k].name, name) == 0)
            return &ty->q[k];
    if (ty->n == MAX_QUANTITIES) {
        fprintf(stderr, "test_golden_tabone: more than %d quantities\n", MAX_QUANTITIES);
        exit(2);
    }
    quantity *q = &ty->q[ty->n++];
    memset(q, 0, sizeof *q);
    snprintf(q->name, sizeof q->name, "%s", name);
    return q;
}

/* Compare `got` with `want` under `name`: equal, within tol |want| (tol
 * 0: exactly), or within abs_tol.  NaN matches only NaN. */
static void compare_abs(tally *ty, const char *name, double got, double want, double tol,
                        double abs_tol, const char *where)
{
    quantity *q = quantity_of(ty, name);
    q->compared++;
    ty->calls++;
    bool ok;
    if (isnan(got) || isnan(want)) {
        ok = isnan(got) && isnan(want);
        if (!ok && q->max_diff < INFINITY) {
            q->max_diff = INFINITY;
            snprintf(q->where, sizeof q->where, "%s", where);
        }
    } else {
        double d = fabs(got - want);
        double rel = want != 0 ? d / fabs(want) : d;
        ok = got == want || d <= tol * fabs(want) || d <= abs_tol;
        if (rel > q->max_diff) {
            q->max_diff = rel;
            snprintf(q->where, sizeof q->where, "%s", where);
        }
    }
    if (ok) {
        check_passed++;
        return;
    }
    check_failed++;
    if (q->failed++ < MAX_SHOWN)
        fprintf(stderr, "FAIL %s: got %.17g, want %.17g at %s\n", name, got, want, where);
}

static void compare(tally *ty, const char *name, double got, double want, double tol,
                    const char *where)
{
    compare_abs(ty, name, got, want, tol, 0, where);
}

/* ---- files -------------------------------------------------------------- */

static coh_table *load(const char *path, const coh_read_options *opts)
{
    coh_table *t = NULL;
    coh_error e;
    if (coh_read(path, opts, &t, &e) != COH_OK) {
        CHECK_FAIL_("%s", e.msg);
        return NULL;
    }
    return t;
}

/* A golden file, its columns `text_cols` (NULL-terminated) read as text
 * whatever they hold ("0.5" stays "0.5"). */
static coh_table *load_golden(const char *path, const char *const *text_cols)
{
    coh_col_type types[16];
    size_t n = 0;
    for (; text_cols[n] != NULL && n < 16; n++) {
        types[n].column = text_cols[n];
        types[n].type = COH_STRING;
    }
    coh_read_options o;
    coh_read_options_init(&o);
    o.col_types = types;
    o.n_col_types = n;
    return load(path, &o);
}

/* Text of text column `name` at row i; "" when missing. */
static const char *text(const coh_table *t, const char *name, size_t i)
{
    const coh_column *c = coh_table_find(t, name);
    if (c == NULL || coh_type_is_numeric(c->type) || coh_column_is_na(c, i))
        return "";
    return c->levels[c->code[i]];
}

/* ---- finding things in a built table ------------------------------------ */

/* Column index of "All" (the overall column) or of a group's stored
 * value, or -1. */
static long col_index(const coh_tabone *tab, const char *column)
{
    for (size_t k = 0; k < tab->n_cols; k++) {
        if (tab->col_levels[k] == NULL) {
            if (strcmp(column, "All") == 0)
                return (long)k;
        } else if (strcmp(tab->col_levels[k], column) == 0) {
            return (long)k;
        }
    }
    return -1;
}

/* The first row of `kind` for `variable` (and `level` or `stat` where
 * given), or NULL. */
static const coh_tabone_row *find_row(const coh_tabone *tab, coh_tabone_row_kind kind,
                                      const char *variable, const char *level, const char *stat)
{
    for (size_t r = 0; r < tab->n_rows; r++) {
        const coh_tabone_row *row = &tab->rows[r];
        if (row->kind != kind || row->variable == NULL || strcmp(row->variable, variable) != 0)
            continue;
        if (level != NULL && (row->level == NULL || strcmp(row->level, level) != 0))
            continue;
        if (stat != NULL && (row->stat == NULL || strcmp(row->stat, stat) != 0))
            continue;
        return row;
    }
    return NULL;
}

/* The row that carries a variable's p and SMD: a categorical variable's
 * name row; of a continuous variable's summary lines, the one with a test
 * or an SMD (the builder puts them on the mean line for t-tests and ANOVA
 * when there is one), else the first. */
static const coh_tabone_row *test_row(const coh_tabone *tab, const char *variable,
                                      bool categorical)
{
    if (categorical)
        return find_row(tab, COH_TABONE_ROW_VARIABLE, variable, NULL, NULL);
    for (size_t r = 0; r < tab->n_rows; r++) {
        const coh_tabone_row *row = &tab->rows[r];
        if (row->kind == COH_TABONE_ROW_SUMMARY && row->variable != NULL &&
            strcmp(row->variable, variable) == 0 &&
            (row->test >= 0 || !isnan(row->p) || !isnan(row->smd)))
            return row;
    }
    return find_row(tab, COH_TABONE_ROW_SUMMARY, variable, NULL, NULL);
}

/* ---- one case ------------------------------------------------------------ */

typedef struct tcase {
    const char *name, *file, *by;
    coh_tabone_var vars[MAX_VARS];
    size_t n_vars;
} tcase;

/* Options of table b (A-D above). */
static void spec_of(const tcase *c, int b, const char *by, coh_tabone_spec *s)
{
    coh_tabone_spec_init(s);
    s->by = by;
    s->vars = c->vars;
    s->n_vars = c->n_vars;
    s->summary = COH_TABONE_BOTH;
    s->minmax = true;
    s->overall = true;
    s->smd = true;
    static const coh_tabone_cat_test cat[N_BUILDS] = {COH_TABONE_CAT_PEARSON, COH_TABONE_CAT_YATES,
                                                      COH_TABONE_CAT_FISHER, COH_TABONE_CAT_AUTO};
    static const coh_tabone_cont_test cont[N_BUILDS] = {COH_TABONE_CONT_RANK, COH_TABONE_CONT_WELCH,
                                                        COH_TABONE_CONT_RANK,
                                                        COH_TABONE_CONT_STUDENT};
    s->cat_test = cat[b];
    s->cont_test = cont[b];
    s->wilcox_correct = b != 2;
}

static coh_tabone *build(const coh_table *data, const coh_tabone_spec *s, const char *what)
{
    coh_tabone *tab = NULL;
    coh_error e;
    coh_error_clear(&e);
    coh_status st = coh_tabone_build(data, s, &tab, &e);
    if (st != COH_OK || tab == NULL) {
        CHECK_FAIL_("%s: coh_tabone_build: %s: %s", what, coh_status_str(st), e.msg);
        coh_tabone_free(tab);
        return NULL;
    }
    check_passed++;
    return tab;
}

/* Which table shows p of kind `what`, and its tolerance; -1 if `what` is
 * not a p-value. */
static int build_of_p(const char *what, double *tol)
{
    static const struct {
        const char *what;
        int build;
        double tol;
    } map[] = {
        {"p_pearson", 0, REL_TOL},   {"p_wilcox", 0, REL_TOL},
        {"p_kruskal", 0, REL_TOL},   {"p_yates", 1, REL_TOL},
        {"p_welch", 1, REL_TOL},     {"p_anova_welch", 1, REL_TOL},
        {"p_anova", 3, REL_TOL},
        {"p_fisher", 2, EXACT_P_TOL}, {"p_fisher_enum", 2, ENUM_TOL},
        {"p_wilcox_nocorrect", 2, REL_TOL},
        {"p_auto", 3, EXACT_P_TOL},  {"p_student", 3, REL_TOL},
    };
    for (size_t k = 0; k < sizeof map / sizeof map[0]; k++)
        if (strcmp(map[k].what, what) == 0) {
            *tol = map[k].tol;
            return map[k].build;
        }
    return -1;
}

static bool is_categorical(const tcase *c, const char *variable)
{
    for (size_t k = 0; k < c->n_vars; k++)
        if (strcmp(c->vars[k].name, variable) == 0)
            return c->vars[k].kind == COH_TABONE_CATEGORICAL;
    return false;
}

/* The summary line that shows `what` (median_iqr, mean_sd, min_max). */
static const char *stat_of(const char *what)
{
    if (strcmp(what, "median") == 0 || strcmp(what, "q1") == 0 || strcmp(what, "q3") == 0)
        return "median_iqr";
    if (strcmp(what, "mean") == 0 || strcmp(what, "sd") == 0)
        return "mean_sd";
    if (strcmp(what, "min") == 0 || strcmp(what, "max") == 0)
        return "min_max";
    return NULL;
}

static double cell_value(const coh_tabone_cell *cl, const char *what)
{
    if (strcmp(what, "n") == 0 || strcmp(what, "missing") == 0)
        return cl->n;
    if (strcmp(what, "pct") == 0)
        return cl->pct;
    if (strcmp(what, "median") == 0)
        return cl->median;
    if (strcmp(what, "q1") == 0)
        return cl->q1;
    if (strcmp(what, "q3") == 0)
        return cl->q3;
    if (strcmp(what, "mean") == 0)
        return cl->mean;
    if (strcmp(what, "sd") == 0)
        return cl->sd;
    if (strcmp(what, "min") == 0)
        return cl->min;
    return cl->max;
}

/* The expected value of (case, variable, what) with empty level and
 * column, or NAN. */
static double expected_value(const coh_table *want, const char *case_name, const char *variable,
                             const char *what)
{
    const coh_column *value = coh_table_find(want, "value");
    for (size_t i = 0; i < want->n_rows; i++)
        if (strcmp(text(want, "case", i), case_name) == 0 &&
            strcmp(text(want, "variable", i), variable) == 0 &&
            strcmp(text(want, "what", i), what) == 0 && text(want, "column", i)[0] == '\0')
            return value->num[i];
    return NAN;
}

/* The tolerance of Fisher's p for `variable` of table `tab`: R's FEXACT
 * merges network nodes whose past probabilities agree within 3.45e-7
 * (f2xact's TOL, on the log scale), so on r x c tables with r, c >= 3 its
 * p is good to about 1e-6 only; on 2 x c tables make.R checks it against
 * full enumeration to 1e-9. */
static double fisher_tol(const coh_tabone *tab, const char *variable)
{
    size_t levels = 0;
    for (size_t r = 0; r < tab->n_rows; r++)
        if (tab->rows[r].kind == COH_TABONE_ROW_LEVEL && strcmp(tab->rows[r].variable, variable) == 0)
            levels++;
    return levels >= 3 && tab->n_groups >= 3 ? FEXACT_RC_TOL : EXACT_P_TOL;
}

/* Compare expected row i (of case `c`) with tables tabs[0..N_BUILDS). */
static void compare_row(const tcase *c, coh_tabone *const *tabs, const coh_table *want,
                        size_t i, tally *ty)
{
    const coh_tabone *A = tabs[0];
    const coh_column *value = coh_table_find(want, "value");
    const char *variable = text(want, "variable", i), *level = text(want, "level", i);
    const char *column = text(want, "column", i), *what = text(want, "what", i);
    double w = value->num[i];
    char where[200], qname[48];
    snprintf(where, sizeof where, "expected.csv:%zu (%s %s%s%s%s%s %s)", i + 2, c->name,
             variable, level[0] ? " = " : "", level, column[0] ? ", column " : "", column,
             what);
    bool counted = strcmp(what, "n") == 0 || strcmp(what, "missing") == 0 ||
                   strcmp(what, "n_used") == 0 || strcmp(what, "n_by_missing") == 0;
    double tol = counted ? 0 : REL_TOL;

    /* the table's counts */
    if (strcmp(what, "n_used") == 0) {
        compare(ty, "table n_used", (double)A->n_used, w, 0, where);
        return;
    }
    if (strcmp(what, "n_by_missing") == 0) {
        compare(ty, "table n_by_missing", (double)A->n_by_missing, w, 0, where);
        return;
    }
    long k = column[0] ? col_index(A, column) : -1;
    bool p_or_smd = strncmp(what, "p_", 2) == 0 || strcmp(what, "smd") == 0;
    if (k < 0 && !p_or_smd) {
        CHECK_FAIL_("%s: no column '%s' in the table", where, column);
        return;
    }
    if (variable[0] == '\0') {  /* rows per column */
        compare(ty, "table col_n", A->col_n[k], w, 0, where);
        const coh_tabone_row *nr = NULL;
        for (size_t r = 0; r < A->n_rows && nr == NULL; r++)
            if (A->rows[r].kind == COH_TABONE_ROW_N)
                nr = &A->rows[r];
        if (nr != NULL)
            compare(ty, "table n row", nr->cells[k].n, w, 0, where);
        return;
    }

    bool cat = is_categorical(c, variable);
    const char *kind = cat ? "cat" : "cont";
    /* p-values and SMD: one row per variable */
    double ptol = REL_TOL;
    int b = build_of_p(what, &ptol);
    if (b >= 0 || strcmp(what, "smd") == 0) {
        const coh_tabone *tab = b >= 0 ? tabs[b] : A;
        if (tab == NULL)
            return;
        const coh_tabone_row *row = test_row(tab, variable, cat);
        if (row == NULL) {
            CHECK_FAIL_("%s: no row carries the variable's p or SMD", where);
            return;
        }
        snprintf(qname, sizeof qname, "%s %s", kind, what);
        /* Fisher's p, or auto's when it is Fisher's (not Pearson's) */
        if (strcmp(what, "p_fisher") == 0 ||
            (strcmp(what, "p_auto") == 0 &&
             w != expected_value(want, c->name, variable, "p_pearson")))
            ptol = fisher_tol(tab, variable);
        if (b >= 0)
            compare(ty, qname, row->p, w, ptol, where);
        else
            compare_abs(ty, qname, row->smd, w, REL_TOL, SMD_ABS_TOL, where);
        return;
    }

    /* cells */
    const coh_tabone_row *row;
    if (strcmp(what, "missing") == 0) {
        row = find_row(A, COH_TABONE_ROW_MISSING, variable, NULL, NULL);
        snprintf(qname, sizeof qname, "%s missing", kind);
        if (row == NULL) {  /* missing = "ifany": no row when none is missing */
            compare(ty, qname, 0, w, 0, where);
            return;
        }
    } else if (cat) {
        row = find_row(A, COH_TABONE_ROW_LEVEL, variable, level, NULL);
        snprintf(qname, sizeof qname, "cat level %s", what);
    } else {
        const char *stat = stat_of(what);
        row = find_row(A, COH_TABONE_ROW_SUMMARY, variable, NULL, stat);
        snprintf(qname, sizeof qname, "cont %s", what);
    }
    if (row == NULL) {
        CHECK_FAIL_("%s: no such row in the table", where);
        return;
    }
    compare(ty, qname, cell_value(&row->cells[k], what), w, tol, where);
}

/* Compare every expected row of case `c` with tables tabs[0..N_BUILDS);
 * count the rows compared in *rows. */
static void compare_case(const tcase *c, coh_tabone *const *tabs, const coh_table *want,
                         tally *ty, size_t *rows)
{
    const coh_tabone *A = tabs[0];
    for (size_t i = 0; i < want->n_rows; i++) {
        if (strcmp(text(want, "case", i), c->name) != 0)
            continue;
        size_t before = ty->calls;
        compare_row(c, tabs, want, i, ty);
        if (ty->calls > before)
            (*rows)++;
    }

    /* no level R does not have, and the columns R has */
    for (size_t v = 0; v < c->n_vars; v++) {
        if (c->vars[v].kind != COH_TABONE_CATEGORICAL)
            continue;
        size_t r_levels = 0, c_levels = 0;
        for (size_t i = 0; i < want->n_rows; i++)
            if (strcmp(text(want, "case", i), c->name) == 0 &&
                strcmp(text(want, "variable", i), c->vars[v].name) == 0 &&
                strcmp(text(want, "column", i), "All") == 0 && strcmp(text(want, "what", i), "n") == 0)
                r_levels++;
        for (size_t r = 0; r < A->n_rows; r++)
            if (A->rows[r].kind == COH_TABONE_ROW_LEVEL &&
                strcmp(A->rows[r].variable, c->vars[v].name) == 0)
                c_levels++;
        char what[160];
        snprintf(what, sizeof what, "%s %s: number of levels", c->name, c->vars[v].name);
        check_int(c_levels, r_levels, what);
    }
    size_t r_cols = 0;
    for (size_t i = 0; i < want->n_rows; i++)
        if (strcmp(text(want, "case", i), c->name) == 0 && text(want, "variable", i)[0] == '\0' &&
            strcmp(text(want, "what", i), "n") == 0)
            r_cols++;
    char what[160];
    snprintf(what, sizeof what, "%s: number of columns", c->name);
    check_int(A->n_cols, r_cols, what);
    check(A->has_overall, what);
}

/* ---- invariances --------------------------------------------------------- */

/* A copy of `src` named `name`, with its rows reversed when `reverse`.
 * NULL when memory runs out. */
static coh_column *copy_column(const coh_column *src, const char *name, bool reverse)
{
    coh_column *c = coh_column_new(name, src->type, src->n);
    if (c == NULL)
        return NULL;
    if (src->label != NULL && coh_column_set_label(c, src->label) != COH_OK) {
        coh_column_free(c);
        return NULL;
    }
    if (!coh_type_is_numeric(src->type)) {
        c->levels = calloc(src->n_levels ? src->n_levels : 1, sizeof *c->levels);
        if (c->levels == NULL) {
            coh_column_free(c);
            return NULL;
        }
        c->n_levels = src->n_levels;
        for (size_t k = 0; k < src->n_levels; k++)
            if ((c->levels[k] = strdup(src->levels[k])) == NULL) {
                coh_column_free(c);
                return NULL;
            }
    }
    for (size_t i = 0; i < src->n; i++) {
        size_t j = reverse ? src->n - 1 - i : i;
        if (coh_column_is_na(src, j))
            continue;  /* a new column is all missing */
        if (coh_type_is_numeric(src->type)) {
            coh_column_set_num(c, i, src->num[j]);
        } else {
            c->code[i] = src->code[j];
            c->missing[i] = 0;
            c->n_missing--;
        }
    }
    return c;
}

static coh_table *reversed_table(const coh_table *t)
{
    coh_table *r = coh_table_new();
    coh_error e;
    for (size_t k = 0; r != NULL && k < t->n_cols; k++) {
        coh_column *c = copy_column(t->cols[k], t->cols[k]->name, true);
        if (c == NULL || coh_table_add_column(r, c, &e) != COH_OK) {
            coh_table_free(r);
            return NULL;
        }
    }
    return r;
}

/* Add to `t` a categorical column `name`: the groups of column `by` (in
 * the table's column order, col_levels of `tab`) recoded to letters in
 * reverse order, so that the last group becomes "A". */
static bool add_renamed(coh_table *t, const char *by, const coh_tabone *tab, const char *name)
{
    const coh_column *src = coh_table_find(t, by);
    size_t first = tab->has_overall ? 1 : 0, G = tab->n_groups;
    if (src == NULL || G == 0 || G > 26)
        return false;
    coh_column *c = coh_column_new(name, COH_CATEGORICAL, src->n);
    if (c == NULL)
        return false;
    c->levels = calloc(G, sizeof *c->levels);
    bool ok = c->levels != NULL;
    for (size_t g = 0; ok && g < G; g++) {
        char letter[2] = {(char)('A' + g), '\0'};
        ok = (c->levels[g] = strdup(letter)) != NULL;
        c->n_levels = g + 1;
    }
    for (size_t i = 0; ok && i < src->n; i++) {
        if (coh_column_is_na(src, i))
            continue;
        char buf[40];
        const char *v = buf;
        if (coh_type_is_numeric(src->type))
            coh_format_num(src->num[i], buf, sizeof buf);
        else
            v = src->levels[src->code[i]];
        size_t g = 0;
        while (g < G && strcmp(tab->col_levels[first + g], v) != 0)
            g++;
        if (g == G) {
            CHECK_FAIL_("add_renamed: value '%s' of '%s' is no column of the table", v, by);
            ok = false;
            break;
        }
        c->code[i] = (int32_t)(G - 1 - g);
        c->missing[i] = 0;
        c->n_missing--;
    }
    coh_error e;
    if (!ok) {
        coh_column_free(c);
        return false;
    }
    return coh_table_add_column(t, c, &e) == COH_OK;
}

static void same_value(tally *ty, const char *variant, const char *what, double got,
                       double want, const char *where)
{
    char name[48];
    snprintf(name, sizeof name, "%s %s", variant, what);
    if (!(isnan(got) && isnan(want)) && got != want) {
        quantity_of(ty, name)->not_identical++;
        /* the builder sorts each group's values before any sum, so the
         * order of the rows cannot change a single bit */
        if (strcmp(variant, "reversed") == 0)
            CHECK_FAIL_("%s: %s %.17g differs from %.17g with the rows reversed", where, what,
                        got, want);
    }
    compare_abs(ty, name, got, want, SAME_TOL, strcmp(what, "smd") == 0 ? SMD_ABS_TOL : 0, where);
}

/* Are tables a and b the same, b's group columns in the order `perm`
 * (b column perm[k] holds a's column k)?  Texts must match exactly. */
static void same_table(const coh_tabone *a, const coh_tabone *b, const size_t *perm,
                       const char *variant, const char *label, tally *ty)
{
    char what[200];
    snprintf(what, sizeof what, "%s: shape", label);
    check(a->n_rows == b->n_rows && a->n_cols == b->n_cols, what);
    if (a->n_rows != b->n_rows || a->n_cols != b->n_cols)
        return;
    snprintf(what, sizeof what, "%s: n_used", label);
    check_int(a->n_used, b->n_used, what);
    snprintf(what, sizeof what, "%s: n_by_missing", label);
    check_int(a->n_by_missing, b->n_by_missing, what);
    for (size_t k = 0; k < a->n_cols; k++) {
        snprintf(what, sizeof what, "%s: column %zu n", label, k);
        check_int(a->col_n[k], b->col_n[perm[k]], what);
    }
    for (size_t r = 0; r < a->n_rows; r++) {
        const coh_tabone_row *x = &a->rows[r], *y = &b->rows[r];
        char where[200];
        snprintf(where, sizeof where, "%s, row %zu (%s %s %s)", label, r,
                 x->variable ? x->variable : "-", x->label ? x->label : "-",
                 x->level ? x->level : "");
        if (x->kind != y->kind || (x->variable == NULL) != (y->variable == NULL) ||
            (x->variable && strcmp(x->variable, y->variable) != 0) ||
            (x->level == NULL) != (y->level == NULL) ||
            (x->level && strcmp(x->level, y->level) != 0)) {
            CHECK_FAIL_("%s: rows differ", where);
            continue;
        }
        check_passed++;
        same_value(ty, variant, "p", x->p, y->p, where);
        same_value(ty, variant, "smd", x->smd, y->smd, where);
        check_str(x->p_text, y->p_text, where);
        check_str(x->smd_text, y->smd_text, where);
        if (x->cells == NULL || y->cells == NULL) {
            check(x->cells == NULL && y->cells == NULL, where);
            continue;
        }
        for (size_t k = 0; k < a->n_cols; k++) {
            const coh_tabone_cell *p = &x->cells[k], *q = &y->cells[perm[k]];
            same_value(ty, variant, "cell n", p->n, q->n, where);
            same_value(ty, variant, "cell pct", p->pct, q->pct, where);
            same_value(ty, variant, "cell median", p->median, q->median, where);
            same_value(ty, variant, "cell q1", p->q1, q->q1, where);
            same_value(ty, variant, "cell q3", p->q3, q->q3, where);
            same_value(ty, variant, "cell mean", p->mean, q->mean, where);
            same_value(ty, variant, "cell sd", p->sd, q->sd, where);
            same_value(ty, variant, "cell min", p->min, q->min, where);
            same_value(ty, variant, "cell max", p->max, q->max, where);
            check_str(p->text, q->text, where);
        }
    }
}

static void invariances(const tcase *c, coh_table *data, coh_tabone *const *tabs, tally *ty)
{
    static const int builds[] = {0, 2};
    coh_table *rev = reversed_table(data);
    check(rev != NULL, "reversed copy of the data");
    const char *renamed = "tabone_test_group_renamed";
    bool have_renamed = tabs[0] != NULL && add_renamed(data, c->by, tabs[0], renamed);
    check(have_renamed, "recoded grouping column");
    for (size_t bi = 0; bi < sizeof builds / sizeof builds[0]; bi++) {
        int b = builds[bi];
        if (tabs[b] == NULL)
            continue;
        const coh_tabone *a = tabs[b];
        char label[160];
        size_t perm[64];
        if (a->n_cols > 64)
            continue;
        coh_tabone_spec s;
        if (rev != NULL) {
            spec_of(c, b, c->by, &s);
            snprintf(label, sizeof label, "%s table %c, rows reversed", c->name, 'A' + b);
            coh_tabone *t = build(rev, &s, label);
            for (size_t k = 0; k < a->n_cols; k++)
                perm[k] = k;
            if (t != NULL)
                same_table(a, t, perm, "reversed", label, ty);
            coh_tabone_free(t);
        }
        if (have_renamed) {
            spec_of(c, b, renamed, &s);
            snprintf(label, sizeof label, "%s table %c, groups renamed", c->name, 'A' + b);
            coh_tabone *t = build(data, &s, label);
            size_t first = a->has_overall ? 1 : 0;
            for (size_t k = 0; k < a->n_cols; k++)
                perm[k] = k < first ? k : first + (a->n_groups - 1 - (k - first));
            if (t != NULL) {
                same_table(a, t, perm, "renamed", label, ty);
                /* the letters, in order */
                for (size_t g = 0; g < t->n_groups; g++) {
                    char letter[2] = {(char)('A' + g), '\0'};
                    check_str(t->col_levels[first + g], letter, label);
                }
            }
            coh_tabone_free(t);
        }
    }
    coh_table_free(rev);
}

/* ---- main ------------------------------------------------------------------ */

static coh_tabone_kind kind_of(const char *s)
{
    if (strcmp(s, "categorical") == 0)
        return COH_TABONE_CATEGORICAL;
    if (strcmp(s, "continuous") == 0)
        return COH_TABONE_CONTINUOUS;
    CHECK_FAIL_("cases.csv: kind '%s'", s);
    return COH_TABONE_AUTO;
}

int main(void)
{
    tally *ty = calloc(1, sizeof *ty);
    static const char *const case_cols[] = {"case", "file", "by", "variable", "kind", NULL};
    static const char *const want_cols[] = {"case", "variable", "level", "column", "what", NULL};
    coh_table *cases = load_golden(DIR "cases.csv", case_cols);
    coh_table *want = load_golden(DIR "expected.csv", want_cols);
    size_t n_cases = 0, rows = 0;
    if (ty == NULL || cases == NULL || want == NULL || coh_table_find(want, "value") == NULL ||
        coh_table_find(want, "value")->type != COH_DOUBLE) {
        CHECK_FAIL_("cannot read " DIR "cases.csv and expected.csv");
        goto done;
    }
    for (size_t i = 0, j; i < cases->n_rows; i = j) {
        tcase c;
        memset(&c, 0, sizeof c);
        c.name = text(cases, "case", i);
        c.file = text(cases, "file", i);
        c.by = text(cases, "by", i);
        for (j = i; j < cases->n_rows && strcmp(text(cases, "case", j), c.name) == 0; j++) {
            if (c.n_vars == MAX_VARS) {
                CHECK_FAIL_("%s: more than %d variables", c.name, MAX_VARS);
                continue;
            }
            coh_tabone_var *v = &c.vars[c.n_vars++];
            v->name = text(cases, "variable", j);
            v->kind = kind_of(text(cases, "kind", j));
            v->digits = -1;
        }
        char path[256];
        snprintf(path, sizeof path, DATA_DIR "%s", c.file);
        coh_table *data = load(path, NULL);
        if (data == NULL)
            continue;
        coh_tabone *tabs[N_BUILDS] = {NULL};
        for (int b = 0; b < N_BUILDS; b++) {
            coh_tabone_spec s;
            spec_of(&c, b, c.by, &s);
            char label[96];
            snprintf(label, sizeof label, "%s table %c", c.name, 'A' + b);
            tabs[b] = build(data, &s, label);
        }
        if (tabs[0] != NULL)
            compare_case(&c, tabs, want, ty, &rows);
        invariances(&c, data, tabs, ty);
        for (int b = 0; b < N_BUILDS; b++)
            coh_tabone_free(tabs[b]);
        coh_table_free(data);
        n_cases++;
    }
    size_t golden = 0, same = 0, not_identical = 0;
    for (size_t k = 0; k < ty->n; k++) {
        const quantity *q = &ty->q[k];
        bool invariance =
            strncmp(q->name, "reversed ", 9) == 0 || strncmp(q->name, "renamed ", 8) == 0;
        char ni[48] = "";
        if (invariance) {
            same += q->compared;
            not_identical += q->not_identical;
            snprintf(ni, sizeof ni, ", %zu not bit-identical", q->not_identical);
        } else {
            golden += q->compared;
        }
        printf("%-24s max rel diff %.3g (%zu compared, %zu failed%s)%s%s\n", q->name,
               q->max_diff, q->compared, q->failed, ni, q->max_diff > 0 ? " at " : "",
               q->max_diff > 0 ? q->where : "");
    }
    printf("%zu cases: %zu of the %zu values of expected.csv compared with R (%zu "
           "comparisons); %zu comparisons in the invariance checks (%zu not bit-identical)\n",
           n_cases, rows, want->n_rows, golden, same, not_identical);
    check_int(rows, want->n_rows, "every expected value compared");
done:
    coh_table_free(cases);
    coh_table_free(want);
    free(ty);
    return check_report("test_golden_tabone");
}
