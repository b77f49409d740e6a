/* test_sqlite.c - SQLite tables and queries through coh_read_sqlite.
 *
 * The databases are written at test time with the sqlite3 C API into a
 * temporary directory (no binary is committed), then read back: storage
 * classes mixed within a column, NULLs and NA text, ISO dates as text,
 * numbers as text that must keep their spelling, queries with WHERE and
 * WITH, a table name with a space and quotes, and every refusal the reader
 * makes.  The last tests check that reading leaves the file byte-for-byte
 * and mtime unchanged and never creates a missing one.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "../check.h"
#include "cohort/io.h"
#include "core/colbuild.h"

static char tmpdir[256];
static char trial_db[512];

static void tmp_path(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", tmpdir, name);
}

static double day(int y, unsigned m, unsigned d)
{
    return (double)coh_days_from_civil(y, m, d);
}

static void exec_sql(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fprintf(stderr, "%s\n  -> %s\n", sql, msg ? msg : "?");
    check_int(rc, SQLITE_OK, "setup SQL");
    sqlite3_free(msg);
}

/* The main test database:
 *
 *   patients   id  age        arm   start        code   time  big
 *              1   61 (int)   A     2020-01-15   007    12    2^53 + 2
 *              2   70.5       B     2019-12-31   012    -99   1
 *              3   '55'       A     NULL         A12    30    1
 *              4   NULL       NULL  ''           ''     7     1
 *              5   'NA'       B     2020-02-29   9      18    1
 *
 *   it's "odd" t   x: 1 2           (a name with a space and both quotes)
 *   blobs          id 1, b x'00FF'
 *   empty          id INTEGER, d DATE, s TEXT: no rows
 *   inf            x: 1.0, 1e999 (stored as +Inf)
 *   texts          n: '12,5' '3,25' ; bad: 'ok', x'FF' cast as text (not UTF-8)
 *   arm_a          a view: SELECT id, age FROM patients WHERE arm = 'A'
 */
static void make_trial_db(void)
{
    sqlite3 *db = NULL;
    check_int(sqlite3_open(trial_db, &db), SQLITE_OK, "create trial db");
    exec_sql(db,
             "CREATE TABLE patients (id INTEGER, age, arm TEXT, start TEXT, code TEXT,"
             " time INTEGER, big INTEGER);"
             "INSERT INTO patients VALUES (1, 61, 'A', '2020-01-15', '007', 12,"
             " 9007199254740994);"
             "INSERT INTO patients VALUES (2, 70.5, 'B', '2019-12-31', '012', -99, 1);"
             "INSERT INTO patients VALUES (3, '55', 'A', NULL, 'A12', 30, 1);"
             "INSERT INTO patients VALUES (4, NULL, NULL, '', '', 7, 1);"
             "INSERT INTO patients VALUES (5, 'NA', 'B', '2020-02-29', '9', 18, 1);"
             "CREATE TABLE \"it's \"\"odd\"\" t\" (x INTEGER);"
             "INSERT INTO \"it's \"\"odd\"\" t\" VALUES (1), (2);"
             "CREATE TABLE blobs (id INTEGER, b BLOB);"
             "INSERT INTO blobs VALUES (1, x'00FF');"
             "CREATE TABLE empty (id INTEGER, d DATE, s TEXT);"
             "CREATE TABLE inf (x REAL);"
             "INSERT INTO inf VALUES (1.0), (1e999);"
             "CREATE TABLE texts (n TEXT, bad TEXT);"
             "INSERT INTO texts VALUES ('12,5', 'ok'), ('3,25', CAST(x'FF' AS TEXT));"
             "CREATE VIEW arm_a AS SELECT id, age FROM patients WHERE arm = 'A';");
    sqlite3_close(db);
}

static coh_table *read_ok(const char *path, const coh_read_options *o)
{
    coh_table *t = NULL;
    coh_error err;
    coh_error_clear(&err);
    coh_status st = coh_read_sqlite(path, o, &t, &err);
    if (st != COH_OK)
        fprintf(stderr, "reading %s: %s\n", path, err.msg);
    check_int(st, COH_OK, "read");
    return t;
}

static coh_table *read_table(const char *table)
{
    coh_read_options o;
    memset(&o, 0, sizeof o);
    o.sqlite_table = table;
    return read_ok(trial_db, &o);
}

static coh_table *read_query(const char *query)
{
    coh_read_options o;
    memset(&o, 0, sizeof o);
    o.sqlite_query = query;
    return read_ok(trial_db, &o);
}

/* Expect `st` and a message containing `want` from reading with `o`. */
static void expect_error(const char *path, const coh_read_options *o, coh_status want_st,
                         const char *want)
{
    coh_table *t = (coh_table *)1;
    coh_error err;
    coh_error_clear(&err);
    coh_status st = coh_read_sqlite(path, o, &t, &err);
    check_int(st, want_st, want);
    check(t == NULL, "no table on failure");
    check_contains(err.msg, want, "error message");
}

static void expect_query_error(const char *query, coh_status want_st, const char *want)
{
    coh_read_options o;
    memset(&o, 0, sizeof o);
    o.sqlite_query = query;
    expect_error(trial_db, &o, want_st, want);
}

static void expect_table_error(const char *table, coh_status want_st, const char *want)
{
    coh_read_options o;
    memset(&o, 0, sizeof o);
    o.sqlite_table = table;
    expect_error(trial_db, &o, want_st, want);
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

/* ---- reading -------------------------------------------------------------- */

static void test_table(void)
{
    coh_table *t = read_table("patients");
    if (t == NULL)
        return;
    check_int(t->n_rows, 5, "rows");
    check_int(t->n_cols, 7, "columns");
    check_str(t->cols[0]->name, "id", "column order");
    check_str(t->cols[6]->name, "big", "last column");

    coh_column *id = col(t, "id");
    if (id) {
        check_int(id->type, COH_INTEGER, "id type");
        check_rel(id->num[4], 5, 0, "id row 5");
    }
    /* INTEGER, REAL and TEXT storage in one column, NULL and 'NA' */
    coh_column *age = col(t, "age");
    if (age) {
        check_int(age->type, COH_DOUBLE, "age type");
        check_rel(age->num[0], 61, 0, "age integer storage");
        check_rel(age->num[1], 70.5, 0, "age real storage");
        check_rel(age->num[2], 55, 0, "age number as text");
        check_int(age->n_missing, 2, "age NULL and 'NA'");
        check(coh_column_is_na(age, 3) && coh_column_is_na(age, 4), "age rows 4, 5");
    }
    coh_column *arm = col(t, "arm");
    if (arm) {
        check_int(arm->type, COH_CATEGORICAL, "arm type");
        check_int(arm->n_levels, 2, "arm levels");
        check_str(level_of(arm, 1), "B", "arm row 2");
        check_int(arm->n_missing, 1, "arm NULL");
    }
    coh_column *start = col(t, "start");
    if (start) {
        check_int(start->type, COH_DATE, "start type");
        check_rel(start->num[0], day(2020, 1, 15), 0, "start row 1");
        check_rel(start->num[1], day(2019, 12, 31), 0, "start row 2");
        check_rel(start->num[4], day(2020, 2, 29), 0, "start row 5 (leap day)");
        check_int(start->n_missing, 2, "start NULL and ''");
    }
    /* numbers as text, then text: the column is text and keeps "007" */
    coh_column *code = col(t, "code");
    if (code) {
        check(code->type == COH_STRING || code->type == COH_CATEGORICAL, "code is text");
        check_str(level_of(code, 0), "007", "code row 1 keeps its spelling");
        check_str(level_of(code, 1), "012", "code row 2 keeps its spelling");
        check_str(level_of(code, 2), "A12", "code row 3");
        check_str(level_of(code, 4), "9", "code row 5");
        check(coh_column_is_na(code, 3), "code row 4 ('') missing");
        check_int(code->n_levels, 4, "code levels");
    }
    coh_column *big = col(t, "big");
    if (big) {
        check_int(big->type, COH_DOUBLE, "beyond 2^53 is DOUBLE");
        check_rel(big->num[0], 9007199254740994.0, 0, "big row 1");
    }
    coh_table_free(t);
}

static void test_query(void)
{
    coh_table *t = read_query("SELECT id, age AS years FROM patients WHERE arm = 'A'"
                              " ORDER BY id DESC");
    if (t != NULL) {
        check_int(t->n_rows, 2, "WHERE keeps two rows");
        coh_column *id = col(t, "id"), *years = col(t, "years");
        if (id)
            check_rel(id->num[0], 3, 0, "ORDER BY id DESC");
        if (years)
            check_rel(years->num[1], 61, 0, "alias column");
    }
    coh_table_free(t);

    t = read_query("  -- a comment first\n"
                   "WITH a AS (SELECT * FROM patients WHERE time > 0)"
                   " SELECT count(*) AS n, min(nullif(start, '')) AS first FROM a;  /* trailing */ ");
    if (t != NULL) {
        check_int(t->n_rows, 1, "aggregate row");
        coh_column *n = col(t, "n"), *first = col(t, "first");
        if (n)
            check_rel(n->num[0], 4, 0, "count without the -99 row");
        if (first) {
            check_int(first->type, COH_DATE, "min() of ISO text is a date");
            check_rel(first->num[0], day(2020, 1, 15), 0, "first date");
        }
    }
    coh_table_free(t);

    /* a view reads like a table; lower-case keywords */
    t = read_table("arm_a");
    if (t != NULL)
        check_int(t->n_rows, 2, "view rows");
    coh_table_free(t);
    t = read_query("select 1 as one;");
    if (t != NULL)
        check_int(t->cols[0]->type, COH_INTEGER, "select 1");
    coh_table_free(t);
}

static void test_quoted_table(void)
{
    coh_table *t = read_table("it's \"odd\" t");
    if (t != NULL) {
        check_int(t->n_rows, 2, "rows of the oddly named table");
        coh_column *x = col(t, "x");
        if (x)
            check_rel(x->num[1], 2, 0, "x row 2");
    }
    coh_table_free(t);
    /* a name is only ever a name */
    expect_table_error("patients\"; DROP TABLE patients; --", COH_ENOTFOUND, "no table");
    t = read_table("patients");
    check(t != NULL && t->n_rows == 5, "patients still there");
    coh_table_free(t);
}

static void test_empty_and_decltype(void)
{
    coh_table *t = read_table("empty");
    if (t == NULL)
        return;
    check_int(t->n_rows, 0, "no rows");
    check_int(t->n_cols, 3, "three columns");
    coh_column *id = col(t, "id"), *d = col(t, "d"), *s = col(t, "s");
    if (id)
        check_int(id->type, COH_INTEGER, "INTEGER declared type");
    if (d)
        check_int(d->type, COH_DATE, "DATE declared type");
    if (s)
        check_int(s->type, COH_DOUBLE, "no values, no hint: double");
    coh_table_free(t);
}

/* ---- options -------------------------------------------------------------- */

static void test_declared_types(void)
{
    coh_read_options o;
    memset(&o, 0, sizeof o);
    o.sqlite_table = "patients";
    coh_col_type types[] = {{"id", COH_CATEGORICAL}, {"code", COH_STRING},
                            {"start", COH_DATE}, {"time", COH_DOUBLE}};
    o.col_types = types;
    o.n_col_types = 4;
    coh_table *t = read_ok(trial_db, &o);
    if (t != NULL) {
        coh_column *id = col(t, "id"), *code = col(t, "code"), *time = col(t, "time");
        if (id) {
            check_int(id->type, COH_CATEGORICAL, "id declared categorical");
            check_int(id->n_levels, 5, "id levels");
            check_str(level_of(id, 2), "3", "id row 3 level");
        }
        if (code) {
            check_int(code->type, COH_STRING, "code declared string");
            check_str(level_of(code, 0), "007", "declared text keeps spelling");
        }
        if (time)
            check_int(time->type, COH_DOUBLE, "time declared double");
    }
    coh_table_free(t);

    coh_col_type bad1[] = {{"arm", COH_DOUBLE}};
    o.col_types = bad1;
    o.n_col_types = 1;
    expect_error(trial_db, &o, COH_ETYPE, "column 'arm', row 1: expects a number, found 'A'");
    coh_col_type bad2[] = {{"age", COH_INTEGER}};
    o.col_types = bad2;
    expect_error(trial_db, &o, COH_ETYPE, "column 'age': declared integer but holds fractions");
    coh_col_type bad3[] = {{"time", COH_DATE}};
    o.col_types = bad3;
    expect_error(trial_db, &o, COH_ETYPE, "column 'time', row 1: expects a date");
    coh_col_type bad4[] = {{"start", COH_INTEGER}};
    o.col_types = bad4;
    expect_error(trial_db, &o, COH_ETYPE, "column 'start', row 1: expects a number, "
                                          "found '2020-01-15'");
}

static void test_na_options(void)
{
    coh_read_options o;
    memset(&o, 0, sizeof o);
    o.sqlite_table = "patients";
    coh_na_code codes[] = {{"time", -99}, {"age", 55}};
    o.na_codes = codes;
    o.n_na_codes = 2;
    coh_table *t = read_ok(trial_db, &o);
    if (t != NULL) {
        coh_column *time = col(t, "time"), *age = col(t, "age");
        if (time) {
            check_int(time->n_missing, 1, "time -99 missing");
            check(coh_column_is_na(time, 1), "time row 2");
        }
        if (age)
            check_int(age->n_missing, 3, "age '55' (text) matches code 55");
    }
    coh_table_free(t);

    /* own NA tokens replace the defaults: 'NA' becomes text, '' stays text */
    const char *tokens[] = {"A12"};
    memset(&o, 0, sizeof o);
    o.sqlite_query = "SELECT code, age FROM patients";
    o.na_tokens = tokens;
    o.n_na_tokens = 1;
    t = read_ok(trial_db, &o);
    if (t != NULL) {
        coh_column *code = col(t, "code"), *age = col(t, "age");
        if (code) {
            check(coh_column_is_na(code, 2), "token 'A12' missing");
            check(!coh_column_is_na(code, 3), "'' is a value now");
        }
        if (age) {
            check(age->type == COH_STRING || age->type == COH_CATEGORICAL,
                  "'NA' is text now, so age is text");
            check_str(level_of(age, 4), "NA", "age row 5");
            check_str(level_of(age, 1), "70.5", "numbers re-spelled as text");
        }
    }
    coh_table_free(t);

    memset(&o, 0, sizeof o);
    o.sqlite_table = "patients";
    o.max_levels = 1;
    t = read_ok(trial_db, &o);
    coh_column *arm = t ? col(t, "arm") : NULL;
    if (arm)
        check_int(arm->type, COH_STRING, "2 levels > max_levels 1");
    coh_table_free(t);

    memset(&o, 0, sizeof o);
    o.sqlite_query = "SELECT n FROM texts";
    o.decimal_comma = true;
    t = read_ok(trial_db, &o);
    coh_column *n = t ? col(t, "n") : NULL;
    if (n) {
        check_int(n->type, COH_DOUBLE, "decimal comma numbers");
        check_rel(n->num[0], 12.5, 0, "12,5");
        check_rel(n->num[1], 3.25, 0, "3,25");
    }
    coh_table_free(t);
}

/* ---- refusals ------------------------------------------------------------- */

static void test_bad_queries(void)
{
    expect_query_error("DELETE FROM patients", COH_EINVAL,
                       "must be a SELECT or WITH statement, not 'DELETE'");
    expect_query_error("PRAGMA table_info(patients)", COH_EINVAL, "not 'PRAGMA'");
    expect_query_error("ATTACH 'x.db' AS x", COH_EINVAL, "not 'ATTACH'");
    expect_query_error("SELECTED FROM patients", COH_EINVAL, "not 'SELECTED'");
    expect_query_error("", COH_EINVAL, "must be a SELECT");
    expect_query_error("WITH a AS (SELECT 1) DELETE FROM patients", COH_EINVAL,
                       "must only read");
    expect_query_error("SELECT 1; DROP TABLE patients", COH_EINVAL,
                       "single statement; found more after it: 'DROP TABLE patients'");
    expect_query_error("SELECT 1; SELECT 2", COH_EINVAL, "single statement");
    expect_query_error("SELECT * FROM patients WHERE", COH_EPARSE, "query: incomplete input");
    expect_query_error("SELECT FROM WHERE", COH_EPARSE, "syntax error");
    expect_query_error("SELECT nosuch FROM patients", COH_EPARSE, "no such column: nosuch");
    expect_query_error("SELECT * FROM nosuch", COH_ENOTFOUND, "no such table: nosuch");
    /* still refused after the statement that would have run */
    coh_table *t = read_table("patients");
    check(t != NULL && t->n_rows == 5, "patients untouched");
    coh_table_free(t);

    coh_read_options o;
    memset(&o, 0, sizeof o);
    expect_error(trial_db, &o, COH_EINVAL, "give either a table or a query to read, neither");
    o.sqlite_table = "patients";
    o.sqlite_query = "SELECT 1";
    expect_error(trial_db, &o, COH_EINVAL, "not both");
    expect_error(trial_db, NULL, COH_EINVAL, "neither");
    o.sqlite_query = NULL;
    o.sqlite_table = "";
    expect_error(trial_db, &o, COH_EINVAL, "the table name is empty");
}

static void test_unknown_table(void)
{
    expect_table_error("nosuch", COH_ENOTFOUND, "no table 'nosuch'");
    /* the message lists what exists, sorted, views included */
    expect_table_error("nosuch", COH_ENOTFOUND,
                       "(tables: 'arm_a', 'blobs', 'empty', 'inf', 'it's \"odd\" t', "
                       "'patients', 'texts')");

    char path[512];
    tmp_path(path, sizeof path, "empty.db");
    FILE *f = fopen(path, "wb"); /* a 0-byte file is an empty database */
    if (f)
        fclose(f);
    coh_read_options o;
    memset(&o, 0, sizeof o);
    o.sqlite_table = "t";
    expect_error(path, &o, COH_ENOTFOUND, "no table 't' (the database has no tables)");
}

static void test_bad_values(void)
{
    expect_table_error("blobs", COH_ETYPE, "column 'b', row 1: holds binary data (a BLOB)");
    expect_table_error("inf", COH_ETYPE, "column 'x', row 2: infinite value");
    expect_query_error("SELECT bad FROM texts", COH_EENCODING,
                       "column 'bad', row 2: text is not valid UTF-8");
}

static void test_bad_files(void)
{
    char path[512];
    coh_read_options o;
    memset(&o, 0, sizeof o);
    o.sqlite_table = "patients";

    tmp_path(path, sizeof path, "nosuch.db");
    expect_error(path, &o, COH_EIO, "nosuch.db: cannot open: No such file or directory");
    check(access(path, F_OK) != 0 && errno == ENOENT, "missing file not created");
    expect_error(tmpdir, &o, COH_EIO, "cannot open: Is a directory");

    tmp_path(path, sizeof path, "text.db");
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs("id,time\n1,2\n3,4 and some more text to fill a page header....\n", f);
        fclose(f);
    }
    expect_error(path, &o, COH_EFORMAT, "text.db: not an SQLite database (file is not a "
                                        "database)");
}

/* A file name with '?', '#', '%' and a space: all part of the name, not of
 * the URI's query string. */
static void test_odd_file_name(void)
{
    char path[512];
    tmp_path(path, sizeof path, "a b?c#d%20e.db");
    sqlite3 *db = NULL;
    /* plain open (no URI) so that the name is taken literally */
    check_int(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
              SQLITE_OK, "create odd db");
    exec_sql(db, "CREATE TABLE t (x); INSERT INTO t VALUES (42);");
    sqlite3_close(db);
    coh_read_options o;
    memset(&o, 0, sizeof o);
    o.sqlite_table = "t";
    coh_table *t = read_ok(path, &o);
    if (t != NULL && t->n_cols == 1)
        check_rel(t->cols[0]->num[0], 42, 0, "value from the odd file name");
    coh_table_free(t);
    unlink(path);
}

/* ---- the input is never written ------------------------------------------- */

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc(n > 0 ? (size_t)n : 1);
    *len = buf && n > 0 ? fread(buf, 1, (size_t)n, f) : 0;
    fclose(f);
    return buf;
}

static void test_read_only(void)
{
    struct stat before, after;
    size_t len0 = 0, len1 = 0;
    unsigned char *b0 = slurp(trial_db, &len0);
    check_int(stat(trial_db, &before), 0, "stat before");
    /* a read, a refused write and an error in the middle */
    coh_table *t = read_table("patients");
    coh_table_free(t);
    expect_query_error("WITH a AS (SELECT 1) DELETE FROM patients", COH_EINVAL, "only read");
    expect_table_error("blobs", COH_ETYPE, "BLOB");
    check_int(stat(trial_db, &after), 0, "stat after");
    unsigned char *b1 = slurp(trial_db, &len1);
    check(b0 != NULL && b1 != NULL && len0 == len1 && memcmp(b0, b1, len0) == 0,
          "database bytes unchanged");
    check(before.st_mtim.tv_sec == after.st_mtim.tv_sec &&
              before.st_mtim.tv_nsec == after.st_mtim.tv_nsec,
          "mtime unchanged");
    char side[600];
    snprintf(side, sizeof side, "%s-journal", trial_db);
    check(access(side, F_OK) != 0, "no journal left behind");
    snprintf(side, sizeof side, "%s-wal", trial_db);
    check(access(side, F_OK) != 0, "no WAL file created");
    free(b0);
    free(b1);
}

int main(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/cohort-sqlite-XXXXXX", base ? base : "/tmp");
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    tmp_path(trial_db, sizeof trial_db, "trial.db");
    make_trial_db();
    RUN(test_table);
    RUN(test_query);
    RUN(test_quoted_table);
    RUN(test_empty_and_decltype);
    RUN(test_declared_types);
    RUN(test_na_options);
    RUN(test_bad_queries);
    RUN(test_unknown_table);
    RUN(test_bad_values);
    RUN(test_bad_files);
    RUN(test_odd_file_name);
    RUN(test_read_only);

    static const char *names[] = {"trial.db", "empty.db", "text.db"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[512];
        tmp_path(path, sizeof path, names[i]);
        unlink(path);
    }
    rmdir(tmpdir);
    return check_report("test_sqlite");
}
