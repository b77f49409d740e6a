/* test_study_spec.c - the study file parser (coh_study_load).
 *
 * tests/data/study/full.yaml uses every key of the schema: each field of
 * the result is checked, with the positions kept for later messages.
 * minimal.yaml checks every default.  Each file under tests/data/study/bad
 * is one mistake with its exact message, line and column.
 *
 * Allocation failures: when this binary is linked with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc (as test_oom is), the
 * n-th allocation of libcohort fails for n = 0, 1, 2, ... on the full file
 * and on bad files; each load must give COH_ENOMEM (or its own result once
 * n is past the last allocation), no study, and under ASan no leak.
 * Without the wrap __real_malloc is a null weak symbol and that test says
 * it was skipped.  (libyaml's own allocations are not reached: the wrap
 * acts on the objects linked statically.)
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../check.h"
#include "cohort/study.h"

#define DIR "tests/data/study/"

/* ---- fault injection (active only when linked with --wrap) ---------- */

void *__real_malloc(size_t n) __attribute__((weak));
void *__real_calloc(size_t n, size_t size) __attribute__((weak));
void *__real_realloc(void *p, size_t n) __attribute__((weak));
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

/* Allocations left before the failing one; negative: never fail. */
static atomic_long budget = -1;

static int take(void)
{
    if (atomic_load(&budget) < 0)
        return 1;
    return atomic_fetch_sub(&budget, 1) > 0;
}

void *__wrap_malloc(size_t n) { return take() ? __real_malloc(n) : NULL; }
void *__wrap_calloc(size_t n, size_t size) { return take() ? __real_calloc(n, size) : NULL; }
void *__wrap_realloc(void *p, size_t n) { return take() ? __real_realloc(p, n) : NULL; }

/* ---- helpers -------------------------------------------------------- */

static coh_study *load_ok(const char *path)
{
    coh_study *s = NULL;
    coh_error e;
    coh_status st = coh_study_load(path, &s, &e);
    check_int(st, COH_OK, path);
    if (st != COH_OK)
        fprintf(stderr, "  %s\n", e.msg);
    return s;
}

static void check_pos(coh_study_pos p, size_t line, size_t column, const char *what)
{
    char buf[200];
    snprintf(buf, sizeof buf, "%s: line", what);
    check_int(p.line, line, buf);
    snprintf(buf, sizeof buf, "%s: column", what);
    check_int(p.column, column, buf);
}

/* ---- the full file -------------------------------------------------- */

static void test_full_top(const coh_study *s)
{
    check_str(s->file, DIR "full.yaml", "file");
    check_str(s->dir, "tests/data/study", "dir");
    check_str(s->name, "colon-adjuvant", "study");
    check_str(s->title, "Adjuvant chemotherapy for stage III colon cancer", "title");
    check_str(s->description,
              "Recurrence and death after adjuvant chemotherapy (R's survival::colon).\n",
              "description (folded)");

    check_int(s->n_sources, 3, "sources");
    if (s->n_sources != 3)
        return;
    const coh_study_source *a = &s->sources[0], *b = &s->sources[1], *c = &s->sources[2];
    check_str(a->name, "trial", "source 0 name");
    check_str(a->file, "data/colon.csv", "source 0 file");
    check_str(a->path, "tests/data/study/data/colon.csv", "source 0 path");
    check_str(a->table, NULL, "source 0 table");
    check_str(a->query, NULL, "source 0 query");
    check_str(a->select, "SELECT id, rx, sex, age FROM source\n", "source 0 select (literal)");
    check_int(a->n_na, 3, "source 0 na");
    if (a->n_na == 3) {
        check_str(a->na[0], "-99", "na 0");
        check_str(a->na[1], "unknown", "na 1");
        check_str(a->na[2], "999", "na 2: a number as written");
    }
    check_pos(a->pos, 9, 5, "source 0");
    check_str(b->name, "registry", "source 1 name");
    check_str(b->path, "/srv/registry.sqlite", "source 1: an absolute path is kept");
    check_str(b->query, "SELECT * FROM patients WHERE year >= 2000", "source 1 query");
    check_str(b->table, NULL, "source 1 table");
    check_str(b->select, NULL, "source 1 select");
    check(b->na == NULL && b->n_na == 0, "source 1 na");
    check_pos(b->pos, 14, 5, "source 1");
    check_str(c->table, "patients", "source 2 table");
    check_str(c->path, "tests/data/study/archive.sqlite", "source 2 path");

    check_int(s->n_derive, 2, "derive");
    if (s->n_derive == 2) {
        check_str(s->derive[0].name, "age70", "derive 0");
        check_str(s->derive[0].expr, "CASE WHEN age >= 70 THEN 'yes' ELSE 'no' END", "expr 0");
        check_pos(s->derive[0].pos, 21, 5, "derive 0");
        check_str(s->derive[1].name, "_score.v2", "derive 1 (flow mapping)");
        check_str(s->derive[1].expr, "age70 = 'yes'", "expr 1");
        check_pos(s->derive[1].pos, 23, 5, "derive 1");
    }

    check_int(s->n_steps, 2, "steps");
    if (s->n_steps == 2) {
        check(!s->steps[0].include, "step 0 excludes");
        check_str(s->steps[0].label, "Observation arm", "step 0 label");
        check_str(s->steps[0].when, "rx = 'Obs'", "step 0 when");
        check_pos(s->steps[0].pos, 26, 7, "step 0");
        check(s->steps[1].include, "step 1 includes");
        check_str(s->steps[1].label, "Known stage", "step 1 label");
        check_str(s->steps[1].when, "stage IS NOT NULL", "step 1 when");
        check_pos(s->steps[1].pos, 28, 7, "step 1");
    }
    check_str(s->group_var, "rx", "groups variable");
    check_pos(s->group_pos, 31, 15, "groups variable");
    check_str(s->group_label, "Treatment", "groups label");
    check_int(s->n_group_order, 3, "groups order");
    if (s->n_group_order == 3) {
        check_str(s->group_order[0], "Lev", "order 0");
        check_str(s->group_order[1], "Lev+5FU", "order 1");
        check_str(s->group_order[2], "3", "order 2: a number as text");
    }
}

static void test_full_variables(const coh_study *s)
{
    check_int(s->n_vars, 5, "variables");
    if (s->n_vars != 5)
        return;
    const coh_study_variable *age = &s->vars[0], *sex = &s->vars[1], *rx = &s->vars[2],
                             *node4 = &s->vars[3], *stage = &s->vars[4];
    check_str(age->name, "age", "age");
    check_str(age->label, "Age", "age label");
    check_str(age->unit, "years", "age unit");
    check_int(age->kind, COH_TABONE_CONTINUOUS, "age kind");
    check_int(age->digits, 0, "age digits");
    check(age->levels == NULL && age->level_labels == NULL && age->n_levels == 0, "age levels");
    check_str(age->reference, NULL, "age reference");
    check_pos(age->pos, 35, 3, "age");

    check_str(sex->name, "sex", "sex");
    check_str(sex->label, "Sex", "sex label");
    check_str(sex->unit, NULL, "sex unit");
    check_int(sex->kind, COH_TABONE_CATEGORICAL, "sex kind");
    check_int(sex->digits, -1, "sex digits: the option's");
    check_int(sex->n_levels, 3, "sex levels");
    if (sex->n_levels == 3) {
        check_str(sex->levels[0], "0", "sex level 0");
        check_str(sex->level_labels[0], "Female", "sex label 0");
        check_str(sex->levels[1], "1", "sex level 1 (a number key)");
        check_str(sex->level_labels[1], "Male", "sex label 1");
        check_str(sex->levels[2], "2", "sex level 2");
        check_str(sex->level_labels[2], NULL, "sex label 2: none, the value");
    }
    check_str(sex->reference, "0", "sex reference");
    check_pos(sex->pos, 36, 3, "sex");

    check_int(rx->kind, COH_TABONE_AUTO, "rx kind");
    check_int(rx->n_levels, 2, "rx levels (list)");
    if (rx->n_levels == 2) {
        check_str(rx->levels[0], "Lev", "rx level 0");
        check_str(rx->levels[1], "Lev+5FU", "rx level 1");
        check(rx->level_labels != NULL && rx->level_labels[0] == NULL &&
                  rx->level_labels[1] == NULL,
              "rx level labels: NULL entries");
    }
    check_str(rx->reference, "Lev+5FU", "rx reference");
    check_str(rx->label, NULL, "rx label");

    check_str(node4->name, "node4", "node4: declared without a spec");
    check_int(node4->kind, COH_TABONE_AUTO, "node4 kind");
    check_int(node4->digits, -1, "node4 digits");
    check_pos(node4->pos, 47, 3, "node4");
    check_int(stage->kind, COH_TABONE_AUTO, "stage: type auto");
}

static void test_full_tables(const coh_study *s)
{
    check_int(s->n_tables, 2, "tables");
    if (s->n_tables != 2)
        return;
    const coh_study_table *t = &s->tables[0], *u = &s->tables[1];
    check_str(t->name, "table1", "table name");
    check_str(t->title, "Baseline characteristics", "table title");
    check_str(t->by, "rx", "table by");
    check_str(t->where, "age < 80", "table where");
    check(!t->overall, "overall: no");
    check(t->smd, "smd: yes");
    check_pos(t->pos, 50, 5, "table 0");
    check_int(t->n_rows, 3, "rows");
    if (t->n_rows == 3) {
        check_str(t->rows[0].section, "Patient characteristics", "row 0 section");
        check_str(t->rows[0].variable, NULL, "row 0 variable");
        check_pos(t->rows[0].pos, 57, 9, "row 0");
        check_str(t->rows[1].variable, "age", "row 1");
        check_str(t->rows[1].section, NULL, "row 1 section");
        check_pos(t->rows[1].pos, 58, 9, "row 1");
        check_str(t->rows[2].variable, "sex", "row 2");
        check_pos(t->rows[2].pos, 59, 9, "row 2");
    }
    check_str(u->name, "table1.all", "table 1 name");
    check_str(u->by, "none", "table 1 by none");
    check_str(u->title, NULL, "table 1 title");
    check_str(u->where, NULL, "table 1 where");
    check(u->overall, "table 1 overall default");
    check(!u->smd, "table 1 smd default");
    check_int(u->n_rows, 1, "table 1 rows");
    if (u->n_rows == 1)
        check_pos(u->rows[0].pos, 62, 12, "table 1 row 0 (flow list)");
}

static void test_full_analyses(const coh_study *s)
{
    check_int(s->n_endpoints, 2, "endpoints");
    if (s->n_endpoints == 2) {
        const coh_study_endpoint *os = &s->endpoints[0], *rfs = &s->endpoints[1];
        check_str(os->name, "os", "os");
        check_str(os->label, "Overall survival", "os label");
        check_str(os->time, "os_months", "os time");
        check_str(os->event, "os_event", "os event");
        check_str(os->unit, "months", "os unit");
        check_pos(os->pos, 64, 3, "os");
        check_pos(os->time_pos, 64, 41, "os time");
        check_pos(os->event_pos, 64, 59, "os event");
        check_str(rfs->name, "rfs", "rfs");
        check_str(rfs->label, NULL, "rfs label");
        check_str(rfs->unit, NULL, "rfs unit");
        check_pos(rfs->time_pos, 66, 11, "rfs time");
        check_pos(rfs->event_pos, 67, 12, "rfs event");
    }

    check_int(s->n_km, 2, "survival");
    if (s->n_km == 2) {
        const coh_study_km *k = &s->km[0], *r = &s->km[1];
        check_str(k->name, "os_by_rx", "km name");
        check_str(k->endpoint, "os", "km endpoint");
        check_str(k->title, "Overall survival by arm", "km title");
        check_str(k->by, "rx", "km by");
        check_str(k->where, "sex = 1", "km where");
        check_int(k->n_times, 4, "km times");
        if (k->n_times == 4) {
            check_rel(k->times[0], 12, 0, "time 0");
            check_rel(k->times[1], 60, 0, "time 1");
            check_rel(k->times[2], 25, 0, "time 2 (2.5e1)");
            check_rel(k->times[3], 0, 0, "time 3");
        }
        check(!k->followup, "followup false");
        check(k->ci, "ci true");
        check_pos(k->pos, 69, 5, "km 0");
        check_str(r->title, NULL, "km 1 title");
        check_str(r->by, NULL, "km 1 by: the groups");
        check(r->times == NULL && r->n_times == 0, "km 1 times");
        check(r->followup, "km 1 followup default");
        check_int(r->median_ci, -1, "km 1 median_ci: the study's");
        check(isnan(r->x_max) && isnan(r->x_step), "km 1 time axis automatic");
        check(!r->ci, "km 1 ci default");
    }

    check_int(s->n_cox, 2, "cox");
    if (s->n_cox == 2) {
        const coh_study_cox *c = &s->cox[0], *d = &s->cox[1];
        check_str(c->name, "os_cox", "cox name");
        check_str(c->endpoint, "os", "cox endpoint");
        check_str(c->title, "Cox model of overall survival", "cox title");
        check_str(c->where, "age >= 18", "cox where");
        check_int(c->n_terms, 3, "cox terms");
        if (c->n_terms == 3) {
            check_str(c->terms[0], "age", "term 0");
            check_str(c->terms[1], "sex", "term 1");
            check_str(c->terms[2], "rx", "term 2");
            check_pos(c->term_pos[0], 84, 13, "term 0");
            check_pos(c->term_pos[1], 84, 40, "term 1");
            check_pos(c->term_pos[2], 84, 45, "term 2");
            check_str(c->term_section[0], NULL, "no section before term 0");
            check_str(c->term_section[1], "Treatment", "the section before term 1");
            check_str(c->term_section[2], NULL, "no section before term 2");
        }
        check(!c->univariable, "univariable false");
        check(c->select, "select");
        check_int(c->method, COH_SELECT_BACKWARD, "method");
        check_rel(c->entry, 0.25, 0, "entry");
        check_rel(c->stay, 0.1, 0, "stay");
        check_pos(c->pos, 80, 5, "cox 0");
        check(d->univariable, "cox 1 univariable default");
        check(!d->select, "cox 1 no selection");
        check_int(d->method, COH_SELECT_NONE, "cox 1 method default");
        check(isnan(d->entry), "cox 1 entry default NAN");
        check_rel(d->stay, 0.2, 0, "cox 1 stay default");
        check_str(d->title, NULL, "cox 1 title");
        check_str(d->where, NULL, "cox 1 where");
    }

    const coh_study_options *o = &s->options;
    check_int(o->ties, COH_TIES_BRESLOW, "ties");
    check_int(o->conf_type, COH_CONF_LOGLOG, "conf_type");
    check_rel(o->conf_level, 0.9, 0, "conf_level");
    check(o->median_ci_spss, "median_ci spss");
    check_int(o->test, COH_TEST_TARONE_WARE, "test");
    check_int(o->cat_test, COH_TABONE_CAT_FISHER, "tests");
    check_int(o->cont_test, COH_TABONE_CONT_WELCH, "continuous_test");
    check(!o->mw_continuity, "mw_continuity");
    check_int(o->summary, COH_TABONE_BOTH, "summary");
    check_int(o->digits, 2, "digits");
    check_int(o->p_digits, 3, "p_digits");
    check_int(o->select_test, COH_SELECT_LR, "select_test");
    check_int(o->screen_rows, COH_SCREEN_COMPLETE, "screen_rows");
}

static void test_full(void)
{
    coh_study *s = load_ok(DIR "full.yaml");
    if (s == NULL)
        return;
    test_full_top(s);
    test_full_variables(s);
    test_full_tables(s);
    test_full_analyses(s);
    coh_study_free(s);
}

/* ---- defaults ------------------------------------------------------- */

static void test_defaults(void)
{
    coh_study *s = load_ok(DIR "minimal.yaml");
    if (s == NULL)
        return;
    check_str(s->name, "min", "name");
    check_str(s->title, NULL, "title");
    check_str(s->description, NULL, "description");
    check_int(s->n_sources, 1, "one source");
    if (s->n_sources == 1) {
        check_str(s->sources[0].path, "tests/data/study/lung.csv", "path");
        check_str(s->sources[0].select, NULL, "select: SELECT *");
    }
    check(s->derive == NULL && s->n_derive == 0, "no derive");
    check(s->steps == NULL && s->n_steps == 0, "no steps");
    check_str(s->group_var, NULL, "no groups");
    check_str(s->group_label, NULL, "no group label");
    check(s->group_order == NULL && s->n_group_order == 0, "no group order");
    check_int(s->group_pos.line, 0, "no group position");
    check(s->vars == NULL && s->n_vars == 0, "no variables");
    check(s->tables == NULL && s->n_tables == 0, "no tables");
    check(s->endpoints == NULL && s->n_endpoints == 0, "no endpoints");
    check(s->km == NULL && s->n_km == 0, "no survival");
    check(s->cox == NULL && s->n_cox == 0, "no cox");
    const coh_study_options *o = &s->options;
    check_int(o->ties, COH_TIES_EFRON, "ties efron");
    check_int(o->conf_type, COH_CONF_LOG, "conf_type log");
    check_rel(o->conf_level, 0.95, 0, "conf_level 0.95");
    check(!o->median_ci_spss, "median CI Brookmeyer-Crowley");
    check_int(o->test, COH_TEST_LOGRANK, "log-rank");
    check_int(o->cat_test, COH_TABONE_CAT_AUTO, "tests auto");
    check_int(o->cont_test, COH_TABONE_CONT_RANK, "continuous rank");
    check(o->mw_continuity, "mw_continuity");
    check_int(o->summary, COH_TABONE_MEDIAN_IQR, "median-iqr");
    check_int(o->digits, 1, "digits 1");
    check_int(o->p_digits, 2, "p_digits 2");
    check_int(o->select_test, COH_SELECT_WALD, "Wald");
    check_int(o->screen_rows, COH_SCREEN_AVAILABLE, "screen on each term's own rows");
    coh_study_free(s);
}

/* A study file given without a folder: dir "." and paths as written. */
static void test_dir_dot(void)
{
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd) == NULL || chdir(DIR) != 0) {
        check(0, "chdir");
        return;
    }
    coh_study *s = load_ok("minimal.yaml");
    if (s != NULL) {
        check_str(s->file, "minimal.yaml", "file");
        check_str(s->dir, ".", "dir");
        check_str(s->sources[0].path, "lung.csv", "path as written");
    }
    coh_study_free(s);
    check_int(chdir(cwd), 0, "chdir back");
}

/* ---- bad files ------------------------------------------------------ */

typedef struct bad_case {
    const char *file;    /* under tests/data/study/bad/ */
    coh_status status;
    const char *message; /* after "tests/data/study/bad/FILE:" */
} bad_case;

static const bad_case bad_cases[] = {
    {"unknown_top.yaml", COH_EPARSE,
     "4:1: unknown key 'survivall' at the top level (expected one of: study, title, "
     "description, sources, derive, cohort, variables, tables, endpoints, survival, cox, "
     "options, published, published_note)"},
    {"unknown_nested.yaml", COH_EPARSE,
     "6:5: unknown key 'titel' in 'tables[0]' (expected one of: name, title, by, where, "
     "subgroup, overall, smd, rows)"},
    {"variable_key.yaml", COH_EPARSE,
     "5:9: unknown key 'lable' in 'variables.sex' (expected one of: label, unit, type, digits, "
     "levels, reference)"},
    {"options_key.yaml", COH_EPARSE,
     "6:3: unknown key 'confidence' in 'options' (expected one of: ties, conf_type, conf_level, "
     "median_ci, test, tests, continuous_test, mw_continuity, summary, digits, p_digits, "
     "select_test, screen_rows)"},
    {"row_section_key.yaml", COH_EPARSE,
     "8:10: unknown key 'heading' in 'tables[0].rows[1]' (expected one of: section)"},
    {"times_word.yaml", COH_EPARSE,
     "9:17: 'survival[0].times' wants a list of numbers >= 0, found 'twelve'"},
    {"times_scalar.yaml", COH_EPARSE,
     "9:12: 'survival[0].times' wants a list of numbers >= 0, found '12'"},
    {"times_negative.yaml", COH_EPARSE,
     "9:17: 'survival[0].times' wants a list of numbers >= 0, found '-1'"},
    {"title_list.yaml", COH_EPARSE, "2:8: 'title' wants a string, found a list"},
    {"sources_mapping.yaml", COH_EPARSE, "3:3: 'sources' wants a list, found a mapping"},
    {"bool_word.yaml", COH_EPARSE, "6:14: 'tables[0].overall' wants true or false, found 'maybe'"},
    {"digits.yaml", COH_EPARSE,
     "5:11: 'options.digits' wants a whole number from 0 to 10, found '1.5'"},
    {"conf_level.yaml", COH_EPARSE,
     "4:23: 'options.conf_level' wants a number above 0 and below 1, found '1'"},
    {"cox_stay.yaml", COH_EPARSE,
     "7:49: 'cox[0].stay' wants a number above 0 and at most 1, found '0'"},
    {"missing_name.yaml", COH_EPARSE, "5:5: missing required key 'name' in 'sources[1]'"},
    {"missing_sources.yaml", COH_EPARSE, "2:1: missing required key 'sources' at the top level"},
    {"endpoint_time.yaml", COH_EPARSE, "6:5: missing required key 'time' in 'endpoints.os'"},
    {"null_study.yaml", COH_EPARSE, "1:1: 'study' needs a value"},
    {"sources_empty.yaml", COH_EPARSE, "2:10: 'sources' wants at least one source"},
    {"rows_empty.yaml", COH_EPARSE, "6:11: 'tables[0].rows' is empty"},
    {"bad_enum.yaml", COH_EPARSE,
     "6:9: 'options.ties' wants one of: efron, breslow (found 'exact')"},
    {"cox_select.yaml", COH_EPARSE,
     "7:51: 'cox[0].select' wants one of: none, backward, forward, stepwise (found 'sideways')"},
    {"dup_name.yaml", COH_EPARSE, "9:11: duplicate name 'os_km' in 'survival' (first at 7:11)"},
    {"derive_dup.yaml", COH_EPARSE, "6:12: duplicate name 'age70' in 'derive' (first at 5:12)"},
    {"dup_term.yaml", COH_EPARSE, "9:23: 'age' appears twice in 'cox[0].terms' (first at 9:13)"},
    {"order_dup.yaml", COH_EPARSE,
     "7:19: '1' appears twice in 'cohort.groups.order' (first at 7:13)"},
    {"row_dup.yaml", COH_EPARSE, "9:9: 'age' appears twice in 'tables[0].rows' (first at 7:9)"},
    {"unknown_endpoint.yaml", COH_EPARSE,
     "6:15: 'cox[0].endpoint': unknown endpoint 'dfs' (endpoints: os, rfs)"},
    {"no_endpoints.yaml", COH_EPARSE,
     "5:26: 'survival[0].endpoint': unknown endpoint 'os' (the file defines no 'endpoints')"},
    {"dup_key.yaml", COH_EPARSE, "5:5: duplicate key 'name' in 'sources[0]' (first at 3:5)"},
    {"list_key.yaml", COH_EPARSE, "4:3: keys at the top level must be text, found a list"},
    {"syntax.yaml", COH_EPARSE,
     "5:1: YAML: found unexpected end of stream (while scanning a quoted scalar at 4:11)"},
    {"syntax2.yaml", COH_EPARSE,
     "3:1: YAML: did not find expected ',' or ']' (while parsing a flow sequence at 2:10)"},
    {"tab.yaml", COH_EPARSE,
     "3:1: YAML: found character that cannot start any token (while scanning for the next "
     "token at 3:1); YAML indents with spaces, not tabs"},
    {"alias.yaml", COH_EPARSE, "3:21: YAML: found undefined alias"},
    {"utf8.yaml", COH_EENCODING,
     "2:12: not valid UTF-8 (byte 0xE9): the study file must be UTF-8 text"},
    {"empty.yaml", COH_EEMPTY,
     "1:1: the study file is empty (it needs at least 'study' and 'sources')"},
    {"not_mapping.yaml", COH_EPARSE,
     "1:1: a study file is a mapping of keys (study, sources, ...), found a list"},
    {"two_docs.yaml", COH_EPARSE,
     "4:1: a study file holds one YAML document; a second one starts here"},
    {"include_exclude.yaml", COH_EPARSE,
     "9:7: 'cohort.steps[1]' has both 'include' and 'exclude': a step is one of them"},
    {"step_neither.yaml", COH_EPARSE,
     "6:7: 'cohort.steps[0]' needs 'include' or 'exclude' (the step's label)"},
    {"study_name.yaml", COH_EPARSE,
     "2:8: 'study' wants a name of letters, digits, '.', '_' and '-' (it names files), found "
     "'colon adjuvant'"},
    {"study_dotdot.yaml", COH_EPARSE,
     "1:8: 'study' wants a name of letters, digits, '.', '_' and '-' (it names files), found "
     "'..'"},
    {"table_name.yaml", COH_EPARSE,
     "5:11: 'tables[0].name' wants a name of letters, digits, '.', '_' and '-' (it names "
     "files), found 'tables/one'"},
    {"derive_name.yaml", COH_EPARSE,
     "7:11: 'derive[1].name' wants a name that starts with a letter or '_' followed by "
     "letters, digits, '_' or '.', found '2nd'"},
    {"reference_level.yaml", COH_EPARSE,
     "9:16: 'variables.sex.reference' is 'Female', which is not one of its levels (0, 1)"},
    {"continuous_levels.yaml", COH_EPARSE,
     "7:13: 'variables.age' has 'type: continuous': 'levels' and 'reference' are for "
     "categorical variables"},
    {"table_query.yaml", COH_EPARSE,
     "6:5: 'sources[0]' has both 'table' and 'query': give one of them"},
    {"nul.yaml", COH_EPARSE, "3:12: 'sources[0].name' holds a NUL character"},
    {"subgroup_no_where.yaml", COH_EPARSE,
     "9:15: 'survival[0]': 'subgroup' names the rows of 'where', and there is no 'where'"},
    {"terms_two_sections.yaml", COH_EPARSE,
     "9:33: 'cox[0].terms[1]': two sections in a row (the first at 9:13 has no term)"},
    {"terms_last_section.yaml", COH_EPARSE,
     "11:9: 'cox[0].terms': the last section has no term after it"},
    {"terms_only_sections.yaml", COH_EPARSE, "9:12: 'cox[0].terms' has no term"},
    {"terms_section_key.yaml", COH_EPARSE,
     "9:34: unknown key 'heading' in 'cox[0].terms[1]' (expected one of: section)"},
    {"published_p_digits.yaml", COH_EPARSE,
     "5:5: 'published[0]' has 'format: p': a p-value is shown as the report's p-values, "
     "without 'lower', 'upper', 'scale' or 'digits'"},
    {"km_median_ci.yaml", COH_EPARSE,
     "9:16: 'survival[0].median_ci' wants one of: brookmeyer-crowley, spss (found 'sas')"},
    {"km_x_max.yaml", COH_EPARSE,
     "9:12: 'survival[0].x_max' wants a number above 0 and at most 1e+12, found '0'"},
    {"file_clash_case.yaml", COH_EPARSE,
     "10:5: survival 'os' writes tables/km_os.csv, as table 'KM_os' does (at 7:5); rename one"},
    {"file_clash.yaml", COH_EPARSE,
     "10:5: survival 'os' writes tables/km_os.csv, as table 'km_os' does (at 7:5); rename one"},
    {"screen_rows.yaml", COH_EPARSE,
     "5:16: 'options.screen_rows' wants one of: available, complete (found 'pairwise')"},
};

static void test_bad_files(void)
{
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *c = &bad_cases[i];
        char path[256], want[1024];
        snprintf(path, sizeof path, DIR "bad/%s", c->file);
        snprintf(want, sizeof want, "%s:%s", path, c->message);
        coh_study *s = (coh_study *)&s; /* not NULL: the load must clear it */
        coh_error e;
        coh_status st = coh_study_load(path, &s, &e);
        check_int(st, c->status, path);
        check_int(e.status, c->status, path);
        check_str(e.msg, want, path);
        check(s == NULL, "no study on error");
    }
}

/* Cases built here: a missing file, a folder, NULL arguments. */
static void test_misc(void)
{
    coh_study *s = NULL;
    coh_error e;
    check_int(coh_study_load(DIR "no-such.yaml", &s, &e), COH_EIO, "missing file");
    check_str(e.msg, DIR "no-such.yaml: cannot open: No such file or directory", "message");
    check(s == NULL, "no study");
    check_int(coh_study_load("tests/data/study", &s, &e), COH_EIO, "a folder");
    check_contains(e.msg, "tests/data/study: cannot read", "a folder: message");
    check_int(coh_study_load(NULL, &s, &e), COH_EINVAL, "NULL path");
    check_int(coh_study_load(DIR "minimal.yaml", NULL, &e), COH_EINVAL, "NULL out");
    check_int(coh_study_load(DIR "bad/dup_key.yaml", &s, NULL), COH_EPARSE, "NULL err");
    coh_study_free(NULL);
    check(1, "free(NULL)");
}

/* ---- allocation failures -------------------------------------------- */

/* Load `path` with the n-th allocation failing, for every n until the
 * load no longer sees a failure; it must then give `final`. */
static void oom_sweep(const char *path, coh_status final)
{
    int n;
    for (n = 0; n < 100000; n++) {
        coh_study *s = NULL;
        coh_error e;
        atomic_store(&budget, n);
        coh_status st = coh_study_load(path, &s, &e);
        long left = atomic_load(&budget);
        atomic_store(&budget, -1);
        coh_study_free(s);
        if (left >= 0) { /* no allocation failed: the end of the sweep */
            check_int(st, final, path);
            break;
        }
        if (st != COH_ENOMEM) {
            char what[300];
            snprintf(what, sizeof what, "%s: allocation %d fails", path, n);
            check_int(st, COH_ENOMEM, what);
            fprintf(stderr, "  %s\n", e.msg);
            break;
        }
        if (s != NULL) {
            check(0, "no study after COH_ENOMEM");
            break;
        }
    }
    check(n > 10, "the sweep reached allocations");
}

static void test_oom(void)
{
    if (&__real_malloc == NULL) {
        printf("test_study_spec: allocation-failure sweep skipped (link with "
               "-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc to run it)\n");
        return;
    }
    oom_sweep(DIR "full.yaml", COH_OK);
    oom_sweep(DIR "bad/dup_term.yaml", COH_EPARSE);
    oom_sweep(DIR "bad/reference_level.yaml", COH_EPARSE);
    oom_sweep(DIR "bad/unknown_endpoint.yaml", COH_EPARSE);
    oom_sweep(DIR "bad/row_dup.yaml", COH_EPARSE);
}

int main(void)
{
    RUN(test_full);
    RUN(test_defaults);
    RUN(test_dir_dot);
    RUN(test_bad_files);
    RUN(test_misc);
    RUN(test_oom);
    return check_report("test_study_spec");
}
