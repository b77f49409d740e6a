/* test_readstat.c - SPSS, Stata and SAS files through coh_read_readstat.
 *
 * The committed files in tests/data/readstat/ come from make.R (haven) and
 * make_sas7bdat.c; README.md there lists their contents, which the expected
 * values below repeat.  Cases that need odd storage (4-byte floats, string
 * user-missing values, a labelled continuous variable) are written at test
 * time with ReadStat's writer into a temporary directory.  The last tests
 * truncate and corrupt every committed file and read the pieces: the reader
 * must fail cleanly, never crash, and never touch its input.
 *
 * Run from the repository root (the Makefile and tests/run.sh do).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <readstat.h>

#include "../check.h"
#include "cohort/io.h"
#include "core/colbuild.h"

#define DATA "tests/data/readstat/"

static char tmpdir[256];

/* Days since 1970-01-01 of y-m-d. */
static double day(int y, unsigned m, unsigned d)
{
    return (double)coh_days_from_civil(y, m, d);
}

static coh_table *read_ok(const char *path, coh_format f, const coh_read_options *o)
{
    coh_table *t = NULL;
    coh_error err;
    coh_error_clear(&err);
    coh_status st = coh_read_readstat(path, f, o, &t, &err);
    if (st != COH_OK)
        fprintf(stderr, "reading %s: %s\n", path, err.msg);
    check_int(st, COH_OK, path);
    return t;
}

static coh_column *col(const coh_table *t, const char *name)
{
    coh_column *c = t ? coh_table_find(t, name) : NULL;
    check(c != NULL, name);
    return c;
}

static const char *level_of(const coh_column *c, size_t i)
{
    if (c == NULL || c->code == NULL || coh_column_is_na(c, i) || c->code[i] < 0)
        return NULL;
    return c->levels[c->code[i]];
}

static const char *label_of(const coh_column *c, size_t k)
{
    return c->level_labels ? c->level_labels[k] : NULL;
}

static void path_in_tmp(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", tmpdir, name);
}

/* Whole file into memory; NULL on failure. */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    unsigned char *buf = malloc(64 * 1024);
    *len = buf ? fread(buf, 1, 64 * 1024, f) : 0;
    fclose(f);
    return buf;
}

/* Write a temp file; counts a check only when that fails (the damaged-file
 * loops call it thousands of times). */
static void spit(const char *path, const unsigned char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    bool ok = f != NULL && fwrite(data, 1, len, f) == len;
    if (f != NULL && fclose(f) != 0)
        ok = false;
    if (!ok)
        check(ok, "write temp file");
}

/* ---- the committed files -------------------------------------------------- */

/* labelled.sav and labelled.zsav hold the same six rows (make.R). */
static void check_spss_content(const char *path)
{
    coh_table *t = read_ok(path, COH_FORMAT_SAV, NULL);
    if (t == NULL)
        return;
    check_int(t->n_rows, 6, "rows");
    check_int(t->n_cols, 5, "columns");

    /* arm: 1 2 2 1 4 -99; -99 user-missing; 3 labelled but absent; 4 unlabelled */
    coh_column *arm = col(t, "arm");
    if (arm) {
        check_int(arm->type, COH_CATEGORICAL, "arm type");
        check_str(arm->label, "Treatment arm", "arm variable label");
        check_int(arm->n_levels, 4, "arm levels: 1 2 3 4, not -99");
        if (arm->n_levels == 4) {
            check_str(arm->levels[0], "1", "arm level 0");
            check_str(arm->levels[1], "2", "arm level 1");
            check_str(arm->levels[2], "3", "arm level 2");
            check_str(arm->levels[3], "4", "arm level 3");
            check_str(label_of(arm, 0), "Control", "arm label 0");
            check_str(label_of(arm, 1), "Treatment", "arm label 1");
            check_str(label_of(arm, 2), "Placebo", "label of a value not in the data");
            check_str(label_of(arm, 3), NULL, "unlabelled value has no label");
        }
        check_int(arm->n_missing, 1, "arm missing (user-missing -99)");
        check(coh_column_is_na(arm, 5), "arm row 6 (-99) missing");
        check_str(level_of(arm, 0), "1", "arm row 1");
        check_str(level_of(arm, 1), "2", "arm row 2");
        check_str(level_of(arm, 4), "4", "arm row 5");
        check_str(coh_column_level_text(arm, (size_t)arm->code[1]), "Treatment",
                  "arm row 2 display text");
    }

    /* score: 1.5 92 3.25 NA 5 6 with user-missing range 90..95 */
    coh_column *score = col(t, "score");
    if (score) {
        check_int(score->type, COH_DOUBLE, "score type");
        check_int(score->n_missing, 2, "score missing: the NA and 92 (in range)");
        check(coh_column_is_na(score, 1), "score row 2 (92) missing");
        check(coh_column_is_na(score, 3), "score row 4 missing");
        check_rel(score->num[0], 1.5, 0, "score row 1");
        check_rel(score->num[2], 3.25, 0, "score row 3");
        check_rel(score->num[5], 6, 0, "score row 6");
        check_str(score->label, NULL, "score has no variable label");
    }

    /* sex: F M M F "" M with labels F = Female, M = Male */
    coh_column *sex = col(t, "sex");
    if (sex) {
        check_int(sex->type, COH_CATEGORICAL, "sex type");
        check_int(sex->n_levels, 2, "sex levels");
        if (sex->n_levels == 2) {
            check_str(sex->levels[0], "F", "sex level 0");
            check_str(sex->levels[1], "M", "sex level 1");
            check_str(label_of(sex, 0), "Female", "sex label 0");
            check_str(label_of(sex, 1), "Male", "sex label 1");
        }
        check_int(sex->n_missing, 1, "sex missing (empty string)");
        check(coh_column_is_na(sex, 4), "sex row 5 missing");
        check_str(level_of(sex, 1), "M", "sex row 2");
    }

    /* dob: SPSS DATE11, seconds since 1582-10-14 */
    coh_column *dob = col(t, "dob");
    if (dob) {
        check_int(dob->type, COH_DATE, "dob type");
        check_rel(dob->num[0], day(1950, 3, 1), 0, "dob row 1");
        check_rel(dob->num[1], day(1961, 12, 31), 0, "dob row 2");
        check_rel(dob->num[2], 0, 0, "dob row 3 is the Unix epoch");
        check(coh_column_is_na(dob, 3), "dob row 4 missing");
        check_rel(dob->num[4], day(2000, 2, 29), 0, "dob row 5 (leap day)");
        check_rel(dob->num[5], day(1899, 12, 31), 0, "dob row 6 (before 1900)");
    }

    coh_column *os = col(t, "os");
    if (os) {
        check_int(os->type, COH_INTEGER, "os type");
        check_str(os->label, "Overall survival (months)", "os variable label");
        static const double want[] = {12, 30, 7, 44, 0, 18};
        for (size_t i = 0; i < 6; i++)
            check_rel(os->num[i], want[i], 0, "os value");
        check_int(os->n_missing, 0, "os missing");
        check(os->missing == NULL, "no missing mask when none missing");
    }
    coh_table_free(t);
}

static void test_sav(void)
{
    check_spss_content(DATA "labelled.sav");
}

static void test_zsav(void)
{
    check_spss_content(DATA "labelled.zsav");
}

static void test_dta(void)
{
    coh_table *t = read_ok(DATA "labelled.dta", COH_FORMAT_DTA, NULL);
    if (t == NULL)
        return;
    check_int(t->n_rows, 5, "rows");
    check_int(t->n_cols, 3, "columns");

    /* stage: 1 2 3 .a 2, labels I II III IV and .a "Unknown" */
    coh_column *stage = col(t, "stage");
    if (stage) {
        check_int(stage->type, COH_CATEGORICAL, "stage type");
        check_str(stage->label, "Tumour stage", "stage variable label");
        check_int(stage->n_levels, 4, "stage levels: 1-4, not .a");
        if (stage->n_levels == 4) {
            check_str(stage->levels[3], "4", "stage level 3");
            check_str(label_of(stage, 0), "I", "stage label 0");
            check_str(label_of(stage, 2), "III", "stage label 2");
            check_str(label_of(stage, 3), "IV", "labelled value absent from the data");
        }
        check_int(stage->n_missing, 1, "stage missing (.a)");
        check(coh_column_is_na(stage, 3), "stage row 4 (.a) missing");
        check_str(level_of(stage, 4), "2", "stage row 5");
    }

    /* dx: %td, days since 1960-01-01 */
    coh_column *dx = col(t, "dx");
    if (dx) {
        check_int(dx->type, COH_DATE, "dx type");
        check_rel(dx->num[0], day(2010, 1, 15), 0, "dx row 1");
        check_rel(dx->num[1], day(2012, 6, 30), 0, "dx row 2");
        check(coh_column_is_na(dx, 2), "dx row 3 missing");
        check_rel(dx->num[3], day(1960, 1, 1), 0, "dx row 4 (Stata epoch)");
        check_rel(dx->num[4], day(1959, 12, 31), 0, "dx row 5 (before the epoch)");
    }

    coh_column *age = col(t, "age");
    if (age) {
        check_int(age->type, COH_DOUBLE, "age type");
        check_rel(age->num[0], 61.5, 0, "age row 1");
        check_rel(age->num[3], 55.25, 0, "age row 4");
        check_int(age->n_missing, 1, "age missing");
    }
    coh_table_free(t);
}

static void test_sas7bdat(void)
{
    coh_table *t = read_ok(DATA "small.sas7bdat", COH_FORMAT_SAS7BDAT, NULL);
    if (t == NULL)
        return;
    check_int(t->n_rows, 4, "rows");
    check_int(t->n_cols, 5, "columns");
    coh_column *id = col(t, "id");
    if (id) {
        check_int(id->type, COH_INTEGER, "id type");
        check_rel(id->num[3], 4, 0, "id row 4");
    }
    coh_column *grp = col(t, "grp");
    if (grp) {
        check_int(grp->type, COH_CATEGORICAL, "grp type");
        check_int(grp->n_levels, 2, "grp levels");
        check(grp->level_labels == NULL, "grp has no value labels");
        check_str(level_of(grp, 1), "b", "grp row 2");
        check(coh_column_is_na(grp, 2), "grp row 3 (empty) missing");
    }
    coh_column *start = col(t, "start");
    if (start) {
        check_int(start->type, COH_DATE, "start type (DATE9)");
        check_rel(start->num[0], day(2001, 1, 1), 0, "start row 1");
        check_rel(start->num[1], day(1960, 1, 1), 0, "start row 2 (SAS epoch)");
        check_rel(start->num[2], day(1999, 12, 31), 0, "start row 3");
        check(coh_column_is_na(start, 3), "start row 4 missing");
    }
    coh_column *visit = col(t, "visit");
    if (visit) {
        check_int(visit->type, COH_DATE, "visit type (MMDDYY10)");
        check_rel(visit->num[3], day(2000, 2, 29), 0, "visit row 4");
    }
    coh_column *dose = col(t, "dose");
    if (dose) {
        check_int(dose->type, COH_DOUBLE, "dose type");
        check_str(dose->label, "Dose (mg/kg)", "dose variable label");
        check(coh_column_is_na(dose, 2), "dose row 3 (.A) missing");
        check_rel(dose->num[3], 2.75, 0, "dose row 4");
    }
    coh_table_free(t);
}

/* The epochs written into readstat.c as constants. */
static void test_epochs(void)
{
    check_rel(day(1582, 10, 14), -141428, 0, "SPSS epoch");
    check_rel(day(1960, 1, 1), -3653, 0, "Stata and SAS epoch");
}

/* ---- options -------------------------------------------------------------- */

static void test_declared_types(void)
{
    coh_read_options o;
    memset(&o, 0, sizeof o);
    coh_col_type types[] = {
        {"arm", COH_DOUBLE},       /* labels ignored: plain numbers */
        {"os", COH_CATEGORICAL},   /* numbers as levels */
        {"sex", COH_STRING},       /* labelled string kept as STRING */
    };
    o.col_types = types;
    o.n_col_types = 3;
    coh_table *t = read_ok(DATA "labelled.sav", COH_FORMAT_SAV, &o);
    if (t == NULL)
        return;
    coh_column *arm = col(t, "arm"), *os = col(t, "os"), *sex = col(t, "sex");
    if (arm) {
        check_int(arm->type, COH_DOUBLE, "arm declared double");
        check_rel(arm->num[4], 4, 0, "arm row 5 as a number");
        check(coh_column_is_na(arm, 5), "user-missing still missing when declared");
    }
    if (os) {
        check_int(os->type, COH_CATEGORICAL, "os declared categorical");
        check_int(os->n_levels, 6, "os levels");
        if (os->n_levels == 6) {
            check_str(os->levels[0], "0", "numeric levels sort by value");
            check_str(os->levels[1], "7", "7 before 12");
        }
    }
    if (sex) {
        check_int(sex->type, COH_STRING, "sex declared string");
        if (sex->n_levels == 2)
            check_str(label_of(sex, 1), "Male", "labels kept on a declared string");
    }
    coh_table_free(t);

    /* conflicts: the message names the file and the variable */
    coh_col_type bad[][1] = {{{"sex", COH_DOUBLE}}, {{"dob", COH_INTEGER}},
                             {{"os", COH_DATE}}, {{"score", COH_INTEGER}}};
    const char *want[] = {"labelled.sav: variable 'sex': declared double but holds text",
                          "labelled.sav: variable 'dob': declared integer but holds dates",
                          "labelled.sav: variable 'os': declared date",
                          "labelled.sav: variable 'score': declared integer but holds fractions"};
    for (size_t k = 0; k < 4; k++) {
        o.col_types = bad[k];
        o.n_col_types = 1;
        coh_error err;
        coh_error_clear(&err);
        t = (coh_table *)1;
        coh_status st = coh_read_readstat(DATA "labelled.sav", COH_FORMAT_SAV, &o, &t, &err);
        check_int(st, COH_ETYPE, "declared type conflict");
        check(t == NULL, "no table on failure");
        check_contains(err.msg, want[k], "conflict message");
    }
}

static void test_na_codes(void)
{
    coh_read_options o;
    memset(&o, 0, sizeof o);
    coh_na_code codes[] = {{"os", 0}, {"arm", 2}, {"os", 44}, {"nosuch", 1}};
    o.na_codes = codes;
    o.n_na_codes = 4;
    coh_table *t = read_ok(DATA "labelled.sav", COH_FORMAT_SAV, &o);
    if (t == NULL)
        return;
    coh_column *os = col(t, "os"), *arm = col(t, "arm");
    if (os) {
        check_int(os->n_missing, 2, "os: codes 0 and 44 missing");
        check(coh_column_is_na(os, 3) && coh_column_is_na(os, 4), "os rows 4 and 5");
    }
    if (arm) {
        check_int(arm->n_missing, 3, "arm: two 2s and -99");
        /* 2 is now a missing code, so its label is no level */
        check_int(arm->n_levels, 3, "arm levels 1 3 4");
        if (arm->n_levels == 3)
            check_str(arm->levels[1], "3", "arm level 1");
    }
    coh_table_free(t);
}

static void test_max_levels(void)
{
    coh_read_options o;
    memset(&o, 0, sizeof o);
    o.max_levels = 1;
    coh_table *t = read_ok(DATA "small.sas7bdat", COH_FORMAT_SAS7BDAT, &o);
    coh_column *grp = t ? col(t, "grp") : NULL;
    if (grp)
        check_int(grp->type, COH_STRING, "2 levels > max_levels 1: string");
    coh_table_free(t);
    /* value labels make a variable categorical whatever max_levels says */
    t = read_ok(DATA "labelled.sav", COH_FORMAT_SAV, &o);
    coh_column *sex = t ? col(t, "sex") : NULL;
    if (sex)
        check_int(sex->type, COH_CATEGORICAL, "labelled string stays categorical");
    coh_table_free(t);
}

typedef struct progress_log {
    int calls;
    int bad;
} progress_log;

static void on_progress(void *ctx, size_t done, size_t total)
{
    progress_log *log = ctx;
    log->calls++;
    if (done > total)
        log->bad++;
}

static void test_progress(void)
{
    coh_read_options o;
    memset(&o, 0, sizeof o);
    progress_log log = {0, 0};
    o.progress = on_progress;
    o.progress_ctx = &log;
    coh_table *t = read_ok(DATA "labelled.dta", COH_FORMAT_DTA, &o);
    coh_table_free(t);
    check_int(log.bad, 0, "progress never past the total");
}

/* ---- files written at test time ------------------------------------------ */

static ssize_t write_fd(const void *data, size_t len, void *ctx)
{
    return write(*(int *)ctx, data, len);
}

/* A Stata file with storage the committed one lacks: a 4-byte float, int8
 * and int16 values, a partially labelled continuous variable (ages 20..79,
 * 99 = "99 or older"), a variable whose only label is on .a, and a labelled
 * variable with no value in any row. */
static void write_storage_dta(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    check(fd >= 0, "create dta");
    if (fd < 0)
        return;
    readstat_writer_t *w = readstat_writer_init();
    readstat_set_data_writer(w, write_fd);
    readstat_label_set_t *age_lbl = readstat_add_label_set(w, READSTAT_TYPE_INT16, "agelbl");
    readstat_label_int32_value(age_lbl, 99, "99 or older");
    readstat_label_set_t *na_lbl = readstat_add_label_set(w, READSTAT_TYPE_INT8, "nalbl");
    readstat_label_tagged_value(na_lbl, 'a', "Refused");
    readstat_variable_t *wt = readstat_add_variable(w, "wt", READSTAT_TYPE_FLOAT, 0);
    readstat_variable_t *flag = readstat_add_variable(w, "flag", READSTAT_TYPE_INT8, 0);
    readstat_variable_t *age = readstat_add_variable(w, "age", READSTAT_TYPE_INT16, 0);
    readstat_variable_set_label_set(age, age_lbl);
    readstat_variable_t *nb = readstat_add_variable(w, "nb", READSTAT_TYPE_INT8, 0);
    readstat_variable_set_label_set(nb, na_lbl);
    readstat_label_set_t *yn = readstat_add_label_set(w, READSTAT_TYPE_INT8, "yn");
    readstat_label_int32_value(yn, 1, "yes");
    readstat_label_int32_value(yn, 0, "no");
    readstat_variable_t *allna = readstat_add_variable(w, "allna", READSTAT_TYPE_INT8, 0);
    readstat_variable_set_label_set(allna, yn);
    readstat_error_t rc = readstat_begin_writing_dta(w, &fd, 61);
    check_int(rc, READSTAT_OK, "begin dta");
    for (int i = 0; i < 61 && rc == READSTAT_OK; i++) {
        readstat_begin_row(w);
        readstat_insert_float_value(w, wt, i == 0 ? 1.1f : (float)i / 4.0f);
        readstat_insert_int8_value(w, flag, (int8_t)(i % 2));
        readstat_insert_int16_value(w, age, (int16_t)(i < 60 ? 20 + i : 99));
        if (i == 5)
            readstat_insert_tagged_missing_value(w, nb, 'a');
        else
            readstat_insert_int8_value(w, nb, (int8_t)(i % 3));
        readstat_insert_missing_value(w, allna);
        rc = readstat_end_row(w);
    }
    if (rc == READSTAT_OK)
        rc = readstat_end_writing(w);
    check_int(rc, READSTAT_OK, "write dta");
    readstat_writer_free(w);
    close(fd);
}

static void test_storage_types(void)
{
    char path[512];
    path_in_tmp(path, sizeof path, "storage.dta");
    write_storage_dta(path);
    coh_table *t = read_ok(path, COH_FORMAT_DTA, NULL);
    if (t == NULL)
        return;
    check_int(t->n_rows, 61, "rows");
    coh_column *wt = col(t, "wt"), *flag = col(t, "flag"), *age = col(t, "age"),
               *nb = col(t, "nb");
    if (wt) {
        check_int(wt->type, COH_DOUBLE, "float variable");
        check(wt->num[0] == 1.1, "float 1.1 reads as the double 1.1");
        check(wt->num[1] == 0.25, "float 0.25 exactly");
    }
    if (flag) {
        check_int(flag->type, COH_INTEGER, "int8 variable");
        check_rel(flag->num[3], 1, 0, "int8 value");
    }
    if (age) {
        /* 61 distinct values > 50 and only 99 labelled: a continuous variable */
        check_int(age->type, COH_INTEGER, "partially labelled continuous stays numeric");
        check_rel(age->num[60], 99, 0, "age 99");
    }
    if (nb) {
        /* its only label is on .a: nothing to make levels of */
        check_int(nb->type, COH_INTEGER, "label only on a missing code: numeric");
        check_int(nb->n_missing, 1, "nb .a missing");
    }
    /* no value at all, but labels: a categorical column of missing values */
    coh_column *allna = col(t, "allna");
    if (allna) {
        check_int(allna->type, COH_CATEGORICAL, "all-missing labelled variable");
        check_int(allna->n_missing, 61, "all missing");
        check(allna->num == NULL && allna->code != NULL, "code storage");
        check_int(allna->n_levels, 2, "levels from the labels alone");
        if (allna->n_levels == 2) {
            check_str(allna->levels[0], "0", "level 0");
            check_str(label_of(allna, 1), "yes", "label 1");
        }
    }
    coh_table_free(t);

    /* declared categorical, the labelled continuous variable gets its label */
    coh_read_options o;
    memset(&o, 0, sizeof o);
    coh_col_type types[] = {{"age", COH_CATEGORICAL}};
    o.col_types = types;
    o.n_col_types = 1;
    t = read_ok(path, COH_FORMAT_DTA, &o);
    age = t ? col(t, "age") : NULL;
    if (age) {
        check_int(age->type, COH_CATEGORICAL, "declared categorical");
        check_int(age->n_levels, 61, "age levels");
        if (age->n_levels == 61) {
            check_str(age->levels[60], "99", "last level");
            check_str(label_of(age, 60), "99 or older", "its label");
            check_str(label_of(age, 0), NULL, "20 has none");
        }
    }
    coh_table_free(t);
}

/* An SPSS file with a string user-missing value, a LOWEST-thru-(-1) range
 * and string labels longer than the value width. */
static void write_missing_sav(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    check(fd >= 0, "create sav");
    if (fd < 0)
        return;
    readstat_writer_t *w = readstat_writer_init();
    readstat_set_data_writer(w, write_fd);
    readstat_label_set_t *resp = readstat_add_label_set(w, READSTAT_TYPE_STRING, "resp");
    readstat_label_string_value(resp, "y", "Yes, responded to treatment");
    readstat_label_string_value(resp, "n", "No response");
    readstat_label_string_value(resp, "u", "Unknown");
    readstat_variable_t *r = readstat_add_variable(w, "resp", READSTAT_TYPE_STRING, 2);
    readstat_variable_set_label_set(r, resp);
    readstat_variable_add_missing_string_value(r, "x");
    readstat_variable_t *x = readstat_add_variable(w, "x", READSTAT_TYPE_DOUBLE, 0);
    readstat_variable_add_missing_double_range(x, -INFINITY, -1);
    readstat_variable_set_label(x, "Biomarker (ng/ml)");
    static const char *rv[] = {"y", "n", "x", "y", "z"};
    static const double xv[] = {0.5, -3, 2, -1, 1e10};
    readstat_error_t rc = readstat_begin_writing_sav(w, &fd, 5);
    check_int(rc, READSTAT_OK, "begin sav");
    for (int i = 0; i < 5 && rc == READSTAT_OK; i++) {
        readstat_begin_row(w);
        readstat_insert_string_value(w, r, rv[i]);
        readstat_insert_double_value(w, x, xv[i]);
        rc = readstat_end_row(w);
    }
    if (rc == READSTAT_OK)
        rc = readstat_end_writing(w);
    check_int(rc, READSTAT_OK, "write sav");
    readstat_writer_free(w);
    close(fd);
}

static void test_spss_missing(void)
{
    char path[512];
    path_in_tmp(path, sizeof path, "missing.sav");
    write_missing_sav(path);
    coh_table *t = read_ok(path, COH_FORMAT_SAV, NULL);
    if (t == NULL)
        return;
    coh_column *r = col(t, "resp"), *x = col(t, "x");
    if (r) {
        check_int(r->type, COH_CATEGORICAL, "labelled string");
        check_int(r->n_missing, 1, "string user-missing 'x'");
        check(coh_column_is_na(r, 2), "resp row 3 missing");
        /* levels: n u y z (u labelled but absent; z present, unlabelled) */
        check_int(r->n_levels, 4, "resp levels");
        if (r->n_levels == 4) {
            check_str(r->levels[0], "n", "resp level 0");
            check_str(r->levels[1], "u", "resp level 1");
            check_str(r->levels[3], "z", "resp level 3");
            check_str(label_of(r, 2), "Yes, responded to treatment", "long label");
            check_str(label_of(r, 1), "Unknown", "absent value keeps its label");
            check_str(label_of(r, 3), NULL, "z has none");
        }
        check_str(level_of(r, 4), "z", "resp row 5");
    }
    if (x) {
        check_str(x->label, "Biomarker (ng/ml)", "x label");
        check_int(x->n_missing, 2, "LOWEST thru -1 missing: -3 and -1");
        check(coh_column_is_na(x, 1) && coh_column_is_na(x, 3), "x rows 2 and 4");
        check_rel(x->num[4], 1e10, 0, "x row 5");
        check_int(x->type, COH_DOUBLE, "x type");
    }
    coh_table_free(t);
}

/* ---- errors --------------------------------------------------------------- */

static void expect_error(const char *path, coh_format f, coh_status want_st,
                         const char *want_msg)
{
    coh_table *t = (coh_table *)1;
    coh_error err;
    coh_error_clear(&err);
    coh_status st = coh_read_readstat(path, f, NULL, &t, &err);
    check_int(st, want_st, path);
    check(t == NULL, "no table on failure");
    check_contains(err.msg, want_msg, path);
    check_int(err.status, want_st, "err.status");
}

static void test_errors(void)
{
    char path[512];
    expect_error(DATA "nosuch.sav", COH_FORMAT_SAV, COH_EIO,
                 DATA "nosuch.sav: cannot open: No such file or directory");
    expect_error(DATA, COH_FORMAT_DTA, COH_EIO, "cannot open: Is a directory");
    /* the wrong reader for a valid file */
    expect_error(DATA "labelled.dta", COH_FORMAT_SAV, COH_EPARSE,
                 DATA "labelled.dta: not a readable SPSS file: ");
    /* Stata's reader takes the first byte for a format version it lacks */
    expect_error(DATA "labelled.sav", COH_FORMAT_DTA, COH_EFORMAT,
                 "labelled.sav: not a readable Stata file: ");
    expect_error(DATA "labelled.sav", COH_FORMAT_SAS7BDAT, COH_EPARSE,
                 "not a readable SAS file");
    expect_error(DATA "labelled.sav", COH_FORMAT_CSV, COH_EINVAL, "not an SPSS, Stata or SAS");

    /* text, and an empty file */
    path_in_tmp(path, sizeof path, "text.sav");
    spit(path, (const unsigned char *)"id,time\n1,2\n", 12);
    expect_error(path, COH_FORMAT_SAV, COH_EPARSE, "text.sav: not a readable SPSS file");
    path_in_tmp(path, sizeof path, "empty.dta");
    spit(path, (const unsigned char *)"", 0);
    expect_error(path, COH_FORMAT_DTA, COH_EPARSE, "empty.dta: not a readable Stata file");

    /* err may be NULL */
    coh_table *t = (coh_table *)1;
    check_int(coh_read_readstat(DATA "nosuch.sav", COH_FORMAT_SAV, NULL, &t, NULL), COH_EIO,
              "NULL err");
    check(t == NULL, "NULL err: no table");

    /* an unreadable file, unless we are root (root reads anything) */
    path_in_tmp(path, sizeof path, "noperm.sav");
    size_t len = 0;
    unsigned char *bytes = slurp(DATA "labelled.sav", &len);
    if (bytes != NULL) {
        spit(path, bytes, len);
        free(bytes);
        chmod(path, 0);
        if (access(path, R_OK) != 0)
            expect_error(path, COH_FORMAT_SAV, COH_EIO, "cannot open: Permission denied");
    }
}

/* ---- damaged files -------------------------------------------------------- */

/* Read `data` cut to `len` bytes (or with bytes changed) from a temp file:
 * any status will do but a crash; on failure no table and a message naming
 * the file; on success a table whose columns are equally long. */
static void read_damaged(const char *path, coh_format f, int *n_ok, int *n_bad)
{
    coh_table *t = (coh_table *)1;
    coh_error err;
    coh_error_clear(&err);
    coh_status st = coh_read_readstat(path, f, NULL, &t, &err);
    if (st == COH_OK) {
        (*n_ok)++;
        check(t != NULL, "table on success");
        for (size_t j = 0; t != NULL && j < t->n_cols; j++)
            if (t->cols[j]->n != t->n_rows)
                check(0, "column lengths agree");
        coh_table_free(t);
        return;
    }
    (*n_bad)++;
    if (t != NULL) {
        check(t == NULL, "no table on failure");
        return;
    }
    if (strncmp(err.msg, path, strlen(path)) != 0)
        check_contains(err.msg, path, "damaged-file message names the file");
    if (st == COH_EINTERNAL)
        check_int(st, COH_EPARSE, "damaged file is not an internal error");
}

static void test_truncated(void)
{
    static const struct { const char *name; coh_format f; } files[] = {
        {"labelled.sav", COH_FORMAT_SAV},   {"labelled.zsav", COH_FORMAT_SAV},
        {"labelled.dta", COH_FORMAT_DTA},   {"small.sas7bdat", COH_FORMAT_SAS7BDAT},
    };
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
        char src[512], path[512];
        snprintf(src, sizeof src, DATA "%s", files[k].name);
        path_in_tmp(path, sizeof path, files[k].name);
        size_t len = 0;
        unsigned char *bytes = slurp(src, &len);
        check(bytes != NULL && len > 0, src);
        if (bytes == NULL)
            continue;
        int n_ok = 0, n_bad = 0;
        /* every prefix: the header, the dictionary, mid-row, between rows */
        for (size_t cut = 0; cut < len; cut++) {
            spit(path, bytes, cut);
            read_damaged(path, files[k].f, &n_ok, &n_bad);
        }
        /* a truncated file must never read as a smaller valid one */
        check_int(n_ok, 0, files[k].name);
        check(n_bad > 0, "truncations fail");
        free(bytes);
    }
}

static void test_corrupted(void)
{
    static const struct { const char *name; coh_format f; } files[] = {
        {"labelled.sav", COH_FORMAT_SAV},   {"labelled.zsav", COH_FORMAT_SAV},
        {"labelled.dta", COH_FORMAT_DTA},   {"small.sas7bdat", COH_FORMAT_SAS7BDAT},
    };
    uint32_t seed = 12345; /* a fixed LCG: the same bytes every run */
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
        char src[512], path[512];
        snprintf(src, sizeof src, DATA "%s", files[k].name);
        path_in_tmp(path, sizeof path, files[k].name);
        size_t len = 0;
        unsigned char *bytes = slurp(src, &len);
        if (bytes == NULL || len == 0) {
            free(bytes);
            continue;
        }
        unsigned char *copy = malloc(len);
        int n_ok = 0, n_bad = 0;
        for (int trial = 0; copy != NULL && trial < 400; trial++) {
            memcpy(copy, bytes, len);
            int n_flip = 1 + trial % 4;
            for (int i = 0; i < n_flip; i++) {
                seed = seed * 1664525u + 1013904223u;
                size_t at = (seed >> 8) % len;
                seed = seed * 1664525u + 1013904223u;
                /* half the time a random byte, else 0xFF (large counts) */
                copy[at] = (seed >> 24) & 1 ? (unsigned char)(seed >> 16) : 0xFF;
            }
            spit(path, copy, len);
            read_damaged(path, files[k].f, &n_ok, &n_bad);
        }
        check(n_ok + n_bad == 400, "every corrupted file read or refused");
        free(copy);
        free(bytes);
    }
}

/* The input is opened read-only and left as it was. */
static void test_input_untouched(void)
{
    const char *path = DATA "labelled.dta";
    struct stat before, after;
    size_t len0 = 0, len1 = 0;
    unsigned char *b0 = slurp(path, &len0);
    check_int(stat(path, &before), 0, "stat before");
    coh_table *t = read_ok(path, COH_FORMAT_DTA, NULL);
    coh_table_free(t);
    check_int(stat(path, &after), 0, "stat after");
    unsigned char *b1 = slurp(path, &len1);
    check(b0 != NULL && b1 != NULL && len0 == len1 && memcmp(b0, b1, len0) == 0,
          "bytes unchanged");
    check(before.st_mtim.tv_sec == after.st_mtim.tv_sec &&
              before.st_mtim.tv_nsec == after.st_mtim.tv_nsec,
          "mtime unchanged");
    free(b0);
    free(b1);
}

static void remove_tmpdir(void)
{
    static const char *names[] = {"storage.dta", "missing.sav", "text.sav", "empty.dta",
                                  "noperm.sav", "labelled.sav", "labelled.zsav",
                                  "labelled.dta", "small.sas7bdat"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[512];
        path_in_tmp(path, sizeof path, names[i]);
        unlink(path);
    }
    rmdir(tmpdir);
}

int main(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/cohort-readstat-XXXXXX", base ? base : "/tmp");
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_epochs);
    RUN(test_sav);
    RUN(test_zsav);
    RUN(test_dta);
    RUN(test_sas7bdat);
    RUN(test_declared_types);
    RUN(test_na_codes);
    RUN(test_max_levels);
    RUN(test_progress);
    RUN(test_storage_types);
    RUN(test_spss_missing);
    RUN(test_errors);
    RUN(test_truncated);
    RUN(test_corrupted);
    RUN(test_input_untouched);
    remove_tmpdir();
    return check_report("test_readstat");
}
