/* test_golden_describe.c - column summaries of the lung example against
 * the values R computed (tests/golden/describe/make.R wrote the expected
 * files; run from the repository root). */
#include <math.h>
#include <string.h>

#include "../check.h"
#include "cohort/cohort.h"

static coh_table *load(const char *path)
{
    coh_table *t = NULL;
    coh_error e;
    if (coh_read(path, NULL, &t, &e) != COH_OK)
        fprintf(stderr, "%s\n", e.msg);
    return t;
}

static void test_numeric(void)
{
    coh_table *data = load("examples/lung/lung.csv");
    coh_table *want = load("tests/golden/describe/lung_numeric.csv");
    check(data && want, "load data and expected values");
    if (!data || !want) {
        coh_table_free(data);
        coh_table_free(want);
        return;
    }
    coh_describe_result *r;
    check_int(coh_describe(data, 0, &r), COH_OK, "describe");
    coh_column *name = coh_table_find(want, "name");
    const char *stat[] = {"n", "n_missing", "min", "median", "max"};
    for (size_t i = 0; i < want->n_rows; i++) {
        const char *var = name->levels[name->code[i]];
        const coh_col_summary *s = NULL;
        for (size_t j = 0; j < r->n_cols; j++)
            if (strcmp(r->cols[j].col->name, var) == 0)
                s = &r->cols[j];
        check(s != NULL, var);
        if (s == NULL)
            continue;
        double got[] = {(double)s->n, (double)s->n_missing, s->min, s->median, s->max};
        for (size_t k = 0; k < 5; k++) {
            char what[64];
            snprintf(what, sizeof what, "%s %s", var, stat[k]);
            check_rel(got[k], coh_table_find(want, stat[k])->num[i], 1e-12, what);
        }
    }
    coh_describe_free(r);
    coh_table_free(data);
    coh_table_free(want);
}

static void test_levels(void)
{
    coh_table *data = load("examples/lung/lung.csv");
    coh_table *want = load("tests/golden/describe/lung_levels.csv");
    check(data && want, "load");
    if (!data || !want) {
        coh_table_free(data);
        coh_table_free(want);
        return;
    }
    coh_describe_result *r;
    coh_describe(data, 0, &r);
    coh_column *name = coh_table_find(want, "name"), *level = coh_table_find(want, "level");
    coh_column *count = coh_table_find(want, "count");
    for (size_t i = 0; i < want->n_rows; i++) {
        coh_column *c = coh_table_find(data, name->levels[name->code[i]]);
        check(c != NULL && c->type == COH_CATEGORICAL, "text column is categorical");
        if (c == NULL)
            continue;
        int32_t k = coh_column_find_level(c, level->levels[level->code[i]]);
        check(k >= 0, "level present");
        size_t j = 0;
        while (r->cols[j].col != c)
            j++;
        if (k >= 0)
            check_rel((double)r->cols[j].level_counts[k], count->num[i], 0, "level count");
    }
    coh_describe_free(r);
    coh_table_free(data);
    coh_table_free(want);
}

int main(void)
{
    RUN(test_numeric);
    RUN(test_levels);
    return check_report("test_golden_describe");
}
