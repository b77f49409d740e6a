/* test_study_data.c - the analysis table of a study and its selection
 * flow (src/study/data.c: coh_study_data).
 *
 * The studies are built by hand (the tests do not need the YAML parser):
 * two CSV centres coded differently (tests/data/study/data, README there)
 * mapped by their selects onto the same columns, stacked with a `source`
 * column, derived variables (julianday, an earlier derived column, window
 * functions), include and exclude steps with the counts worked out by
 * hand, groups with an order and missing values, variables with levels and
 * labels; then every error with its message and position; SQLite sources
 * written at test time and read by table and by query; the labels of an
 * SPSS file carried through; 100,000 rows timed.  Every error path runs
 * under ASan with leak detection in `make test`.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "../check.h"
#include "cohort/io.h"
#include "cohort/plot.h"
#include "cohort/study.h"
#include "core/colbuild.h"

#define DATA "tests/data/study/data/"

static char tmpdir[256];

/* ---- building a study by hand ------------------------------------------------- */

static char *sdup(const char *s)
{
    if (s == NULL)
        return NULL;
    char *d = malloc(strlen(s) + 1);
    if (d == NULL)
        abort();
    return strcpy(d, s);
}

static void *grow(void *p, size_t n, size_t size)
{
    void *q = realloc(p, n * size);
    if (q == NULL)
        abort();
    return q;
}

static coh_study_pos pos(size_t line)
{
    return (coh_study_pos){line, 5};
}

static coh_study *study_new(void)
{
    coh_study *s = calloc(1, sizeof *s);
    if (s == NULL)
        abort();
    s->file = sdup("study.yaml");
    s->dir = sdup(".");
    s->name = sdup("test");
    return s;
}

static coh_study_source *add_source(coh_study *s, const char *name, const char *path,
                                    const char *select, size_t line)
{
    s->sources = grow(s->sources, s->n_sources + 1, sizeof *s->sources);
    coh_study_source *src = &s->sources[s->n_sources++];
    memset(src, 0, sizeof *src);
    src->name = sdup(name);
    src->file = sdup(path);
    src->path = sdup(path);
    src->select = sdup(select);
    src->pos = pos(line);
    return src;
}

static void add_derive(coh_study *s, const char *name, const char *expr, size_t line)
{
    s->derive = grow(s->derive, s->n_derive + 1, sizeof *s->derive);
    s->derive[s->n_derive++] = (coh_study_derive){sdup(name), sdup(expr), pos(line)};
}

static void add_step(coh_study *s, bool include, const char *label, const char *when,
                     size_t line)
{
    s->steps = grow(s->steps, s->n_steps + 1, sizeof *s->steps);
    s->steps[s->n_steps++] = (coh_study_step){include, sdup(label), sdup(when), pos(line)};
}

static coh_study_variable *add_var(coh_study *s, const char *name, size_t line)
{
    s->vars = grow(s->vars, s->n_vars + 1, sizeof *s->vars);
    coh_study_variable *v = &s->vars[s->n_vars++];
    memset(v, 0, sizeof *v);
    v->name = sdup(name);
    v->kind = COH_TABONE_AUTO;
    v->digits = -1;
    v->pos = pos(line);
    return v;
}

/* levels and labels (NULL for none) of a variable, n each */
static void set_levels(coh_study_variable *v, size_t n, const char *const *levels,
                       const char *const *labels)
{
    v->levels = calloc(n, sizeof *v->levels);
    v->level_labels = labels ? calloc(n, sizeof *v->level_labels) : NULL;
    if (v->levels == NULL || (labels && v->level_labels == NULL))
        abort();
    for (size_t i = 0; i < n; i++) {
        v->levels[i] = sdup(levels[i]);
        if (labels)
            v->level_labels[i] = sdup(labels[i]);
    }
    v->n_levels = n;
}

static void set_groups(coh_study *s, const char *var, const char *label, size_t n,
                       const char *const *order)
{
    s->group_var = sdup(var);
    s->group_label = sdup(label);
    s->group_order = n ? calloc(n, sizeof *s->group_order) : NULL;
    for (size_t i = 0; i < n; i++)
        s->group_order[i] = sdup(order[i]);
    s->n_group_order = n;
}

/* Replace a string field. */
static void set(char **field, const char *value)
{
    free(*field);
    *field = sdup(value);
}

static void study_free(coh_study *s)
{
    coh_study_free(s);
}

/* ---- the main study --------------------------------------------------------------- */

/* Centre B's codes mapped onto centre A's columns (in another order: the
 * stack takes the first source's). */
static const char select_b[] =
    "SELECT age_years AS age, pid AS id,\n"
    "       CASE gender WHEN 1 THEN 'M' WHEN 2 THEN 'F' END AS sex,\n"
    "       dx AS dx_date, last AS last_date, dead AS status,\n"
    "       CASE stage WHEN 2 THEN 'II' WHEN 3 THEN 'III' WHEN 4 THEN 'IV' END AS stage,\n"
    "       treatment AS arm\n"
    "FROM source";

/* study.yaml, as if written:
 *
 *   line 3   source A: a.csv, no select          (6 rows)
 *   line 8   source B: b.csv, select_b, na -99   (5 rows)
 *   line 12  derive months = days between the dates / 30.4375
 *   line 13  derive long_fu = 'yes' when months >= 12 (an earlier derive)
 *   line 14  derive age70 = age >= 70
 *   line 15  derive dx_year, followup_end (date + 1 year), age_rank (a
 *            window that sorts), age_c (age - the mean over all rows)
 *   line 16  include 'aged 18 or older': age >= 18
 *            removes 4 (17) and 104 (-99, missing: NULL is not true)
 *   line 17  exclude 'stage IV': removes 5 and 103
 *   line 18  exclude 'duplicate records': id = 999, removes none
 *   groups   arm, label "Treatment", order obs first; patient 3 has none
 *   line 20- variables sex, stage, status, months, age70
 *
 * Rows left, in order: 1 2 6 (A) 101 102 105 (B); obs 2 and 102, chemo
 * the other four. */
static coh_study *main_study(void)
{
    coh_study *s = study_new();
    add_source(s, "A", DATA "a.csv", NULL, 3);
    coh_study_source *b = add_source(s, "B", DATA "b.csv", select_b, 8);
    b->na = calloc(1, sizeof *b->na);
    b->na[0] = sdup("-99");
    b->n_na = 1;
    add_derive(s, "months", "(julianday(last_date) - julianday(dx_date)) / 30.4375", 12);
    add_derive(s, "long_fu", "CASE WHEN months >= 12 THEN 'yes' ELSE 'no' END", 13);
    add_derive(s, "age70", "age >= 70", 14);
    add_derive(s, "dx_year", "CAST(strftime('%Y', dx_date) AS INTEGER)", 15);
    add_derive(s, "followup_end", "date(dx_date, '+1 year')", 15);
    add_derive(s, "age_rank", "rank() OVER (ORDER BY age DESC)", 15);
    add_derive(s, "age_c", "age - avg(age) OVER ()", 15);
    add_derive(s, "nothing", "NULL", 15);
    add_derive(s, "mixed", "CASE WHEN id < 3 THEN 'low' ELSE id END -- a comment", 15);
    add_step(s, true, "aged 18 or older", "age >= 18", 16);
    add_step(s, false, "stage IV", "stage = 'IV'", 17);
    add_step(s, false, "duplicate records", "id = 999", 18);
    static const char *const order[] = {"obs"};
    set_groups(s, "arm", "Treatment", 1, order);
    s->group_pos = pos(19);

    coh_study_variable *v = add_var(s, "sex", 20);
    v->label = sdup("Sex");
    static const char *const sex_levels[] = {"F", "M", "X"};
    static const char *const sex_labels[] = {"female", "male", "other"};
    set_levels(v, 3, sex_levels, sex_labels);
    v = add_var(s, "stage", 21);
    static const char *const stage_levels[] = {"III", "II"};
    set_levels(v, 2, stage_levels, NULL);
    v->reference = sdup("II");
    v = add_var(s, "status", 22);
    v->kind = COH_TABONE_CATEGORICAL;
    v = add_var(s, "months", 23);
    v->label = sdup("Follow-up");
    v->unit = sdup("months");
    v = add_var(s, "age70", 24);
    static const char *const a70_levels[] = {"1", "0", "2.0"};
    static const char *const a70_labels[] = {"70 or older", "under 70", NULL};
    set_levels(v, 3, a70_levels, a70_labels);
    v = add_var(s, "age", 25);
    v->kind = COH_TABONE_CONTINUOUS;
    return s;
}

static coh_column *col(const coh_table *t, const char *name)
{
    coh_column *c = coh_table_find(t, name);
    if (c == NULL)
        CHECK_FAIL_("no column '%s'", name);
    return c;
}

static const char *level_of(const coh_column *c, size_t i)
{
    if (c->code == NULL || c->code[i] < 0)
        return NULL;
    return c->levels[c->code[i]];
}

static const char *label_of(const coh_column *c, size_t k)
{
    return c->level_labels ? c->level_labels[k] : NULL;
}

static double day(int y, unsigned m, unsigned d)
{
    return (double)coh_days_from_civil(y, m, d);
}

/* The flow steps, checked one by one. */
typedef struct want_step {
    coh_flow_kind kind;
    const char *label;
    double n;
} want_step;

static void check_flow(const coh_study_flow *f, const want_step *want, size_t n)
{
    check_int(f->n_steps, n, "flow steps");
    for (size_t i = 0; i < n && i < f->n_steps; i++) {
        char what[64];
        snprintf(what, sizeof what, "flow step %zu kind", i + 1);
        check_int(f->steps[i].kind, want[i].kind, what);
        snprintf(what, sizeof what, "flow step %zu label", i + 1);
        check_str(f->steps[i].label, want[i].label, what);
        snprintf(what, sizeof what, "flow step %zu n", i + 1);
        check_rel(f->steps[i].n, want[i].n, 0, what);
        check(f->steps[i].label == f->labels[i], "labels[] owns the step's label");
    }
    /* and coh_plot_flow accepts the counts */
    coh_plot_flow_spec spec;
    coh_plot_flow_spec_init(&spec);
    spec.steps = f->steps;
    spec.n_steps = f->n_steps;
    FILE *out = tmpfile();
    if (out == NULL)
        return;
    check_int(coh_plot_flow_csv(&spec, out), COH_OK, "coh_plot_flow accepts the flow");
    fclose(out);
}

static void test_main_study(void)
{
    coh_study *s = main_study();
    coh_table *t = NULL;
    coh_study_flow *f = NULL;
    coh_error err;
    coh_error_clear(&err);
    coh_status st = coh_study_data(s, &t, &f, &err);
    check_int(st, COH_OK, "main study");
    if (st != COH_OK) {
        fprintf(stderr, "  %s\n", err.msg);
        study_free(s);
        return;
    }
    check_int(t->n_rows, 6, "rows left");
    check_int(t->n_cols, 18, "columns: source, 8 mapped, 9 derived");
    static const char *const names[] = {"source", "id", "sex", "dx_date", "last_date",
                                        "status", "stage", "arm", "age", "months",
                                        "long_fu", "age70", "dx_year", "followup_end",
                                        "age_rank", "age_c", "nothing", "mixed"};
    for (size_t j = 0; j < 18 && j < t->n_cols; j++)
        check_str(t->cols[j]->name, names[j], "column order: the first source's, derived after");

    coh_column *c;
    if ((c = col(t, "source")) != NULL) {
        check_int(c->type, COH_CATEGORICAL, "source type");
        static const char *const want[] = {"A", "A", "A", "B", "B", "B"};
        for (size_t i = 0; i < 6; i++)
            check_str(level_of(c, i), want[i], "source of each row");
    }
    if ((c = col(t, "id")) != NULL) {
        check_int(c->type, COH_INTEGER, "id type");
        static const double want[] = {1, 2, 6, 101, 102, 105};
        for (size_t i = 0; i < 6; i++)
            check_rel(c->num[i], want[i], 0, "ids left, in source and file order");
    }
    if ((c = col(t, "sex")) != NULL) {
        check_int(c->type, COH_CATEGORICAL, "sex type");
        check_str(c->label, "Sex", "sex label");
        check_int(c->n_levels, 3, "sex levels: F M and the empty X");
        if (c->n_levels == 3) {
            check_str(c->levels[0], "F", "sex level 1");
            check_str(c->levels[1], "M", "sex level 2");
            check_str(c->levels[2], "X", "sex level 3 (no patient)");
            check_str(label_of(c, 0), "female", "sex label 1");
            check_str(label_of(c, 2), "other", "sex label 3");
        }
        /* B's 1/2 became M/F through the select's CASE */
        static const char *const want[] = {"M", "F", "F", "M", "F", "F"};
        for (size_t i = 0; i < 6; i++)
            check_str(level_of(c, i), want[i], "sex of each row");
    }
    if ((c = col(t, "dx_date")) != NULL) {
        check_int(c->type, COH_DATE, "dx_date type");
        check_rel(c->num[0], day(2020, 1, 15), 0, "dx_date row 1");
        check_rel(c->num[5], day(2019, 12, 31), 0, "dx_date row 6 (from B's dx)");
    }
    if ((c = col(t, "status")) != NULL) {
        check_int(c->type, COH_CATEGORICAL, "status: kind categorical on an integer");
        check_int(c->n_levels, 2, "status levels");
        if (c->n_levels == 2) {
            check_str(c->levels[0], "0", "status level 1");
            check_str(c->levels[1], "1", "status level 2");
        }
        check_str(level_of(c, 0), "1", "status row 1");
        check_str(level_of(c, 4), "0", "status row 5");
    }
    if ((c = col(t, "stage")) != NULL) {
        check_int(c->type, COH_CATEGORICAL, "stage type");
        check_int(c->n_levels, 2, "stage levels: IV left with its patients");
        if (c->n_levels == 2) {
            check_str(c->levels[0], "III", "stage in the given order");
            check_str(c->levels[1], "II", "stage level 2");
        }
        static const char *const want[] = {"II", "III", "III", "II", "III", "II"};
        for (size_t i = 0; i < 6; i++)
            check_str(level_of(c, i), want[i], "stage of each row");
    }
    if ((c = col(t, "arm")) != NULL) {
        check_int(c->type, COH_CATEGORICAL, "arm type");
        check_int(c->n_levels, 2, "arm levels");
        if (c->n_levels == 2) {
            check_str(c->levels[0], "obs", "groups: the order's first");
            check_str(c->levels[1], "chemo", "groups: then the others");
        }
        check_int(c->n_missing, 0, "no row without a group");
    }
    if ((c = col(t, "age")) != NULL) {
        check_int(c->type, COH_DOUBLE, "age: B's 66.5 makes it a double");
        static const double want[] = {61, 70, 55, 66.5, 59, 48};
        for (size_t i = 0; i < 6; i++)
            check_rel(c->num[i], want[i], 0, "age of each row");
    }
    if ((c = col(t, "months")) != NULL) {
        check_int(c->type, COH_DOUBLE, "months type");
        check_str(c->label, "Follow-up", "months label");
        check_str(c->unit, "months", "months unit");
        static const double days[] = {366, 366, 31, 181, 731, 366};
        for (size_t i = 0; i < 6; i++)
            check_rel(c->num[i], days[i] / 30.4375, 1e-12, "months by julianday");
    }
    if ((c = col(t, "long_fu")) != NULL) {
        check_int(c->type, COH_CATEGORICAL, "long_fu type (text)");
        static const char *const want[] = {"yes", "yes", "no", "no", "yes", "yes"};
        for (size_t i = 0; i < 6; i++)
            check_str(level_of(c, i), want[i], "long_fu from the earlier derive");
    }
    if ((c = col(t, "age70")) != NULL) {
        check_int(c->type, COH_CATEGORICAL, "age70: given levels make it categorical");
        check_int(c->n_levels, 3, "age70 levels");
        if (c->n_levels == 3) {
            check_str(c->levels[0], "1", "age70 level 1");
            check_str(c->levels[1], "0", "age70 level 2");
            check_str(c->levels[2], "2.0", "a given level not in the data, as written");
            check_str(label_of(c, 0), "70 or older", "age70 label 1");
            check_str(label_of(c, 1), "under 70", "age70 label 2");
            check_str(label_of(c, 2), NULL, "age70 label 3");
        }
        check_str(level_of(c, 1), "1", "age70 row 2 (70)");
        check_str(level_of(c, 0), "0", "age70 row 1 (61)");
    }
    if ((c = col(t, "dx_year")) != NULL) {
        check_int(c->type, COH_INTEGER, "dx_year type");
        check_rel(c->num[4], 2018, 0, "dx_year row 5");
    }
    if ((c = col(t, "followup_end")) != NULL) {
        check_int(c->type, COH_DATE, "followup_end: date() text is a date");
        check_rel(c->num[0], day(2021, 1, 15), 0, "followup_end row 1");
        check_rel(c->num[2], day(2022, 5, 5), 0, "followup_end row 3");
    }
    if ((c = col(t, "age_rank")) != NULL) {
        /* ranks among all 11 rows, by age descending (NULL last): the
         * window sorted the rows, and the order is still the files' */
        check_int(c->type, COH_INTEGER, "age_rank type");
        static const double want[] = {5, 3, 7, 4, 6, 8};
        for (size_t i = 0; i < 6; i++)
            check_rel(c->num[i], want[i], 0, "age_rank of each row");
    }
    if ((c = col(t, "age_c")) != NULL) {
        /* the mean of the 10 known ages before the steps: 573.5 / 10 */
        check_int(c->type, COH_DOUBLE, "age_c type");
        check_rel(c->num[0], 61 - 57.35, 1e-12, "age_c row 1");
    }
    if ((c = col(t, "nothing")) != NULL) {
        check_int(c->type, COH_DOUBLE, "all NULL: double");
        check_int(c->n_missing, 6, "all NULL: all missing");
    }
    if ((c = col(t, "mixed")) != NULL) {
        check_int(c->type, COH_CATEGORICAL, "text and numbers: categorical");
        check_str(level_of(c, 0), "low", "mixed row 1");
        check_str(level_of(c, 2), "6", "mixed row 3: the number as text");
    }

    check_int(f->source_rows[0], 6, "rows read from A");
    check_int(f->source_rows[1], 5, "rows read from B");
    static const want_step want[] = {
        {COH_FLOW_START, "A", 6},
        {COH_FLOW_START, "B", 5},
        {COH_FLOW_EXCLUDE, "Not: aged 18 or older", 2},
        {COH_FLOW_EXCLUDE, "stage IV", 2},
        {COH_FLOW_EXCLUDE, "duplicate records", 0},
        {COH_FLOW_EXCLUDE, "missing Treatment", 1},
        {COH_FLOW_BOX, "Eligible", 6},
        {COH_FLOW_GROUP, "obs", 2},
        {COH_FLOW_GROUP, "chemo", 4},
    };
    check_flow(f, want, sizeof want / sizeof want[0]);
    coh_table_free(t);
    coh_study_flow_free(f);
    study_free(s);
}

/* No groups, no steps: starts and the box only; group labels come from
 * the variable when the group has one. */
static void test_minimal(void)
{
    coh_study *s = study_new();
    add_source(s, "A", DATA "a.csv", NULL, 3);
    coh_table *t = NULL;
    coh_study_flow *f = NULL;
    coh_error err;
    coh_status st = coh_study_data(s, &t, &f, &err);
    check_int(st, COH_OK, "one source, nothing else");
    if (st == COH_OK) {
        check_int(t->n_rows, 6, "all rows");
        check_int(t->n_cols, 9, "source and A's eight columns");
        static const want_step want[] = {{COH_FLOW_START, "A", 6}, {COH_FLOW_BOX, "Eligible", 6}};
        check_flow(f, want, 2);
    } else {
        fprintf(stderr, "  %s\n", err.msg);
    }
    coh_table_free(t);
    coh_study_flow_free(f);

    /* groups of a numeric column with labels from a variable; the
     * missing-group label from the variable too */
    set_groups(s, "status", NULL, 0, NULL);
    coh_study_variable *v = add_var(s, "status", 20);
    v->label = sdup("Vital status");
    static const char *const levels[] = {"1", "0"};
    static const char *const labels[] = {"dead", "alive"};
    set_levels(v, 2, levels, labels);
    add_derive(s, "status2", "CASE WHEN id = 3 THEN NULL ELSE status END", 12);
    set(&s->group_var, "status2");
    set(&s->vars[0].name, "status2");
    st = coh_study_data(s, &t, &f, &err);
    check_int(st, COH_OK, "groups of a numeric column");
    if (st == COH_OK) {
        coh_column *c = col(t, "status2");
        if (c != NULL) {
            check_int(c->type, COH_CATEGORICAL, "the group column is categorical");
            check_str(c->levels[0], "1", "group order: the variable's levels");
        }
        static const want_step want[] = {
            {COH_FLOW_START, "A", 6},
            {COH_FLOW_EXCLUDE, "missing Vital status", 1},
            {COH_FLOW_BOX, "Eligible", 5},
            {COH_FLOW_GROUP, "dead", 2},
            {COH_FLOW_GROUP, "alive", 3},
        };
        check_flow(f, want, sizeof want / sizeof want[0]);
    } else {
        fprintf(stderr, "  %s\n", err.msg);
    }
    coh_table_free(t);
    coh_study_flow_free(f);
    study_free(s);
}

/* A select may leave rows out (an exclusion of its own in the flow) but
 * not add them. */
static void test_select_rows(void)
{
    coh_study *s = main_study();
    set(&s->sources[0].select, "SELECT * FROM source WHERE id <> 5");
    coh_table *t = NULL;
    coh_study_flow *f = NULL;
    coh_error err;
    coh_status st = coh_study_data(s, &t, &f, &err);
    check_int(st, COH_OK, "a select with WHERE");
    if (st == COH_OK) {
        static const want_step want[] = {
            {COH_FLOW_START, "A", 6},
            {COH_FLOW_START, "B", 5},
            {COH_FLOW_EXCLUDE, "left out by the select of A", 1},
            {COH_FLOW_EXCLUDE, "Not: aged 18 or older", 2},
            {COH_FLOW_EXCLUDE, "stage IV", 1},
            {COH_FLOW_EXCLUDE, "duplicate records", 0},
            {COH_FLOW_EXCLUDE, "missing Treatment", 1},
            {COH_FLOW_BOX, "Eligible", 6},
            {COH_FLOW_GROUP, "obs", 2},
            {COH_FLOW_GROUP, "chemo", 4},
        };
        check_flow(f, want, sizeof want / sizeof want[0]);
    } else {
        fprintf(stderr, "  %s\n", err.msg);
    }
    coh_table_free(t);
    coh_study_flow_free(f);
    study_free(s);
}

/* ---- errors -------------------------------------------------------------------- */

/* Run `s`, expecting `st` and a message that contains each of the
 * NULL-terminated pieces; nothing may be returned.  SHOW_ERRORS=1 in the
 * environment prints each message, to read them as a user would. */
static void expect_error(coh_study *s, coh_status want, const char *what, ...)
{
    coh_table *t = (coh_table *)1;
    coh_study_flow *f = (coh_study_flow *)1;
    coh_error err;
    coh_error_clear(&err);
    coh_status st = coh_study_data(s, &t, &f, &err);
    check_int(st, want, what);
    if (getenv("SHOW_ERRORS") != NULL)
        printf("%s\n", err.msg);
    check(t == NULL && f == NULL, "nothing returned on failure");
    if (st == COH_OK) {
        coh_table_free(t);
        coh_study_flow_free(f);
    }
    va_list ap;
    va_start(ap, what);
    const char *piece;
    while ((piece = va_arg(ap, const char *)) != NULL)
        check_contains(err.msg, piece, what);
    va_end(ap);
}

static const char main_columns[] =
    "source, id, sex, dx_date, last_date, status, stage, arm, age";

static void test_errors_sources(void)
{
    coh_study *s = main_study();
    set(&s->sources[1].select, "SELEC pid FROM source");
    expect_error(s, COH_EPARSE, "select syntax",
                 "study.yaml:8:5: source 'B': select: near \"SELEC\": syntax error", NULL);
    set(&s->sources[1].select, "SELECT pidd AS id FROM source");
    expect_error(s, COH_EPARSE, "select unknown column",
                 "study.yaml:8:5: source 'B': select: no such column: pidd; the columns are: "
                 "pid, gender, dx, last, dead, stage, treatment, age_years",
                 NULL);
    set(&s->sources[1].select, "SELECT * FROM source; DROP TABLE source");
    expect_error(s, COH_EINVAL, "two statements",
                 "study.yaml:8:5: source 'B': the select must be one statement; found more "
                 "after it: 'DROP TABLE source'",
                 NULL);
    set(&s->sources[1].select, "DELETE FROM source");
    expect_error(s, COH_EINVAL, "a select that writes", "source 'B': the select must only read",
                 NULL);
    set(&s->sources[1].select, "  -- nothing\n");
    expect_error(s, COH_EINVAL, "an empty select", "source 'B': the select is empty", NULL);
    set(&s->sources[1].select, "SELECT 1 AS x, 2 AS X FROM source");
    expect_error(s, COH_EINVAL, "two columns alike",
                 "source 'B': the select returns two columns called 'X' (and 'x'", NULL);
    set(&s->sources[1].select, "SELECT abs('x') + zeroblob(1) FROM source WHERE nosuch()");
    expect_error(s, COH_EPARSE, "an unknown function", "source 'B': select: no such function",
                 NULL);

    /* the columns of the sources differ */
    set(&s->sources[1].select,
        "SELECT age_years AS age, pid AS id, gender AS sex, dx AS dx_date, last AS "
        "last_date, dead AS status, stage, treatment FROM source");
    expect_error(s, COH_EINVAL, "mismatched columns",
                 "study.yaml:8:5: source 'B': its columns differ from those of source 'A' "
                 "(every source must map onto the same columns): missing 'arm'; extra "
                 "'treatment'",
                 NULL);
    set(&s->sources[1].select, "SELECT pid AS id FROM source");
    expect_error(s, COH_EINVAL, "fewer columns",
                 "missing 'sex', 'dx_date', 'last_date', 'status', 'stage', 'arm', 'age'",
                 NULL);
    set(&s->sources[1].select, select_b);

    /* a column called source */
    set(&s->sources[0].select, "SELECT *, 'x' AS Source FROM source");
    expect_error(s, COH_EINVAL, "a source column",
                 "study.yaml:3:5: source 'A': the select returns a column called 'Source', but "
                 "the stacked data use 'source' for the source's name",
                 NULL);
    /* more rows than read */
    set(&s->sources[0].select, "SELECT * FROM source UNION ALL SELECT * FROM source");
    expect_error(s, COH_EDOMAIN, "a select that adds rows",
                 "study.yaml:3:5: source 'A': the select returns 12 rows from the 6 read", NULL);
    set(&s->sources[0].select, "SELECT * FROM source WHERE 0");
    set(&s->sources[1].select, "SELECT * FROM (" "SELECT age_years AS age, pid AS id, gender "
        "AS sex, dx AS dx_date, last AS last_date, dead AS status, stage, treatment AS arm "
        "FROM source) WHERE 0");
    expect_error(s, COH_EEMPTY, "no rows at all", "study.yaml: the sources hold no rows", NULL);
    set(&s->sources[0].select, NULL);
    set(&s->sources[1].select, select_b);

    /* reading */
    set(&s->sources[0].path, DATA "nope.csv");
    expect_error(s, COH_EIO, "a missing file", "study.yaml:3:5: source 'A': ",
                 "nope.csv: cannot open", NULL);
    set(&s->sources[0].path, DATA "a.csv");
    s->sources[0].table = sdup("patients");
    expect_error(s, COH_EINVAL, "a table of a CSV file",
                 "study.yaml:3:5: source 'A': a table or query is given, but "
                 "'tests/data/study/data/a.csv' is a csv file",
                 NULL);
    set(&s->sources[0].table, NULL);
    study_free(s);
}

static void test_errors_derive(void)
{
    coh_study *s = main_study();
    set(&s->derive[0].expr, "(julianday(lastdate) - julianday(dx_date)) / 30.4375");
    expect_error(s, COH_EPARSE, "derive: unknown column", "study.yaml:12:5: derive 'months': "
                 "no such column: lastdate; the columns are: ",
                 main_columns, NULL);
    set(&s->derive[0].expr, "julianday(last_date) -");
    expect_error(s, COH_EPARSE, "derive: cut short",
                 "study.yaml:12:5: derive 'months': the expression ends too early", NULL);
    set(&s->derive[0].expr, "julianday(last_date) - - julianday(dx_date) +* 2");
    expect_error(s, COH_EPARSE, "derive: syntax",
                 "study.yaml:12:5: derive 'months': near \"*\": syntax error", NULL);
    set(&s->derive[0].expr, "1) AS x FROM cur --");
    expect_error(s, COH_EPARSE, "derive: out of its brackets",
                 "study.yaml:12:5: derive 'months': a ')' closes a bracket that the expression "
                 "did not open",
                 NULL);
    set(&s->derive[0].expr, "(1");
    expect_error(s, COH_EPARSE, "derive: open bracket", "derive 'months': a '(' is not closed",
                 NULL);
    set(&s->derive[0].expr, "1; DROP TABLE cur");
    expect_error(s, COH_EPARSE, "derive: two statements", "derive 'months': a ';' ends the "
                 "expression early", NULL);
    set(&s->derive[0].expr, "'it''s");
    expect_error(s, COH_EPARSE, "derive: open quote", "derive 'months': a quote (') is not "
                 "closed", NULL);
    set(&s->derive[0].expr, " ");
    expect_error(s, COH_EPARSE, "derive: empty", "derive 'months': the expression is empty",
                 NULL);
    set(&s->derive[0].expr, "avg(age)");
    expect_error(s, COH_EINVAL, "derive: an aggregate",
                 "study.yaml:12:5: derive 'months': the expression turns 11 rows into 1; an "
                 "aggregate over all rows",
                 NULL);
    set(&s->derive[0].expr, "(julianday(last_date) - julianday(dx_date)) / 30.4375");

    /* derives that do not use one another are made together; an error
     * among them still names its own derive, and the first in the file */
    set(&s->derive[3].expr, "strftime('%Y', dxdate)");
    expect_error(s, COH_EPARSE, "derive: error within a batch",
                 "study.yaml:15:5: derive 'dx_year': no such column: dxdate; the columns are: ",
                 "age, months, long_fu, age70", NULL);
    set(&s->derive[3].expr, "CAST(strftime('%Y', dx_date) AS INTEGER)");
    set(&s->derive[2].expr, "avg(age)");
    expect_error(s, COH_EINVAL, "derive: aggregate within a batch",
                 "study.yaml:14:5: derive 'age70': the expression turns 11 rows into 1", NULL);
    set(&s->derive[2].expr, "agee >= 70");
    set(&s->derive[4].name, "");
    expect_error(s, COH_EPARSE, "derive: the first error in the file",
                 "study.yaml:14:5: derive 'age70': no such column: agee", NULL);
    set(&s->derive[2].expr, "age >= 70");
    expect_error(s, COH_EINVAL, "derive: no name", "study.yaml:15:5: derive '': the name is "
                 "empty", NULL);
    set(&s->derive[4].name, "long_FU");
    expect_error(s, COH_EINVAL, "derive: a pending name",
                 "study.yaml:15:5: derive 'long_FU': a column 'long_fu' already exists", NULL);
    set(&s->derive[4].name, "followup_end");

    set(&s->derive[0].expr, "1");
    set(&s->derive[0].name, "Age");
    expect_error(s, COH_EINVAL, "derive: a name taken",
                 "study.yaml:12:5: derive 'Age': a column 'age' already exists", NULL);
    set(&s->derive[0].name, "months");
    set(&s->derive[1].name, "months");
    expect_error(s, COH_EINVAL, "derive: twice", "study.yaml:13:5: derive 'months': a column "
                 "'months' already exists", NULL);
    study_free(s);
}

static void test_errors_steps(void)
{
    coh_study *s = main_study();
    set(&s->steps[1].when, "stagee = 'IV'");
    expect_error(s, COH_EPARSE, "step: unknown column",
                 "study.yaml:17:5: step 'stage IV': no such column: stagee; the columns are: ",
                 "source, id, sex", "mixed", NULL);
    set(&s->steps[1].when, "count(*) > 1");
    expect_error(s, COH_EPARSE, "step: an aggregate", "study.yaml:17:5: step 'stage IV': ",
                 "aggregate", NULL);
    set(&s->steps[1].when, "stage =");
    expect_error(s, COH_EPARSE, "step: cut short",
                 "study.yaml:17:5: step 'stage IV': the expression ends too early", NULL);
    set(&s->steps[1].when, "stage = 'IV') OR (1");
    expect_error(s, COH_EPARSE, "step: brackets", "step 'stage IV': a ')' closes", NULL);
    set(&s->steps[1].when, "stage = 'IV'");

    /* a step that leaves nobody */
    add_step(s, false, "everyone", "id > 0", 19);
    expect_error(s, COH_EDOMAIN, "no patients left",
                 "study.yaml:19:5: step 'everyone' leaves no patients (7 before)", NULL);
    s->steps[3].include = true;
    set(&s->steps[3].when, "id < 0");
    expect_error(s, COH_EDOMAIN, "include nobody",
                 "study.yaml:19:5: step 'everyone' leaves no patients (7 before)", NULL);
    set(&s->steps[3].when, "NULL");
    expect_error(s, COH_EDOMAIN, "NULL is not true", "step 'everyone' leaves no patients", NULL);
    /* an exclude whose condition is NULL keeps every row */
    s->steps[3].include = false;
    coh_table *t = NULL;
    coh_study_flow *f = NULL;
    coh_error err;
    check_int(coh_study_data(s, &t, &f, &err), COH_OK, "exclude NULL keeps all");
    if (t != NULL)
        check_int(t->n_rows, 6, "exclude NULL keeps all: rows");
    coh_table_free(t);
    coh_study_flow_free(f);
    study_free(s);
}

static void test_errors_groups_vars(void)
{
    coh_study *s = main_study();
    set(&s->group_var, "armm");
    expect_error(s, COH_ENOTFOUND, "group: not a column",
                 "study.yaml:19:5: cohort.groups.variable 'armm' is not a column; columns are: "
                 "source, id",
                 NULL);
    set(&s->group_var, "arm");
    set(&s->group_order[0], "placebo");
    expect_error(s, COH_EINVAL, "group: unknown value in the order",
                 "study.yaml:19:5: cohort.groups.order: 'placebo' is not a group of 'arm' "
                 "(no patient left has it); the groups are: 'chemo', 'obs'",
                 NULL);
    set(&s->group_order[0], "obs");
    add_derive(s, "nogroup", "NULL", 15);
    set(&s->group_var, "nogroup");
    expect_error(s, COH_EDOMAIN, "group: all missing",
                 "study.yaml:19:5: cohort.groups.variable 'nogroup' is missing in all 7 "
                 "patients", NULL);
    set(&s->group_var, "arm");

    coh_study_variable *v = add_var(s, "weight", 26);
    expect_error(s, COH_ENOTFOUND, "variable: not a column",
                 "study.yaml:26:5: variable 'weight' is not a column of the data; columns are: "
                 "source, id",
                 NULL);
    set(&v->name, "stage");
    v->reference = sdup("IV");
    expect_error(s, COH_EINVAL, "variable: reference not a level",
                 "study.yaml:26:5: variable 'stage': the reference level 'IV' is not a level; "
                 "levels are: 'III', 'II'",
                 NULL);
    set(&v->reference, "III");
    v->kind = COH_TABONE_CONTINUOUS;
    expect_error(s, COH_ETYPE, "variable: continuous text",
                 "study.yaml:26:5: variable 'stage' is continuous, but its column holds text",
                 NULL);
    v->kind = COH_TABONE_AUTO;
    set(&v->name, "id");
    set(&v->reference, "7");
    expect_error(s, COH_EINVAL, "variable: a numeric reference",
                 "variable 'id': the reference level '7' is not a value of the column", NULL);
    set(&v->reference, "101");
    coh_table *t = NULL;
    coh_study_flow *f = NULL;
    coh_error err;
    check_int(coh_study_data(s, &t, &f, &err), COH_OK, "a numeric reference that exists");
    coh_table_free(t);
    coh_study_flow_free(f);
    set(&v->name, "sex");
    set(&v->reference, NULL);
    static const char *const twice[] = {"F", "F"};
    set_levels(v, 2, twice, NULL);
    expect_error(s, COH_EINVAL, "variable: a level twice",
                 "study.yaml:26:5: variable 'sex': level 'F' is listed twice", NULL);
    study_free(s);
}

/* ---- SQLite sources ------------------------------------------------------------ */

static void exec_sql(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fprintf(stderr, "%s\n  -> %s\n", sql, msg ? msg : "?");
    check_int(rc, SQLITE_OK, "setup SQL");
    sqlite3_free(msg);
}

/* centre.db: centre B's rows as an SQLite table (b.csv's columns). */
static void make_centre_db(const char *path)
{
    sqlite3 *db = NULL;
    check_int(sqlite3_open(path, &db), SQLITE_OK, "create centre db");
    exec_sql(db,
             "CREATE TABLE patients (pid INTEGER, gender INTEGER, dx TEXT, last TEXT,"
             " dead INTEGER, stage INTEGER, treatment TEXT, age_years REAL);"
             "INSERT INTO patients VALUES (101, 1, '2019-01-10', '2019-07-10', 1, 2, 'chemo',"
             " 66.5), (102, 2, '2018-11-20', '2020-11-20', 0, 3, 'obs', 59),"
             " (103, 2, '2020-04-01', '2020-05-01', 1, 4, 'chemo', 72),"
             " (104, 1, '2016-09-09', '2021-09-09', 0, 3, 'obs', NULL),"
             " (105, 2, '2019-12-31', '2020-12-31', 1, 2, 'chemo', 48);");
    sqlite3_close(db);
}

static void test_sqlite_sources(void)
{
    char db[512];
    snprintf(db, sizeof db, "%s/centre.db", tmpdir);
    make_centre_db(db);
    coh_study *s = study_new();
    add_source(s, "A", DATA "a.csv", NULL, 3);
    coh_study_source *src = add_source(s, "C", db, select_b, 8);
    src->table = sdup("patients");
    src = add_source(s, "D", db, select_b, 13);
    src->query = sdup("SELECT * FROM patients WHERE pid < 103");
    coh_table *t = NULL;
    coh_study_flow *f = NULL;
    coh_error err;
    coh_status st = coh_study_data(s, &t, &f, &err);
    check_int(st, COH_OK, "SQLite sources by table and by query");
    if (st == COH_OK) {
        check_int(t->n_rows, 13, "6 + 5 + 2 rows");
        check_int(f->source_rows[1], 5, "rows of the table");
        check_int(f->source_rows[2], 2, "rows of the query");
        coh_column *c = col(t, "source");
        if (c != NULL) {
            check_int(c->n_levels, 3, "three sources");
            check_str(level_of(c, 6), "C", "row 7 from C");
            check_str(level_of(c, 12), "D", "row 13 from D");
        }
        if ((c = col(t, "sex")) != NULL)
            check_str(level_of(c, 12), "F", "D's gender 2 is F");
        if ((c = col(t, "dx_date")) != NULL) {
            check_int(c->type, COH_DATE, "dates from SQLite text");
            check_rel(c->num[6], day(2019, 1, 10), 0, "C's first dx");
        }
        if ((c = col(t, "age")) != NULL) {
            check_int(c->type, COH_DOUBLE, "age");
            check(coh_column_is_na(c, 9), "C's NULL age is missing");
        }
        static const want_step want[] = {
            {COH_FLOW_START, "A", 6},
            {COH_FLOW_START, "C", 5},
            {COH_FLOW_START, "D", 2},
            {COH_FLOW_BOX, "Eligible", 13},
        };
        check_flow(f, want, sizeof want / sizeof want[0]);
    } else {
        fprintf(stderr, "  %s\n", err.msg);
    }
    coh_table_free(t);
    coh_study_flow_free(f);

    set(&s->sources[2].query, "SELECT * FROM patient");
    expect_error(s, COH_ENOTFOUND, "a query on a missing table", "study.yaml:13:5: source 'D': ",
                 "no such table: patient", NULL);
    set(&s->sources[2].query, NULL);
    expect_error(s, COH_EINVAL, "neither table nor query", "study.yaml:13:5: source 'D': ",
                 "give either a table or a query", NULL);
    study_free(s);
    unlink(db);
}

/* ---- labels of an SPSS file ---------------------------------------------------- */

/* labelled.sav (tests/data/readstat): arm 1 2 2 1 4 -99 (user-missing)
 * labelled 1 Control, 2 Treatment, 3 Placebo; sex F M M F "" M labelled
 * Female, Male; variable labels on arm and os. */
static void test_carried_labels(void)
{
    coh_study *s = study_new();
    add_source(s, "S", "tests/data/readstat/labelled.sav", NULL, 3);
    coh_table *t = NULL;
    coh_study_flow *f = NULL;
    coh_error err;
    coh_status st = coh_study_data(s, &t, &f, &err);
    check_int(st, COH_OK, "an SPSS source");
    if (st == COH_OK) {
        coh_column *c = col(t, "arm");
        if (c != NULL) {
            check_int(c->type, COH_CATEGORICAL, "arm categorical again");
            check_str(c->label, "Treatment arm", "arm's variable label carried");
            check_int(c->n_levels, 4, "arm levels 1 2 3 4");
            if (c->n_levels == 4) {
                check_str(c->levels[2], "3", "the labelled value not in the data");
                check_str(label_of(c, 0), "Control", "arm label 1");
                check_str(label_of(c, 2), "Placebo", "arm label 3");
                check_str(label_of(c, 3), NULL, "arm 4 has no label");
            }
            check_str(level_of(c, 1), "2", "arm row 2");
            check(coh_column_is_na(c, 5), "arm row 6 missing");
        }
        if ((c = col(t, "sex")) != NULL) {
            check_int(c->type, COH_CATEGORICAL, "sex");
            check_str(label_of(c, 0), "Female", "sex labels carried");
        }
        if ((c = col(t, "os")) != NULL) {
            check_int(c->type, COH_INTEGER, "os stays an integer");
            check_str(c->label, "Overall survival (months)", "os label carried");
        }
    } else {
        fprintf(stderr, "  %s\n", err.msg);
    }
    coh_table_free(t);
    coh_study_flow_free(f);

    /* a variable overrides: continuous keeps the numbers; a label wins */
    coh_study_variable *v = add_var(s, "arm", 10);
    v->kind = COH_TABONE_CONTINUOUS;
    v->label = sdup("Arm");
    st = coh_study_data(s, &t, &f, &err);
    check_int(st, COH_OK, "SPSS source with a variable");
    if (st == COH_OK) {
        coh_column *c = col(t, "arm");
        if (c != NULL) {
            check_int(c->type, COH_INTEGER, "continuous: no value labels");
            check_str(c->label, "Arm", "the variable's label wins");
        }
    }
    coh_table_free(t);
    coh_study_flow_free(f);

    /* with a select, nothing is carried */
    set(&s->sources[0].select, "SELECT arm, os FROM source");
    s->n_vars = 0;
    st = coh_study_data(s, &t, &f, &err);
    s->n_vars = 1;
    check_int(st, COH_OK, "SPSS source with a select");
    if (st == COH_OK) {
        coh_column *c = col(t, "arm");
        if (c != NULL) {
            check_int(c->type, COH_INTEGER, "with a select the codes are numbers");
            check_str(c->label, NULL, "no label with a select");
        }
    }
    coh_table_free(t);
    coh_study_flow_free(f);
    study_free(s);
}

/* ---- 100,000 rows ---------------------------------------------------------------- */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void test_many_rows(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/many.csv", tmpdir);
    FILE *out = fopen(path, "w");
    check(out != NULL, "write many.csv");
    if (out == NULL)
        return;
    fputs("id,sex,dx_date,last_date,status,age,stage,arm,score\n", out);
    unsigned x = 12345;
    for (int i = 0; i < 100000; i++) {
        x = x * 1103515245u + 12345u;
        unsigned r = x >> 8;
        fprintf(out, "%d,%s,20%02u-%02u-%02u,2022-%02u-%02u,%u,%u,%s,%s,%.2f\n", i + 1,
                r % 2 ? "M" : "F", 10 + r % 10, 1 + r % 12, 1 + r % 28, 1 + (r >> 4) % 12,
                1 + (r >> 3) % 28, (r >> 5) % 2, 20 + (r >> 6) % 70,
                (r >> 7) % 4 == 0 ? "IV" : "III", (r >> 9) % 3 ? "chemo" : "obs",
                (double)(r % 10000) / 100);
    }
    fclose(out);

    coh_study *s = study_new();
    add_source(s, "big", path, NULL, 3);
    add_derive(s, "months", "(julianday(last_date) - julianday(dx_date)) / 30.4375", 12);
    add_derive(s, "old", "age >= 70", 13);
    add_derive(s, "risk", "old + (stage = 'IV') + (score > 50)", 14);
    add_step(s, true, "adults", "age >= 18", 16);
    add_step(s, false, "stage IV", "stage = 'IV'", 17);
    set_groups(s, "arm", NULL, 0, NULL);
    coh_table *t = NULL;
    coh_study_flow *f = NULL;
    coh_error err;
    double t0 = now();
    coh_status st = coh_study_data(s, &t, &f, &err);
    double secs = now() - t0;
    check_int(st, COH_OK, "100,000 rows");
    if (st == COH_OK) {
        check(t->n_rows > 50000 && t->n_rows < 100000, "most rows kept");
        check_rel(f->steps[0].n, 100000, 0, "rows read");
    } else {
        fprintf(stderr, "  %s\n", err.msg);
    }
    printf("100,000 rows, 3 derives, 2 steps, groups: %.3f s (with reading the CSV)\n", secs);
#if !defined(__SANITIZE_ADDRESS__)
    check(secs < 1.0, "100,000 rows well under a second");
#endif
    coh_table_free(t);
    coh_study_flow_free(f);
    study_free(s);
    unlink(path);
}

static void test_flow_free_null(void)
{
    coh_study_flow_free(NULL);
    coh_error err;
    coh_table *t = NULL;
    coh_study_flow *f = NULL;
    check_int(coh_study_data(NULL, &t, &f, &err), COH_EINVAL, "no study");
    coh_study *s = study_new();
    expect_error(s, COH_EINVAL, "no sources", "study.yaml: the study has no sources", NULL);
    study_free(s);
}

int main(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/cohort-study-data-XXXXXX", base ? base : "/tmp");
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_main_study);
    RUN(test_minimal);
    RUN(test_select_rows);
    RUN(test_errors_sources);
    RUN(test_errors_derive);
    RUN(test_errors_steps);
    RUN(test_errors_groups_vars);
    RUN(test_sqlite_sources);
    RUN(test_carried_labels);
    RUN(test_many_rows);
    RUN(test_flow_free_null);
    rmdir(tmpdir);
    return check_report("test_study_data");
}
