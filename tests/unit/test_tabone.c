/* test_tabone.c - the descriptive-table builder (src/report/tabone.c):
 * counts, percentages and summaries worked out by hand, the choice of
 * test, and the bad inputs of issue 5 (one group, constant variables, all
 * missing, many levels, zero expected counts).  R's numbers on real data
 * are in test_golden_tabone.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "cohort/format.h"
#include "cohort/io.h"
#include "cohort/tabone.h"

static coh_table *csv(const char *text)
{
    coh_table *t = NULL;
    coh_error e;
    if (coh_read_csv_mem(text, strlen(text), "test.csv", NULL, &t, &e) != COH_OK) {
        fprintf(stderr, "csv: %s\n", e.msg);
        return NULL;
    }
    return t;
}

/* The first row of `kind` for `var` (and `level`, for level rows). */
static const coh_tabone_row *find_row(const coh_tabone *tab, coh_tabone_row_kind kind,
                                      const char *var, const char *level)
{
    for (size_t i = 0; i < tab->n_rows; i++) {
        const coh_tabone_row *r = &tab->rows[i];
        if (r->kind != kind)
            continue;
        if (var != NULL && (r->variable == NULL || strcmp(r->variable, var) != 0))
            continue;
        if (level != NULL && (r->level == NULL || strcmp(r->level, level) != 0))
            continue;
        return r;
    }
    return NULL;
}

/* No text of the table says NaN or nan, and every cell has text. */
static void check_no_nan(const coh_tabone *tab, const char *what)
{
    for (size_t i = 0; i < tab->n_rows; i++) {
        const coh_tabone_row *r = &tab->rows[i];
        check(r->p_text != NULL && strstr(r->p_text, "nan") == NULL &&
                  strstr(r->p_text, "NaN") == NULL, what);
        check(r->smd_text != NULL && strstr(r->smd_text, "nan") == NULL, what);
        if (r->cells != NULL)
            for (size_t k = 0; k < tab->n_cols; k++)
                check(r->cells[k].text != NULL && strstr(r->cells[k].text, "nan") == NULL &&
                          strstr(r->cells[k].text, "NaN") == NULL && strstr(r->cells[k].text, "inf") == NULL,
                      what);
    }
}

static bool has_warning(const coh_tabone *tab, const char *needle)
{
    for (size_t i = 0; i < tab->n_warnings; i++)
        if (strstr(tab->warnings[i], needle) != NULL)
            return true;
    return false;
}

static bool has_note(const coh_tabone *tab, const char *needle)
{
    for (size_t i = 0; i < tab->n_notes; i++)
        if (strstr(tab->notes[i], needle) != NULL)
            return true;
    return false;
}

static coh_tabone_var var(const char *name, coh_tabone_kind kind)
{
    coh_tabone_var v;
    memset(&v, 0, sizeof v);
    v.name = name;
    v.kind = kind;
    v.digits = -1;
    return v;
}

/* Ten rows, two groups of five; percentages, the Missing row, quartiles
 * by hand (type 7 of 1,2,3,4,5: 2, 3, 4; of 10,20,30,40: 17.5, 25, 32.5). */
static void test_counts_and_summaries(void)
{
    coh_table *t = csv("g,sex,x\n"
                       "a,m,1\na,m,2\na,f,3\na,,4\na,m,5\n"
                       "b,f,10\nb,f,20\nb,m,30\nb,f,40\nb,f,\n");
    coh_tabone_spec s;
    coh_tabone_spec_init(&s);
    coh_tabone_var v[2] = {var("sex", COH_TABONE_AUTO), var("x", COH_TABONE_AUTO)};
    s.by = "g";
    s.vars = v;
    s.n_vars = 2;
    s.overall = true;
    s.summary = COH_TABONE_BOTH;
    s.minmax = true;
    coh_tabone *tab = NULL;
    coh_error err;
    check_int(coh_tabone_build(t, &s, &tab, &err), COH_OK, "build");
    if (tab == NULL)
        return;
    check_int(tab->n_cols, 3, "overall + 2 groups");
    check_str(tab->col_labels[0], "All", "overall label");
    check_str(tab->col_labels[1], "a", "group a");
    check_str(tab->col_labels[2], "b", "group b");
    check_int((int)tab->col_n[0], 10, "n all");
    check_int((int)tab->col_n[1], 5, "n a");
    check_str(tab->rows[0].cells[2].text, "5", "n row text");

    /* sex: levels in data order (m, f); a: m 3 of 4 non-missing = 75.0% */
    const coh_tabone_row *r = find_row(tab, COH_TABONE_ROW_LEVEL, "sex", "m");
    check(r != NULL, "level m");
    if (r != NULL) {
        check_str(r->cells[1].text, "3 (75.0%)", "m in a");
        check_str(r->cells[2].text, "1 (20.0%)", "m in b");
        check_str(r->cells[0].text, "4 (44.4%)", "m in all (4 of 9)");
        check_rel(r->cells[0].pct, 400.0 / 9, 1e-15, "pct all");
    }
    r = find_row(tab, COH_TABONE_ROW_MISSING, "sex", NULL);
    check(r != NULL, "missing row");
    if (r != NULL) {
        check_str(r->cells[0].text, "1", "missing all");
        check_str(r->cells[1].text, "1", "missing a");
        check_str(r->cells[2].text, "0", "missing b");
        check(isnan(r->cells[1].pct), "missing has no percentage");
    }
    /* 2 x 2 with expected counts 4*4/9 < 5: Fisher under auto */
    r = find_row(tab, COH_TABONE_ROW_VARIABLE, "sex", NULL);
    check(r != NULL && r->test >= 0, "sex tested");
    if (r != NULL && r->test >= 0)
        check_str(tab->tests[r->test].name, "Fisher's exact test", "auto chose Fisher");
    check(has_note(tab, "Fisher's exact test was used where an expected count was below 5"),
          "auto footnote");
    /* Fisher 2x2 [[3,1],[1,4]]: p = 0.2063492063... (R: fisher.test) */
    if (r != NULL)
        check_rel(r->p, 0.20634920634920634, 1e-12, "fisher p");

    /* x: a = 1..5, b = 10,20,30,40 */
    r = find_row(tab, COH_TABONE_ROW_SUMMARY, "x", NULL);
    check(r != NULL, "x summary");
    if (r != NULL) {
        check_str(r->stat, "median_iqr", "first line is median (IQR)");
        check_str(r->label, "x, median (IQR)", "label");
        check_str(r->cells[1].text, "3.0 (2.0\xe2\x80\x93" "4.0)", "a median (IQR)");
        check_str(r->cells[2].text, "25.0 (17.5\xe2\x80\x93" "32.5)", "b median (IQR)");
        check_rel(r->cells[2].q1, 17.5, 1e-15, "q1 b");
        check(r->test >= 0, "x tested");
        if (r->test >= 0)
            check_str(tab->tests[r->test].name, "Mann-Whitney U test (exact)", "exact MW");
        /* W = 0, exact two-sided p = 2 / C(9,4) = 2/126 */
        check_rel(r->p, 2.0 / 126.0, 1e-12, "exact p");
        check_str(r->p_text, "0.016", "p text");
    }
    const coh_tabone_row *ms = find_row(tab, COH_TABONE_ROW_SUMMARY, "x", NULL) + 1;
    check_str(ms->stat, "mean_sd", "second line");
    check_str(ms->cells[1].text, "3.0 (1.6)", "mean (SD) of 1..5: sd = sqrt(2.5)");
    check_rel(ms->cells[1].sd, sqrt(2.5), 1e-15, "sd");
    check_str((ms + 1)->stat, "min_max", "third line");
    check_str((ms + 1)->cells[2].text, "10.0\xe2\x80\x93" "40.0", "min-max b");
    r = find_row(tab, COH_TABONE_ROW_MISSING, "x", NULL);
    check(r != NULL && strcmp(r->cells[2].text, "1") == 0, "x missing in b");
    check_no_nan(tab, "no NaN");
    coh_tabone_free(tab);
    coh_table_free(t);
}

/* Row percentages, given level order, --tests choices, the SMD column,
 * a level without rows, numeric codes as categorical. */
static void test_options(void)
{
    coh_table *t = csv("g,stage,code\n"
                       "a,II,1\na,III,1\na,III,2\na,I,2\n"
                       "b,I,1\nb,I,2\nb,II,2\nb,III,2\nb,II,1\n");
    coh_tabone_spec s;
    coh_tabone_spec_init(&s);
    const char *order[] = {"I", "II"};
    coh_tabone_var v[2] = {var("stage", COH_TABONE_CATEGORICAL), var("code", COH_TABONE_AUTO)};
    v[0].levels = order;
    v[0].n_levels = 2;
    v[1].label = "Code";
    s.by = "g";
    s.vars = v;
    s.n_vars = 2;
    s.percent = COH_TABONE_PCT_ROW;
    s.cat_test = COH_TABONE_CAT_PEARSON;
    s.smd = true;
    coh_tabone *tab = NULL;
    coh_error err;
    check_int(coh_tabone_build(t, &s, &tab, &err), COH_OK, "build");
    if (tab == NULL)
        return;
    check_int(tab->n_cols, 2, "no overall by default");
    /* levels I, II (given), then III */
    const coh_tabone_row *vr = find_row(tab, COH_TABONE_ROW_VARIABLE, "stage", NULL);
    check(vr != NULL && vr[1].level && strcmp(vr[1].level, "I") == 0, "I first");
    check(vr != NULL && strcmp(vr[3].level, "III") == 0, "III last");
    /* row percent: I has 1 in a, 2 in b -> 33.3%, 66.7% */
    check_str(vr[1].cells[0].text, "1 (33.3%)", "row pct a");
    check_str(vr[1].cells[1].text, "2 (66.7%)", "row pct b");
    check_str(tab->tests[vr->test].name, "Pearson's chi-square test", "pearson asked");
    check(vr->smd > 0 && strlen(vr->smd_text) == 5, "smd with 3 decimals");
    check(has_note(tab, "of each level across the groups"), "row-percent note");
    /* code: whole numbers with 2 values -> categorical, said in a note */
    const coh_tabone_row *cr = find_row(tab, COH_TABONE_ROW_VARIABLE, "code", NULL);
    check(cr != NULL, "code categorical by rule");
    if (cr != NULL)
        check_str(cr->label, "Code", "label given");
    check(find_row(tab, COH_TABONE_ROW_LEVEL, "code", "2") != NULL, "numeric level text");
    check(has_note(tab, "'code' holds whole numbers"), "auto note");
    coh_tabone_free(tab);

    /* Yates on a 2 x 2 and the names */
    s.percent = COH_TABONE_PCT_COLUMN;
    s.cat_test = COH_TABONE_CAT_YATES;
    coh_tabone_var v2[1] = {var("code", COH_TABONE_CATEGORICAL)};
    s.vars = v2;
    s.n_vars = 1;
    check_int(coh_tabone_build(t, &s, &tab, &err), COH_OK, "yates");
    if (tab != NULL) {
        cr = find_row(tab, COH_TABONE_ROW_VARIABLE, "code", NULL);
        check_str(tab->tests[cr->test].name, "Chi-square test with Yates's continuity correction",
                  "yates name");
        /* [[2,2],[2,3]]: R chisq.test(correct=TRUE) X-squared = 0, p = 1 */
        check_rel(cr->p, 1.0, 1e-12, "yates p");
        check_str(cr->p_text, "1.0", "p 1, two significant digits");
        coh_tabone_free(tab);
    }
    /* a level order naming an unknown level is an error */
    const char *bad[] = {"IV"};
    v[0].levels = bad;
    v[0].n_levels = 1;
    s.vars = v;
    s.n_vars = 1;
    check_int(coh_tabone_build(t, &s, &tab, &err), COH_EINVAL, "unknown level");
    check_contains(err.msg, "variable 'stage' has no level 'IV'", "message");
    check(tab == NULL, "no table on error");
    coh_table_free(t);
}

/* The bad inputs of issue 5: never an error, never NaN, always a word. */
static void test_bad_inputs(void)
{
    /* one group */
    coh_table *t = csv("g,x,y,z\na,1,u,\na,2,v,\na,3,u,\n");
    coh_tabone_spec s;
    coh_tabone_spec_init(&s);
    coh_tabone_var v[3] = {var("x", COH_TABONE_CONTINUOUS), var("y", COH_TABONE_AUTO),
                           var("z", COH_TABONE_CONTINUOUS)};
    s.by = "g";
    s.vars = v;
    s.n_vars = 3;
    s.smd = true;
    coh_tabone *tab = NULL;
    coh_error err;
    check_int(coh_tabone_build(t, &s, &tab, &err), COH_OK, "one group builds");
    if (tab != NULL) {
        check(has_warning(tab, "has one level ('a')"), "one-level warning");
        for (size_t i = 0; i < tab->n_rows; i++)
            check(tab->rows[i].test < 0 && isnan(tab->rows[i].p), "no tests with one group");
        /* z: all missing: a dash, and a warning */
        const coh_tabone_row *r = find_row(tab, COH_TABONE_ROW_SUMMARY, "z", NULL);
        check(r != NULL && strcmp(r->cells[0].text, "\xe2\x80\x93") == 0, "all missing: dash");
        check(has_warning(tab, "'z': every value is missing"), "all-missing warning");
        check_no_nan(tab, "one group");
        coh_tabone_free(tab);
    }
    coh_table_free(t);

    /* constant within groups; a categorical variable with one value;
     * a variable missing in one group; zero expected counts */
    t = csv("g,x,y,w,k\n"
            "a,5,u,1,p\na,5,u,2,p\na,5,u,,q\n"
            "b,7,u,,p\nb,7,u,,p\nb,7,u,,p\n");
    coh_tabone_var v2[4] = {var("x", COH_TABONE_CONTINUOUS), var("y", COH_TABONE_AUTO),
                            var("w", COH_TABONE_CONTINUOUS), var("k", COH_TABONE_AUTO)};
    s.vars = v2;
    s.n_vars = 4;
    s.cont_test = COH_TABONE_CONT_WELCH;
    check_int(coh_tabone_build(t, &s, &tab, &err), COH_OK, "degenerate builds");
    if (tab != NULL) {
        check(has_warning(tab, "'x' is constant within each group"), "constant warning");
        const coh_tabone_row *r = find_row(tab, COH_TABONE_ROW_SUMMARY, "x", NULL);
        check(r != NULL && r->test < 0 && isnan(r->p), "t-test of constants: no p, no footnote");
        for (size_t i = 0; i < tab->n_tests; i++)
            check(strcmp(tab->tests[i].name, "Welch's t-test") != 0, "a test without p is not listed");
        check(r != NULL && strcmp(r->p_text, "\xe2\x80\x93") == 0, "dash for p");
        check(has_warning(tab, "'x': Welch's t-test not computed"), "why no p");
        /* y: one level -> chi-square has nothing to compare */
        r = find_row(tab, COH_TABONE_ROW_VARIABLE, "y", NULL);
        check(r != NULL && isnan(r->p) && strcmp(r->p_text, "\xe2\x80\x93") == 0, "y no p");
        check(has_warning(tab, "'y':"), "y warning");
        /* w: b has no values */
        r = find_row(tab, COH_TABONE_ROW_SUMMARY, "w", NULL);
        check(r != NULL && strcmp(r->cells[1].text, "\xe2\x80\x93") == 0, "empty group dash");
        check(r != NULL && isnan(r->p), "w no p");
        check(has_warning(tab, "'w':"), "w warning");
        /* k: q never occurs in b: an expected count of 0.5 -> Fisher */
        r = find_row(tab, COH_TABONE_ROW_VARIABLE, "k", NULL);
        check(r != NULL && r->test >= 0 &&
                  strcmp(tab->tests[r->test].name, "Fisher's exact test") == 0, "k fisher");
        check(r != NULL && fabs(r->p - 1.0) < 1e-12, "k p = 1");
        check_no_nan(tab, "degenerate");
        coh_tabone_free(tab);
    }
    coh_table_free(t);

    /* many levels: a warning that suggests continuous */
    char *big = malloc(60 * 16 + 32);
    strcpy(big, "g,id\n");
    for (int i = 0; i < 60; i++)
        sprintf(big + strlen(big), "%c,L%d\n", i % 2 ? 'a' : 'b', i);
    t = csv(big);
    free(big);
    coh_tabone_var v3[1] = {var("id", COH_TABONE_CATEGORICAL)};
    s.vars = v3;
    s.n_vars = 1;
    s.cat_test = COH_TABONE_CAT_PEARSON;
    check_int(coh_tabone_build(t, &s, &tab, &err), COH_OK, "many levels builds");
    if (tab != NULL) {
        check(has_warning(tab, "'id' has 60 levels; consider grouping its levels"),
              "many-levels warning");
        coh_tabone_free(tab);
    }
    coh_table_free(t);
}

static void test_errors(void)
{
    coh_table *t = csv("g,x,s\na,1,u\nb,2,v\n,3,u\n");
    coh_tabone_spec s;
    coh_tabone_spec_init(&s);
    coh_tabone_var v[1] = {var("nope", COH_TABONE_AUTO)};
    s.by = "g";
    s.vars = v;
    s.n_vars = 1;
    coh_tabone *tab = NULL;
    coh_error err;
    check_int(coh_tabone_build(t, &s, &tab, &err), COH_ENOTFOUND, "unknown variable");
    check_str(err.msg, "variable 'nope': no such column", "message");
    v[0].name = "g";
    check_int(coh_tabone_build(t, &s, &tab, &err), COH_EINVAL, "by as a row");
    v[0].name = "s";
    v[0].kind = COH_TABONE_CONTINUOUS;
    check_int(coh_tabone_build(t, &s, &tab, &err), COH_EINVAL, "text as continuous");
    check_contains(err.msg, "variable 's' holds text", "message");
    v[0].kind = COH_TABONE_AUTO;
    s.by = "zz";
    check_int(coh_tabone_build(t, &s, &tab, &err), COH_ENOTFOUND, "unknown by");
    check_str(err.msg, "grouping variable 'zz': no such column", "by message");
    s.by = "g";
    s.digits = 11;
    check_int(coh_tabone_build(t, &s, &tab, &err), COH_EINVAL, "digits");
    s.digits = 1;
    uint8_t keep[3] = {0, 0, 1};
    s.keep = keep;
    check_int(coh_tabone_build(t, &s, &tab, &err), COH_EDOMAIN, "by all missing");
    check_contains(err.msg, "no row has a value", "message");
    /* rows with a missing group are left out and counted */
    s.keep = NULL;
    check_int(coh_tabone_build(t, &s, &tab, &err), COH_OK, "build");
    if (tab != NULL) {
        check_int(tab->n_by_missing, 1, "one row without a group");
        check_int(tab->n_used, 2, "two used");
        check(has_note(tab, "1 row with a missing value of g is left out."), "note");
        coh_tabone_free(tab);
    }
    /* no --by: one column, no tests */
    s.by = NULL;
    check_int(coh_tabone_build(t, &s, &tab, &err), COH_OK, "no by");
    if (tab != NULL) {
        check_int(tab->n_cols, 1, "one column");
        check_int((int)tab->col_n[0], 3, "all rows");
        coh_tabone_free(tab);
    }
    coh_table_free(t);
}

/* p-values as journals print them (src/report/format.c). */
static void test_format_p(void)
{
    static const struct {
        double p;
        int digits;
        const char *want;
    } cases[] = {
        {0.057006, 2, "0.057"}, {0.8, 2, "0.80"},      {1.0, 2, "1.0"},
        {0.99999, 2, "1.0"},    {0.09973045, 2, "0.10"}, {0.0997, 3, "0.0997"},
        {0.00099, 2, "< 0.001"}, {0.001, 2, "0.0010"}, {0.12345, 3, "0.123"},
        {0.99951, 3, "1.00"},   {0.0282963, 2, "0.028"}, {0.5, 0, "0.50"},
    };
    char buf[32];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        coh_format_p(cases[i].p, cases[i].digits, buf, sizeof buf);
        check_str(buf, cases[i].want, "coh_format_p");
    }
    coh_format_p(NAN, 2, buf, sizeof buf);
    check_str(buf, "NA", "NAN");
}

/* What a review found (issue 5): each case once broke. */
static void test_review_cases(void)
{
    coh_tabone_spec s;
    coh_tabone_spec_init(&s);
    coh_tabone *tab = NULL;
    coh_error err;
    /* a labelled numeric variable (Stata: stage 1-4 with labels I-IV) can
     * be summarised as a number; its levels are also its categories */
    coh_table *t = NULL;
    check_int(coh_read("tests/data/readstat/labelled.dta", NULL, &t, &err), COH_OK, "read dta");
    coh_tabone_var v[1] = {var("stage", COH_TABONE_CONTINUOUS)};
    s.vars = v;
    s.n_vars = 1;
    if (t != NULL) {
        check_int(coh_tabone_build(t, &s, &tab, &err), COH_OK, "labelled as continuous");
        const coh_tabone_row *r = tab ? find_row(tab, COH_TABONE_ROW_SUMMARY, "stage", NULL) : NULL;
        check(r != NULL && r->cells[0].n == 4 && r->cells[0].median == 2, "stage median 2 (1,2,2,3)");
        coh_tabone_free(tab);
        coh_table_free(t);
    }

    /* --levels on a continuous variable and digits on a categorical one */
    t = csv("g,x,c\na,1,u\na,2,v\nb,3,u\nb,4,v\n");
    const char *lv[] = {"9"};
    v[0] = var("x", COH_TABONE_CONTINUOUS);
    v[0].levels = lv;
    v[0].n_levels = 1;
    s.by = "g";
    check_int(coh_tabone_build(t, &s, &tab, &err), COH_EINVAL, "levels on continuous");
    check_contains(err.msg, "levels are given for 'x', which is shown as continuous", "message");
    v[0] = var("c", COH_TABONE_AUTO);
    v[0].digits = 2;
    check_int(coh_tabone_build(t, &s, &tab, &err), COH_EINVAL, "digits on categorical");
    check_contains(err.msg, "digits are given for 'c', which is shown as categorical", "message");
    /* no rows kept */
    v[0].digits = -1;
    uint8_t none[4] = {0, 0, 0, 0};
    s.keep = none;
    check_int(coh_tabone_build(t, &s, &tab, &err), COH_EDOMAIN, "nothing kept");
    check_str(err.msg, "no rows to summarise: the row selection keeps none of the 4 rows",
              "message");
    s.keep = NULL;
    coh_table_free(t);
    t = csv("g,x\n");
    if (t != NULL) {
        v[0] = var("x", COH_TABONE_AUTO);
        check_int(coh_tabone_build(t, &s, &tab, &err), COH_EDOMAIN, "no rows");
        check_str(err.msg, "the data have no rows", "message");
        coh_table_free(t);
    }

    /* the auto rule looks at the whole column: a subset with 3 distinct
     * ages stays continuous */
    t = csv("g,age\na,40\na,50\nb,57\nb,61\na,30\nb,20\na,45\nb,44\n");
    uint8_t sub[8] = {0, 1, 1, 1, 0, 0, 0, 0};
    s.keep = sub;
    v[0] = var("age", COH_TABONE_AUTO);
    check_int(coh_tabone_build(t, &s, &tab, &err), COH_OK, "subset");
    check(tab != NULL && find_row(tab, COH_TABONE_ROW_SUMMARY, "age", NULL) != NULL,
          "still continuous in a subset");
    coh_tabone_free(tab);
    s.keep = NULL;
    coh_table_free(t);

    /* huge values: no overflow to a dash, no digits cut off; negative
     * ranges read "to"; an SMD needs every group to have values */
    t = csv("g,big,neg,half\na,1e60,-5,1\na,2e60,-3,2\nb,3e60,-2,\nb,4e60,-1,\n"
            "a,1.7e308,-4,3\nb,1.7e308,-2,\n");
    coh_tabone_var v3[3] = {var("big", COH_TABONE_CONTINUOUS), var("neg", COH_TABONE_CONTINUOUS),
                            var("half", COH_TABONE_CONTINUOUS)};
    s.vars = v3;
    s.n_vars = 3;
    s.summary = COH_TABONE_BOTH;
    s.smd = true;
    s.cont_test = COH_TABONE_CONT_NONE;
    check_int(coh_tabone_build(t, &s, &tab, &err), COH_OK, "huge");
    if (tab != NULL) {
        const coh_tabone_row *r = find_row(tab, COH_TABONE_ROW_SUMMARY, "big", NULL);
        check(r != NULL && isfinite(r[1].cells[0].mean) && isfinite(r[1].cells[0].sd),
              "mean and SD of values near DBL_MAX are finite");
        check(r != NULL && strcmp(r->cells[0].text, "2e+60 (1.5e+60\xe2\x80\x93" "8.5e+307)") == 0,
              "huge values in scientific notation, none cut off");
        check_rel(r[1].cells[0].mean, (1e60 + 2e60 + 1.7e308) / 3, 1e-15, "scaled mean");
        r = find_row(tab, COH_TABONE_ROW_SUMMARY, "neg", NULL);
        check(r != NULL && strcmp(r->cells[0].text, "-4.0 (-4.5 to -3.5)") == 0, "negative range");
        r = find_row(tab, COH_TABONE_ROW_SUMMARY, "half", NULL);
        check(r != NULL && isnan(r->smd) && strcmp(r->smd_text, "\xe2\x80\x93") == 0,
              "SMD undefined when a group has no values");
        coh_tabone_free(tab);
    }
    coh_table_free(t);

    /* one value per group is not "constant within each group" */
    t = csv("g,x\na,1\nb,2\nc,3\n");
    coh_tabone_var v1[1] = {var("x", COH_TABONE_CONTINUOUS)};
    s.vars = v1;
    s.n_vars = 1;
    s.smd = false;
    s.summary = COH_TABONE_MEDIAN_IQR;
    check_int(coh_tabone_build(t, &s, &tab, &err), COH_OK, "one value per group");
    check(tab != NULL && !has_warning(tab, "constant"), "no constant warning");
    coh_tabone_free(tab);
    coh_table_free(t);
}

int main(void)
{
    RUN(test_counts_and_summaries);
    RUN(test_options);
    RUN(test_bad_inputs);
    RUN(test_errors);
    RUN(test_format_p);
    RUN(test_review_cases);
    return check_report("test_tabone");
}
