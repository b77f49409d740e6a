/* test_filter.c - row filters (--where) through coh_table_filter, and
 * coh_table_subset.
 *
 * The test table is built in memory (no file):
 *
 *   row  age  time  ph.ecog  sex     arm        date_surgery  id     dose "mg"
 *   0    45   1.0   0        female  1 control  2009-12-31    P001   0.5
 *   1    70   2.5   1        male    2 treat.   2010-01-01    P002   1
 *   2    82   30    2        female  1          2012-02-29    P003   NA
 *   3    NA   NA    NA       NA      NA         NA            NA     2
 *   4    70   12    1        male    2          2015-06-30    Q004   1.5
 *   5    66   0.5   0        female  1          1969-12-31    P005   2
 *   6    90   1.0   3        male    2          2020-01-01    P006   2.5
 *   7    55   100   2        female  NA         2010-01-01    it's   3
 *
 * `arm` has levels "1", "2" labelled "control", "treatment"; age and
 * ph.ecog are INTEGER, time and dose "mg" DOUBLE.  Each case compares the
 * kept rows, as a string of 0s and 1s, with the expected ones.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../check.h"
#include "cohort/filter.h"
#include "cohort/io.h"
#include "cohort/table.h"
#include "core/colbuild.h"
#include "core/core.h"

#define N_ROWS 8

static void set_levels(coh_column *c, const char *const *levels, const char *const *labels,
                       size_t n)
{
    c->levels = calloc(n, sizeof *c->levels);
    if (labels != NULL)
        c->level_labels = calloc(n, sizeof *c->level_labels);
    c->n_levels = n;
    for (size_t k = 0; k < n; k++) {
        c->levels[k] = coh_strdup(levels[k]);
        if (labels != NULL)
            c->level_labels[k] = coh_strdup(labels[k]);
    }
}

static void set_code(coh_column *c, size_t i, int32_t k)
{
    if (k < 0) {
        coh_column_set_na(c, i);
        return;
    }
    c->code[i] = k;
    if (c->missing[i]) {
        c->missing[i] = 0;
        c->n_missing--;
    }
}

/* A numeric column from values, NAN = missing. */
static coh_column *num_column(const char *name, coh_type type, const double *v, size_t n)
{
    coh_column *c = coh_column_new(name, type, n);
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i]))
            coh_column_set_num(c, i, v[i]);
    return c;
}

static double day(int y, unsigned m, unsigned d)
{
    return (double)coh_days_from_civil(y, m, d);
}

static coh_table *test_table(void)
{
    coh_table *t = coh_table_new();
    coh_error e;
    const double age[] = {45, 70, 82, NAN, 70, 66, 90, 55};
    const double time[] = {1.0, 2.5, 30, NAN, 12, 0.5, 1.0, 100};
    const double ecog[] = {0, 1, 2, NAN, 1, 0, 3, 2};
    const double dose[] = {0.5, 1, NAN, 2, 1.5, 2, 2.5, 3};
    const double date[] = {day(2009, 12, 31), day(2010, 1, 1), day(2012, 2, 29), NAN,
                           day(2015, 6, 30), day(1969, 12, 31), day(2020, 1, 1),
                           day(2010, 1, 1)};
    coh_column *c = num_column("age", COH_INTEGER, age, N_ROWS);
    coh_column_set_unit(c, "years");
    coh_column_set_label(c, "Age at diagnosis");
    coh_table_add_column(t, c, &e);
    c = num_column("time", COH_DOUBLE, time, N_ROWS);
    coh_column_set_unit(c, "months");
    coh_table_add_column(t, c, &e);
    coh_table_add_column(t, num_column("ph.ecog", COH_INTEGER, ecog, N_ROWS), &e);

    static const char *const sexes[] = {"female", "male"};
    const int32_t sex[] = {0, 1, 0, -1, 1, 0, 1, 0};
    c = coh_column_new("sex", COH_CATEGORICAL, N_ROWS);
    set_levels(c, sexes, NULL, 2);
    for (size_t i = 0; i < N_ROWS; i++)
        set_code(c, i, sex[i]);
    coh_table_add_column(t, c, &e);

    static const char *const arms[] = {"1", "2"};
    static const char *const arm_labels[] = {"control", "treatment"};
    const int32_t arm[] = {0, 1, 0, -1, 1, 0, 1, -1};
    c = coh_column_new("arm", COH_CATEGORICAL, N_ROWS);
    set_levels(c, arms, arm_labels, 2);
    for (size_t i = 0; i < N_ROWS; i++)
        set_code(c, i, arm[i]);
    coh_table_add_column(t, c, &e);

    coh_table_add_column(t, num_column("date_surgery", COH_DATE, date, N_ROWS), &e);

    static const char *const ids[] = {"P001", "P002", "P003", "Q004", "P005", "P006", "it's"};
    const int32_t id[] = {0, 1, 2, -1, 3, 4, 5, 6};
    c = coh_column_new("id", COH_STRING, N_ROWS);
    set_levels(c, ids, NULL, 7);
    for (size_t i = 0; i < N_ROWS; i++)
        set_code(c, i, id[i]);
    coh_table_add_column(t, c, &e);

    coh_table_add_column(t, num_column("dose \"mg\"", COH_DOUBLE, dose, N_ROWS), &e);
    return t;
}

/* The kept rows of `where` as "01..." into buf, or "ERR <status>". */
static const char *kept(const coh_table *t, const char *where, char *buf, coh_error *e)
{
    uint8_t keep[N_ROWS];
    size_t n_kept = 99;
    coh_status st = coh_table_filter(t, where, keep, &n_kept, e);
    if (st != COH_OK) {
        snprintf(buf, 64, "ERR %d", (int)st);
        return buf;
    }
    size_t ones = 0;
    for (size_t i = 0; i < t->n_rows; i++) {
        buf[i] = keep[i] ? '1' : '0';
        ones += keep[i];
    }
    buf[t->n_rows] = '\0';
    if (ones != n_kept)
        snprintf(buf, 64, "n_kept %zu != %zu", n_kept, ones);
    return buf;
}

/* Filter `where`, expecting rows `want` ("01...") or an error "ERR <st>". */
#define check_rows(t, where, want)                                        \
    do {                                                                  \
        char buf_[64];                                                    \
        coh_error e_;                                                     \
        coh_error_clear(&e_);                                             \
        const char *got_ = kept(t, where, buf_, &e_);                     \
        if (strcmp(got_, want) != 0 && e_.msg[0])                         \
            fprintf(stderr, "  (%s)\n", e_.msg);                          \
        check_str(got_, want, where);                                     \
    } while (0)

/* Filter `where`, expecting status `st` and a message containing `part`. */
#define check_error(t, where, st, part)                                   \
    do {                                                                  \
        uint8_t keep_[N_ROWS];                                            \
        coh_error e_;                                                     \
        coh_error_clear(&e_);                                             \
        check_int(coh_table_filter(t, where, keep_, NULL, &e_), st, where); \
        check_contains(e_.msg, part, where);                              \
    } while (0)

static void test_numbers(void)
{
    coh_table *t = test_table();
    check_rows(t, "age >= 70", "01101010");
    check_rows(t, "age >= 70 AND sex = 'female'", "00100000");
    check_rows(t, "age > 60 and time < 5", "01000110");
    check_rows(t, "age BETWEEN 55 AND 70", "01001101");
    check_rows(t, "time = 1", "10000010");         /* REAL 1.0 equals 1 */
    check_rows(t, "time = 1.0", "10000010");
    check_rows(t, "time IN (1, 2.5)", "11000010");
    check_rows(t, "age = 70.0", "01001000");
    check_rows(t, "age >= '70'", "01101010");      /* INTEGER affinity */
    check_rows(t, "time < '2'", "10000110");       /* REAL affinity */
    check_rows(t, "1", "11111111");
    check_rows(t, "0", "00000000");
    check_rows(t, "NULL", "00000000");
    check_rows(t, "age", "11101111");              /* non-zero is true */
    coh_table_free(t);
}

static void test_integers_vs_doubles(void)
{
    coh_table *t = test_table();
    check_rows(t, "typeof(age) = 'integer'", "11101111");
    check_rows(t, "typeof(time) = 'real'", "11101111");
    check_rows(t, "typeof(\"ph.ecog\") = 'integer'", "11101111");
    /* a double column divides as reals: 30 / 12 is 2.5, not 2 */
    check_rows(t, "time / 12 > 2", "00100001");
    check_rows(t, "time / 12 = 2.5", "00100000");
    /* an integer column divides as integers, as in SQL: 66 / 20 is 3 */
    check_rows(t, "age / 20 = 3", "01001100");
    check_rows(t, "age / 20.0 = 3.5", "01001000");
    check_rows(t, "CAST(time AS INTEGER) = 2", "01000000");
    check_rows(t, "\"dose \"\"mg\"\"\" = 2", "00010100");
    coh_table_free(t);
}

static void test_dates(void)
{
    coh_table *t = test_table();
    check_rows(t, "date_surgery >= '2010-01-01'", "01101011");
    check_rows(t, "date_surgery < '2010-01-01'", "10000100");
    check_rows(t, "date_surgery = '2012-02-29'", "00100000");
    check_rows(t, "date_surgery BETWEEN '2010-01-01' AND '2012-12-31'", "01100001");
    check_rows(t, "strftime('%Y', date_surgery) = '2010'", "01000001");
    check_rows(t, "date_surgery LIKE '2010-%'", "01000001");
    check_rows(t, "julianday('2020-01-01') - julianday(date_surgery) > 3652", "10000100");
    check_rows(t, "date_surgery = '1969-12-31'", "00000100"); /* day -1 */
    check_rows(t, "typeof(date_surgery) = 'text'", "11101111");
    coh_table_free(t);
}

static void test_categorical(void)
{
    coh_table *t = test_table();
    check_rows(t, "sex = 'female'", "10100101");
    check_rows(t, "sex = 'male'", "01001010");
    check_rows(t, "sex <> 'male'", "10100101");
    check_rows(t, "sex = 'Female'", "00000000");   /* = is exact */
    check_rows(t, "arm = '2'", "01001010");        /* the stored level */
    check_rows(t, "arm = 2", "01001010");          /* TEXT affinity: 2 -> '2' */
    check_rows(t, "arm = 'treatment'", "00000000"); /* labels are not values */
    check_rows(t, "id = 'it''s'", "00000001");
    check_rows(t, "id = ')'", "00000000");          /* ')' in a string is text */
    check_rows(t, "id = 'a'')('", "00000000");
    coh_table_free(t);
}

static void test_null(void)
{
    coh_table *t = test_table();
    check_rows(t, "age < 60 OR age >= 60", "11101111"); /* missing never matches */
    check_rows(t, "NOT (age >= 70)", "10000101");
    check_rows(t, "age != 70", "10100111");
    check_rows(t, "age IS NULL", "00010000");
    check_rows(t, "age IS NOT NULL", "11101111");
    check_rows(t, "arm IS NULL", "00010001");
    check_rows(t, "date_surgery IS NULL", "00010000");
    check_rows(t, "\"dose \"\"mg\"\"\" IS NULL", "00100000");
    check_rows(t, "coalesce(age, 0) = 0", "00010000");
    check_rows(t, "ifnull(sex, 'unknown') = 'unknown'", "00010000");
    check_rows(t, "age NOT IN (70, 90)", "10100101");
    check_rows(t, "age IN (70, NULL)", "01001000");
    coh_table_free(t);
}

static void test_names(void)
{
    coh_table *t = test_table();
    check_rows(t, "\"ph.ecog\" >= 2", "00100011");
    check_rows(t, "[ph.ecog] >= 2", "00100011");
    check_rows(t, "`ph.ecog` >= 2", "00100011");
    check_rows(t, "AGE >= 70", "01101010");          /* names are case-insensitive */
    check_rows(t, "\"Sex\" = 'male'", "01001010");
    check_rows(t, "\"dose \"\"mg\"\"\" > 2", "00000011");
    check_rows(t, "cohort_rows.age >= 90", "00000010");
    coh_table_free(t);
}

static void test_operators(void)
{
    coh_table *t = test_table();
    /* IN lists */
    check_rows(t, "\"ph.ecog\" IN (0, 1)", "11001100");
    check_rows(t, "sex IN ('male')", "01001010");
    check_rows(t, "id IN ('P001', 'P006', 'nope')", "10000010");
    /* LIKE and GLOB */
    check_rows(t, "id LIKE 'P00%'", "11100110");
    check_rows(t, "id LIKE 'p001'", "10000000");   /* LIKE ignores ASCII case */
    check_rows(t, "id GLOB 'P*'", "11100110");
    check_rows(t, "id NOT LIKE 'P%'", "00001001");
    /* arithmetic */
    check_rows(t, "age + time > 100", "00100001");
    check_rows(t, "age * 2 = 140", "01001000");
    check_rows(t, "age % 2 = 0", "01101110");
    check_rows(t, "-age < -80", "00100010");
    /* CASE */
    check_rows(t, "CASE WHEN sex = 'male' THEN age > 80 ELSE age < 50 END", "10000010");
    check_rows(t, "CASE sex WHEN 'male' THEN 1 END", "01001010");
    /* functions */
    check_rows(t, "abs(age - 70) <= 5", "01001100");
    check_rows(t, "round(time) = 3", "01000000");
    check_rows(t, "round(time / 7, 1) = 1.7", "00001000");
    check_rows(t, "upper(sex) = 'MALE'", "01001010");
    check_rows(t, "length(id) = 4", "11101111");
    check_rows(t, "substr(id, 1, 1) = 'Q'", "00001000");
    check_rows(t, "max(age, 80) = 80", "11001101"); /* scalar max */
    check_rows(t, "age > 60 -- a trailing comment", "01101110");
    check_rows(t, "age > 60 /* a comment */ AND sex = 'male'", "01001010");
    check_rows(t, "((age > 60) AND (time < 5))", "01000110");
    coh_table_free(t);
}

static void test_bad_expressions(void)
{
    coh_table *t = test_table();
    /* syntax */
    check_error(t, "age >= AND 3", COH_EPARSE, "--where: ");
    check_error(t, "age >= AND 3", COH_EPARSE, "syntax error");
    check_error(t, "age >= AND 3", COH_EPARSE, "age >= AND 3");
    check_error(t, "age >=", COH_EPARSE, "incomplete");
    check_error(t, "(age > 1", COH_EPARSE, "incomplete");
    check_error(t, "age > 1 /* open comment", COH_EPARSE, "--where: ");
    check_error(t, "'unterminated", COH_EPARSE, "unrecognized token");
    {
        uint8_t keep_[N_ROWS];
        coh_error e_;
        coh_table_filter(t, "'unterminated", keep_, NULL, &e_);
        check(strchr(e_.msg, '\n') == NULL, "our closing \"\\n)\" is not in the message");
    }
    check_error(t, "age = 1,2", COH_EPARSE, "--where: ");
    check_error(t, "(1, 2)", COH_EPARSE, "row value");
    check_error(t, "count(*) > 1", COH_EPARSE, "aggregate");
    check_error(t, "nosuchfunc(age)", COH_EPARSE, "no such function");
    /* empty */
    check_error(t, "", COH_EPARSE, "empty");
    check_error(t, "   \n\t", COH_EPARSE, "empty");
    check_error(t, "-- only a comment", COH_EPARSE, "empty");
    /* unknown columns, with suggestions */
    check_error(t, "agee >= 70", COH_ENOTFOUND, "no column 'agee'");
    check_error(t, "agee >= 70", COH_ENOTFOUND, "did you mean 'age'");
    check_error(t, "\"ph.ecg\" > 1", COH_ENOTFOUND, "'ph.ecog'"); /* not a string */
    check_error(t, "ecog > 1", COH_ENOTFOUND, "'ph.ecog'");
    check_error(t, "zzzzzz > 1", COH_ENOTFOUND, "columns: 'age', 'time'");
    check_error(t, "other.age > 1", COH_ENOTFOUND, "other.age");
    /* leaving the parentheses, or a second statement */
    check_error(t, "1) UNION SELECT rowid FROM cohort_rows WHERE (1", COH_EPARSE,
                "closes a parenthesis");
    check_error(t, "1) LIMIT (1", COH_EPARSE, "closes a parenthesis");
    check_error(t, "1); DROP TABLE cohort_rows; SELECT (1", COH_EPARSE, "--where: ");
    check_error(t, "1; DROP TABLE x", COH_EPARSE, "';'");
    check_error(t, "1; ATTACH DATABASE '/tmp/x.db' AS x", COH_EPARSE, "';'");
    check_error(t, "age > 1;", COH_EPARSE, "';'");
    check_error(t, "1) --", COH_EPARSE, "closes a parenthesis");
    /* subqueries, other tables, table-valued functions */
    check_error(t, "age > (SELECT avg(age) FROM cohort_rows)", COH_EPARSE, "subquery");
    check_error(t, "age IN (SELECT 70)", COH_EPARSE, "subquery");
    check_error(t, "EXISTS (SELECT 1)", COH_EPARSE, "subquery");
    check_error(t, "age IN (VALUES (70))", COH_EPARSE, "not allowed");
    check_error(t, "(SELECT count(*) FROM sqlite_master) > 0", COH_EPARSE, "not allowed");
    check_error(t, "(SELECT 1 FROM pragma_table_info('cohort_rows')) = 1", COH_EPARSE,
                "not allowed");
    check_error(t, "load_extension('/tmp/evil.so') IS NULL", COH_EPARSE, "not allowed");
    /* parameters */
    check_error(t, "age > ?", COH_EPARSE, "parameters");
    check_error(t, "age > :min", COH_EPARSE, "parameters");
    check_error(t, "age > @min", COH_EPARSE, "parameters");
    check_error(t, "age > $min", COH_EPARSE, "parameters");
    /* failures while evaluating */
    check_error(t, "abs(age * 0 - 9223372036854775807 - 1) > 0", COH_EDOMAIN, "overflow");
    check_error(t, "length(randomblob(100000000)) > 0", COH_EDOMAIN, "too big");
    /* arguments */
    uint8_t keep[N_ROWS];
    coh_error e;
    check_int(coh_table_filter(t, NULL, keep, NULL, &e), COH_EINVAL, "NULL expression");
    check_int(coh_table_filter(NULL, "1", keep, NULL, &e), COH_EINVAL, "NULL table");
    check_int(coh_table_filter(t, "1", NULL, NULL, NULL), COH_EINVAL, "NULL keep, NULL err");
    coh_table_free(t);
}

static void test_awkward_tables(void)
{
    coh_error e;
    /* names that differ only in case are ambiguous; the others still work */
    coh_table *t = coh_table_new();
    const double a[] = {1, 2, 3}, b[] = {10, 20, 30}, r[] = {5, 6, 7};
    coh_table_add_column(t, num_column("Age", COH_INTEGER, a, 3), &e);
    coh_table_add_column(t, num_column("age", COH_INTEGER, b, 3), &e);
    coh_table_add_column(t, num_column("rowid", COH_INTEGER, r, 3), &e);
    coh_table_add_column(t, num_column("", COH_INTEGER, r, 3), &e);
    uint8_t keep[3];
    size_t n = 0;
    check_int(coh_table_filter(t, "age > 1", keep, &n, &e), COH_ENOTFOUND, "ambiguous");
    check_contains(e.msg, "differ only in case", "ambiguous message");
    /* a column named rowid is the column, and rows still come back right */
    check_int(coh_table_filter(t, "rowid >= 6", keep, &n, &e), COH_OK, "rowid column");
    check_int(n, 2, "rowid column kept");
    check(keep[0] == 0 && keep[1] == 1 && keep[2] == 1, "rowid column rows");
    check_int(coh_table_filter(t, "\"\" = 5", keep, &n, &e), COH_OK, "empty name");
    check_int(n, 1, "empty name kept");
    coh_table_free(t);

    /* wider than SQLite's 2000 columns: only the columns named are declared */
    t = coh_table_new();
    for (int j = 0; j < 2500; j++) {
        char name[16];
        snprintf(name, sizeof name, "v%d", j);
        const double v[] = {j, j + 1, j + 2};
        coh_table_add_column(t, num_column(name, COH_INTEGER, v, 3), &e);
    }
    check_int(coh_table_filter(t, "v2400 = 2401 AND \"V1\" >= 2", keep, &n, &e), COH_OK,
              "2500 columns");
    check(n == 1 && keep[1] == 1, "2500 columns: row 1");
    check_int(coh_table_filter(t, "v1 + v2 + v10 + v11 + v12 + v100 = 136 + 6", keep, &n,
                               &e), COH_OK, "2500 columns, many prefixes");
    check(n == 1 && keep[1] == 1, "2500 columns: sum");
    check_int(coh_table_filter(t, "v2500 = 1", keep, &n, &e), COH_ENOTFOUND,
              "2500 columns, unknown");
    check_contains(e.msg, "'v2500'", "names the column");
    coh_table_free(t);

    /* no rows */
    t = coh_table_new();
    coh_table_add_column(t, coh_column_new("x", COH_DOUBLE, 0), &e);
    n = 99;
    check_int(coh_table_filter(t, "x > 1", keep, &n, &e), COH_OK, "no rows");
    check_int(n, 0, "no rows kept");
    check_int(coh_table_filter(t, "y > 1", keep, &n, &e), COH_ENOTFOUND, "no rows, bad name");
    coh_table_free(t);

    /* no columns */
    t = coh_table_new();
    check_int(coh_table_filter(t, "1", keep, &n, &e), COH_OK, "no columns");
    check_int(coh_table_filter(t, "x", keep, &n, &e), COH_ENOTFOUND, "no columns, a name");
    check_contains(e.msg, "no columns", "says so");
    coh_table_free(t);
}

static void test_subset(void)
{
    coh_table *t = test_table();
    uint8_t keep[N_ROWS];
    size_t n = 0;
    coh_error e;
    /* rows 1, 3, 4, 6: age >= 70 or age missing */
    check_int(coh_table_filter(t, "age >= 70 AND sex = 'male' OR age IS NULL", keep, &n, &e),
              COH_OK, "filter");
    check_int(n, 4, "kept");
    coh_table *s = NULL;
    check_int(coh_table_subset(t, keep, &s, &e), COH_OK, "subset");
    if (s == NULL) {
        coh_table_free(t);
        return;
    }
    check_int(s->n_rows, 4, "rows");
    check_int(s->n_cols, t->n_cols, "columns");
    const coh_column *age = coh_table_find(s, "age");
    check(age != NULL && age->type == COH_INTEGER, "age integer");
    check_rel(age->num[0], 70, 0, "age 0");
    check(isnan(age->num[1]) && coh_column_is_na(age, 1), "age 1 missing");
    check_rel(age->num[3], 90, 0, "age 3");
    check_int(age->n_missing, 1, "age n_missing");
    check_str(age->unit, "years", "unit kept");
    check_str(age->label, "Age at diagnosis", "label kept");
    const coh_column *arm = coh_table_find(s, "arm");
    check_int(arm->n_levels, 2, "levels kept");
    check_str(arm->levels[1], "2", "level value");
    check_str(coh_column_level_text(arm, 1), "treatment", "level label kept");
    check_int(arm->code[0], 1, "arm 0");
    check_int(arm->code[1], -1, "arm 1 missing");
    check_int(arm->n_missing, 1, "arm n_missing");
    const coh_column *dose = coh_table_find(s, "dose \"mg\"");
    check(dose->missing == NULL && dose->n_missing == 0, "no mask when none kept is missing");
    const coh_column *sex = coh_table_find(s, "sex");
    check_int(sex->n_levels, 2, "unused levels kept");
    check(sex->level_labels == NULL, "no labels stays no labels");
    check_int(sex->code[2], 1, "sex 2");
    const coh_column *date = coh_table_find(s, "date_surgery");
    check_rel(date->num[2], day(2015, 6, 30), 0, "date");
    /* the subset filters like the original */
    uint8_t keep2[N_ROWS];
    check_int(coh_table_filter(s, "sex = 'male'", keep2, &n, &e), COH_OK, "filter subset");
    check_int(n, 3, "subset filtered");
    coh_table_free(s);

    /* keep nothing, keep everything */
    memset(keep, 0, sizeof keep);
    check_int(coh_table_subset(t, keep, &s, &e), COH_OK, "empty subset");
    check_int(s->n_rows, 0, "no rows");
    check_int(s->n_cols, t->n_cols, "columns kept");
    coh_table_free(s);
    memset(keep, 1, sizeof keep);
    check_int(coh_table_subset(t, keep, &s, &e), COH_OK, "full subset");
    check_int(s->n_rows, N_ROWS, "all rows");
    check_int(coh_table_find(s, "age")->n_missing, 1, "missing count");
    check_int(coh_table_find(s, "time")->missing[3], 1, "missing mask");
    coh_table_free(s);
    check_int(coh_table_subset(t, keep, NULL, &e), COH_EINVAL, "NULL out");
    coh_table_free(t);
}

/* Reentrancy: the same table filtered from two threads at once. */
typedef struct thread_job {
    const coh_table *t;
    const char *where;
    uint8_t keep[N_ROWS];
    size_t n;
    coh_status st;
} thread_job;

static void *filter_thread(void *arg)
{
    thread_job *job = arg;
    for (int k = 0; k < 50 && job->st == COH_OK; k++)
        job->st = coh_table_filter(job->t, job->where, job->keep, &job->n, NULL);
    return NULL;
}

static void test_threads(void)
{
    coh_table *t = test_table();
    thread_job jobs[2] = {{.t = t, .where = "age >= 70"}, {.t = t, .where = "sex = 'male'"}};
    pthread_t th[2];
    for (int k = 0; k < 2; k++)
        pthread_create(&th[k], NULL, filter_thread, &jobs[k]);
    for (int k = 0; k < 2; k++)
        pthread_join(th[k], NULL);
    check_int(jobs[0].st, COH_OK, "thread 0");
    check_int(jobs[0].n, 4, "thread 0 rows");
    check_int(jobs[1].st, COH_OK, "thread 1");
    check_int(jobs[1].n, 3, "thread 1 rows");
    coh_table_free(t);
}

/* A million rows built in memory: the answer must match a plain C loop.
 * The time is printed for information, never asserted. */
static void test_million_rows(void)
{
    const size_t n = 1000000;
    coh_error e;
    coh_table *t = coh_table_new();
    coh_column *age = coh_column_new("age", COH_INTEGER, n);
    coh_column *time = coh_column_new("time", COH_DOUBLE, n);
    coh_column *date = coh_column_new("date", COH_DATE, n);
    coh_column *sex = coh_column_new("sex", COH_CATEGORICAL, n);
    static const char *const sexes[] = {"female", "male"};
    set_levels(sex, sexes, NULL, 2);
    uint64_t x = 88172645463325252u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if (x % 50 == 0) {
            coh_column_set_na(age, i);
        } else {
            coh_column_set_num(age, i, (double)(18 + x % 80));
        }
        coh_column_set_num(time, i, (double)(x % 1000) / 10);
        coh_column_set_num(date, i, (double)(x % 20000));
        set_code(sex, i, x % 97 == 0 ? -1 : (int32_t)(x >> 40 & 1));
    }
    coh_table_add_column(t, age, &e);
    coh_table_add_column(t, time, &e);
    coh_table_add_column(t, date, &e);
    coh_table_add_column(t, sex, &e);
    double cut = day(2010, 1, 1);
    size_t want = 0;
    for (size_t i = 0; i < n; i++)
        want += !coh_column_is_na(age, i) && age->num[i] >= 70 && sex->code[i] == 0 &&
                date->num[i] >= cut && time->num[i] < 50;

    uint8_t *keep = malloc(n);
    size_t got = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    coh_status st = coh_table_filter(t, "age >= 70 AND sex = 'female' AND date >= "
                                     "'2010-01-01' AND time < 50", keep, &got, &e);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    check_int(st, COH_OK, "1e6 rows");
    check_int(got, want, "1e6 rows: same count as a C loop");
    printf("test_filter: 1e6 rows, 4 columns: %.3f s\n",
           (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
    size_t agree = 0;
    for (size_t i = 0; i < n; i++)
        agree += keep[i] == (!coh_column_is_na(age, i) && age->num[i] >= 70 &&
                             sex->code[i] == 0 && date->num[i] >= cut && time->num[i] < 50);
    check_int(agree, n, "1e6 rows: same rows as a C loop");
    free(keep);
    coh_table_free(t);
}

/* Categorical codes that are numbers (SPSS/Stata labelled values, or a
 * column declared categorical) compare as numbers: 10 > 2. */
static void test_numeric_levels(void)
{
    const char *csv = "stage,g\n2,a\n9,b\n10,a\n11,b\n2,a\n10,b\n";
    coh_read_options o;
    coh_read_options_init(&o);
    coh_col_type ty[] = {{"stage", COH_CATEGORICAL}};
    o.col_types = ty;
    o.n_col_types = 1;
    coh_table *t = NULL;
    coh_error e;
    check_int(coh_read_csv_mem(csv, strlen(csv), "s.csv", &o, &t, &e), COH_OK, "read");
    uint8_t keep[6];
    size_t n = 0;
    check_int(coh_table_filter(t, "stage > 2", keep, &n, &e), COH_OK, "filter");
    check_int(n, 4, "9, 10, 11, 10 are > 2 as numbers");
    check_int(coh_table_filter(t, "stage = '10'", keep, &n, &e), COH_OK, "text literal");
    check_int(n, 2, "'10' compares as the number 10");
    check_int(coh_table_filter(t, "g = 'a'", keep, &n, &e), COH_OK, "text levels stay text");
    check_int(n, 3, "three a");
    coh_table_free(t);
}

int main(void)
{
    RUN(test_numeric_levels);
    RUN(test_numbers);
    RUN(test_integers_vs_doubles);
    RUN(test_dates);
    RUN(test_categorical);
    RUN(test_null);
    RUN(test_names);
    RUN(test_operators);
    RUN(test_bad_expressions);
    RUN(test_awkward_tables);
    RUN(test_subset);
    RUN(test_threads);
    RUN(test_million_rows);
    return check_report("test_filter");
}
