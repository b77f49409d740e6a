/* sqlite.c - a table or a SELECT query of an SQLite database into a
 * coh_table.
 *
 * What it does.  Opens the database read-only (URI "file:...?mode=ro" with
 * SQLITE_OPEN_READONLY, so that a missing path is an error, never a new empty
 * database), runs either `SELECT * FROM "<table>"` or the caller's query
 * inside one read transaction, and streams each result cell into a column
 * builder (colbuild.h), which infers the column's type from all its values.
 *
 * How a cell is read, by its SQLite storage class (not by the column's
 * declared affinity, which SQLite does not enforce):
 *
 *   NULL      missing
 *   INTEGER   a number (exact below 2^53)
 *   REAL      a number; +-Inf is an error (NaN cannot be stored: it is NULL)
 *   TEXT      as CSV text: "", "NA", "." (or opts->na_tokens) are missing;
 *             "YYYY-MM-DD" is a date; a decimal number ("12", "-1.5e3", and
 *             "12,5" with opts->decimal_comma) is a number; else text
 *   BLOB      an error naming the column: binary data is not a value
 *
 * A column that mixes text with numbers written as text is read twice: the
 * builder would re-spell "007" as "7" when it turns the column to text, so
 * the second pass reads that column's text as it is stored (less the blanks
 * around it, which are never part of a value here, as in the CSV reader).  The read
 * transaction makes both passes see the same rows.  A column with no values
 * (all NULL, or no rows) takes its type from the declared column type when
 * that says INT or DATE, else it is DOUBLE.
 *
 * Inputs: opts->sqlite_table (any name; quoted as an identifier, with "
 * doubled) or opts->sqlite_query (one SELECT or WITH statement that only
 * reads; anything after it other than comments is refused), exactly one.
 * Declared types, na_codes and max_levels apply as in the CSV reader.
 *
 * Returns a new table, or an error whose message names the file and, where
 * one is involved, the column and row: "trial.db: column 'os', row 12: ...".
 *
 * Reentrant: one connection per call, no file-scope state.
 *
 * coh_sqlite_read_stmt (sqlite_internal.h) is the same reading of cells
 * for a statement the caller prepared on its own connection: the study
 * runner reads its analysis table back from an in-memory database that
 * way, so that a column comes out of SQL with the types a file would have.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cohort/io.h"
#include "core/colbuild.h"
#include "core/core.h"
#include "io/sqlite_internal.h"

/* How long to wait for a writer's lock before giving up, in milliseconds. */
#define BUSY_TIMEOUT_MS 2000

typedef struct sq_col {
    char *name;
    int declared;          /* user-declared coh_type, or -1 */
    int decl_hint;         /* from the SQL declared type, for empty columns */
    double *na_codes;
    size_t n_na_codes;
    bool text_numbers;     /* a number or date was read from text */
    bool as_text;          /* second pass: keep text as stored */
    bool saw_real;         /* a REAL (floating-point) cell was read */
    coh_colbuild cb;
} sq_col;

typedef struct sq_ctx {
    const char *path;
    const coh_read_options *opts;
    const char *const *na_tokens;
    size_t n_na_tokens;
    sqlite3 *db;
    sqlite3_stmt *stmt;
    sq_col *cols;
    int n_cols;
    bool real_is_double;   /* a column with a REAL cell is DOUBLE (see
                              coh_sqlite_read_stmt) */
    coh_error *err;
} sq_ctx;

static const char *const default_na[] = {"", "NA", "."};

/* ---- text --------------------------------------------------------------- */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A decimal number, the whole of s[0..len): sign, digits, optional fraction
 * and exponent.  Stricter than strtod, which would also take "0x1A", "inf"
 * and "nan".  With `comma`, "12,5" is 12.5. */
static bool parse_number(const char *s, size_t len, bool comma, double *out)
{
    char buf[64];
    size_t i = 0, digits = 0;
    if (len == 0 || len >= sizeof buf)
        return false;
    if (s[i] == '+' || s[i] == '-')
        i++;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
        digits++;
    if (i < len && (s[i] == '.' || (comma && s[i] == ','))) {
        for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++)
            digits++;
    }
    if (digits == 0)
        return false;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        size_t exp_digits = 0;
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
            exp_digits++;
        if (exp_digits == 0)
            return false;
    }
    if (i != len)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (comma) {
        char *c = strchr(buf, ',');
        if (c != NULL)
            *c = '.';
    }
    double v = strtod(buf, NULL);
    if (!isfinite(v)) /* "1e999" */
        return false;
    *out = v;
    return true;
}

/* An ISO 8601 calendar date "YYYY-MM-DD" that exists (2019-02-29 does not),
 * as days since 1970-01-01. */
static bool parse_iso_date(const char *s, size_t len, double *out)
{
    static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (len != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (size_t i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    unsigned m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
    unsigned d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
    if (m < 1 || m > 12 || d < 1)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[m - 1] + (m == 2 && leap))
        return false;
    *out = (double)coh_days_from_civil(y, m, d);
    return true;
}

static bool is_na_token(const sq_ctx *ctx, const char *s, size_t len)
{
    for (size_t k = 0; k < ctx->n_na_tokens; k++) {
        const char *tok = ctx->na_tokens[k];
        if (tok != NULL && strlen(tok) == len && memcmp(tok, s, len) == 0)
            return true;
    }
    return false;
}

static bool is_na_code(const sq_col *col, double v)
{
    for (size_t k = 0; k < col->n_na_codes; k++)
        if (v == col->na_codes[k])
            return true;
    return false;
}

/* ---- errors ------------------------------------------------------------- */

/* The coh_status of an SQLite result code. */
static coh_status status_of(int rc)
{
    switch (rc & 0xFF) { /* the primary code of an extended one */
    case SQLITE_NOMEM: return COH_ENOMEM;
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_PERM:
    case SQLITE_AUTH: return COH_EIO;
    case SQLITE_NOTADB: return COH_EFORMAT;
    default: return COH_EPARSE;
    }
}

/* Report "no such table", listing the tables and views that exist. */
static coh_status not_found(sq_ctx *ctx, const char *what)
{
    char list[640];
    size_t used = 0;
    int n = 0;
    sqlite3_stmt *q = NULL;
    list[0] = '\0';
    if (sqlite3_prepare_v2(ctx->db,
                           "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
                           " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
                           -1, &q, NULL) == SQLITE_OK) {
        while (sqlite3_step(q) == SQLITE_ROW) {
            const char *name = (const char *)sqlite3_column_text(q, 0);
            if (name == NULL)
                continue;
            size_t len = strlen(name);
            if (used + len + 8 >= sizeof list) {
                snprintf(list + used, sizeof list - used, ", ...");
                break;
            }
            used += (size_t)snprintf(list + used, sizeof list - used, "%s'%s'",
                                     n ? ", " : "", name);
            n++;
        }
    }
    sqlite3_finalize(q);
    if (n == 0)
        return coh_error_set(ctx->err, COH_ENOTFOUND, "%s: %s (the database has no tables)",
                             ctx->path, what);
    return coh_error_set(ctx->err, COH_ENOTFOUND, "%s: %s (tables: %s)", ctx->path, what, list);
}

/* The error of a failed prepare or step, in the connection's words. */
static coh_status sql_error(sq_ctx *ctx, int rc, const char *doing)
{
    const char *msg = sqlite3_errmsg(ctx->db);
    coh_status st = status_of(rc);
    if (st == COH_EFORMAT)
        return coh_error_set(ctx->err, st, "%s: not an SQLite database (%s)", ctx->path, msg);
    if (st == COH_ENOMEM)
        return coh_error_set(ctx->err, st, "%s: out of memory", ctx->path);
    if ((rc & 0xFF) == SQLITE_CORRUPT)
        return coh_error_set(ctx->err, COH_EPARSE, "%s: the database is damaged (%s)",
                             ctx->path, msg);
    return coh_error_set(ctx->err, st, "%s: %s: %s", ctx->path, doing, msg);
}

/* ---- the query ------------------------------------------------------------ */

/* Skip blanks and SQL comments ("-- ...", C-style block comments). */
static const char *skip_space(const char *s)
{
    for (;;) {
        while (is_blank(*s) || *s == '\f' || *s == '\v')
            s++;
        if (s[0] == '-' && s[1] == '-') {
            while (*s != '\0' && *s != '\n')
                s++;
        } else if (s[0] == '/' && s[1] == '*') {
            const char *end = strstr(s + 2, "*/");
            s = end ? end + 2 : s + strlen(s);
        } else {
            return s;
        }
    }
}

/* Whether `s` begins with keyword `kw` (case-insensitive) as a whole word. */
static bool starts_with_keyword(const char *s, const char *kw)
{
    size_t n = strlen(kw);
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (c != kw[i])
            return false;
    }
    char next = s[n];
    return !((next >= 'A' && next <= 'Z') || (next >= 'a' && next <= 'z') ||
             (next >= '0' && next <= '9') || next == '_' || (unsigned char)next >= 0x80);
}

/* `SELECT * FROM "name"`, with " doubled inside the name; malloc'd. */
static char *table_query(const char *table)
{
    size_t n = strlen(table), extra = 0;
    for (size_t i = 0; i < n; i++)
        extra += table[i] == '"';
    static const char head[] = "SELECT * FROM \"";
    char *sql = malloc(sizeof head + n + extra + 2);
    if (sql == NULL)
        return NULL;
    char *p = sql;
    memcpy(p, head, sizeof head - 1);
    p += sizeof head - 1;
    for (size_t i = 0; i < n; i++) {
        *p++ = table[i];
        if (table[i] == '"')
            *p++ = '"';
    }
    *p++ = '"';
    *p = '\0';
    return sql;
}

/* "file:" URI of `path` with mode=ro.  Every byte outside the unreserved set
 * is percent-encoded, so that '?', '#' and '%' in a file name stay part of
 * the name; an absolute path gets the empty authority ("file:///..."). */
static char *readonly_uri(const char *path)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(path);
    char *uri = malloc(3 * n + 32);
    if (uri == NULL)
        return NULL;
    char *p = uri;
    memcpy(p, "file:", 5);
    p += 5;
    if (path[0] == '/') {
        memcpy(p, "//", 2);
        p += 2;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)path[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
            *p++ = (char)c;
        } else {
            *p++ = '%';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 15];
        }
    }
    memcpy(p, "?mode=ro", 9);
    return uri;
}

/* Prepare the statement of a table or a query into ctx->stmt. */
static coh_status prepare(sq_ctx *ctx)
{
    const coh_read_options *o = ctx->opts;
    if (o->sqlite_table != NULL) {
        char *sql = table_query(o->sqlite_table);
        if (sql == NULL)
            return coh_error_set(ctx->err, COH_ENOMEM, "%s: out of memory", ctx->path);
        int rc = sqlite3_prepare_v2(ctx->db, sql, -1, &ctx->stmt, NULL);
        free(sql);
        if (rc == SQLITE_OK)
            return COH_OK;
        if (strncmp(sqlite3_errmsg(ctx->db), "no such table", 13) == 0) {
            char what[320];
            char name[256];
            coh_excerpt(o->sqlite_table, strlen(o->sqlite_table), name, sizeof name);
            snprintf(what, sizeof what, "no table '%s'", name);
            return not_found(ctx, what);
        }
        return sql_error(ctx, rc, "reading the table");
    }

    const char *tail = NULL;
    int rc = sqlite3_prepare_v2(ctx->db, o->sqlite_query, -1, &ctx->stmt, &tail);
    if (rc != SQLITE_OK) {
        const char *msg = sqlite3_errmsg(ctx->db);
        if (strncmp(msg, "no such table", 13) == 0) {
            char what[320];
            snprintf(what, sizeof what, "query: %.300s", msg);
            return not_found(ctx, what);
        }
        return sql_error(ctx, rc, "query");
    }
    if (ctx->stmt == NULL)
        return coh_error_set(ctx->err, COH_EINVAL, "%s: the query is empty", ctx->path);
    /* one statement only: anything after it but comments is refused, even
     * if it would fail to prepare */
    tail = skip_space(tail);
    if (*tail != '\0') {
        char excerpt[64];
        coh_excerpt(tail, strlen(tail), excerpt, sizeof excerpt);
        return coh_error_set(ctx->err, COH_EINVAL, "%s: the query must be a single statement; "
                             "found more after it: '%s'", ctx->path, excerpt);
    }
    /* WITH can lead into INSERT, UPDATE or DELETE; the connection is
     * read-only anyway, but say why rather than fail half-way */
    if (!sqlite3_stmt_readonly(ctx->stmt))
        return coh_error_set(ctx->err, COH_EINVAL, "%s: the query must only read (a SELECT "
                             "or WITH ... SELECT statement)", ctx->path);
    return COH_OK;
}

/* ---- reading cells -------------------------------------------------------- */

/* Push cell j of the current row into its column; `row` counts from 1. */
static coh_status push_cell(sq_ctx *ctx, sq_col *col, int j, size_t row)
{
    sqlite3_stmt *stmt = ctx->stmt;
    coh_status st;
    double v;
    int declared = col->declared;
    bool want_text = declared == COH_CATEGORICAL || declared == COH_STRING;
    switch (sqlite3_column_type(stmt, j)) {
    case SQLITE_NULL:
        return coh_cb_push_na(&col->cb);
    case SQLITE_INTEGER:
        /* exact up to 2^53; the builder makes larger values DOUBLE */
        v = (double)sqlite3_column_int64(stmt, j);
        break;
    case SQLITE_FLOAT:
        col->saw_real = true;
        v = sqlite3_column_double(stmt, j);
        if (!isfinite(v))
            return coh_error_set(ctx->err, COH_ETYPE, "%s: column '%s', row %zu: infinite "
                                 "value", ctx->path, col->name, row);
        break;
    case SQLITE_TEXT: {
        const char *s = (const char *)sqlite3_column_text(stmt, j);
        size_t len = (size_t)sqlite3_column_bytes(stmt, j);
        if (s == NULL)
            return coh_error_set(ctx->err, COH_ENOMEM, "%s: out of memory", ctx->path);
        if (coh_utf8_check(s, len) != len)
            return coh_error_set(ctx->err, COH_EENCODING, "%s: column '%s', row %zu: text is "
                                 "not valid UTF-8", ctx->path, col->name, row);
        /* blanks around a value are not part of it (as in CSV) */
        const char *t = s;
        size_t tlen = len;
        while (tlen > 0 && is_blank(*t)) {
            t++;
            tlen--;
        }
        while (tlen > 0 && is_blank(t[tlen - 1]))
            tlen--;
        if (is_na_token(ctx, t, tlen))
            return coh_cb_push_na(&col->cb);
        if (want_text || col->as_text)
            return coh_cb_push_text(&col->cb, t, tlen);
        if (parse_iso_date(t, tlen, &v)) {
            if (declared == COH_DOUBLE || declared == COH_INTEGER) {
                char ex[64];
                coh_excerpt(t, tlen, ex, sizeof ex);
                return coh_error_set(ctx->err, COH_ETYPE, "%s: column '%s', row %zu: expects "
                                     "a number, found '%s'", ctx->path, col->name, row, ex);
            }
            col->text_numbers = true;
            return coh_cb_push_value(&col->cb, v, CB_DATE);
        }
        if (parse_number(t, tlen, ctx->opts->decimal_comma, &v)) {
            col->text_numbers = true;
            break;
        }
        if (declared >= 0) { /* numeric or date: want_text returned above */
            char ex[64];
            coh_excerpt(t, tlen, ex, sizeof ex);
            return coh_error_set(ctx->err, COH_ETYPE, "%s: column '%s', row %zu: expects %s, "
                                 "found '%s'", ctx->path, col->name, row,
                                 declared == COH_DATE ? "a date (YYYY-MM-DD)" : "a number", ex);
        }
        return coh_cb_push_text(&col->cb, t, tlen);
    }
    case SQLITE_BLOB:
    default:
        return coh_error_set(ctx->err, COH_ETYPE, "%s: column '%s', row %zu: holds binary "
                             "data (a BLOB), which is not a value; select it as text or "
                             "leave it out", ctx->path, col->name, row);
    }
    /* a number, from storage or from text */
    if (is_na_code(col, v))
        return coh_cb_push_na(&col->cb);
    if (declared == COH_DATE) {
        char ex[32];
        coh_format_num(v, ex, sizeof ex);
        return coh_error_set(ctx->err, COH_ETYPE, "%s: column '%s', row %zu: expects a date "
                             "(YYYY-MM-DD), found the number %s", ctx->path, col->name, row, ex);
    }
    st = coh_cb_push_value(&col->cb, v, CB_NUMBER);
    return st;
}

/* Step through all rows, pushing the cells of the columns for which
 * `only_text` is false, or (second pass) those marked as_text.  Returns the
 * number of rows in *n_rows. */
static coh_status read_rows(sq_ctx *ctx, bool only_text, size_t *n_rows)
{
    size_t row = 0;
    int rc;
    while ((rc = sqlite3_step(ctx->stmt)) == SQLITE_ROW) {
        row++;
        for (int j = 0; j < ctx->n_cols; j++) {
            sq_col *col = &ctx->cols[j];
            if (only_text && !col->as_text)
                continue;
            coh_status st = push_cell(ctx, col, j, row);
            if (st == COH_ENOMEM)
                return coh_error_set(ctx->err, st, "%s: out of memory", ctx->path);
            if (st != COH_OK)
                return st;
        }
    }
    if (rc != SQLITE_DONE)
        return sql_error(ctx, rc, "reading row");
    *n_rows = row;
    return COH_OK;
}

/* Hint for a column with no values, from its SQL declared type. */
static int decl_hint(const char *decltype_)
{
    if (decltype_ == NULL)
        return -1;
    char up[64];
    size_t n = 0;
    for (; decltype_[n] != '\0' && n + 1 < sizeof up; n++) {
        char c = decltype_[n];
        up[n] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
    }
    up[n] = '\0';
    if (strstr(up, "INT") != NULL) /* SQLite's own affinity rule 1 */
        return COH_INTEGER;
    if (strcmp(up, "DATE") == 0)
        return COH_DATE;
    return -1;
}

static coh_status setup_columns(sq_ctx *ctx)
{
    const coh_read_options *o = ctx->opts;
    int n = sqlite3_column_count(ctx->stmt);
    if (n <= 0)
        return coh_error_set(ctx->err, COH_EINVAL, "%s: the query returns no columns",
                             ctx->path);
    ctx->cols = calloc((size_t)n, sizeof *ctx->cols);
    if (ctx->cols == NULL)
        return coh_error_set(ctx->err, COH_ENOMEM, "%s: out of memory", ctx->path);
    ctx->n_cols = n;
    for (int j = 0; j < n; j++) {
        sq_col *col = &ctx->cols[j];
        coh_cb_init(&col->cb);
        col->declared = -1;
        const char *name = sqlite3_column_name(ctx->stmt, j);
        char fallback[32];
        if (name == NULL || name[0] == '\0') {
            snprintf(fallback, sizeof fallback, "V%d", j + 1);
            name = fallback;
        }
        if (coh_utf8_check(name, strlen(name)) != strlen(name))
            return coh_error_set(ctx->err, COH_EENCODING, "%s: column %d: name is not valid "
                                 "UTF-8", ctx->path, j + 1);
        if ((col->name = coh_strdup(name)) == NULL)
            return coh_error_set(ctx->err, COH_ENOMEM, "%s: out of memory", ctx->path);
        col->decl_hint = decl_hint(sqlite3_column_decltype(ctx->stmt, j));
        for (size_t k = 0; k < o->n_col_types; k++)
            if (o->col_types[k].column != NULL && strcmp(o->col_types[k].column, name) == 0)
                col->declared = (int)o->col_types[k].type;
        for (size_t k = 0; k < o->n_na_codes; k++)
            if (o->na_codes[k].column != NULL && strcmp(o->na_codes[k].column, name) == 0) {
                double *codes = realloc(col->na_codes, (col->n_na_codes + 1) * sizeof *codes);
                if (codes == NULL)
                    return coh_error_set(ctx->err, COH_ENOMEM, "%s: out of memory", ctx->path);
                col->na_codes = codes;
                col->na_codes[col->n_na_codes++] = o->na_codes[k].value;
            }
    }
    return COH_OK;
}

static coh_status build_table(sq_ctx *ctx, coh_table **out)
{
    coh_status st;
    size_t max_levels = ctx->opts->max_levels;
    coh_table *t = coh_table_new();
    if (t == NULL)
        return coh_error_set(ctx->err, COH_ENOMEM, "%s: out of memory", ctx->path);
    for (int j = 0; j < ctx->n_cols; j++) {
        sq_col *col = &ctx->cols[j];
        int declared = col->declared;
        if (declared < 0 && col->cb.kind == CB_UNKNOWN)
            declared = col->decl_hint;
        if (declared < 0 && ctx->real_is_double && col->saw_real && col->cb.kind == CB_NUMBER)
            declared = COH_DOUBLE;
        coh_column *c;
        coh_error sub;
        coh_error_clear(&sub);
        if ((st = coh_cb_finish(&col->cb, col->name, declared, max_levels, &c, &sub)) != COH_OK) {
            coh_table_free(t);
            return coh_error_set(ctx->err, st, "%s: column '%s': %s", ctx->path, col->name,
                                 sub.msg);
        }
        if ((st = coh_table_add_column(t, c, &sub)) != COH_OK) {
            coh_table_free(t);
            return coh_error_set(ctx->err, st, "%s: %s", ctx->path, sub.msg);
        }
    }
    *out = t;
    return COH_OK;
}

/* Run the statement: first pass for every column, then a second pass for
 * the columns whose numbers-from-text turned into text. */
static coh_status run(sq_ctx *ctx, coh_table **out)
{
    coh_status st;
    size_t n_rows = 0, n_again = 0;
    if ((st = setup_columns(ctx)) != COH_OK || (st = read_rows(ctx, false, &n_rows)) != COH_OK)
        return st;
    bool again = false;
    for (int j = 0; j < ctx->n_cols; j++) {
        sq_col *col = &ctx->cols[j];
        if (col->cb.kind == CB_TEXT && col->text_numbers) {
            col->as_text = true;
            coh_cb_free(&col->cb);
            again = true;
        }
    }
    if (again) {
        sqlite3_reset(ctx->stmt);
        if ((st = read_rows(ctx, true, &n_again)) != COH_OK)
            return st;
        if (n_again != n_rows) /* cannot happen inside one read transaction */
            return coh_error_set(ctx->err, COH_EIO, "%s: the data changed while being read",
                                 ctx->path);
    }
    return build_table(ctx, out);
}

/* The context of one read; opts must not be NULL. */
static void ctx_init(sq_ctx *ctx, const char *path, const coh_read_options *opts,
                     coh_error *err)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->path = path;
    ctx->opts = opts;
    ctx->err = err;
    ctx->na_tokens = opts->na_tokens ? opts->na_tokens : default_na;
    ctx->n_na_tokens = opts->na_tokens ? opts->n_na_tokens
                                       : sizeof default_na / sizeof *default_na;
}

static void free_columns(sq_ctx *ctx)
{
    for (int j = 0; j < ctx->n_cols; j++) {
        coh_cb_free(&ctx->cols[j].cb);
        free(ctx->cols[j].name);
        free(ctx->cols[j].na_codes);
    }
    free(ctx->cols);
    ctx->cols = NULL;
    ctx->n_cols = 0;
}

coh_status coh_sqlite_read_stmt(sqlite3 *db, sqlite3_stmt *stmt, const char *name,
                                const coh_read_options *opts, bool real_is_double,
                                coh_table **out, coh_error *err)
{
    coh_read_options defaults;
    *out = NULL;
    if (opts == NULL) {
        memset(&defaults, 0, sizeof defaults); /* the documented defaults are all zero */
        opts = &defaults;
    }
    sq_ctx ctx;
    ctx_init(&ctx, name, opts, err);
    ctx.db = db;
    ctx.stmt = stmt;
    ctx.real_is_double = real_is_double;
    coh_status st = run(&ctx, out);
    free_columns(&ctx);
    return st;
}

coh_status coh_read_sqlite(const char *path, const coh_read_options *opts,
                           coh_table **out, coh_error *err)
{
    coh_read_options defaults;
    if (out != NULL)
        *out = NULL;
    if (path == NULL || out == NULL)
        return coh_error_set(err, COH_EINVAL, "coh_read_sqlite: path and out are required");
    if (opts == NULL) {
        memset(&defaults, 0, sizeof defaults); /* the documented defaults are all zero */
        opts = &defaults;
    }
    bool has_table = opts->sqlite_table != NULL, has_query = opts->sqlite_query != NULL;
    if (has_table == has_query)
        return coh_error_set(err, COH_EINVAL, "%s: give either a table or a query to read, %s",
                             path, has_table ? "not both" : "neither was given");
    if (has_table && opts->sqlite_table[0] == '\0')
        return coh_error_set(err, COH_EINVAL, "%s: the table name is empty", path);
    if (has_query) {
        const char *q = skip_space(opts->sqlite_query);
        if (!starts_with_keyword(q, "SELECT") && !starts_with_keyword(q, "WITH")) {
            char excerpt[48];
            size_t n = 0;
            while (q[n] != '\0' && !is_blank(q[n]) && n < 40)
                n++;
            coh_excerpt(q, n, excerpt, sizeof excerpt);
            return coh_error_set(err, COH_EINVAL, "%s: the query must be a SELECT or WITH "
                                 "statement, not '%s'", path, excerpt);
        }
    }

    /* Check the file ourselves: SQLite's "unable to open database file" does
     * not say why, and a read-only open must not meet a directory. */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return coh_error_set(err, COH_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    int stat_rc = fstat(fd, &sb);
    int stat_errno = errno;
    close(fd);
    if (stat_rc != 0 || S_ISDIR(sb.st_mode))
        return coh_error_set(err, COH_EIO, "%s: cannot open: %s", path,
                             strerror(stat_rc != 0 ? stat_errno : EISDIR));

    sq_ctx ctx;
    ctx_init(&ctx, path, opts, err);

    char *uri = readonly_uri(path);
    if (uri == NULL)
        return coh_error_set(err, COH_ENOMEM, "%s: out of memory", path);
    int rc = sqlite3_open_v2(uri, &ctx.db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
    free(uri);
    coh_status st;
    if (rc != SQLITE_OK) {
        st = coh_error_set(err, rc == SQLITE_NOMEM ? COH_ENOMEM : COH_EIO,
                           "%s: cannot open: %s", path,
                           ctx.db ? sqlite3_errmsg(ctx.db) : sqlite3_errstr(rc));
        sqlite3_close(ctx.db);
        return st;
    }
    sqlite3_busy_timeout(ctx.db, BUSY_TIMEOUT_MS);
    /* one read transaction, so that a second pass sees the same rows */
    rc = sqlite3_exec(ctx.db, "BEGIN", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        st = sql_error(&ctx, rc, "starting to read");
    else if ((st = prepare(&ctx)) == COH_OK)
        st = run(&ctx, out);

    free_columns(&ctx);
    sqlite3_finalize(ctx.stmt);
    sqlite3_exec(ctx.db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(ctx.db);
    return st;
}
