/* test_csv.c - the CSV reader: syntax, inference, options, errors, threads. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "cohort/cohort.h"

static coh_table *read_str(const char *csv, const coh_read_options *o, coh_error *err)
{
    coh_table *t = NULL;
    coh_error_clear(err);
    coh_read_csv_mem(csv, strlen(csv), "t.csv", o, &t, err);
    return t;
}

static const char *level_of(const coh_column *c, size_t i)
{
    return c->code[i] < 0 ? NULL : c->levels[c->code[i]];
}

static void test_basic_types(void)
{
    coh_error e;
    coh_table *t = read_str("id,sex,age,date,score,name\n"
                            "1,M,50,2020-01-05,3.5,Ann\n"
                            "2,F,NA,2021-02-03,,Bob\n"
                            "3,M,70,2019-12-31,4,Cy\n", NULL, &e);
    check(t != NULL, "read");
    if (!t) return;
    check_int(t->n_rows, 3, "rows");
    check_int(t->n_cols, 6, "cols");
    check_int(coh_table_find(t, "id")->type, COH_INTEGER, "id integer");
    coh_column *sex = coh_table_find(t, "sex");
    check_int(sex->type, COH_CATEGORICAL, "sex categorical");
    check_int(sex->n_levels, 2, "sex levels");
    check_str(sex->levels[0], "F", "levels sorted");
    check_str(level_of(sex, 0), "M", "row 0 sex");
    coh_column *age = coh_table_find(t, "age");
    check_int(age->n_missing, 1, "age NA");
    check(coh_column_is_na(age, 1), "age row 1 missing");
    check(isnan(age->num[1]), "missing stored as NaN");
    coh_column *date = coh_table_find(t, "date");
    check_int(date->type, COH_DATE, "date type");
    check_rel(date->num[0], 18266, 0, "2020-01-05 is day 18266");
    check_rel(date->num[2], 18261, 0, "2019-12-31 is day 18261");
    coh_column *score = coh_table_find(t, "score");
    check_int(score->type, COH_DOUBLE, "score double");
    check_int(score->n_missing, 1, "empty is missing");
    check_int(coh_table_find(t, "name")->type, COH_STRING, "all-distinct text is string");
    coh_table_free(t);
}

static void test_quoting(void)
{
    coh_error e;
    coh_table *t = read_str("a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\r\n\"line1\nline2\",2\r\n"
                            "  plain  ,\"  kept  \"\r\n", NULL, &e);
    check(t != NULL, "read quoted");
    if (!t) return;
    check_int(t->n_rows, 3, "rows");
    coh_column *a = coh_table_find(t, "a"), *b = coh_table_find(t, "b");
    check_str(level_of(a, 0), "x, y", "embedded delimiter");
    check_str(level_of(b, 0), "say \"hi\"", "escaped quotes");
    check_str(level_of(a, 1), "line1\nline2", "embedded newline");
    check_str(level_of(b, 1), "2", "number in a text column keeps text");
    check_str(level_of(a, 2), "plain", "unquoted field trimmed");
    check_str(level_of(b, 2), "  kept  ", "quoted field not trimmed");
    coh_table_free(t);
}

static void test_bom_cr_blank(void)
{
    coh_error e;
    coh_table *t = read_str("\xEF\xBB\xBFx,y\r1,2\r\r\n3,4", NULL, &e);
    check(t != NULL, "read BOM, lone CR, no final newline");
    if (!t) return;
    check(coh_table_find(t, "x") != NULL, "BOM skipped from first name");
    check_int(t->n_rows, 2, "blank line skipped");
    check_rel(coh_table_find(t, "y")->num[1], 4, 0, "last field without newline");
    coh_table_free(t);
}

static void test_delimiters(void)
{
    coh_error e;
    coh_table *t = read_str("a;b;c\n1;2,5;x\n", NULL, &e);
    check(t && t->n_cols == 3, "semicolon detected");
    coh_table_free(t);
    t = read_str("a\tb\n1\t2\n", NULL, &e);
    check(t && t->n_cols == 2, "tab detected");
    coh_table_free(t);

    coh_read_options o;
    coh_read_options_init(&o);
    o.decimal_comma = true;
    t = read_str("a;b\n1,5;-2,25e1\n3;4\n", &o, &e);
    check(t != NULL, "decimal comma");
    if (t) {
        check_rel(coh_table_find(t, "a")->num[0], 1.5, 0, "1,5");
        check_rel(coh_table_find(t, "b")->num[0], -22.5, 0, "-2,25e1");
        coh_table_free(t);
    }
    o.delimiter = ',';
    t = read_str("a,b\n1,2\n", &o, &e);
    check(t == NULL && e.status == COH_EINVAL, "decimal comma with comma delimiter refused");
    o.decimal_comma = false;
    o.delimiter = '|';
    t = read_str("a|b\n1|2\n", &o, &e);
    check(t && t->n_cols == 2, "explicit delimiter");
    coh_table_free(t);
}

static void test_missing_tokens(void)
{
    coh_error e;
    coh_read_options o;
    coh_read_options_init(&o);
    const char *tok[] = {"", "-", "unknown"};
    coh_na_code codes[] = {{"x", -99}, {"x", 999}};
    o.na_tokens = tok;
    o.n_na_tokens = 3;
    o.na_codes = codes;
    o.n_na_codes = 2;
    coh_table *t = read_str("x,y\n1,a\n-99,-\n999,unknown\n4,NA\n", &o, &e);
    check(t != NULL, "custom NA");
    if (!t) return;
    coh_column *x = coh_table_find(t, "x"), *y = coh_table_find(t, "y");
    check_int(x->n_missing, 2, "codes -99 and 999 missing");
    check_int(x->type, COH_INTEGER, "x integer");
    check_int(y->n_missing, 2, "tokens - and unknown missing");
    check(coh_column_find_level(y, "NA") >= 0, "NA is text when not a token");
    coh_table_free(t);

    coh_na_code bad[] = {{"nope", 1}};
    coh_read_options_init(&o);
    o.na_codes = bad;
    o.n_na_codes = 1;
    t = read_str("x\n1\n", &o, &e);
    check(t == NULL && e.status == COH_ENOTFOUND, "NA code for unknown column");
    check_contains(e.msg, "nope", "names the column");
}

static void test_inference_whole_column(void)
{
    /* 5000 numbers with leading zeros, then one text value: the column is
     * text, and every value keeps its spelling */
    size_t n = 5000;
    char *buf = malloc(n * 16 + 64);
    size_t off = (size_t)sprintf(buf, "id,v\n");
    for (size_t i = 0; i < n; i++)
        off += (size_t)sprintf(buf + off, "%03zu,%zu\n", i % 1000, i);
    off += (size_t)sprintf(buf + off, "A12,1.5\n");
    coh_error e;
    coh_table *t = read_str(buf, NULL, &e);
    free(buf);
    check(t != NULL, "read");
    if (!t) return;
    coh_column *id = coh_table_find(t, "id"), *v = coh_table_find(t, "v");
    check_int(id->type, COH_STRING, "id becomes string (1001 levels)");
    check_str(level_of(id, 7), "007", "leading zeros kept after re-read");
    check_str(level_of(id, n), "A12", "late text value");
    check_int(v->type, COH_DOUBLE, "integers then a fraction: double");
    check_rel(v->num[n], 1.5, 0, "last value");
    coh_table_free(t);
}

static void test_dates(void)
{
    coh_error e;
    coh_table *t = read_str("d,bad\n2019-02-28,2019-02-28\n2020-02-29,2019-02-30\n", NULL, &e);
    check(t != NULL, "read");
    if (t) {
        check_int(coh_table_find(t, "d")->type, COH_DATE, "valid dates");
        check(coh_table_find(t, "bad")->type != COH_DATE, "Feb 30 is not a date");
        coh_table_free(t);
    }
    coh_read_options o;
    coh_read_options_init(&o);
    o.date_format = "%d/%m/%Y";
    t = read_str("d\n31/12/1999\n1/1/2000\n", &o, &e);
    check(t && coh_table_find(t, "d")->type == COH_DATE, "date format");
    if (t) {
        check_rel(coh_table_find(t, "d")->num[1], 10957, 0, "2000-01-01 is day 10957");
        coh_table_free(t);
    }
    o.date_format = "%d-%b-%y";
    t = read_str("d\n05-Mar-19\n", &o, &e);
    check(t && coh_table_find(t, "d")->type == COH_DATE, "month abbreviation");
    if (t) {
        char buf[32];
        coh_format_date(coh_table_find(t, "d")->num[0], buf, sizeof buf);
        check_str(buf, "2019-03-05", "05-Mar-19");
        coh_table_free(t);
    }
}

static void test_declared_types(void)
{
    coh_error e;
    coh_read_options o;
    coh_read_options_init(&o);
    coh_col_type ty[] = {{"stage", COH_CATEGORICAL}, {"t", COH_DOUBLE}};
    o.col_types = ty;
    o.n_col_types = 2;
    coh_table *t = read_str("stage,t\n1,2\n10,3\n2,4\n", &o, &e);
    check(t != NULL, "declared");
    if (t) {
        coh_column *s = coh_table_find(t, "stage");
        check_int(s->type, COH_CATEGORICAL, "numbers as categories");
        check_str(s->levels[0], "1", "numeric level order 1");
        check_str(s->levels[1], "2", "numeric level order 2");
        check_str(s->levels[2], "10", "numeric level order 10");
        check_int(coh_table_find(t, "t")->type, COH_DOUBLE, "declared double");
        coh_table_free(t);
    }
    t = read_str("stage,t\n1,2\n2,3\n3,12,5\n", &o, &e);
    check(t == NULL && e.status == COH_EPARSE, "ragged row");
    t = read_str("stage,t\n1,2\n2,3\n3,\"12,5\"\n", &o, &e);
    check(t == NULL && e.status == COH_ETYPE, "text in a declared number column");
    check_contains(e.msg, "t.csv:4:3: column 't' expects a number, found '12,5'",
                   "message names file, line, column and value");
    coh_col_type ity[] = {{"n", COH_INTEGER}};
    o.col_types = ity;
    o.n_col_types = 1;
    t = read_str("n\n1\n2.5\n", &o, &e);
    check(t == NULL && e.status == COH_ETYPE, "fraction in an integer column");
    check_contains(e.msg, "t.csv:3:1:", "at line 3");
    coh_col_type unknown[] = {{"zz", COH_INTEGER}};
    o.col_types = unknown;
    t = read_str("n\n1\n", &o, &e);
    check(t == NULL && e.status == COH_ENOTFOUND, "type for unknown column");
}

static void test_errors(void)
{
    coh_error e;
    coh_table *t = read_str("a,b\n1,2\n3\n", NULL, &e);
    check(t == NULL && e.status == COH_EPARSE, "too few fields");
    check_contains(e.msg, "t.csv:3:2: record has 1 field, expected 2", "too few message");
    t = read_str("a,b\n1,2,3,4\n", NULL, &e);
    check(t == NULL && e.status == COH_EPARSE, "too many fields");
    check_contains(e.msg, "record has 4 fields, expected 2", "too many message");
    t = read_str("a,b\n1,2\n\"open,4\n5,6\n", NULL, &e);
    check(t == NULL && e.status == COH_EPARSE, "unterminated quote");
    check_contains(e.msg, "t.csv:3:1: unterminated quoted field", "points at the opening quote");
    t = read_str("a,b\n1,\"x\"y\n", NULL, &e);
    check(t == NULL && e.status == COH_EPARSE, "text after closing quote");
    t = read_str("a,b\n1,5\" tall\n", NULL, &e);
    check(t == NULL && e.status == COH_EPARSE, "quote in unquoted field");
    t = read_str("a,b\n1,caf\xE9\n", NULL, &e);
    check(t == NULL && e.status == COH_EENCODING, "Latin-1 byte");
    check_contains(e.msg, "t.csv:2:6: column 'b': invalid UTF-8", "encoding message");
    t = read_str("a,b\n1,\xC0\xAF\n", NULL, &e);
    check(t == NULL && e.status == COH_EENCODING, "overlong UTF-8");
    t = read_str("", NULL, &e);
    check(t == NULL && e.status == COH_EEMPTY, "empty input");
    t = read_str(" \n\r\n", NULL, &e);
    check(t == NULL && e.status == COH_EEMPTY, "blank input");
    t = read_str("a,b,a\n1,2,3\n", NULL, &e);
    check(t == NULL && e.status == COH_EPARSE, "duplicate names");
    check_contains(e.msg, "duplicate column name 'a' (columns 1 and 3)", "duplicate message");
    t = read_str("a,\"b\n", NULL, &e);
    check(t == NULL && e.status == COH_EPARSE, "unterminated quote in header");

    t = NULL;
    coh_status st = coh_read_csv("/nonexistent/x.csv", NULL, &t, &e);
    check(st == COH_EIO && t == NULL, "missing file");
    check_contains(e.msg, "/nonexistent/x.csv: cannot open", "names the file");
}

static void test_header_edge(void)
{
    coh_error e;
    coh_table *t = read_str("a,,c\n", NULL, &e);
    check(t != NULL, "header only");
    if (t) {
        check_int(t->n_rows, 0, "no rows");
        check(coh_table_find(t, "V2") != NULL, "unnamed column is V2");
        coh_table_free(t);
    }
    coh_read_options o;
    coh_read_options_init(&o);
    o.no_header = true;
    t = read_str("1,x\n2,y\n", &o, &e);
    check(t && t->n_rows == 2, "no header");
    if (t) {
        check_rel(coh_table_find(t, "V1")->num[1], 2, 0, "V1 row 2");
        coh_table_free(t);
    }
    t = read_str("x\n\n\n1\nNA\n\n", NULL, &e);
    check(t && t->n_rows == 2, "blank lines skipped in one-column file");
    coh_table_free(t);
}

static void test_numbers(void)
{
    /* the fast path and the strtod fallback agree with strtod */
    const char *nums[] = {"0.1", "-0", "1e22", "1e23", "123456789012345678901",
                          "9007199254740993", "3.14159265358979323846", "1E-5",
                          "+7", "0.000123", "1.7976931348623157e308", "4.9e-324",
                          "00012", ".5", "5."};
    char buf[4096];
    size_t off = (size_t)sprintf(buf, "x\n");
    size_t n = sizeof nums / sizeof nums[0];
    for (size_t i = 0; i < n; i++)
        off += (size_t)sprintf(buf + off, "%s\n", nums[i]);
    coh_error e;
    coh_table *t = read_str(buf, NULL, &e);
    check(t != NULL, "read numbers");
    if (!t) return;
    coh_column *x = coh_table_find(t, "x");
    check_int(x->type, COH_DOUBLE, "double");
    for (size_t i = 0; i < n; i++) {
        double want = strtod(nums[i], NULL);
        if (x->num[i] == want && signbit(x->num[i]) == signbit(want))
            check_passed++;
        else
            check_rel(x->num[i], want, 0, nums[i]);
    }
    coh_table_free(t);

    /* random decimals round-trip exactly as strtod reads them */
    unsigned long long s = 12345;
    off = (size_t)sprintf(buf, "x\n");
    char *big = malloc(200000);
    off = (size_t)sprintf(big, "x\n");
    double want[5000];
    for (int i = 0; i < 5000; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        double v = (double)(s >> 11) / 9007199254740992.0 * 1000.0 - 500.0;
        char num[40];
        snprintf(num, sizeof num, "%.*g", 1 + (int)(s % 17), v);
        want[i] = strtod(num, NULL);
        off += (size_t)sprintf(big + off, "%s\n", num);
    }
    t = read_str(big, NULL, &e);
    free(big);
    check(t != NULL, "read random");
    if (!t) return;
    int bad = 0;
    for (int i = 0; i < 5000; i++)
        bad += coh_table_find(t, "x")->num[i] != want[i];
    check_int(bad, 0, "random decimals equal strtod");
    coh_table_free(t);
}

/* A CSV large enough to be cut into chunks, with quoted fields holding
 * newlines and quotes, a column that turns to text only near the end, and
 * missing values: one thread and four must give the same table. */
static char *make_big(size_t rows, size_t *len, bool late_text)
{
    size_t cap = rows * 64 + 256;
    char *b = malloc(cap);
    size_t off = (size_t)sprintf(b, "id,grp,note,x,late\n");
    for (size_t i = 0; i < rows; i++) {
        const char *note = i % 7 == 0 ? "\"multi\nline, \"\"quoted\"\"\"" : i % 5 ? "plain" : "";
        char late[32];
        if (late_text && i == rows - 3)
            snprintf(late, sizeof late, "x%zu", i);
        else
            snprintf(late, sizeof late, "%03zu", i % 1000);
        off += (size_t)snprintf(b + off, cap - off, "%zu,g%zu,%s,%.3f,%s\n", i, i % 3, note,
                                (double)(i % 1000) / 7.0, i % 11 ? late : "NA");
    }
    *len = off;
    return b;
}

static void compare_tables(const coh_table *a, const coh_table *b, const char *what)
{
    check_int(a->n_rows, b->n_rows, what);
    check_int(a->n_cols, b->n_cols, what);
    int diff = 0;
    for (size_t j = 0; j < a->n_cols && j < b->n_cols; j++) {
        const coh_column *x = a->cols[j], *y = b->cols[j];
        if (x->type != y->type || x->n_missing != y->n_missing || x->n_levels != y->n_levels) {
            diff++;
            continue;
        }
        for (size_t i = 0; i < a->n_rows; i++) {
            if (coh_column_is_na(x, i) != coh_column_is_na(y, i))
                diff++;
            else if (coh_column_is_na(x, i))
                continue;
            else if (x->num && x->num[i] != y->num[i])
                diff++;
            else if (x->code && strcmp(x->levels[x->code[i]], y->levels[y->code[i]]) != 0)
                diff++;
        }
    }
    check_int(diff, 0, what);
}

static void test_threads(void)
{
    size_t len;
    char *csv = make_big(400000, &len, true);
    coh_read_options o1, o4;
    coh_read_options_init(&o1);
    coh_read_options_init(&o4);
    o1.threads = 1;
    o4.threads = 4;
    coh_error e;
    coh_table *a = NULL, *b = NULL;
    coh_read_csv_mem(csv, len, "big.csv", &o1, &a, &e);
    coh_read_csv_mem(csv, len, "big.csv", &o4, &b, &e);
    check(a && b, "read big twice");
    if (a && b) {
        compare_tables(a, b, "1 thread = 4 threads");
        coh_column *late = coh_table_find(b, "late");
        check_int(late->type, COH_STRING, "late text makes the column text");
        check_str(level_of(late, 1), "001", "spelling kept across chunks");
        coh_column *note = coh_table_find(b, "note");
        check_str(level_of(note, 7), "multi\nline, \"quoted\"", "quoted newline across chunks");
        size_t empty = 0;
        for (size_t i = 0; i < 400000; i++)
            empty += i % 7 != 0 && i % 5 == 0;
        check_int(note->n_missing, empty, "empty notes are missing");
    }
    coh_table_free(a);
    coh_table_free(b);

    /* an error deep in the file is reported at its true line */
    char *bad_at = strstr(csv + len - 200, "\n");
    if (bad_at) {
        bad_at[1] = '"'; /* an unterminated quote near the end */
        size_t line = 1;
        for (char *p = csv; p <= bad_at; p++)
            line += *p == '\n';
        char want[64];
        snprintf(want, sizeof want, "big.csv:%zu:", line);
        coh_read_csv_mem(csv, len, "big.csv", &o4, &b, &e);
        check(b == NULL && e.status == COH_EPARSE, "error found by a later chunk");
        check_contains(e.msg, want, "with the right line");
    }
    free(csv);
}

/* Defects found in review, one check each (see tests/regress/README.md). */
static void test_review_fixes(void)
{
    coh_error e;
    /* equal numeric levels spelled differently: order independent of rows */
    coh_table *a = read_str("g\n1\n1.0\nx\nx\n1\n", NULL, &e);
    coh_table *b = read_str("g\n1.0\n1\nx\nx\n1\n", NULL, &e);
    check(a && b, "read both orders");
    if (a && b) {
        coh_column *ga = coh_table_find(a, "g"), *gb = coh_table_find(b, "g");
        check_int(ga->n_levels, 3, "three levels");
        for (size_t k = 0; k < ga->n_levels && k < gb->n_levels; k++)
            check_str(ga->levels[k], gb->levels[k], "same level order");
        check_str(ga->levels[0], "1", "1 before 1.0 (bytes break the tie)");
    }
    coh_table_free(a);
    coh_table_free(b);
    a = read_str("g\n0x10\n9\n9\n", NULL, &e);
    if (a) {
        check_str(coh_table_find(a, "g")->levels[0], "9", "hex is text, after numbers");
        coh_table_free(a);
    }

    /* a numeric missing code in a text column */
    coh_read_options o;
    coh_read_options_init(&o);
    coh_na_code code[] = {{"stage", -99}};
    o.na_codes = code;
    o.n_na_codes = 1;
    a = read_str("stage\n-99\nII\nII\n-99.0\nI\n", &o, &e);
    check(a != NULL, "read");
    if (a) {
        coh_column *st = coh_table_find(a, "stage");
        check_int(st->n_missing, 2, "-99 and -99.0 missing in a text column");
        check_int(coh_column_find_level(st, "-99"), -1, "-99 is no level");
        coh_table_free(a);
    }

    /* NUL inside a field */
    const char nul[] = "b\nx\0y\nx\n";
    a = NULL;
    coh_read_csv_mem(nul, sizeof nul - 1, "t.csv", NULL, &a, &e);
    check(a == NULL && e.status == COH_EENCODING, "NUL byte refused");
    check_contains(e.msg, "t.csv:2:2: column 'b': NUL byte", "NUL located");

    /* --no-header and a first field that is empty */
    coh_read_options_init(&o);
    o.no_header = true;
    a = read_str("\t1\t2\n\t3\t4\n", &o, &e);
    check(a && a->n_cols == 3 && a->n_rows == 2, "leading empty field with no header");
    coh_table_free(a);

    /* a blank line after the header */
    a = read_str("a,b\n\n1,2\n3,4\n", NULL, &e);
    check(a && a->n_rows == 2, "blank line after header");
    coh_table_free(a);

    /* declared integer: 1.0 and 1e3 are whole numbers */
    coh_read_options_init(&o);
    coh_col_type it[] = {{"a", COH_INTEGER}};
    o.col_types = it;
    o.n_col_types = 1;
    a = read_str("a\n1\n1.0\n1e3\n", &o, &e);
    check(a && coh_table_find(a, "a")->type == COH_INTEGER, "1.0 and 1e3 as integers");
    coh_table_free(a);

    /* date formats: validated, and all-digit dates are dates */
    coh_read_options_init(&o);
    o.date_format = "%Q";
    a = read_str("d\n1\n", &o, &e);
    check(a == NULL && e.status == COH_EINVAL, "unknown conversion refused");
    o.date_format = "%Y-%m";
    a = read_str("d\n1\n", &o, &e);
    check(a == NULL && e.status == COH_EINVAL, "format without a day refused");
    check(!coh_date_format_valid("%Y-%m-%d%") && coh_date_format_valid("%d.%m.%y"),
          "trailing % refused, %d.%m.%y accepted");
    o.date_format = "%Y%m%d";
    a = read_str("d\n20200101\n20200315\n", &o, &e);
    check(a && coh_table_find(a, "d")->type == COH_DATE, "%Y%m%d dates are dates");
    coh_table_free(a);

    /* a generated name that is taken */
    a = read_str("V2,\n1,2\n", NULL, &e);
    check(a && coh_table_find(a, "V2") && coh_table_find(a, "V2.1"), "V2 and V2.1");
    coh_table_free(a);

    /* leading tabs trimmed like spaces */
    a = read_str("a,b\n\t1 ,2\n", NULL, &e);
    check(a && coh_table_find(a, "a")->type == COH_INTEGER, "tab-led number is a number");
    coh_table_free(a);

    /* the duplicate-name error names the header's own line */
    a = read_str("\n\na,a\n1,2\n", NULL, &e);
    check_contains(e.msg, "t.csv:3:1: duplicate column name 'a'", "header on line 3");

    /* -0 is the integer 0 */
    a = read_str("z\n-0\n1\n", NULL, &e);
    check(a && !signbit(coh_table_find(a, "z")->num[0]), "-0 read as 0");
    coh_table_free(a);

    /* many columns */
    size_t ncol = 20000;
    char *wide = malloc(ncol * 16 + 16);
    size_t off = 0;
    for (size_t j = 0; j < ncol; j++)
        off += (size_t)sprintf(wide + off, "%sc%zu", j ? "," : "", j);
    wide[off++] = '\n';
    for (size_t j = 0; j < ncol; j++)
        off += (size_t)sprintf(wide + off, "%s%s", j ? "," : "", j % 2 ? "x" : "1");
    wide[off++] = '\n';
    wide[off] = '\0';
    a = read_str(wide, NULL, &e);
    free(wide);
    check(a && a->n_cols == ncol, "20000 columns");
    if (a)
        check(coh_table_find(a, "c19999") != NULL, "last column found");
    coh_table_free(a);
}

/* The one-pass number path and the general path agree. */
static void test_fast_numbers(void)
{
    coh_error e;
    coh_table *t = read_str("x,y\n1,a\n2,b\n 3 ,c\n4 ,d\n.5,e\n1e2,f\n-7,g\nNA,h\n"
                            "\"8\",i\n+9,j\n1e,k\n", NULL, &e);
    check(t != NULL, "read");
    if (t) {
        coh_column *x = coh_table_find(t, "x");
        check_int(x->type, COH_STRING, "'1e' makes the column text");
        check_str(level_of(x, 2), "3", "trimmed spelling");
        check_str(level_of(x, 5), "1e2", "exponent spelling kept");
        check_str(level_of(x, 10), "1e", "1e");
        coh_table_free(t);
    }
    t = read_str("x\n1\n2\n 3 \n4 \n.5\n1e2\n-7\nNA\n\"8\"\n+9\n2.50\n", NULL, &e);
    check(t != NULL, "read numbers");
    if (t) {
        coh_column *x = coh_table_find(t, "x");
        double want[] = {1, 2, 3, 4, 0.5, 100, -7, NAN, 8, 9, 2.5};
        check_int(x->type, COH_DOUBLE, "double");
        for (size_t i = 0; i < 11; i++)
            check_rel(x->num[i], want[i], 0, "value");
        check_int(x->n_missing, 1, "NA");
        coh_table_free(t);
    }
}

/* Inputs the fuzzer found (tests/regress/README.md), read from buffers of
 * exactly their size so that ASan sees any read past the end. */
static void test_fuzz_finds(void)
{
    static const struct {
        const char *data;
        size_t len;
        const char *what;
    } finds[] = {
        /* 2026-11-27: a numeric column whose last field is blanks at the
         * end of input read one byte past it (the one-pass number path) */
        {"  \n\n 1\n \n \n ", 12, "trailing blanks after a numeric column"},
    };
    for (size_t i = 0; i < sizeof finds / sizeof finds[0]; i++) {
        char *buf = malloc(finds[i].len);
        memcpy(buf, finds[i].data, finds[i].len);
        coh_table *t = NULL;
        coh_error e;
        coh_status st = coh_read_csv_mem(buf, finds[i].len, "fuzz", NULL, &t, &e);
        check(st == COH_OK || t == NULL, finds[i].what);
        coh_table_free(t);
        free(buf);
    }
}

int main(void)
{
    RUN(test_basic_types);
    RUN(test_quoting);
    RUN(test_bom_cr_blank);
    RUN(test_delimiters);
    RUN(test_missing_tokens);
    RUN(test_inference_whole_column);
    RUN(test_dates);
    RUN(test_declared_types);
    RUN(test_errors);
    RUN(test_header_edge);
    RUN(test_numbers);
    RUN(test_threads);
    RUN(test_review_fixes);
    RUN(test_fast_numbers);
    RUN(test_fuzz_finds);
    return check_report("test_csv");
}
