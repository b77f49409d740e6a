/* test_oom.c - every allocation failure is a clean COH_ENOMEM.
 *
 * This binary is linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc
 * (see the Makefile), so that libcohort's calls reach the wrappers below.
 * For n = 0, 1, 2, ... the n-th allocation fails; each reader must then
 * return COH_ENOMEM (or succeed, once n is past its last allocation) with
 * no table, no crash and, under ASan, no leak.  SQLite and ReadStat
 * allocate inside their own libraries, which the wrap does not reach.
 * (The technique of Lua's ltests.c and SQLite's fault-injection tests.)
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "cohort/cohort.h"
#include "cohort/coxsel.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
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

static const char csv[] =
    "id,grp,note,t,late,d\n"
    "1,a,\"x, \"\"y\"\"\",1.5,007,2020-01-01\n"
    "2,b,,2,008,\n"
    "3,a,plain,NA,A12,2021-02-03\n"
    "4,c,\"two\nlines\",4.25,9,2019-12-31\n";

typedef coh_status (*reader)(coh_table **out, coh_error *err);

static coh_status read_csv_1(coh_table **out, coh_error *err)
{
    coh_read_options o;
    coh_read_options_init(&o);
    o.threads = 1;
    return coh_read_csv_mem(csv, sizeof csv - 1, "oom.csv", &o, out, err);
}

/* A text big enough to be cut into chunks read by two threads. */
static char *big;
static size_t big_len;

static coh_status read_csv_2(coh_table **out, coh_error *err)
{
    coh_read_options o;
    coh_read_options_init(&o);
    o.threads = 2;
    return coh_read_csv_mem(big, big_len, "big.csv", &o, out, err);
}

static coh_status read_sav(coh_table **out, coh_error *err)
{
    return coh_read("tests/data/readstat/labelled.sav", NULL, out, err);
}

static coh_status describe_csv(coh_table **out, coh_error *err)
{
    coh_status st = read_csv_1(out, err);
    if (st != COH_OK)
        return st;
    coh_describe_result *r = NULL;
    st = coh_describe(*out, 2, &r);
    coh_describe_free(r);
    if (st != COH_OK) {
        coh_table_free(*out);
        *out = NULL;
    }
    return st;
}

/* The Kaplan-Meier pipeline: prepare, fit per group, quantiles, test. */
static coh_status km_pipeline(coh_table **out, coh_error *err)
{
    coh_status st = coh_read("tests/golden/data/veteran.csv", NULL, out, err);
    if (st != COH_OK)
        return st;
    coh_surv_spec spec = {"time", "status", NULL, 0, NULL, 0, "celltype", "trt", NULL};
    coh_surv_data *d = NULL;
    st = coh_surv_prepare(*out, &spec, &d, err);
    for (size_t g = 0; st == COH_OK && g < d->n_groups; g++) {
        size_t a = d->group_start[g], b = d->group_start[g + 1];
        coh_km *km = NULL;
        st = coh_km_fit(d->g_time + a, d->g_event + a, b - a, COH_CONF_LOG, 0.95, &km);
        coh_km_quantile q;
        if (st == COH_OK)
            st = coh_km_quantile_r(km, 0.25, &q);
        coh_km_free(km);
    }
    coh_test_result *r = NULL;
    if (st == COH_OK)
        st = coh_survdiff(d->s_time, d->s_event, d->s_group, d->s_stratum, d->n, d->n_groups,
                          &(coh_test_spec){COH_TEST_PETO, 0, 0}, &r);
    coh_test_result_free(r);
    coh_surv_data_free(d);
    if (st != COH_OK) {
        coh_table_free(*out);
        *out = NULL;
    }
    return st;
}

/* The Cox pipeline: design and data, fit, concordance, zph, selection. */
static coh_status cox_pipeline(coh_table **out, coh_error *err)
{
    coh_status st = coh_read("tests/golden/data/veteran.csv", NULL, out, err);
    if (st != COH_OK)
        return st;
    const char *terms[] = {"trt", "celltype", "karno"};
    coh_cox_spec surv = {"time", "status", NULL, 0, NULL, 0, NULL, NULL, NULL, NULL};
    coh_design_spec spec = {terms, 3, NULL, 0, NULL, NULL, 0, NULL, NULL, 0};
    coh_design *des = NULL;
    coh_cox_data *data = NULL;
    coh_cox_model *fit = NULL;
    coh_dropped dr;
    coh_cox_options o;
    coh_cox_options_init(&o);
    st = coh_cox_data_build(*out, &surv, &spec, NULL, &des, &data, &dr, err);
    if (st == COH_OK)
        st = coh_cox_fit(data, &o, &fit);
    coh_concordance cc;
    if (st == COH_OK)
        st = coh_cox_concordance(data, fit, &cc);
    coh_zph_result *z = NULL;
    if (st == COH_OK)
        st = coh_cox_zph(data, fit, COH_ZPH_KM, des->term_first, des->term_ncols, des->n_terms,
                         &z);
    coh_zph_result_free(z);
    coh_select_result *sel = NULL;
    coh_select_options so = {COH_SELECT_BACKWARD, COH_SELECT_WALD, 0.2, 0.2, 0.2,
                             COH_SCREEN_AVAILABLE};
    if (st == COH_OK)
        st = coh_cox_select(*out, &surv, &spec, &o, &so, &sel, err);
    coh_select_result_free(sel);
    coh_cox_fit_free(fit);
    coh_cox_data_free(data);
    coh_design_free(des);
    if (st != COH_OK) {
        coh_table_free(*out);
        *out = NULL;
    }
    return st;
}

/* The descriptive table: build (categorical with Fisher, continuous,
 * SMDs, an overall column) and every text format written. */
static FILE *devnull;
static coh_status table_pipeline(coh_table **out, coh_error *err)
{
    coh_status st = coh_read("tests/golden/data/lung.csv", NULL, out, err);
    if (st != COH_OK)
        return st;
    coh_tabone_spec s;
    coh_tabone_spec_init(&s);
    const char *order[] = {"2"};
    coh_tabone_var v[3] = {{"age", NULL, "Patient", COH_TABONE_CONTINUOUS, -1, NULL, 0},
                           {"ph.ecog", "ECOG", NULL, COH_TABONE_AUTO, -1, order, 1},
                           {"wt.loss", NULL, NULL, COH_TABONE_AUTO, 0, NULL, 0}};
    s.by = "sex";
    s.vars = v;
    s.n_vars = 3;
    s.overall = true;
    s.smd = true;
    s.summary = COH_TABONE_BOTH;
    s.minmax = true;
    coh_tabone *tab = NULL;
    st = coh_tabone_build(*out, &s, &tab, err);
    for (int f = COH_TABONE_TEXT; st == COH_OK && f <= COH_TABONE_JSON; f++)
        st = coh_tabone_write(tab, (coh_tabone_format)f, "Table 1", devnull);
    coh_tabone_free(tab);
    if (st != COH_OK) {
        coh_table_free(*out);
        *out = NULL;
    }
    return st;
}

static void sweep(const char *what, reader fn)
{
    int bad = 0, n;
    for (n = 0; n < 100000; n++) {
        coh_table *t = (coh_table *)1;
        coh_error e;
        atomic_store(&budget, n);
        coh_status st = fn(&t, &e);
        atomic_store(&budget, -1);
        if (st == COH_OK) {
            coh_table_free(t);
            break;
        }
        if (st != COH_ENOMEM || t != NULL) {
            fprintf(stderr, "%s: failing allocation %d gave status %d (%s)\n", what, n, st,
                    e.msg);
            bad++;
        }
    }
    char msg[128];
    snprintf(msg, sizeof msg, "%s: every failed allocation is COH_ENOMEM (%d tried)", what, n);
    check_int(bad, 0, msg);
    check(n > 3 && n < 100000, "the sweep reached a successful read");
}

int main(void)
{
    size_t rows = 450000; /* over 8 MB: two chunks */
    big = __real_malloc(rows * 40 + 64);
    big_len = (size_t)sprintf(big, "id,grp,v,late\n");
    for (size_t i = 0; i < rows; i++)
        big_len += (size_t)sprintf(big + big_len, "%zu,g%zu,%zu.5,%s\n", i, i % 3, i % 100,
                                   i == rows - 2 ? "text" : "12");
    sweep("csv, one thread", read_csv_1);
    sweep("csv, two threads", read_csv_2);
    sweep("describe", describe_csv);
    sweep("sav", read_sav);
    sweep("km pipeline", km_pipeline);
    sweep("cox pipeline", cox_pipeline);
    devnull = fopen("/dev/null", "w");
    sweep("table pipeline", table_pipeline);
    fclose(devnull);
    free(big);
    return check_report("test_oom");
}
