/* test_survdiff.c - the log-rank family (src/stats/survdiff.c), p-value
 * adjustment and the distribution functions (src/dist/dist.c).
 *
 * First answers worked out by hand (docs/methods.md, section 8), then
 * invariances (order within tied times, group labels, an empty group),
 * then bad and degenerate input, then R: tests/golden/survdiff/make.R wrote
 * the expected files from survival::survdiff (log-rank, Peto-Peto,
 * Fleming-Harrington with gamma = 0) and from the definition (Gehan,
 * Tarone-Ware, Fleming-Harrington with gamma > 0), p.adjust, pchisq, pnorm
 * and qnorm.  Run from the repository root.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "cohort/cohort.h"
#include "cohort/dist.h"
#include "cohort/survdiff.h"

/* Relative tolerance against R for chisq, O, E and V. */
#define TOL_R 1e-10

/* The largest relative differences from R met, per quantity (printed at
 * the end, for the record). */
static double worst_o, worst_e, worst_v, worst_chisq, worst_p, worst_padj, worst_dist;

/* |got - want| <= tol |want| (relative, with no floor of 1 as check_rel
 * has); zero only equals (almost) zero; NaN only NaN.  Tracks *worst. */
static void check_relative(double got, double want, double tol, double *worst, const char *what)
{
    double diff;
    if (isnan(want) || isnan(got))
        diff = isnan(want) && isnan(got) ? 0 : INFINITY;
    else if (want == 0)
        diff = fabs(got) <= 1e-13 ? 0 : INFINITY;
    else
        diff = fabs(got - want) / fabs(want);
    if (worst != NULL && diff > *worst && isfinite(diff))
        *worst = diff;
    if (diff <= tol)
        check_passed++;
    else
        CHECK_FAIL_("%s: got %.17g, want %.17g (relative difference %g > %g)", what, got, want,
                    diff, tol);
}

/* Run one test on unstratified data; NULL on failure (checked). */
static coh_test_result *run(const double *time, const uint8_t *event, const int32_t *group,
                            size_t n, size_t k, const char *test)
{
    coh_test_spec spec;
    check_int(coh_test_spec_parse(test, &spec), COH_OK, test);
    coh_test_result *r = NULL;
    check_int(coh_survdiff(time, event, group, NULL, n, k, &spec, &r), COH_OK, test);
    return r;
}

/* ---------------------------------------------------------------------
 * Closed forms
 */

/* Group 0: deaths at 1 and 3; group 1: death at 2, censored at 4.
 * Event times 1, 2, 3 with (n, n_0, S(t-)) = (4, 2, 1), (3, 1, 3/4),
 * (2, 1, 1/2); d = 1 each, so V_00 adds w^2 (n_0 / n)(1 - n_0 / n):
 *   log-rank  O_0 = 2, E_0 = 1/2 + 1/3 + 1/2 = 4/3, V_00 = 1/4 + 2/9 + 1/4 = 13/18,
 *             X2 = (2/3)^2 / (13/18) = 8/13
 *   Peto      O_0 = 1 + 1/2, E_0 = 1/2 + 1/4 + 1/4 = 1, V_00 = 1/4 + 1/8 + 1/16 = 7/16,
 *             X2 = (1/2)^2 / (7/16) = 4/7
 *   Gehan     O_0 = 4 + 2, E_0 = 2 + 1 + 1 = 4, V_00 = 4 + 2 + 1 = 7, X2 = 4/7
 *   T-W       O_0 = 2 + sqrt 2, E_0 = 1 + sqrt(3)/3 + sqrt(2)/2,
 *             V_00 = 1 + 2/3 + 1/2 = 13/6
 *   FH(1,1)   w = 0, 3/16, 1/4: O_0 = 1/4, E_0 = 1/16 + 1/8 = 3/16,
 *             V_00 = 2/256 + 1/64 = 3/128, X2 = (1/16)^2 / (3/128) = 1/6 */
static void test_closed_form(void)
{
    const double time[] = {1, 2, 3, 4};
    const uint8_t event[] = {1, 1, 1, 0};
    const int32_t group[] = {0, 1, 0, 1};
    struct {
        const char *test;
        double o0, o1, e0, e1, v00, chisq;
    } want[] = {
        {"logrank", 2, 1, 4.0 / 3, 5.0 / 3, 13.0 / 18, 8.0 / 13},
        {"peto", 1.5, 0.75, 1, 1.25, 7.0 / 16, 4.0 / 7},
        {"gehan", 6, 3, 4, 5, 7, 4.0 / 7},
        {"tarone-ware", 2 + sqrt(2.0), sqrt(3.0), 1 + sqrt(3.0) / 3 + sqrt(2.0) / 2,
         0.5 * 2 + 2 * sqrt(3.0) / 3 + sqrt(2.0) / 2, 13.0 / 6, NAN},
        {"fh:1,1", 0.25, 3.0 / 16, 3.0 / 16, 0.25, 3.0 / 128, 1.0 / 6},
        {"fh:1,0", 1.5, 0.75, 1, 1.25, 7.0 / 16, 4.0 / 7},
    };
    for (size_t c = 0; c < sizeof want / sizeof want[0]; c++) {
        coh_test_result *r = run(time, event, group, 4, 2, want[c].test);
        if (r == NULL)
            continue;
        double chisq = want[c].chisq;
        if (isnan(chisq)) /* Tarone-Ware: from its O, E and V */
            chisq = (want[c].o0 - want[c].e0) * (want[c].o0 - want[c].e0) / want[c].v00;
        check_relative(r->observed[0], want[c].o0, 1e-14, NULL, want[c].test);
        check_relative(r->observed[1], want[c].o1, 1e-14, NULL, want[c].test);
        check_relative(r->expected[0], want[c].e0, 1e-14, NULL, want[c].test);
        check_relative(r->expected[1], want[c].e1, 1e-14, NULL, want[c].test);
        check_relative(r->variance[0], want[c].v00, 1e-14, NULL, want[c].test);
        check_relative(r->variance[1], -want[c].v00, 1e-14, NULL, want[c].test);
        check_relative(r->variance[2], -want[c].v00, 1e-14, NULL, want[c].test);
        check_relative(r->variance[3], want[c].v00, 1e-14, NULL, want[c].test);
        check_relative(r->chisq, chisq, 1e-14, NULL, want[c].test);
        check_int(r->df, 1, want[c].test);
        check_relative(r->p, coh_dist_chisq_q(chisq, 1), 1e-14, NULL, want[c].test);
        check_int(r->n[0], 2, "n per group");
        coh_test_result_free(r);
    }
}

/* Tied deaths across groups, and a censoring at a death time (at risk at
 * that time).  Group 0: deaths at 1, 1, 3; group 1: death at 1, censored
 * at 1, death at 2.
 *   t = 1: n = 6, n_0 = 3, d = 3: E_0 = 3/2, V_00 = 3 * 3/5 * 1/4 = 9/20
 *   t = 2: n = 2, n_0 = 1, d = 1: E_0 = 1/2, V_00 = 1/4
 *   t = 3: n = 1, n_0 = 1, d = 1: E_0 = 1, no variance (n = 1)
 * O_0 = 3, E_0 = 3, X2 = 0; O_1 = 2, E_1 = 3/2 + 1/2 = 2. */
static void test_ties(void)
{
    const double time[] = {1, 1, 1, 1, 2, 3};
    const uint8_t event[] = {1, 0, 1, 1, 1, 1};
    const int32_t group[] = {0, 1, 1, 0, 1, 0};
    coh_test_result *r = run(time, event, group, 6, 2, "logrank");
    if (r == NULL)
        return;
    check_relative(r->observed[0], 3, 1e-15, NULL, "ties O_0");
    check_relative(r->expected[0], 3, 1e-15, NULL, "ties E_0");
    check_relative(r->expected[1], 2, 1e-15, NULL, "ties E_1");
    check_relative(r->variance[0], 9.0 / 20 + 0.25, 1e-15, NULL, "ties V_00");
    check(fabs(r->chisq) < 1e-15, "ties: O = E gives chisq 0");
    check_int(r->df, 1, "ties df");
    coh_test_result_free(r);
}

/* A group with subjects but no events: tested (E > 0), O = 0.
 * Group 0: deaths at 1, 2; group 1: censored at 3.
 *   t = 1: n = 3, n_0 = 2: E_0 = 2/3, V_00 = 2/9;  t = 2: n = 2: E_0 = 1/2, V_00 = 1/4
 * O_1 = 0, E_1 = 5/6, V_11 = 17/36, X2 = (5/6)^2 / (17/36) = 25/17. */
static void test_group_without_events(void)
{
    const double time[] = {1, 2, 3};
    const uint8_t event[] = {1, 1, 0};
    const int32_t group[] = {0, 0, 1};
    coh_test_result *r = run(time, event, group, 3, 2, "logrank");
    if (r == NULL)
        return;
    check_relative(r->observed[1], 0, 0, NULL, "no events: O_1");
    check_relative(r->expected[1], 5.0 / 6, 1e-15, NULL, "no events: E_1");
    check_relative(r->variance[3], 17.0 / 36, 1e-15, NULL, "no events: V_11");
    check_relative(r->chisq, 25.0 / 17, 1e-14, NULL, "no events: chisq");
    check_int(r->df, 1, "no events: df");
    coh_test_result_free(r);
}

/* ---------------------------------------------------------------------
 * Golden data from R
 */

static coh_table *load(const char *path)
{
    coh_table *t = NULL;
    coh_error e;
    if (coh_read(path, NULL, &t, &e) != COH_OK)
        fprintf(stderr, "%s\n", e.msg);
    return t;
}

/* Text of value i of a column: a number as coh_format_num writes it (as R
 * prints the levels of a numeric factor, "1"), a level's stored value. */
static const char *cell_text(const coh_column *c, size_t i, char *buf, size_t size)
{
    if (coh_type_is_numeric(c->type)) {
        coh_format_num(c->num[i], buf, size);
        return buf;
    }
    return c->levels[c->code[i]];
}

typedef struct row_key {
    int32_t stratum;
    double time;
    size_t row;
} row_key;

static int row_key_cmp(const void *a, const void *b)
{
    const row_key *x = a, *y = b;
    if (x->stratum != y->stratum)
        return x->stratum < y->stratum ? -1 : 1;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

/* One case's data, ready for coh_survdiff. */
typedef struct golden_data {
    size_t n, k;
    double *time;
    uint8_t *event;
    int32_t *group, *stratum; /* stratum NULL: unstratified */
} golden_data;

static void golden_data_free(golden_data *d)
{
    free(d->time);
    free(d->event);
    free(d->group);
    free(d->stratum);
    memset(d, 0, sizeof *d);
}

/* Load case `ci` of cases.csv: drop rows with a missing value in the
 * columns used, code groups as R's factor levels (levels.csv), strata in
 * order of appearance, sort by (stratum, time).  false on failure. */
static bool golden_load(const coh_table *cases, const coh_table *levels, size_t ci,
                        golden_data *d)
{
    memset(d, 0, sizeof *d);
    char buf[64], path[256];
    const coh_column *c_case = coh_table_find(cases, "case");
    const char *file = cell_text(coh_table_find(cases, "file"), ci, buf, sizeof buf);
    snprintf(path, sizeof path, "tests/golden/data/%s", file);
    coh_table *t = load(path);
    if (t == NULL)
        return false;
    const char *colname[4] = {"time", "status", "group", "strata"};
    coh_column *col[4] = {NULL, NULL, NULL, NULL};
    for (size_t j = 0; j < 4; j++) {
        const coh_column *spec = coh_table_find(cases, colname[j]);
        if (coh_column_is_na(spec, ci))
            continue; /* no strata */
        col[j] = coh_table_find(t, cell_text(spec, ci, buf, sizeof buf));
        check(col[j] != NULL, "golden column exists");
        if (col[j] == NULL) {
            coh_table_free(t);
            return false;
        }
    }
    /* the group levels of this case, in R's order */
    const coh_column *l_case = coh_table_find(levels, "case");
    const coh_column *l_level = coh_table_find(levels, "level");
    const char *level[16];
    size_t k = 0;
    char case_name[64];
    snprintf(case_name, sizeof case_name, "%s", cell_text(c_case, ci, buf, sizeof buf));
    for (size_t i = 0; i < levels->n_rows && k < 16; i++) {
        char b2[64];
        if (strcmp(cell_text(l_case, i, b2, sizeof b2), case_name) == 0)
            level[k++] = l_level->levels[l_level->code[i]];
    }
    size_t n_all = t->n_rows;
    row_key *key = calloc(n_all, sizeof *key);
    int32_t *gcode = calloc(n_all, sizeof *gcode);
    char *stext[64];
    size_t n_strata = 0;
    size_t n = 0;
    bool ok = key != NULL && gcode != NULL && k >= 2;
    for (size_t i = 0; ok && i < n_all; i++) {
        bool missing = false;
        for (size_t j = 0; j < 4; j++)
            if (col[j] != NULL && coh_column_is_na(col[j], i))
                missing = true;
        if (missing)
            continue;
        char b3[64];
        const char *gt = cell_text(col[2], i, b3, sizeof b3);
        int32_t g = -1;
        for (size_t l = 0; l < k; l++)
            if (strcmp(level[l], gt) == 0)
                g = (int32_t)l;
        check(g >= 0, "group value is one of R's levels");
        int32_t s = 0;
        if (col[3] != NULL) {
            const char *st = cell_text(col[3], i, b3, sizeof b3);
            size_t l = 0;
            while (l < n_strata && strcmp(stext[l], st) != 0)
                l++;
            if (l == n_strata && n_strata < 64)
                stext[n_strata++] = strdup(st);
            s = (int32_t)l;
        }
        gcode[i] = g;
        key[n++] = (row_key){s, col[0]->num[i], i};
    }
    qsort(key, n, sizeof *key, row_key_cmp);
    d->n = n;
    d->k = k;
    d->time = calloc(n, sizeof *d->time);
    d->event = calloc(n, sizeof *d->event);
    d->group = calloc(n, sizeof *d->group);
    d->stratum = col[3] != NULL ? calloc(n, sizeof *d->stratum) : NULL;
    ok = ok && d->time && d->event && d->group && (col[3] == NULL || d->stratum);
    for (size_t i = 0; ok && i < n; i++) {
        size_t row = key[i].row;
        d->time[i] = key[i].time;
        d->event[i] = (uint8_t)col[1]->num[row];
        d->group[i] = gcode[row];
        if (d->stratum != NULL)
            d->stratum[i] = key[i].stratum;
    }
    for (size_t l = 0; l < n_strata; l++)
        free(stext[l]);
    free(key);
    free(gcode);
    coh_table_free(t);
    if (!ok)
        golden_data_free(d);
    return ok;
}

static void test_golden(void)
{
    coh_table *cases = load("tests/golden/survdiff/cases.csv");
    coh_table *levels = load("tests/golden/survdiff/levels.csv");
    coh_table *want = load("tests/golden/survdiff/expected.csv");
    check(cases && levels && want, "load golden files");
    if (!cases || !levels || !want) {
        coh_table_free(cases);
        coh_table_free(levels);
        coh_table_free(want);
        return;
    }
    const coh_column *w_case = coh_table_find(want, "case"), *w_test = coh_table_find(want, "test");
    const coh_column *w_what = coh_table_find(want, "what"), *w_i = coh_table_find(want, "i");
    const coh_column *w_j = coh_table_find(want, "j"), *w_value = coh_table_find(want, "value");
    const coh_column *c_case = coh_table_find(cases, "case");
    size_t n_compared = 0;
    for (size_t ci = 0; ci < cases->n_rows; ci++) {
        golden_data d;
        check(golden_load(cases, levels, ci, &d), "load golden case");
        if (d.n == 0)
            continue;
        char cname[64], b[64];
        snprintf(cname, sizeof cname, "%s", cell_text(c_case, ci, b, sizeof b));
        coh_test_result *r = NULL;
        char cur_test[64] = "";
        for (size_t i = 0; i < want->n_rows; i++) {
            if (strcmp(cell_text(w_case, i, b, sizeof b), cname) != 0)
                continue;
            const char *test = w_test->levels[w_test->code[i]];
            if (strcmp(test, cur_test) != 0) {
                coh_test_result_free(r);
                r = NULL;
                snprintf(cur_test, sizeof cur_test, "%s", test);
                coh_test_spec spec;
                check_int(coh_test_spec_parse(test, &spec), COH_OK, test);
                check_int(coh_survdiff(d.time, d.event, d.group, d.stratum, d.n, d.k, &spec, &r),
                          COH_OK, cname);
            }
            if (r == NULL)
                continue;
            const char *what = w_what->levels[w_what->code[i]];
            size_t gi = (size_t)w_i->num[i], gj = (size_t)w_j->num[i];
            double v = w_value->num[i];
            char label[160];
            snprintf(label, sizeof label, "%s %s %s[%zu,%zu]", cname, test, what, gi, gj);
            n_compared++;
            if (strcmp(what, "n") == 0)
                check_relative(r->n[gi], v, 0, NULL, label);
            else if (strcmp(what, "observed") == 0)
                check_relative(r->observed[gi], v, TOL_R, &worst_o, label);
            else if (strcmp(what, "expected") == 0)
                check_relative(r->expected[gi], v, TOL_R, &worst_e, label);
            else if (strcmp(what, "variance") == 0)
                check_relative(r->variance[gi * d.k + gj], v, TOL_R, &worst_v, label);
            else if (strcmp(what, "chisq") == 0)
                check_relative(r->chisq, v, TOL_R, &worst_chisq, label);
            else if (strcmp(what, "df") == 0)
                check_int(r->df, (int)v, label);
            else if (strcmp(what, "p") == 0)
                check_relative(r->p, v, 1e-9, &worst_p, label);
            else
                check(0, "unknown quantity in expected.csv");
        }
        coh_test_result_free(r);
        golden_data_free(&d);
    }
    check(n_compared == want->n_rows, "every expected value compared");
    coh_table_free(cases);
    coh_table_free(levels);
    coh_table_free(want);
}

/* ---------------------------------------------------------------------
 * Invariance
 */

/* Shuffle the rows within each run of equal (stratum, time): the result
 * must not change (only rounding).  A fixed linear congruential stream. */
static void shuffle_ties(golden_data *d, uint32_t seed)
{
    size_t i = 0;
    while (i < d->n) {
        size_t j = i + 1;
        while (j < d->n && d->time[j] == d->time[i] &&
               (d->stratum == NULL || d->stratum[j] == d->stratum[i]))
            j++;
        for (size_t a = j - 1; a > i; a--) {
            seed = seed * 1664525u + 1013904223u;
            size_t b = i + (size_t)(seed >> 8) % (a - i + 1);
            uint8_t e = d->event[a];
            d->event[a] = d->event[b];
            d->event[b] = e;
            int32_t g = d->group[a];
            d->group[a] = d->group[b];
            d->group[b] = g;
        }
        i = j;
    }
}

static void test_invariance(void)
{
    coh_table *cases = load("tests/golden/survdiff/cases.csv");
    coh_table *levels = load("tests/golden/survdiff/levels.csv");
    check(cases && levels, "load golden files");
    /* cases.csv rows 3 (lung_ecog: 4 groups, one with 1 subject), 6
     * (veteran_trt_strata_celltype) and 5 (veteran_celltype) */
    const size_t which[] = {3, 6, 5};
    const char *tests[] = {"logrank", "peto", "gehan", "tarone-ware", "fh:1,1"};
    for (size_t w = 0; cases && levels && w < 3; w++) {
        golden_data d;
        if (!golden_load(cases, levels, which[w], &d))
            continue;
        size_t k = d.k;
        for (size_t ti = 0; ti < 5; ti++) {
            coh_test_spec spec;
            coh_test_spec_parse(tests[ti], &spec);
            coh_test_result *base = NULL, *r = NULL;
            coh_survdiff(d.time, d.event, d.group, d.stratum, d.n, k, &spec, &base);
            check(base != NULL, "base result");
            if (base == NULL)
                continue;
            /* order within tied times */
            golden_data s = d;
            s.event = malloc(d.n);
            s.group = malloc(d.n * sizeof *s.group);
            if (s.event && s.group) {
                memcpy(s.event, d.event, d.n);
                memcpy(s.group, d.group, d.n * sizeof *s.group);
                shuffle_ties(&s, 12345u + (uint32_t)ti);
                check_int(coh_survdiff(s.time, s.event, s.group, s.stratum, s.n, k, &spec, &r),
                          COH_OK, "shuffled");
                if (r != NULL) {
                    check_relative(r->chisq, base->chisq, 1e-12, NULL, "shuffled ties: chisq");
                    for (size_t g = 0; g < k; g++) {
                        check_relative(r->observed[g], base->observed[g], 1e-12, NULL, "shuffled O");
                        check_relative(r->expected[g], base->expected[g], 1e-12, NULL, "shuffled E");
                    }
                }
                coh_test_result_free(r);
                r = NULL;
                /* relabel groups: g -> k - 1 - g; add an empty group k */
                for (size_t i = 0; i < d.n; i++)
                    s.group[i] = (int32_t)(k - 1) - d.group[i];
                memcpy(s.event, d.event, d.n);
                check_int(coh_survdiff(s.time, s.event, s.group, s.stratum, s.n, k + 1, &spec, &r),
                          COH_OK, "relabelled");
                if (r != NULL) {
                    check_relative(r->chisq, base->chisq, 1e-12, NULL, "relabelled: chisq");
                    check_int(r->df, base->df, "relabelled plus an empty group: df");
                    check_relative(r->n[k], 0, 0, NULL, "empty group: n");
                    check_relative(r->expected[k], 0, 0, NULL, "empty group: E");
                    for (size_t g = 0; g < k; g++) {
                        size_t h = k - 1 - g;
                        check_relative(r->observed[h], base->observed[g], 1e-12, NULL, "relabelled O");
                        check_relative(r->expected[h], base->expected[g], 1e-12, NULL, "relabelled E");
                        for (size_t g2 = 0; g2 < k; g2++)
                            check_relative(r->variance[h * (k + 1) + (k - 1 - g2)],
                                           base->variance[g * k + g2], 1e-11, NULL,
                                           "relabelled V");
                    }
                }
                coh_test_result_free(r);
            }
            free(s.event);
            free(s.group);
            coh_test_result_free(base);
        }
        golden_data_free(&d);
    }
    coh_table_free(cases);
    coh_table_free(levels);
}

/* ---------------------------------------------------------------------
 * Bad and degenerate input
 */

static void test_bad_input(void)
{
    const double time[] = {1, 2, 3, 4};
    const uint8_t event[] = {1, 1, 1, 0};
    const int32_t group[] = {0, 1, 0, 1};
    coh_test_spec lr = {COH_TEST_LOGRANK, 0, 0};
    coh_test_result *r = (coh_test_result *)&r; /* must be reset to NULL */
    check_int(coh_survdiff(time, event, group, NULL, 4, 1, &lr, &r), COH_EINVAL, "k = 1");
    check(r == NULL, "*out is NULL on failure");
    check_int(coh_survdiff(time, event, group, NULL, 0, 2, &lr, &r), COH_EEMPTY, "n = 0");
    check_int(coh_survdiff(time, event, group, NULL, 4, 2, NULL, &r), COH_EINVAL, "no spec");
    check_int(coh_survdiff(NULL, event, group, NULL, 4, 2, &lr, &r), COH_EINVAL, "no time");
    check_int(coh_survdiff(time, event, group, NULL, 4, 2, &lr, NULL), COH_EINVAL, "no out");
    const int32_t bad_group[] = {0, 2, 0, 1};
    check_int(coh_survdiff(time, event, bad_group, NULL, 4, 2, &lr, &r), COH_EINVAL,
              "group >= k");
    const int32_t neg_group[] = {0, -1, 0, 1};
    check_int(coh_survdiff(time, event, neg_group, NULL, 4, 2, &lr, &r), COH_EINVAL,
              "negative group");
    const uint8_t bad_event[] = {1, 2, 1, 0};
    check_int(coh_survdiff(time, bad_event, group, NULL, 4, 2, &lr, &r), COH_EINVAL, "event 2");
    const double unsorted[] = {1, 3, 2, 4};
    check_int(coh_survdiff(unsorted, event, group, NULL, 4, 2, &lr, &r), COH_EINVAL,
              "unsorted times");
    const double nan_time[] = {1, NAN, 3, 4};
    check_int(coh_survdiff(nan_time, event, group, NULL, 4, 2, &lr, &r), COH_EINVAL, "NaN time");
    const int32_t strata_down[] = {1, 1, 0, 0};
    check_int(coh_survdiff(time, event, group, strata_down, 4, 2, &lr, &r), COH_EINVAL,
              "strata not sorted");
    /* a new stratum may restart the times */
    const double restart[] = {3, 4, 1, 2};
    const int32_t strata_up[] = {0, 0, 1, 1};
    check_int(coh_survdiff(restart, event, group, strata_up, 4, 2, &lr, &r), COH_OK,
              "times restart in a new stratum");
    coh_test_result_free(r);
    r = NULL;
    coh_test_spec bad_fh = {COH_TEST_FH, -1, 0};
    check_int(coh_survdiff(time, event, group, NULL, 4, 2, &bad_fh, &r), COH_EINVAL,
              "negative rho");
    coh_test_spec bad_kind = {(coh_test_kind)99, 0, 0};
    check_int(coh_survdiff(time, event, group, NULL, 4, 2, &bad_kind, &r), COH_EINVAL,
              "unknown kind");
    coh_test_result_free(NULL);
}

/* Results with no test: R gives chisq 0 with df -1 and p NaN (all
 * censored), or errors; here chisq 0, df 0, p NAN. */
static void test_not_testable(void)
{
    coh_test_spec lr = {COH_TEST_LOGRANK, 0, 0};
    coh_test_result *r = NULL;
    /* all censored */
    const double time[] = {1, 2, 3, 4};
    const uint8_t none[] = {0, 0, 0, 0};
    const int32_t group[] = {0, 1, 0, 1};
    check_int(coh_survdiff(time, none, group, NULL, 4, 2, &lr, &r), COH_OK, "all censored");
    if (r != NULL) {
        check(r->chisq == 0 && r->df == 0 && isnan(r->p), "all censored: not testable");
        check(r->observed[0] == 0 && r->expected[0] == 0 && r->variance[0] == 0,
              "all censored: zeros");
    }
    coh_test_result_free(r);
    r = NULL;
    /* a single observation */
    const uint8_t one[] = {1};
    check_int(coh_survdiff(time, one, group, NULL, 1, 2, &lr, &r), COH_OK, "one row");
    if (r != NULL) {
        check(r->chisq == 0 && r->df == 0 && isnan(r->p), "one row: not testable");
        check(r->observed[0] == 1 && r->expected[0] == 1, "one row: O = E = 1");
    }
    coh_test_result_free(r);
    r = NULL;
    /* only one group has subjects */
    const int32_t same[] = {1, 1, 1, 1};
    const uint8_t ev[] = {1, 1, 0, 1};
    check_int(coh_survdiff(time, ev, same, NULL, 4, 3, &lr, &r), COH_OK, "one group");
    if (r != NULL)
        check(r->chisq == 0 && r->df == 0 && isnan(r->p), "one group: not testable");
    coh_test_result_free(r);
    r = NULL;
    /* everyone dies at the one event time: V = 0 (R: singular, an error) */
    const double t1[] = {5, 5, 5};
    const uint8_t all[] = {1, 1, 1};
    const int32_t g3[] = {0, 1, 1};
    check_int(coh_survdiff(t1, all, g3, NULL, 3, 2, &lr, &r), COH_OK, "all die at once");
    if (r != NULL) {
        check(r->chisq == 0 && r->df == 0 && isnan(r->p), "all die at once: not testable");
        check(r->expected[0] == 1 && r->expected[1] == 2, "all die at once: E");
    }
    coh_test_result_free(r);
    r = NULL;
    /* a third group censored before the first death: E = 0, not in df
     * (as R drops it), and the other two give the closed-form 8/13 */
    const double t4[] = {0.5, 1, 2, 3, 4};
    const uint8_t e4[] = {0, 1, 1, 1, 0};
    const int32_t g4[] = {2, 0, 1, 0, 1};
    check_int(coh_survdiff(t4, e4, g4, NULL, 5, 3, &lr, &r), COH_OK, "early-censored group");
    if (r != NULL) {
        check_int(r->df, 1, "early-censored group: df");
        check_relative(r->chisq, 8.0 / 13, 1e-14, NULL, "early-censored group: chisq");
        check(r->expected[2] == 0 && r->n[2] == 1, "early-censored group: E = 0");
    }
    coh_test_result_free(r);
    r = NULL;
    /* FH with gamma > 0 and a single event time: weight 1 - S(t-) = 0,
     * so O, E, V are 0 */
    coh_test_spec fh = {COH_TEST_FH, 0, 1};
    const double t5[] = {1, 2, 3};
    const uint8_t e5[] = {1, 0, 0};
    const int32_t g5[] = {0, 1, 0};
    check_int(coh_survdiff(t5, e5, g5, NULL, 3, 2, &fh, &r), COH_OK, "FH zero weight");
    if (r != NULL)
        check(r->chisq == 0 && r->df == 0 && isnan(r->p) && r->observed[0] == 0,
              "FH zero weight: not testable");
    coh_test_result_free(r);
}

/* ---------------------------------------------------------------------
 * Specs, p-value adjustment, distributions
 */

static void test_spec(void)
{
    coh_test_spec s;
    char name[128];
    check_int(coh_test_spec_parse("logrank", &s), COH_OK, "logrank");
    check_int(s.kind, COH_TEST_LOGRANK, "logrank kind");
    check_int(coh_test_spec_parse("Log-Rank", &s), COH_OK, "Log-Rank");
    check_int(coh_test_spec_parse("peto", &s), COH_OK, "peto");
    check_int(s.kind, COH_TEST_PETO, "peto kind");
    check_int(coh_test_spec_parse("gehan", &s), COH_OK, "gehan");
    check_int(s.kind, COH_TEST_GEHAN, "gehan kind");
    check_int(coh_test_spec_parse("tarone-ware", &s), COH_OK, "tarone-ware");
    check_int(s.kind, COH_TEST_TARONE_WARE, "tarone-ware kind");
    check_int(coh_test_spec_parse("fh:0.5,2", &s), COH_OK, "fh");
    check(s.kind == COH_TEST_FH && s.rho == 0.5 && s.gamma == 2, "fh parameters");
    coh_test_spec_name(&s, name, sizeof name);
    check_str(name, "Fleming-Harrington (rho = 0.5, gamma = 2)", "fh name");
    const char *bad[] = {"", "fh", "fh:", "fh:1", "fh:1,", "fh:,1", "fh:-1,0", "fh:1,0x",
                         "fh:inf,0", "fh:nan,1", "fh:1,1,1", "wilcoxon", "logrank ", NULL};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        check_int(coh_test_spec_parse(bad[i], &s), COH_EINVAL, bad[i] ? bad[i] : "NULL");
    coh_test_spec lr = {COH_TEST_LOGRANK, 0, 0};
    coh_test_spec_name(&lr, name, sizeof name);
    check_str(name, "log-rank", "log-rank name");
    coh_test_spec_name(&lr, name, 4);
    check_str(name, "log", "name truncated");
    coh_p_adjust a;
    check_int(coh_p_adjust_parse("holm", &a), COH_OK, "holm");
    check_int(a, COH_ADJUST_HOLM, "holm kind");
    check_int(coh_p_adjust_parse("BH", &a), COH_OK, "BH");
    check_int(a, COH_ADJUST_BH, "BH kind");
    check_int(coh_p_adjust_parse("fdr", &a), COH_OK, "fdr");
    check_int(coh_p_adjust_parse("none", &a), COH_OK, "none");
    check_int(a, COH_ADJUST_NONE, "none kind");
    check_int(coh_p_adjust_parse("bonferroni", &a), COH_EINVAL, "bonferroni");
}

static void test_p_adjust(void)
{
    coh_table *t = load("tests/golden/survdiff/padjust.csv");
    check(t != NULL, "load padjust.csv");
    if (t == NULL)
        return;
    const coh_column *set = coh_table_find(t, "set"), *method = coh_table_find(t, "method");
    const coh_column *p = coh_table_find(t, "p"), *adj = coh_table_find(t, "adjusted");
    double *in = calloc(t->n_rows, sizeof *in), *out = calloc(t->n_rows, sizeof *out);
    size_t i = 0;
    while (in && out && i < t->n_rows) {
        size_t j = i;
        while (j < t->n_rows && set->code[j] == set->code[i] && method->code[j] == method->code[i])
            j++;
        const char *mname = method->levels[method->code[i]];
        coh_p_adjust m;
        check_int(coh_p_adjust_parse(mname, &m), COH_OK, mname);
        for (size_t r = i; r < j; r++)
            in[r - i] = coh_column_is_na(p, r) ? NAN : p->num[r];
        check_int(coh_p_adjust_apply(m, in, j - i, out), COH_OK, "p.adjust");
        for (size_t r = i; r < j; r++) {
            double want = coh_column_is_na(adj, r) ? NAN : adj->num[r];
            check_relative(out[r - i], want, 1e-15, &worst_padj, mname);
        }
        /* in place */
        check_int(coh_p_adjust_apply(m, in, j - i, in), COH_OK, "p.adjust in place");
        check(memcmp(in, out, (j - i) * sizeof *in) == 0 || j == i, "in place gives the same");
        i = j;
    }
    double q[3] = {0.2, NAN, 0.01}, r3[3];
    check_int(coh_p_adjust_apply(COH_ADJUST_NONE, q, 3, r3), COH_OK, "none");
    check(r3[0] == 0.2 && isnan(r3[1]) && r3[2] == 0.01, "none copies");
    check_int(coh_p_adjust_apply(COH_ADJUST_HOLM, q, 0, r3), COH_OK, "m = 0");
    check_int(coh_p_adjust_apply(COH_ADJUST_HOLM, NULL, 3, r3), COH_EINVAL, "NULL p");
    double all_na[2] = {NAN, NAN};
    check_int(coh_p_adjust_apply(COH_ADJUST_BH, all_na, 2, all_na), COH_OK, "all NA");
    check(isnan(all_na[0]) && isnan(all_na[1]), "all NA stays NA");
    free(in);
    free(out);
    coh_table_free(t);
}

static void test_dist(void)
{
    coh_table *t = load("tests/golden/survdiff/dist.csv");
    check(t != NULL, "load dist.csv");
    if (t == NULL)
        return;
    const coh_column *fn = coh_table_find(t, "fn"), *x = coh_table_find(t, "x");
    const coh_column *df = coh_table_find(t, "df"), *v = coh_table_find(t, "value");
    for (size_t i = 0; i < t->n_rows; i++) {
        const char *f = fn->levels[fn->code[i]];
        double got = strcmp(f, "chisq_q") == 0 ? coh_dist_chisq_q(x->num[i], df->num[i])
                     : strcmp(f, "norm_q") == 0 ? coh_dist_norm_q(x->num[i])
                                                : coh_dist_norm_quantile(x->num[i]);
        char what[96];
        snprintf(what, sizeof what, "%s(%g, %g)", f, x->num[i], df->num[i]);
        /* GSL and R's nmath use different algorithms: about 1e-14 apart in
         * the body, up to 1e-12 in far tails */
        check_relative(got, v->num[i], 1e-11, &worst_dist, what);
    }
    coh_table_free(t);
    check(isnan(coh_dist_chisq_q(1, 0)), "df 0");
    check(isnan(coh_dist_chisq_q(1, -1)), "df < 0");
    check(isnan(coh_dist_chisq_q(NAN, 1)), "x NaN");
    check(isnan(coh_dist_chisq_q(1e7, 3e6)), "df beyond GSL's safe range");
    check(coh_dist_chisq_q(0, 1) == 1 && coh_dist_chisq_q(-1, 1) == 1, "x <= 0");
    check(coh_dist_chisq_q(INFINITY, 1) == 0, "x Inf");
    check(coh_dist_chisq_q(1e300, 1) == 0, "x huge");
    check(coh_dist_chisq_q(2.1e6, 1e5) >= 0, "large df and x, near GSL's asymptotic switch");
    check(isnan(coh_dist_norm_q(NAN)), "norm NaN");
    check(coh_dist_norm_q(INFINITY) == 0 && coh_dist_norm_q(-INFINITY) == 1, "norm Inf");
    check(coh_dist_norm_quantile(0) == -INFINITY && coh_dist_norm_quantile(1) == INFINITY,
          "quantile 0, 1");
    check(isnan(coh_dist_norm_quantile(-0.1)) && isnan(coh_dist_norm_quantile(1.5)) &&
              isnan(coh_dist_norm_quantile(NAN)),
          "quantile outside [0, 1]");
}

int main(void)
{
    RUN(test_closed_form);
    RUN(test_ties);
    RUN(test_group_without_events);
    RUN(test_not_testable);
    RUN(test_bad_input);
    RUN(test_spec);
    RUN(test_golden);
    RUN(test_invariance);
    RUN(test_p_adjust);
    RUN(test_dist);
    printf("largest relative difference from R: O %.2g, E %.2g, V %.2g, chisq %.2g, p %.2g, "
           "p.adjust %.2g, dist %.2g\n",
           worst_o, worst_e, worst_v, worst_chisq, worst_p, worst_padj, worst_dist);
    return check_report("test_survdiff");
}
