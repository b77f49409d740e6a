/* filter.c - rows of a coh_table that satisfy an SQL expression (--where).
 *
 * How.  Each call opens a private in-memory SQLite connection and registers
 * on it an eponymous-only, read-only virtual table module, "cohort_rows",
 * whose columns are the table's columns that the expression may name
 * (declared with their names quoted, so "ph.ecog" or "age at entry" work;
 * see mentioned() for why not all of them).  The module reads the coh_table's
 * arrays in place: xFilter starts at row 0, xNext steps one row, xColumn
 * turns one cell into an SQL value and xRowid is the row index.  Then
 *
 *     SELECT rowid FROM cohort_rows WHERE (     (or _rowid_, oid: the first
 *                                               name no column takes)
 *     <expression>
 *     )
 *
 * is prepared once and stepped; each row it returns is kept.  SQLite compiles
 * the expression to bytecode, so the cost per row is one xNext plus one
 * xColumn per column the expression reads.
 *
 * Values (see filter.h): INTEGER columns as SQL INTEGER, DOUBLE columns as
 * REAL (not INTEGER even when integral: `time / 12` must not become integer
 * division for time = 30; `x = 1` is true for 1.0 anyway, SQLite compares
 * INTEGER and REAL numerically), dates as TEXT 'YYYY-MM-DD' (ISO text orders
 * like the dates; written by hand from coh_civil_from_days, as
 * coh_format_date would, without its snprintf per row), categorical and string columns as the TEXT of the stored
 * level, missing as NULL.  Declared affinities (REAL, INTEGER, TEXT) make
 * `age >= '70'` and `stage = 2` compare as the column's kind.
 *
 * Guarding the SELECT.  The expression is pasted into SQL, so it must not be
 * able to leave its parentheses.  Four independent checks:
 *   1. a scan of the text, mirroring SQLite's tokenizer for strings, quoted
 *      identifiers and comments, refuses a ')' that closes more than it
 *      opened and any ';' (so "1) UNION SELECT ..." and "1; DROP ..." stop
 *      here with a clear message);
 *   2. an authorizer allows exactly one SELECT (no subquery), reads of
 *      cohort_rows only, and function calls except load_extension; it denies
 *      everything else (ATTACH, PRAGMA, writes, other tables, CTEs);
 *   3. after prepare: no tail, a read-only statement, one result column and
 *      no parameters;
 *   4. the connection is in-memory, private and closed at the end; values
 *      longer than LENGTH_LIMIT are refused (randomblob(1e9) per row).
 *
 * Double-quoted text is always a name, never a string (SQLite's legacy
 * "DQS" is off), so that a mistyped "ph.ecg" is an unknown column rather than
 * the string 'ph.ecg', which would compare true or false on every row.
 *
 * Reentrant: no file-scope mutable state; everything lives in one flt_ctx on
 * the caller's stack.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "cohort/filter.h"
#include "core/colbuild.h"
#include "core/core.h"

#define VTAB_NAME "cohort_rows"
/* Longest text or blob the expression may build, in bytes. */
#define LENGTH_LIMIT (1 << 26)
/* How much of the expression an error message quotes. */
#define EXCERPT_MAX 200

typedef struct flt_ctx {
    const coh_table *t;
    size_t *map;          /* SQL column index -> table column index */
    size_t n_map;
    double **level_num;   /* per SQL column: the levels as numbers when every
                             level is a number (SPSS/Stata labelled codes,
                             "stage" 1-4 read as categorical), else NULL */
    char *decl;           /* CREATE TABLE x(...) for sqlite3_declare_vtab */
    int n_select;         /* SELECTs the authorizer has seen */
    char denied[192];     /* why the authorizer refused, or "" */
} flt_ctx;

typedef struct flt_vtab {
    sqlite3_vtab base;
    const flt_ctx *ctx;
} flt_vtab;

typedef struct flt_cursor {
    sqlite3_vtab_cursor base;
    const flt_ctx *ctx;
    size_t row;
} flt_cursor;

/* ---- the virtual table ---------------------------------------------------- */

static int vt_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                      sqlite3_vtab **out, char **errmsg)
{
    (void)argc;
    (void)argv;
    const flt_ctx *ctx = aux;
    int rc = sqlite3_declare_vtab(db, ctx->decl);
    if (rc != SQLITE_OK) {
        *errmsg = sqlite3_mprintf("%s", sqlite3_errmsg(db));
        return rc;
    }
    flt_vtab *vt = sqlite3_malloc(sizeof *vt);
    if (vt == NULL)
        return SQLITE_NOMEM;
    memset(vt, 0, sizeof *vt);
    vt->ctx = ctx;
    sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
    *out = &vt->base;
    return SQLITE_OK;
}

static int vt_disconnect(sqlite3_vtab *vtab)
{
    sqlite3_free(vtab);
    return SQLITE_OK;
}

/* A full scan is the only plan: no constraint is used, so SQLite evaluates
 * the whole expression itself. */
static int vt_best_index(sqlite3_vtab *vtab, sqlite3_index_info *info)
{
    const flt_vtab *vt = (const flt_vtab *)vtab;
    double n = (double)vt->ctx->t->n_rows;
    info->estimatedCost = n > 1 ? n : 1;
    info->estimatedRows = (sqlite3_int64)vt->ctx->t->n_rows;
    return SQLITE_OK;
}

static int vt_open(sqlite3_vtab *vtab, sqlite3_vtab_cursor **out)
{
    flt_cursor *cur = sqlite3_malloc(sizeof *cur);
    if (cur == NULL)
        return SQLITE_NOMEM;
    memset(cur, 0, sizeof *cur);
    cur->ctx = ((const flt_vtab *)vtab)->ctx;
    *out = &cur->base;
    return SQLITE_OK;
}

static int vt_close(sqlite3_vtab_cursor *cur)
{
    sqlite3_free(cur);
    return SQLITE_OK;
}

static int vt_filter(sqlite3_vtab_cursor *cur, int idx_num, const char *idx_str, int argc,
                     sqlite3_value **argv)
{
    (void)idx_num;
    (void)idx_str;
    (void)argc;
    (void)argv;
    ((flt_cursor *)cur)->row = 0;
    return SQLITE_OK;
}

static int vt_next(sqlite3_vtab_cursor *cur)
{
    ((flt_cursor *)cur)->row++;
    return SQLITE_OK;
}

static int vt_eof(sqlite3_vtab_cursor *cur)
{
    const flt_cursor *c = (const flt_cursor *)cur;
    return c->row >= c->ctx->t->n_rows;
}

/* "YYYY-MM-DD" of a day count in COH_DATE_MIN..COH_DATE_MAX, into buf[10]
 * (what coh_format_date writes, without snprintf: this runs once per row). */
static void iso_date(double days, char *buf)
{
    int64_t y;
    unsigned m, d;
    coh_civil_from_days((int64_t)floor(days), &y, &m, &d);
    unsigned yy = (unsigned)y;
    buf[0] = (char)('0' + yy / 1000);
    buf[1] = (char)('0' + yy / 100 % 10);
    buf[2] = (char)('0' + yy / 10 % 10);
    buf[3] = (char)('0' + yy % 10);
    buf[4] = '-';
    buf[5] = (char)('0' + m / 10);
    buf[6] = (char)('0' + m % 10);
    buf[7] = '-';
    buf[8] = (char)('0' + d / 10);
    buf[9] = (char)('0' + d % 10);
}

/* One cell as an SQL value; see the table at the top of the file.  A value
 * the storage marks as missing (NaN, code -1) is NULL even if the mask
 * disagrees, and so is a date outside the years 0-9999, which the table
 * never holds. */
static int vt_column(sqlite3_vtab_cursor *cur, sqlite3_context *sctx, int i)
{
    const flt_cursor *c = (const flt_cursor *)cur;
    const coh_column *col = c->ctx->t->cols[c->ctx->map[i]];
    size_t r = c->row;
    if (coh_column_is_na(col, r)) {
        sqlite3_result_null(sctx);
        return SQLITE_OK;
    }
    switch (col->type) {
    case COH_INTEGER: {
        double v = col->num[r];
        /* integral and below 2^53 by the table's invariant; the bound keeps
         * the cast defined should a value break it */
        if (v == floor(v) && fabs(v) < 9.2e18)
            sqlite3_result_int64(sctx, (sqlite3_int64)v);
        else if (isnan(v))
            sqlite3_result_null(sctx);
        else
            sqlite3_result_double(sctx, v);
        break;
    }
    case COH_DOUBLE:
        if (isnan(col->num[r]))
            sqlite3_result_null(sctx);
        else
            sqlite3_result_double(sctx, col->num[r]);
        break;
    case COH_DATE: {
        double v = col->num[r];
        if (!(v >= COH_DATE_MIN && v <= COH_DATE_MAX)) {
            sqlite3_result_null(sctx);
        } else {
            char buf[10];
            iso_date(v, buf);
            sqlite3_result_text(sctx, buf, 10, SQLITE_TRANSIENT);
        }
        break;
    }
    case COH_CATEGORICAL:
    case COH_STRING: {
        int32_t k = col->code[r];
        const double *num = c->ctx->level_num[i];
        if (k < 0 || (size_t)k >= col->n_levels)
            sqlite3_result_null(sctx);
        else if (num != NULL) /* numeric codes compare as numbers: 10 > 2 */
            sqlite3_result_double(sctx, num[k]);
        else /* the table outlives the statement */
            sqlite3_result_text(sctx, col->levels[k], -1, SQLITE_STATIC);
        break;
    }
    }
    return SQLITE_OK;
}

static int vt_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
    *rowid = (sqlite3_int64)((const flt_cursor *)cur)->row;
    return SQLITE_OK;
}

/* Eponymous-only (xCreate NULL) and read-only (xUpdate NULL). */
static const sqlite3_module flt_module = {
    .iVersion = 0,
    .xCreate = NULL,
    .xConnect = vt_connect,
    .xBestIndex = vt_best_index,
    .xDisconnect = vt_disconnect,
    .xDestroy = vt_disconnect,
    .xOpen = vt_open,
    .xClose = vt_close,
    .xFilter = vt_filter,
    .xNext = vt_next,
    .xEof = vt_eof,
    .xColumn = vt_column,
    .xRowid = vt_rowid,
};

/* ---- names ---------------------------------------------------------------- */

/* ASCII lower case, as SQLite folds identifiers (not the locale's). */
static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* ASCII case-insensitive equality, as SQLite compares identifiers. */
static bool name_eq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (lower(*a) != lower(*b))
            return false;
    return *a == *b;
}

/* Does another column's name equal column j's, ignoring ASCII case? */
static bool ambiguous(const coh_table *t, size_t j)
{
    for (size_t k = 0; k < t->n_cols; k++)
        if (k != j && name_eq(t->cols[k]->name, t->cols[j]->name))
            return true;
    return false;
}

/* Whether `needle` occurs in `hay`, ignoring ASCII case. */
static bool contains_icase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0)
        return false;
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] &&
               lower(hay[i]) == lower(needle[i]))
            i++;
        if (i == n)
            return true;
    }
    return false;
}

/* A byte SQLite's tokenizer takes as part of an unquoted name. */
static bool is_id_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '$' || (unsigned char)c >= 0x80;
}

/* Might `where` refer to column `name`?  True when the name occurs in the
 * text (ignoring ASCII case) with no name character just before or after
 * it: every reference does, bare (age), quoted ("ph.ecog", [x], `x`) or
 * qualified (cohort_rows.age).  Always true for a name holding a quote
 * character, which quoting spells doubled, and for the empty name.  A
 * superset is harmless: it only declares a column the expression does not
 * read. */
static bool mentioned(const char *name, const char *where)
{
    size_t n = strlen(name);
    if (n == 0 || strpbrk(name, "\"`") != NULL)
        return true;
    for (size_t i = 0; where[i] != '\0'; i++) {
        if (i > 0 && is_id_char(where[i - 1]))
            continue;
        size_t k = 0;
        while (k < n && where[i + k] != '\0' && lower(where[i + k]) == lower(name[k]))
            k++;
        if (k == n && !is_id_char(where[i + n]))
            return true;
    }
    return false;
}

/* The levels of a categorical column as numbers, when every level is a
 * plain decimal number (e.g. SPSS codes 1, 2, 9, 10 with value labels);
 * NULL otherwise or when memory runs out (the column is then text). */
static double *numeric_levels(const coh_column *c)
{
    if (c->type != COH_CATEGORICAL || c->n_levels == 0)
        return NULL;
    double *v = malloc(c->n_levels * sizeof *v);
    if (v == NULL)
        return NULL;
    for (size_t k = 0; k < c->n_levels; k++) {
        const char *s = c->levels[k];
        char *end;
        v[k] = strtod(s, &end);
        bool plain = *s != '\0' && *end == '\0' && isfinite(v[k]);
        for (const char *q = s; plain && *q; q++)
            plain = (*q >= '0' && *q <= '9') || *q == '.' || *q == '-' || *q == '+' ||
                    *q == 'e' || *q == 'E';
        if (!plain) {
            free(v);
            return NULL;
        }
    }
    return v;
}

/* Build ctx->decl, `CREATE TABLE x("a" INTEGER, "b""c" REAL, ...)`, and
 * ctx->map.  Only the columns `where` may mention are declared: SQLite
 * allows at most 2000 columns in a table, fewer than some SAS or SPSS files
 * hold, and a wide table costs nothing this way.  Columns whose names collide
 * but for case are left out (see filter.h); with no column left, one hidden
 * placeholder keeps the declaration valid. */
static coh_status build_decl(flt_ctx *ctx, const char *where)
{
    const coh_table *t = ctx->t;
    size_t len = 64;
    for (size_t j = 0; j < t->n_cols; j++)
        len += 2 * strlen(t->cols[j]->name) + 16;
    ctx->decl = malloc(len);
    ctx->map = malloc((t->n_cols ? t->n_cols : 1) * sizeof *ctx->map);
    ctx->level_num = calloc(t->n_cols ? t->n_cols : 1, sizeof *ctx->level_num);
    if (ctx->decl == NULL || ctx->map == NULL || ctx->level_num == NULL)
        return COH_ENOMEM;
    char *p = ctx->decl;
    p += sprintf(p, "CREATE TABLE x(");
    for (size_t j = 0; j < t->n_cols; j++) {
        const coh_column *c = t->cols[j];
        if (!mentioned(c->name, where) || ambiguous(t, j))
            continue;
        if (ctx->n_map > 0)
            *p++ = ',';
        *p++ = '"';
        for (const char *s = c->name; *s; s++) {
            *p++ = *s;
            if (*s == '"')
                *p++ = '"';
        }
        *p++ = '"';
        ctx->level_num[ctx->n_map] = numeric_levels(c);
        const char *decl_type = c->type == COH_INTEGER ? " INTEGER"
                                : c->type == COH_DOUBLE || ctx->level_num[ctx->n_map] ? " REAL"
                                                                                     : " TEXT";
        p += sprintf(p, "%s", decl_type);
        ctx->map[ctx->n_map++] = j;
    }
    if (ctx->n_map == 0)
        p += sprintf(p, "\"cohort:none\" HIDDEN");
    sprintf(p, ")");
    return COH_OK;
}

/* The first of SQLite's names for the rowid that no column takes. */
static const char *rowid_alias(const flt_ctx *ctx)
{
    static const char *const aliases[] = {"rowid", "_rowid_", "oid"};
    for (size_t a = 0; a < 3; a++) {
        bool taken = false;
        for (size_t m = 0; m < ctx->n_map && !taken; m++)
            taken = name_eq(ctx->t->cols[ctx->map[m]]->name, aliases[a]);
        if (!taken)
            return aliases[a];
    }
    return NULL;
}

/* Edit distance of a and b ignoring ASCII case, or a large number when
 * either is longer than 63 bytes. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    size_t row[64];
    if (na > 63 || nb > 63)
        return (size_t)-1;
    for (size_t j = 0; j <= nb; j++)
        row[j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t up = row[j];
            size_t cost = lower(a[i - 1]) != lower(b[j - 1]);
            size_t best = diag + cost;
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[nb];
}

/* "no such column: X": name the column and list the table's similar names
 * (edit distance at most a third of the length, or one name inside the
 * other), else the first columns. */
static coh_status unknown_column(const flt_ctx *ctx, const char *name, const char *expr_text,
                                 coh_error *err)
{
    const coh_table *t = ctx->t;
    char list[600];
    size_t used = 0;
    int n_listed = 0;
    list[0] = '\0';
    for (size_t j = 0; j < t->n_cols; j++)
        if (name_eq(t->cols[j]->name, name))
            return coh_error_set(err, COH_ENOTFOUND,
                                 "--where: column '%s' is ambiguous: the table has columns "
                                 "whose names differ only in case, which SQL cannot tell "
                                 "apart; rename one %s", name, expr_text);
    size_t len = strlen(name);
    size_t max_dist = len / 3 > 1 ? len / 3 : 1;
    for (int pass = 0; pass < 2 && n_listed == 0; pass++) {
        for (size_t j = 0; j < t->n_cols; j++) {
            const char *cand = t->cols[j]->name;
            bool similar = edit_distance(cand, name) <= max_dist ||
                           contains_icase(cand, name) || contains_icase(name, cand);
            if (pass == 0 && !similar)
                continue;
            size_t need = strlen(cand) + 8;
            if (used + need >= sizeof list - 8 || n_listed == 8) {
                snprintf(list + used, sizeof list - used, ", ...");
                break;
            }
            used += (size_t)snprintf(list + used, sizeof list - used, "%s'%s'",
                                     n_listed ? ", " : "", cand);
            n_listed++;
        }
        if (pass == 0 && n_listed > 0)
            return coh_error_set(err, COH_ENOTFOUND,
                                 "--where: no column '%s' (did you mean %s?) %s",
                                 name, list, expr_text);
    }
    if (n_listed == 0)
        return coh_error_set(err, COH_ENOTFOUND, "--where: no column '%s' (the table has "
                             "no columns) %s", name, expr_text);
    return coh_error_set(err, COH_ENOTFOUND, "--where: no column '%s' (columns: %s) %s",
                         name, list, expr_text);
}

/* ---- guarding the expression ---------------------------------------------- */

/* Check 1 (see the top): the offset of a ')' that closes more than was
 * opened, or of a ';', outside strings, quoted names and comments; -1 if
 * none.  Mirrors SQLite's tokenizer: '...' "..." `...` with the quote
 * doubled inside, [...] without escapes, -- to the end of the line, and a
 * block comment to its end or the end of the text.  An unterminated string
 * or name runs to the end (SQLite then reports it). */
static long find_escape(const char *s)
{
    long depth = 0;
    for (size_t i = 0; s[i] != '\0'; i++) {
        char c = s[i];
        if (c == '\'' || c == '"' || c == '`') {
            for (i++; s[i] != '\0'; i++)
                if (s[i] == c) {
                    if (s[i + 1] != c)
                        break;
                    i++;
                }
            if (s[i] == '\0')
                return -1;
        } else if (c == '[') {
            while (s[i] != '\0' && s[i] != ']')
                i++;
            if (s[i] == '\0')
                return -1;
        } else if (c == '-' && s[i + 1] == '-') {
            while (s[i] != '\0' && s[i] != '\n')
                i++;
            if (s[i] == '\0')
                return -1;
        } else if (c == '/' && s[i + 1] == '*') {
            const char *end = strstr(s + i + 2, "*/");
            if (end == NULL)
                return -1;
            i = (size_t)(end - s) + 1;
        } else if (c == '(') {
            depth++;
        } else if (c == ')') {
            if (--depth < 0)
                return (long)i;
        } else if (c == ';') {
            return (long)i;
        }
    }
    return -1;
}

/* Whether `s` holds only blanks and comments. */
static bool is_empty_expr(const char *s)
{
    for (;;) {
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f' || *s == '\v')
            s++;
        if (s[0] == '-' && s[1] == '-') {
            while (*s != '\0' && *s != '\n')
                s++;
        } else if (s[0] == '/' && s[1] == '*') {
            const char *end = strstr(s + 2, "*/");
            if (end == NULL)
                return true;
            s = end + 2;
        } else {
            return *s == '\0';
        }
    }
}

/* Check 2: the authorizer.  One SELECT (ours), reads of our table, and
 * function calls; everything else is denied and ctx->denied says what. */
static int authorize(void *arg, int action, const char *a3, const char *a4, const char *db,
                     const char *trigger)
{
    (void)db;
    (void)trigger;
    flt_ctx *ctx = arg;
    switch (action) {
    case SQLITE_SELECT:
        if (ctx->n_select++ == 0)
            return SQLITE_OK;
        snprintf(ctx->denied, sizeof ctx->denied, "a subquery (SELECT, EXISTS, VALUES)");
        return SQLITE_DENY;
    case SQLITE_READ:
        if (a3 != NULL && strcmp(a3, VTAB_NAME) == 0)
            return SQLITE_OK;
        snprintf(ctx->denied, sizeof ctx->denied, "reading table '%s'", a3 ? a3 : "?");
        return SQLITE_DENY;
    case SQLITE_FUNCTION:
        if (a4 != NULL && name_eq(a4, "load_extension")) {
            snprintf(ctx->denied, sizeof ctx->denied, "load_extension()");
            return SQLITE_DENY;
        }
        return SQLITE_OK;
    case SQLITE_ATTACH:
        snprintf(ctx->denied, sizeof ctx->denied, "ATTACH");
        return SQLITE_DENY;
    case SQLITE_PRAGMA:
        snprintf(ctx->denied, sizeof ctx->denied, "PRAGMA");
        return SQLITE_DENY;
    case SQLITE_RECURSIVE:
        snprintf(ctx->denied, sizeof ctx->denied, "a WITH clause");
        return SQLITE_DENY;
    default:
        snprintf(ctx->denied, sizeof ctx->denied, "anything but reading the columns "
                 "(SQLite authorizer action %d)", action);
        return SQLITE_DENY;
    }
}

/* The error of a failed prepare, in the user's terms. */
static coh_status prepare_error(const flt_ctx *ctx, sqlite3 *db, int rc, size_t prefix_len,
                                const char *where, const char *expr_text, coh_error *err)
{
    const char *msg = sqlite3_errmsg(db);
    if ((rc & 0xFF) == SQLITE_NOMEM)
        return coh_error_set(err, COH_ENOMEM, "--where: out of memory");
    if (ctx->denied[0] != '\0')
        return coh_error_set(err, COH_EPARSE, "--where: %s is not allowed; give one "
                             "expression over the columns %s", ctx->denied, expr_text);
    if (strcmp(msg, "incomplete input") == 0)
        return coh_error_set(err, COH_EPARSE, "--where: incomplete expression (a '(', a "
                             "quote or a comment is not closed) %s", expr_text);
    /* an unterminated string runs into the "\n)" we appended: cut it */
    char clean[256];
    snprintf(clean, sizeof clean, "%s", msg);
    char *ours = strstr(clean, "\n)");
    if (ours != NULL)
        memmove(ours, ours + 2, strlen(ours + 2) + 1);
    msg = clean;
    static const char no_col[] = "no such column: ";
    if (strncmp(msg, no_col, sizeof no_col - 1) == 0)
        return unknown_column(ctx, msg + sizeof no_col - 1, expr_text, err);
    /* where SQLite stopped: past the end of the expression means it ended
     * early ("age >="), which SQLite words as an error near our ')' */
    int off = sqlite3_error_offset(db);
    if (off >= 0 && (size_t)off >= prefix_len + strlen(where) && strstr(msg, "syntax") != NULL)
        return coh_error_set(err, COH_EPARSE, "--where: incomplete expression: it ends "
                             "where more was expected %s", expr_text);
    return coh_error_set(err, COH_EPARSE, "--where: %s %s", msg, expr_text);
}

/* ---- the filter ----------------------------------------------------------- */

/* Open the connection, register the module and prepare the guarded SELECT. */
static coh_status prepare(flt_ctx *ctx, sqlite3 **dbp, sqlite3_stmt **stmtp, const char *where,
                          const char *expr_text, coh_error *err)
{
    int rc = sqlite3_open_v2(":memory:", dbp, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                             SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_PRIVATECACHE, NULL);
    sqlite3 *db = *dbp;
    if (rc != SQLITE_OK)
        return coh_error_set(err, rc == SQLITE_NOMEM ? COH_ENOMEM : COH_EINTERNAL,
                             "--where: cannot open SQLite: %s",
                             db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_limit(db, SQLITE_LIMIT_LENGTH, LENGTH_LIMIT);
    sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    /* "ph.ecg" (a typo) must be an unknown column, not the string 'ph.ecg'
     * that SQLite's legacy double-quoted strings would make of it */
    sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DML, 0, NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DDL, 0, NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
    rc = sqlite3_create_module_v2(db, VTAB_NAME, &flt_module, ctx, NULL);
    if (rc != SQLITE_OK)
        return coh_error_set(err, rc == SQLITE_NOMEM ? COH_ENOMEM : COH_EINTERNAL,
                             "--where: cannot register the table: %s", sqlite3_errmsg(db));

    const char *alias = rowid_alias(ctx);
    if (alias == NULL)
        return coh_error_set(err, COH_EINVAL, "--where: the table has columns named rowid, "
                             "_rowid_ and oid, which SQLite needs; rename one");
    /* Connect the table before the authorizer is set, so that its declaration
     * is never judged by it. */
    char head[64];
    snprintf(head, sizeof head, "SELECT %s FROM " VTAB_NAME " WHERE (\n", alias);
    sqlite3_stmt *probe = NULL;
    rc = sqlite3_prepare_v2(db, "SELECT 1 FROM " VTAB_NAME " WHERE 0", -1, &probe, NULL);
    sqlite3_finalize(probe);
    if (rc != SQLITE_OK)
        return coh_error_set(err, rc == SQLITE_NOMEM ? COH_ENOMEM : COH_EINTERNAL,
                             "--where: cannot declare the table's columns: %s",
                             sqlite3_errmsg(db));
    sqlite3_set_authorizer(db, authorize, ctx);

    size_t head_len = strlen(head), where_len = strlen(where);
    char *sql = malloc(head_len + where_len + 3);
    if (sql == NULL)
        return coh_error_set(err, COH_ENOMEM, "--where: out of memory");
    memcpy(sql, head, head_len);
    memcpy(sql + head_len, where, where_len);
    /* a newline ends a trailing "--" comment before our ')' */
    memcpy(sql + head_len + where_len, "\n)", 3);
    const char *tail = NULL;
    rc = sqlite3_prepare_v2(db, sql, -1, stmtp, &tail);
    bool has_tail = rc == SQLITE_OK && tail != NULL && *tail != '\0';
    free(sql);
    if (rc != SQLITE_OK)
        return prepare_error(ctx, db, rc, head_len, where, expr_text, err);
    /* Check 3.  The scan and the authorizer make these unreachable; they
     * stay as a last line should either ever be wrong. */
    if (*stmtp == NULL || has_tail || !sqlite3_stmt_readonly(*stmtp) ||
        sqlite3_column_count(*stmtp) != 1)
        return coh_error_set(err, COH_EPARSE, "--where: not a single expression %s",
                             expr_text);
    if (sqlite3_bind_parameter_count(*stmtp) > 0)
        return coh_error_set(err, COH_EPARSE, "--where: parameters (?, :name, @name, $name) "
                             "are not allowed; write the value itself %s", expr_text);
    return COH_OK;
}

coh_status coh_table_filter(const coh_table *t, const char *where, uint8_t *keep,
                            size_t *n_kept, coh_error *err)
{
    if (n_kept != NULL)
        *n_kept = 0;
    if (t == NULL || where == NULL || keep == NULL)
        return coh_error_set(err, COH_EINVAL, "coh_table_filter: table, expression and "
                             "keep are required");
    char expr_text[EXCERPT_MAX + 8];
    char quoted[EXCERPT_MAX + 16];
    coh_excerpt(where, strlen(where), expr_text, sizeof expr_text);
    snprintf(quoted, sizeof quoted, "(in: %s)", expr_text);
    if (is_empty_expr(where))
        return coh_error_set(err, COH_EPARSE, "--where: the expression is empty");
    long bad = find_escape(where);
    if (bad >= 0) {
        if (where[bad] == ';')
            return coh_error_set(err, COH_EPARSE, "--where: ';' at character %ld: give one "
                                 "expression, not statements %s", bad + 1, quoted);
        return coh_error_set(err, COH_EPARSE, "--where: ')' at character %ld closes a "
                             "parenthesis that was not opened %s", bad + 1, quoted);
    }

    flt_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.t = t;
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    coh_status st = build_decl(&ctx, where);
    if (st != COH_OK) {
        st = coh_error_set(err, COH_ENOMEM, "--where: out of memory");
    } else if ((st = prepare(&ctx, &db, &stmt, where, quoted, err)) == COH_OK) {
        memset(keep, 0, t->n_rows);
        size_t kept = 0;
        int rc;
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
            sqlite3_int64 row = sqlite3_column_int64(stmt, 0);
            if (row < 0 || (uint64_t)row >= t->n_rows) { /* cannot happen */
                rc = SQLITE_INTERNAL;
                break;
            }
            keep[row] = 1;
            kept++;
        }
        if (rc == SQLITE_INTERNAL)
            st = coh_error_set(err, COH_EINTERNAL, "--where: a row index out of range");
        else if (rc == SQLITE_NOMEM)
            st = coh_error_set(err, COH_ENOMEM, "--where: out of memory");
        else if (rc != SQLITE_DONE)
            st = coh_error_set(err, COH_EDOMAIN, "--where: %s %s", sqlite3_errmsg(db),
                               quoted);
        else if (n_kept != NULL)
            *n_kept = kept;
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    free(ctx.decl);
    free(ctx.map);
    if (ctx.level_num != NULL)
        for (size_t m = 0; m < ctx.n_map; m++)
            free(ctx.level_num[m]);
    free(ctx.level_num);
    return st;
}

/* ---- subset --------------------------------------------------------------- */

/* A copy of column `src` holding the rows with keep[i] != 0 (n_kept of them):
 * name, label, unit, levels and their labels, values and missing mask (NULL
 * when none of the kept rows is missing).  NULL when memory runs out. */
static coh_column *subset_column(const coh_column *src, const uint8_t *keep, size_t n_kept)
{
    coh_column *c = coh_column_new(src->name, src->type, n_kept);
    if (c == NULL)
        return NULL;
    if (coh_column_set_label(c, src->label) != COH_OK ||
        coh_column_set_unit(c, src->unit) != COH_OK)
        goto fail;
    if (src->n_levels > 0) {
        c->levels = calloc(src->n_levels, sizeof *c->levels);
        if (c->levels == NULL)
            goto fail;
        if (src->level_labels != NULL &&
            (c->level_labels = calloc(src->n_levels, sizeof *c->level_labels)) == NULL)
            goto fail;
        c->n_levels = src->n_levels; /* from here coh_column_free frees them */
        for (size_t k = 0; k < src->n_levels; k++) {
            if ((c->levels[k] = coh_strdup(src->levels[k])) == NULL)
                goto fail;
            if (src->level_labels != NULL && src->level_labels[k] != NULL &&
                (c->level_labels[k] = coh_strdup(src->level_labels[k])) == NULL)
                goto fail;
        }
    }
    size_t j = 0, n_missing = 0;
    for (size_t i = 0; i < src->n; i++) {
        if (!keep[i])
            continue;
        bool na = coh_column_is_na(src, i);
        if (c->num != NULL)
            c->num[j] = na ? NAN : src->num[i];
        else
            c->code[j] = na ? -1 : src->code[i];
        c->missing[j] = na;
        n_missing += na;
        j++;
    }
    c->n_missing = n_missing;
    if (n_missing == 0) { /* the table's convention: no mask when none missing */
        free(c->missing);
        c->missing = NULL;
    }
    return c;
fail:
    coh_column_free(c);
    return NULL;
}

coh_status coh_table_subset(const coh_table *t, const uint8_t *keep, coh_table **out,
                            coh_error *err)
{
    if (out != NULL)
        *out = NULL;
    if (t == NULL || out == NULL || (keep == NULL && t->n_rows > 0))
        return coh_error_set(err, COH_EINVAL, "coh_table_subset: table, keep and out are "
                             "required");
    size_t n_kept = 0;
    for (size_t i = 0; i < t->n_rows; i++)
        n_kept += keep[i] != 0;
    coh_table *sub = coh_table_new();
    if (sub == NULL)
        return coh_error_set(err, COH_ENOMEM, "out of memory");
    for (size_t j = 0; j < t->n_cols; j++) {
        coh_column *c = subset_column(t->cols[j], keep, n_kept);
        if (c == NULL) {
            coh_table_free(sub);
            return coh_error_set(err, COH_ENOMEM, "out of memory copying column '%s'",
                                 t->cols[j]->name);
        }
        coh_status st = coh_table_add_column(sub, c, err);
        if (st != COH_OK) {
            coh_table_free(sub);
            return st;
        }
    }
    *out = sub;
    return COH_OK;
}
