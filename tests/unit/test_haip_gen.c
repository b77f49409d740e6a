/* test_haip_gen.c - the synthetic two-centre cohort of the seed study
 * (examples/haip-recurrence/gen.c, compiled in here).
 *
 * Generates both databases into a temporary folder laid out as the
 * repository (build/haip/mskcc.sqlite and erasmus.sqlite beside
 * examples/haip-recurrence/study.yaml),
 * then checks them the way the study will read them:
 *   - the databases: patients per centre, the synthetic-data notice,
 *     records that are consistent in time (nothing after death or the last
 *     contact, nothing after the data cut-off, index dates in each centre's
 *     period, one end of follow-up per patient);
 *   - the study file examples/haip-recurrence/study.yaml (its sources,
 *     derived variables, the cohort's steps and groups), read by
 *     coh_study_load and run by coh_study_data: every count of Figure 1,
 *     per step and per centre, 374 eligible, 293 / 81 per group, 150 / 143
 *     per centre;
 *   - Tables 1 and 2 cell by cell (exact counts per group, missing
 *     included), and the published medians and quartiles;
 *   - for the default seed, the published results: medians of hDFS and OS
 *     per group within the published 95% CIs, 5-year OS, log-rank p < 0.01,
 *     about 190 deaths, the median follow-up, and the multivariable models
 *     that the study's Cox selection finds (the paper's factors, HAIP HR
 *     0.4 to 0.8);
 *   - the whole study (coh_study_run, as `make demo`): the acceptance
 *     criteria of issue 8 read back from its results.json, the report's
 *     "Published vs reproduced" table and its synthetic-data notice, every
 *     table and figure file;
 *   - reproducibility: the same seed gives the same rows in every table, a
 *     different seed different rows but the same counts.
 * (Its speed is measured in bench/, not here.)
 */
#define HAIP_GEN_NO_MAIN
#define _XOPEN_SOURCE 700
#include "../../examples/haip-recurrence/gen.c"


#include <ftw.h>
#include <sys/stat.h>

#include "../check.h"
#include "cohort/coxsel.h"
#include "cohort/km.h"
#include "cohort/study.h"
#include "cohort/survdiff.h"
#include "report/json_read.h"

#define STUDY "examples/haip-recurrence/study.yaml"

static char tmpdir[256];

/* ---- helpers ----------------------------------------------------------------- */

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf != NULL && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0) {
            char *b = realloc(buf, cap * 2);
            if (b == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf != NULL)
        buf[n] = '\0';
    return buf;
}

/* The study file, as the repository has it. */
static char *study_text(void)
{
    return read_file(STUDY);
}

static void paths(const char *dir, char *msk, char *eras, size_t size)
{
    snprintf(msk, size, "%s/build/haip/mskcc.sqlite", dir);
    snprintf(eras, size, "%s/build/haip/erasmus.sqlite", dir);
}

/* Generate the databases of `seed` under dir/build/haip. */
static int generate_into(const char *dir, unsigned long seed)
{
    char sub[512], msk[512], eras[512];
    snprintf(sub, sizeof sub, "%s/build", dir);
    mkdir(sub, 0777);
    snprintf(sub, sizeof sub, "%s/build/haip", dir);
    mkdir(sub, 0777);
    paths(dir, msk, eras, sizeof msk);
    char err[512];
    int rc = haip_generate(seed, msk, eras, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "haip_generate: %s\n", err);
    return rc;
}

/* One integer from a query (-1 on error). */
static long long query_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s = NULL;
    long long v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    else
        fprintf(stderr, "query failed: %s: %s\n", sql, sqlite3_errmsg(db));
    sqlite3_finalize(s);
    return v;
}

/* Every row of every table, as text, in rowid order. */
static char *dump(const char *path)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    size_t cap = 1 << 20, n = 0;
    char *out = malloc(cap);
    sqlite3_stmt *tables = NULL;
    sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", -1,
                       &tables, NULL);
    while (out != NULL && sqlite3_step(tables) == SQLITE_ROW) {
        char sql[256];
        snprintf(sql, sizeof sql, "SELECT * FROM \"%s\" ORDER BY rowid",
                 (const char *)sqlite3_column_text(tables, 0));
        sqlite3_stmt *s = NULL;
        if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
            break;
        while (out != NULL && sqlite3_step(s) == SQLITE_ROW) {
            for (int j = 0; j < sqlite3_column_count(s); j++) {
                const char *v = (const char *)sqlite3_column_text(s, j);
                size_t len = v ? strlen(v) : 4;
                if (n + len + 2 >= cap) {
                    char *o = realloc(out, cap * 2 + len);
                    if (o == NULL) {
                        free(out);
                        out = NULL;
                        break;
                    }
                    out = o;
                    cap = cap * 2 + len;
                }
                memcpy(out + n, v ? v : "NULL", len);
                n += len;
                out[n++] = j + 1 < sqlite3_column_count(s) ? '|' : '\n';
            }
        }
        sqlite3_finalize(s);
    }
    sqlite3_finalize(tables);
    sqlite3_close(db);
    if (out != NULL)
        out[n] = '\0';
    return out;
}

/* ---- the study's analysis table ------------------------------------------------ */

typedef struct analysis {
    coh_study *study;
    coh_table *t;
    coh_study_flow *flow;
} analysis;

/* Copy the study file beside the databases (the repository's layout) and
 * run its data step. */
static int analysis_load(const char *dir, analysis *a)
{
    memset(a, 0, sizeof *a);
    char *frag = study_text();
    check(frag != NULL, "the study file is there");
    if (frag == NULL)
        return -1;
    char sub[512], path[600];
    snprintf(sub, sizeof sub, "%s/examples", dir);
    mkdir(sub, 0777);
    snprintf(sub, sizeof sub, "%s/examples/haip-recurrence", dir);
    mkdir(sub, 0777);
    snprintf(path, sizeof path, "%s/study.yaml", sub);
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        free(frag);
        return -1;
    }
    fputs(frag, f);
    fclose(f);
    free(frag);
    coh_error err;
    coh_status st = coh_study_load(path, &a->study, &err);
    if (st != COH_OK) {
        fprintf(stderr, "coh_study_load: %s\n", err.msg);
        check(st == COH_OK, "the study file is valid");
        return -1;
    }
    st = coh_study_data(a->study, &a->t, &a->flow, &err);
    if (st != COH_OK) {
        fprintf(stderr, "coh_study_data: %s\n", err.msg);
        check(st == COH_OK, "the study's data step runs");
        return -1;
    }
    return 0;
}

static void analysis_free(analysis *a)
{
    coh_table_free(a->t);
    coh_study_flow_free(a->flow);
    coh_study_free(a->study);
}

static const coh_column *col(const analysis *a, const char *name)
{
    const coh_column *c = coh_table_find(a->t, name);
    if (c == NULL)
        CHECK_FAIL_("no column '%s' in the analysis table", name);
    return c;
}

/* 0 No HAIP, 1 HAIP, per row. */
static int group_of(const analysis *a, size_t i)
{
    const coh_column *g = coh_table_find(a->t, "haip");
    return strcmp(coh_column_level_text(g, (size_t)g->code[i]), "HAIP") == 0;
}

/* Rows of `group` whose categorical `name` is `level` (NULL: missing). */
static long count_level(const analysis *a, const char *name, const char *level, int group)
{
    const coh_column *c = col(a, name);
    if (c == NULL)
        return -1;
    long n = 0;
    for (size_t i = 0; i < a->t->n_rows; i++) {
        if (group_of(a, i) != group)
            continue;
        bool na = coh_column_is_na(c, i);
        if (level == NULL) {
            n += na;
            continue;
        }
        if (na)
            continue;
        char buf[64];
        const char *text = buf;
        if (c->code != NULL)
            text = coh_column_level_text(c, (size_t)c->code[i]);
        else
            coh_format_num(c->num[i], buf, sizeof buf);
        n += strcmp(text, level) == 0;
    }
    return n;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* R's quantile(type = 7) of the non-missing values of `name` in `group`. */
static double quantile7(const analysis *a, const char *name, int group, double p)
{
    const coh_column *c = col(a, name);
    if (c == NULL || c->num == NULL)
        return NAN;
    double *v = malloc(a->t->n_rows * sizeof *v);
    size_t n = 0;
    for (size_t i = 0; i < a->t->n_rows; i++)
        if (group_of(a, i) == group && !coh_column_is_na(c, i))
            v[n++] = c->num[i];
    qsort(v, n, sizeof *v, cmp_double);
    double h = (double)(n - 1) * p;
    size_t lo = (size_t)floor(h);
    double q = lo + 1 < n ? v[lo] + (h - (double)lo) * (v[lo + 1] - v[lo]) : v[lo];
    free(v);
    return q;
}

/* One decimal, as the paper prints. */
static double dp1(double x)
{
    return round(x * 10.0) / 10.0;
}

/* ---- tests ---------------------------------------------------------------------- */

static void test_databases(void)
{
    check_int(generate_into(tmpdir, HAIP_GEN_DEFAULT_SEED), 0, "generate");
    char msk[512], eras[512];
    paths(tmpdir, msk, eras, sizeof msk);
    sqlite3 *db = NULL;
    check_int(sqlite3_open_v2(msk, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK, "open MSKCC");
    check_int(query_int(db, "SELECT COUNT(*) FROM patients"), 3299, "MSKCC patients");
    check_int(query_int(db, "SELECT COUNT(*) FROM about WHERE key = 'notice' AND value LIKE "
                            "'SYNTHETIC%'"), 1, "MSKCC says it is synthetic");
    check_int(query_int(db, "SELECT COUNT(*) FROM (SELECT mrn FROM followup WHERE event IN "
                            "('death', 'last contact') GROUP BY mrn HAVING COUNT(*) = 1)"),
              3299, "MSKCC: one end of follow-up per patient");
    check_int(query_int(db, "SELECT COUNT(*) FROM followup f JOIN (SELECT mrn, event_date AS d "
                            "FROM followup WHERE event IN ('death', 'last contact')) e USING (mrn) "
                            "WHERE f.event_date > e.d"), 0, "MSKCC: no event after the end");
    check_int(query_int(db, "SELECT COUNT(*) FROM procedures f JOIN (SELECT mrn, event_date AS d "
                            "FROM followup WHERE event IN ('death', 'last contact')) e USING (mrn) "
                            "WHERE f.proc_date > e.d"), 0, "MSKCC: no procedure after the end");
    check_int(query_int(db, "SELECT COUNT(*) FROM chemotherapy f JOIN (SELECT mrn, event_date AS d "
                            "FROM followup WHERE event IN ('death', 'last contact')) e USING (mrn) "
                            "WHERE f.start_date > e.d OR f.end_date > e.d OR f.end_date < "
                            "f.start_date"), 0, "MSKCC: chemotherapy within follow-up");
    check_int(query_int(db, "SELECT COUNT(*) FROM followup WHERE event_date > '2019-06-30'"), 0,
              "MSKCC: nothing after the cut-off");
    check_int(query_int(db, "SELECT COUNT(*) FROM (SELECT MIN(proc_date) AS d FROM procedures "
                            "WHERE procedure IN ('hepatectomy', 'hepatectomy + ablation', "
                            "'ablation') GROUP BY mrn) WHERE d BETWEEN '1992-01-01' AND "
                            "'2018-12-31'"), 3299, "MSKCC: an index treatment in 1992-2018");
    check_int(query_int(db, "SELECT COUNT(*) FROM patients WHERE primary_resection_date > "
                            "crlm_dx_date OR dob > primary_resection_date"), 0,
              "MSKCC: birth, primary, metastases in order");
    check_int(query_int(db, "SELECT COUNT(*) FROM (SELECT mrn FROM procedures WHERE procedure = "
                            "'HAI pump placement' GROUP BY mrn HAVING COUNT(*) > 1)"), 0,
              "MSKCC: one pump at most");
    sqlite3_close(db);

    check_int(sqlite3_open_v2(eras, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK, "open Erasmus");
    check_int(query_int(db, "SELECT COUNT(*) FROM patient"), 1102, "Erasmus MC patients");
    check_int(query_int(db, "SELECT COUNT(*) FROM about WHERE key = 'notice' AND value LIKE "
                            "'SYNTHETIC%'"), 1, "Erasmus MC says it is synthetic");
    check_int(query_int(db, "SELECT COUNT(*) FROM (SELECT patnr FROM follow_up WHERE gebeurtenis "
                            "IN (2, 3) GROUP BY patnr HAVING COUNT(*) = 1)"),
              1102, "Erasmus MC: one end of follow-up per patient");
    check_int(query_int(db, "SELECT COUNT(*) FROM follow_up f JOIN (SELECT patnr, datum AS d FROM "
                            "follow_up WHERE gebeurtenis IN (2, 3)) e USING (patnr) WHERE "
                            "f.datum > e.d"), 0, "Erasmus MC: no event after the end");
    check_int(query_int(db, "SELECT COUNT(*) FROM operatie f JOIN (SELECT patnr, datum AS d FROM "
                            "follow_up WHERE gebeurtenis IN (2, 3)) e USING (patnr) WHERE "
                            "f.datum > e.d"), 0, "Erasmus MC: no operation after the end");
    check_int(query_int(db, "SELECT COUNT(*) FROM follow_up WHERE datum > '2018-06-30'"), 0,
              "Erasmus MC: nothing after the cut-off");
    check_int(query_int(db, "SELECT COUNT(*) FROM (SELECT MIN(datum) AS d FROM operatie WHERE "
                            "soort IN (1, 2, 3) GROUP BY patnr) WHERE d BETWEEN '2000-01-01' AND "
                            "'2016-12-31'"), 1102, "Erasmus MC: an index treatment in 2000-2016");
    check_int(query_int(db, "SELECT COUNT(*) FROM operatie WHERE soort NOT IN (1, 2, 3, 4)"), 0,
              "Erasmus MC: no pumps");
    check_int(query_int(db, "SELECT COUNT(DISTINCT locatie_primair) FROM patient"), 9,
              "Erasmus MC: nine segments");
    sqlite3_close(db);
}

/* Figure 1: every count, per step and per centre. */
static void test_flow(void)
{
    analysis a;
    if (analysis_load(tmpdir, &a) != 0)
        return;
    static const struct {
        const char *label;
        double n;
    } want[] = {
        {"MSKCC", 3299},
        {"Erasmus MC", 1102},
        {"perioperative HAIP at index resection", 975},
        {"no recurrence", 935},
        {"extrahepatic recurrence only", 565},
        {"both intra- and extrahepatic recurrence", 366},
        {"no resection or ablation of the liver recurrence", 352},
        {"extrahepatic disease before the liver recurrence", 298},
        {"incomplete resection of the primary tumour or liver metastases", 241},
        {"HAIP other than adjuvant after treatment of the recurrence", 187},
        {"stereotactic body radiation therapy", 108},
        {"Eligible", 374},
        {"No HAIP", 293},
        {"HAIP", 81},
    };
    size_t nw = sizeof want / sizeof want[0];
    check_int(a.flow->n_steps, nw, "flow steps");
    for (size_t i = 0; i < nw && i < a.flow->n_steps; i++) {
        check_str(a.flow->steps[i].label, want[i].label, "flow label");
        check_rel(a.flow->steps[i].n, want[i].n, 0, want[i].label);
    }
    check_int(a.t->n_rows, 374, "eligible rows");
    const coh_column *src = col(&a, "source");
    long per[2][2] = {{0, 0}, {0, 0}};
    for (size_t i = 0; src != NULL && i < a.t->n_rows; i++) {
        bool msk = strcmp(coh_column_level_text(src, (size_t)src->code[i]), "MSKCC") == 0;
        per[group_of(&a, i)][msk]++;
    }
    check_int(per[0][1], 150, "No HAIP at MSKCC");
    check_int(per[0][0], 143, "No HAIP at Erasmus MC");
    check_int(per[1][1], 81, "HAIP at MSKCC");
    check_int(per[1][0], 0, "HAIP at Erasmus MC");
    analysis_free(&a);
}

/* Tables 1 and 2, per group: exact counts, missing included. */
static void test_tables(void)
{
    analysis a;
    if (analysis_load(tmpdir, &a) != 0)
        return;
    static const struct {
        const char *var, *level;
        long no_haip, haip;
    } cells[] = {
        {"sex", "Male", 195, 40},              {"sex", "Female", 98, 41},
        {"location", "Right-sided", 56, 22},   {"location", "Left-sided", 138, 37},
        {"location", "Rectum", 91, 20},        {"location", NULL, 8, 2},
        {"t_group", "T1-T2", 50, 7},           {"t_group", "T3-T4", 226, 65},
        {"t_group", NULL, 17, 9},              {"node_status", "N0", 126, 20},
        {"node_status", "N+", 160, 58},        {"node_status", NULL, 7, 3},
        {"age70", "< 70 years", 219, 76},      {"age70", "≥ 70 years", 74, 5},
        {"dfi12", "≤ 12 months", 65, 12},     {"dfi12", "> 12 months", 227, 69},
        {"dfi12", NULL, 1, 0},                 {"crlm_number", "1", 120, 30},
        {"crlm_number", "> 1", 163, 49},       {"crlm_number", NULL, 10, 2},
        {"crlm_size", "≤ 5 cm", 230, 66},     {"crlm_size", "> 5 cm", 35, 4},
        {"crlm_size", NULL, 28, 11},           {"cea_index", "≤ 200 µg/l", 228, 53},
        {"cea_index", "> 200 µg/l", 23, 4},         {"cea_index", NULL, 42, 24},
        /* the HAIP column cannot reach the published 35 / 32 (README.md) */
        {"crs", "Low risk (0–2)", 152, 47},         {"crs", "High risk (3–5)", 105, 20},
        {"crs", NULL, 36, 14},                 {"margin", "Yes", 38, 7},
        {"margin", "No", 231, 62},             {"margin", "RFA", 12, 7},
        {"margin", NULL, 12, 5},               {"ablation_index", "Yes", 73, 17},
        {"ablation_index", "No", 220, 64},     {"sys_index", "Yes", 203, 74},
        {"sys_index", "No", 90, 6},            {"sys_index", NULL, 0, 1},
        {"rec_n_lesions", NULL, 13, 3},        {"rec_largest_cm", NULL, 50, 11},
        {"rec_cea", NULL, 73, 21},             {"treatment", "Resection only", 175, 77},
        {"treatment", "Resection with ablation", 19, 1},
        {"treatment", "Ablation only", 99, 3}, {"sys_rec", "Yes", 108, 81},
        {"sys_rec", "No", 180, 0},             {"sys_rec", NULL, 5, 0},
    };
    for (size_t k = 0; k < sizeof cells / sizeof cells[0]; k++) {
        char what[128];
        snprintf(what, sizeof what, "%s = %s, No HAIP", cells[k].var,
                 cells[k].level ? cells[k].level : "(missing)");
        check_int(count_level(&a, cells[k].var, cells[k].level, 0), cells[k].no_haip, what);
        snprintf(what, sizeof what, "%s = %s, HAIP", cells[k].var,
                 cells[k].level ? cells[k].level : "(missing)");
        check_int(count_level(&a, cells[k].var, cells[k].level, 1), cells[k].haip, what);
    }
    /* (levels as the study file labels them) */
    /* medians (IQR) as published, at the paper's precision */
    static const struct {
        const char *var;
        double q[2][3]; /* per group: Q1, median, Q3 */
    } q[] = {
        {"age", {{56, 63, 70}, {46, 54, 63}}},
        {"rfi_months", {{7.0, 11.0, 20.0}, {7.0, 12.0, 17.0}}},
        {"rec_n_lesions", {{1, 1, 2}, {1, 2, 2}}},
        {"rec_largest_cm", {{1.5, 2.1, 3.1}, {1.6, 2.1, 2.1}}},
        {"rec_cea", {{3.0, 6.9, 16.4}, {2.9, 6.3, 13.3}}},
    };
    static const double probs[3] = {0.25, 0.5, 0.75};
    for (size_t k = 0; k < sizeof q / sizeof q[0]; k++)
        for (int g = 0; g < 2; g++)
            for (int j = 0; j < 3; j++) {
                char what[128];
                snprintf(what, sizeof what, "%s, group %d, quantile %.2f", q[k].var, g, probs[j]);
                check_rel(dp1(quantile7(&a, q[k].var, g, probs[j])), q[k].q[g][j], 1e-9, what);
            }
    /* the five factors and the score agree with each other */
    const coh_column *pts = col(&a, "crs_points"), *crs = col(&a, "crs");
    long bad = 0;
    for (size_t i = 0; pts != NULL && crs != NULL && i < a.t->n_rows; i++)
        if (!coh_column_is_na(crs, i) &&
            (strcmp(coh_column_level_text(crs, (size_t)crs->code[i]), "High risk (3–5)") == 0) !=
                (pts->num[i] >= 3))
            bad++;
    check_int(bad, 0, "the score is high exactly when three factors are present");
    analysis_free(&a);
}

/* Kaplan-Meier of one endpoint in one group. */
typedef struct km_summary {
    double median, lower, upper, surv60;
    size_t n, events;
} km_summary;

static void times_of(const analysis *a, const char *time, const char *event, int group,
                     double *t, uint8_t *e, size_t *n)
{
    const coh_column *ct = coh_table_find(a->t, time), *ce = coh_table_find(a->t, event);
    *n = 0;
    for (size_t i = 0; i < a->t->n_rows; i++)
        if (group < 0 || group_of(a, i) == group) {
            t[*n] = ct->num[i];
            e[*n] = ce->num[i] != 0;
            (*n)++;
        }
    /* sort by time (insertion sort: n < 400) */
    for (size_t i = 1; i < *n; i++)
        for (size_t j = i; j > 0 && t[j - 1] > t[j]; j--) {
            double tt = t[j];
            t[j] = t[j - 1];
            t[j - 1] = tt;
            uint8_t ee = e[j];
            e[j] = e[j - 1];
            e[j - 1] = ee;
        }
}

static km_summary km_of(const analysis *a, const char *time, const char *event, int group)
{
    km_summary s = {NAN, NAN, NAN, NAN, 0, 0};
    double t[400];
    uint8_t e[400];
    size_t n;
    times_of(a, time, event, group, t, e, &n);
    coh_km *km = NULL;
    if (coh_km_fit(t, e, n, COH_CONF_LOG, 0.95, &km) != COH_OK)
        return s;
    coh_km_quantile q;
    if (coh_km_median_r(km, &q) == COH_OK) {
        s.median = q.estimate;
        s.lower = q.lower;
        s.upper = q.upper;
    }
    double at60 = 60;
    coh_km_at at;
    if (coh_km_at_times(km, &at60, 1, &at) == COH_OK)
        s.surv60 = at.surv;
    s.n = km->n;
    s.events = km->n_events;
    coh_km_free(km);
    return s;
}

static double logrank_p(const analysis *a, const char *time, const char *event)
{
    double t[400];
    uint8_t e[400];
    int32_t g[400];
    size_t n = 0;
    const coh_column *ct = coh_table_find(a->t, time), *ce = coh_table_find(a->t, event);
    for (size_t i = 0; i < a->t->n_rows; i++) {
        t[n] = ct->num[i];
        e[n] = ce->num[i] != 0;
        g[n++] = group_of(a, i);
    }
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && t[j - 1] > t[j]; j--) {
            double tt = t[j];
            t[j] = t[j - 1];
            t[j - 1] = tt;
            uint8_t ee = e[j];
            e[j] = e[j - 1];
            e[j - 1] = ee;
            int32_t gg = g[j];
            g[j] = g[j - 1];
            g[j - 1] = gg;
        }
    coh_test_spec spec = {COH_TEST_LOGRANK, 0, 0};
    coh_test_result *r = NULL;
    double p = NAN;
    if (coh_survdiff(t, e, g, NULL, n, 2, &spec, &r) == COH_OK)
        p = r->p;
    coh_test_result_free(r);
    return p;
}

/* The published results, on the default seed's data (README.md,
 * "Calibration", gives the values). */
static void test_survival(void)
{
    analysis a;
    if (analysis_load(tmpdir, &a) != 0)
        return;
    km_summary h0 = km_of(&a, "hdfs_months", "hdfs_event", 0);
    km_summary h1 = km_of(&a, "hdfs_months", "hdfs_event", 1);
    km_summary o0 = km_of(&a, "os_months", "os_event", 0);
    km_summary o1 = km_of(&a, "os_months", "os_event", 1);
    check(h0.median >= 15 && h0.median <= 26, "hDFS median without HAIP in 15-26 months");
    check(h1.median >= 29 && h1.median <= 81, "hDFS median with HAIP in 29-81 months");
    check(o0.median >= 47 && o0.median <= 67, "OS median without HAIP in 47-67 months");
    check(o1.median >= 64 && o1.median <= 120, "OS median with HAIP in 64-120 months");
    check(fabs(o0.surv60 - 0.47) <= 0.04, "5-year OS without HAIP about 47%");
    check(fabs(o1.surv60 - 0.66) <= 0.06, "5-year OS with HAIP about 66%");
    check(labs((long)(o0.events + o1.events) - 190) <= 10, "about 190 deaths");
    check(logrank_p(&a, "hdfs_months", "hdfs_event") < 0.01, "hDFS log-rank p < 0.01");
    check(logrank_p(&a, "os_months", "os_event") < 0.01, "OS log-rank p < 0.01");
    double t[400];
    uint8_t e[400];
    size_t n;
    times_of(&a, "os_months", "os_event", -1, t, e, &n);
    coh_km_followup fu;
    check_int(coh_km_followup_fit(t, e, n, COH_CONF_LOG, 0.95, &fu, NULL), COH_OK, "follow-up");
    check(fu.median.estimate >= 57 && fu.median.estimate <= 73,
          "median follow-up (reverse Kaplan-Meier) in 57-73 months");
    analysis_free(&a);
}

/* Table 3 and the hDFS model: the study's selection (entry at p <= 0.20
 * on each term's own complete cases, as the univariable column shows it,
 * then backward elimination at p > 0.20, Wald, on the rows complete in the
 * terms that entered) keeps the paper's factors and no others (the margin,
 * in the paper's OS model at p = 0.07, may stay or go), with the HAIP HR
 * in 0.4-0.8. */
static void test_selection(void)
{
    analysis a;
    if (analysis_load(tmpdir, &a) != 0)
        return;
    static const char *const terms[] = {"age70",          "right_sided",    "t_group",
                                        "crs",            "r1_margin",      "rfi_months",
                                        "rec_n_lesions",  "rec_largest_cm", "rec_cea",
                                        "ablation_only",  "sys_rec",        "haip"};
    static const char *const os_want[] = {"rec_cea", "haip"};
    static const char *const hdfs_want[] = {"rec_n_lesions", "ablation_only", "haip"};
    static const struct {
        const char *time, *event;
        const char *const *want;
        size_t n_want;
        const char *may; /* may stay too */
    } models[] = {
        {"os_months", "os_event", os_want, 2, "r1_margin"},
        {"hdfs_months", "hdfs_event", hdfs_want, 3, NULL},
    };
    for (size_t m = 0; m < 2; m++) {
        coh_design_spec ds = {terms, sizeof terms / sizeof terms[0], NULL, 0, NULL, NULL, 0, NULL,
                              NULL, 0};
        coh_cox_spec surv = {models[m].time, models[m].event, NULL, 0, NULL, 0,
                             NULL, NULL, NULL, NULL};
        coh_cox_options co;
        coh_cox_options_init(&co);
        coh_select_options so = {COH_SELECT_BACKWARD, COH_SELECT_WALD, 0.2, 0.2, 0.2,
                                 COH_SCREEN_AVAILABLE};
        coh_select_result *sel = NULL;
        coh_error err;
        coh_status st = coh_cox_select(a.t, &surv, &ds, &co, &so, &sel, &err);
        check_int(st, COH_OK, "selection runs");
        if (st != COH_OK) {
            fprintf(stderr, "%s\n", err.msg);
            continue;
        }
        for (size_t j = 0; j < sel->n_final; j++) {
            bool wanted = models[m].may != NULL && strcmp(sel->final_terms[j], models[m].may) == 0;
            for (size_t k = 0; k < models[m].n_want; k++)
                wanted |= strcmp(sel->final_terms[j], models[m].want[k]) == 0;
            char what[128];
            snprintf(what, sizeof what, "%s: %s is one of the paper's factors", models[m].time,
                     sel->final_terms[j]);
            check(wanted, what);
        }
        for (size_t k = 0; k < models[m].n_want; k++) {
            bool found = false;
            for (size_t j = 0; j < sel->n_final; j++)
                found |= strcmp(sel->final_terms[j], models[m].want[k]) == 0;
            char what[128];
            snprintf(what, sizeof what, "%s: %s selected", models[m].time, models[m].want[k]);
            check(found, what);
        }
        double hr = NAN;
        for (size_t j = 0; j < sel->design->p; j++)
            if (strcmp(sel->design->col_names[j], "haip=HAIP") == 0)
                hr = exp(sel->fit->coef[j]);
        char what[128];
        snprintf(what, sizeof what, "%s: HAIP HR %.3f in 0.4-0.8", models[m].time, hr);
        check(hr >= 0.4 && hr <= 0.8, what);
        coh_select_result_free(sel);
    }
    analysis_free(&a);
}

/* The number at `path` of results.json, NAN when absent. */
static double jnum(const json_node *root, const char *path)
{
    const json_node *v = json_get(root, path);
    if (v == NULL || v->kind != JSON_NUMBER) {
        fprintf(stderr, "results.json: no number at %s\n", path);
        return NAN;
    }
    return v->number;
}

/* The final terms of a Cox model in results.json, joined by ",". */
static void final_terms(const json_node *root, const char *model, char *buf, size_t size)
{
    char path[200];
    snprintf(path, sizeof path, "cox[name=%s].multivariable.terms", model);
    const json_node *t = json_get(root, path);
    buf[0] = '\0';
    for (size_t i = 0; t != NULL && t->kind == JSON_ARRAY && i < t->n; i++) {
        size_t l = strlen(buf);
        snprintf(buf + l, size - l, "%s%s", i ? "," : "", t->items[i]->string);
    }
}

/* The whole study, as `make demo` runs it: issue 8's acceptance criteria
 * read back from results.json, the report's published table and notice,
 * every table and figure written. */
static void test_study_run(void)
{
    analysis a;
    if (analysis_load(tmpdir, &a) != 0)
        return;
    char out[400], path[600];
    snprintf(out, sizeof out, "%s/out", tmpdir);
    coh_study_run_options ro = {out, "2026-01-01", true, NULL};
    coh_error err;
    coh_status st = coh_study_run(a.study, &ro, &err);
    check_int(st, COH_OK, "the study runs");
    if (st != COH_OK) {
        fprintf(stderr, "%s\n", err.msg);
        analysis_free(&a);
        return;
    }
    snprintf(path, sizeof path, "%s/results.json", out);
    char jerr[200];
    json_node *root = json_parse_file(path, jerr, sizeof jerr);
    check(root != NULL, "results.json parses");
    if (root != NULL) {
        /* eligible n per group, exactly */
        check_rel(jnum(root, "survival[name=fig3_os].groups[group=No HAIP].n"), 293, 0, "293");
        check_rel(jnum(root, "survival[name=fig3_os].groups[group=HAIP].n"), 81, 0, "81");
        check_rel(jnum(root, "survival[name=sfig1_os_center].groups[group=Erasmus MC].n") +
                      jnum(root, "survival[name=sfig1_os_center].groups[group=MSKCC].n"),
                  189, 0, "189 with chemotherapy at recurrence (Table 2: 108 + 81)");
        /* medians and 5-year OS within the published intervals */
        static const struct {
            const char *path;
            double lo, hi;
        } within[] = {
            {"survival[name=fig2_hdfs].groups[group=No HAIP].median.estimate", 15, 26},
            {"survival[name=fig2_hdfs].groups[group=HAIP].median.estimate", 29, 81},
            {"survival[name=fig3_os].groups[group=No HAIP].median.estimate", 47, 67},
            {"survival[name=fig3_os].groups[group=HAIP].median.estimate", 64, 120},
            {"survival[name=fig3_os].groups[group=No HAIP].at[2].surv", 0.43, 0.51},
            {"survival[name=fig3_os].groups[group=HAIP].at[2].surv", 0.60, 0.72},
            {"survival[name=os_all].followup.reverse_km_median", 57, 73},
            {"survival[name=os_all].groups[0].events", 180, 200},
            {"survival[name=fig2_hdfs].test.p", 0, 0.01},
            {"survival[name=fig3_os].test.p", 0, 0.01},
            {"survival[name=sfig1_os_center].test.p", 0.05, 1},
            {"survival[name=os_by_procedure].test.p", 0.05, 1},
            {"cox[name=table3_os].multivariable.coefficients[name=haip=HAIP].hr", 0.4, 0.8},
            {"cox[name=stable1_hdfs].multivariable.coefficients[name=haip=HAIP].hr", 0.4, 0.8},
            {"at[0]", 0, 0}, /* sentinel: nothing */
        };
        for (size_t k = 0; within[k].lo != 0 || within[k].hi != 0; k++) {
            double v = jnum(root, within[k].path);
            char what[300];
            snprintf(what, sizeof what, "%s = %.4g in [%g, %g]", within[k].path, v, within[k].lo,
                     within[k].hi);
            check(v >= within[k].lo && v <= within[k].hi, what);
        }
        /* the paper's factors selected, and no others (the margin may
         * stay in the OS model, as in the paper at p = 0.07) */
        char terms[400];
        final_terms(root, "table3_os", terms, sizeof terms);
        check(strcmp(terms, "rec_cea,haip") == 0 || strcmp(terms, "r1_margin,rec_cea,haip") == 0,
              "OS: CEA at recurrence and HAIP (and the margin)");
        final_terms(root, "stable1_hdfs", terms, sizeof terms);
        check_str(terms, "rec_n_lesions,ablation_only,haip",
                  "hDFS: recurrent lesions, ablation only, HAIP");
        check_str(json_get(root, "options.screen_rows")->string, "available",
                  "the screen on each term's own rows, recorded");
        json_free(root);
    }
    /* the report: the published table, the notice, Table 3's sections */
    snprintf(path, sizeof path, "%s/report.html", out);
    char *html = read_file(path);
    check(html != NULL, "report.html");
    if (html != NULL) {
        check_contains(html, "<h2 id=\"published\">Published vs reproduced</h2>", "the table");
        check_contains(html, "SYNTHETIC DATA", "says the data are synthetic");
        check_contains(html, "<td>Median OS without HAIP, months (95% CI)</td><td>57 (47–67)</td>",
                       "a published number beside its label");
        check(strstr(html, "not in these results") == NULL ||
                  strstr(html, "positive margin (R1)") != NULL,
              "only a coefficient the selection may drop is absent");
        check_contains(html, "<tr class=\"section\"><td colspan=\"5\">Recurrent CRLM resection",
                       "Table 3's section headings");
        free(html);
    }
    static const char *const files[] = {
        "tables/table1.xlsx",         "tables/table2.csv",
        "tables/km_fig2_hdfs.csv",    "tables/cox_table3_os.xlsx",
        "tables/cox_stable1_hdfs.csv", "figures/flow.svg",
        "figures/km_fig2_hdfs.png",   "figures/km_fig3_os.pdf",
        "figures/km_sfig1_os_center.svg", "figures/forest_table3_os.png",
        "report.md",                  "warnings.txt",
    };
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
        struct stat sb;
        snprintf(path, sizeof path, "%s/%s", out, files[k]);
        /* warnings.txt may be empty */
        check(stat(path, &sb) == 0 && (sb.st_size > 0 || strcmp(files[k], "warnings.txt") == 0),
              files[k]);
    }
    /* the report folder is removed by remove_out() */
    analysis_free(&a);
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

/* The same seed gives the same rows; another seed other rows, the same
 * counts. */
static void test_reproducible(void)
{
    char dir2[300], dir3[300];
    snprintf(dir2, sizeof dir2, "%s/again", tmpdir);
    snprintf(dir3, sizeof dir3, "%s/other", tmpdir);
    mkdir(dir2, 0777);
    mkdir(dir3, 0777);
    check_int(generate_into(dir2, HAIP_GEN_DEFAULT_SEED), 0, "generate again");
    check_int(generate_into(dir3, HAIP_GEN_DEFAULT_SEED + 1), 0, "generate another seed");
    for (int c = 0; c < 2; c++) {
        char p1[512], p2[512], p3[512], x[512];
        if (c == 0) {
            paths(tmpdir, p1, x, sizeof p1);
            paths(dir2, p2, x, sizeof p2);
            paths(dir3, p3, x, sizeof p3);
        } else {
            paths(tmpdir, x, p1, sizeof p1);
            paths(dir2, x, p2, sizeof p2);
            paths(dir3, x, p3, sizeof p3);
        }
        char *d1 = dump(p1), *d2 = dump(p2), *d3 = dump(p3);
        check(d1 != NULL && d2 != NULL && d3 != NULL, "dumps");
        if (d1 != NULL && d2 != NULL && d3 != NULL) {
            check(strlen(d1) > 100000, "the dump has the rows");
            check(strcmp(d1, d2) == 0, "same seed, same rows in every table");
            check(strcmp(d1, d3) != 0, "another seed, other rows");
        }
        free(d1);
        free(d2);
        free(d3);
    }
    analysis a;
    if (analysis_load(dir3, &a) == 0) {
        check_int(a.t->n_rows, 374, "another seed: 374 eligible");
        check_rel(a.flow->steps[a.flow->n_steps - 1].n, 81, 0, "another seed: 81 with HAIP");
        check_rel(a.flow->steps[2].n, 975, 0, "another seed: 975 with HAIP at the index");
        analysis_free(&a);
    }
}

static void remove_tree(const char *dir)
{
    static const char *const files[] = {
        "build/haip/mskcc.sqlite",  "build/haip/erasmus.sqlite",
        "examples/haip-recurrence/study.yaml", "examples/haip-recurrence", "examples",
        "build/haip", "build",
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char p[600];
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        if (remove(p) != 0 && errno != ENOENT)
            fprintf(stderr, "cannot remove %s: %s\n", p, strerror(errno));
    }
}

int main(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/cohort-haip-gen-XXXXXX", base ? base : "/tmp");
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_databases);
    RUN(test_flow);
    RUN(test_tables);
    RUN(test_survival);
    RUN(test_selection);
    RUN(test_study_run);
    {
        char o[400];
        snprintf(o, sizeof o, "%s/out", tmpdir);
        nftw(o, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
    RUN(test_reproducible);
    char sub[400];
    snprintf(sub, sizeof sub, "%s/again", tmpdir);
    remove_tree(sub);
    rmdir(sub);
    snprintf(sub, sizeof sub, "%s/other", tmpdir);
    remove_tree(sub);
    rmdir(sub);
    remove_tree(tmpdir);
    rmdir(tmpdir);
    return check_report("test_haip_gen");
}
