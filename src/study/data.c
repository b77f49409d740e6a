/* data.c - the analysis table of a study and the counts of its cohort
 * selection (study.h: coh_study_data, coh_study_flow_free).
 *
 * What it does, in order, in one in-memory SQLite database that lives for
 * the call:
 *
 *   1. read each source with coh_read (its SQLite table or query, and its
 *      extra missing-value tokens on top of "", "NA" and ".");
 *   2. load it into a table `source`, one SQL column per column:
 *        double -> REAL, integer -> INTEGER, date -> TEXT 'YYYY-MM-DD' (so
 *        that julianday() and date() work), categorical and string -> TEXT
 *        holding the stored level value (not its label), missing -> NULL;
 *      with one prepared INSERT inside the call's one transaction;
 *   3. map it with its select (SELECT * FROM source when it has none),
 *      which must be one statement that only reads, its columns uniquely
 *      named (SQL does not tell upper from lower case) and none called
 *      `source`;
 *   4. stack: every select must return the same column names as the first
 *      source's (in any order; the first's order is kept); its rows go
 *      straight into `cur` (INSERT ... SELECT ... FROM (<select>)) behind a
 *      first column `source` holding the source's name, sources in study
 *      order and rows in the order of each select; then `source` is
 *      dropped;
 *   5. derive, in order: CREATE TABLE ... AS SELECT *, (expr) AS "name"
 *      FROM cur ORDER BY cur.rowid, so that an expression may use window
 *      functions (age - avg(age) OVER ()) and the row order is kept;
 *      consecutive derives that do not use one another share one such
 *      copy of the table (each copy is a pass over every cell); an
 *      expression that changes the number of rows (a plain aggregate) is
 *      an error, as is a name that is already a column.  An expression or
 *      condition must stay inside the brackets put around it (no
 *      unmatched ')' or top-level ';'), so that it cannot reach outside
 *      its statement;
 *   6. the cohort steps, in order: an include step deletes the rows where
 *      its condition IS NOT TRUE (false or NULL: "NULL counts as not
 *      true"), an exclude step those where it IS TRUE (a NULL condition
 *      keeps the row).  True is SQLite's: a non-zero number.  A step that
 *      leaves no row is COH_EDOMAIN naming it;
 *   7. the groups: cohort.groups.variable must be a column; rows where it
 *      is NULL or blank text are left out and counted;
 *   8. read `cur` back into a coh_table through the SQLite reader's own
 *      cell reading (src/io/sqlite_internal.h), so that a column has the
 *      type a file with the same values would give it:
 *        all INTEGER cells                 -> INTEGER
 *        numbers with any REAL cell        -> DOUBLE (a value computed in
 *                                             floating point, such as
 *                                             julianday() differences, stays
 *                                             a double even when whole)
 *        text that is all 'YYYY-MM-DD'     -> DATE
 *        text that reads as numbers        -> numbers, as in a CSV file
 *        other text, or text mixed with
 *        numbers                           -> CATEGORICAL, levels sorted (or
 *                                             STRING when there are more than
 *                                             50 levels or nearly every value
 *                                             is distinct: identifiers)
 *        all NULL                          -> DOUBLE, all missing
 *      only NULL and blank text are missing here (the sources' tokens
 *      were applied when they were read);
 *   9. labels from the files: a column of a source without a select (its
 *      rows pass unchanged) keeps its label (SPSS, Stata, SAS variable
 *      labels) in the analysis table's column of the same name, and, when
 *      the reader made it categorical with value labels, those too: it
 *      becomes categorical again, and the labelled values that do not
 *      occur are levels, in the order of their values.  Sources that
 *      disagree about a label carry none;
 *  10. the variables: label and unit; kind categorical (or levels given)
 *      makes a numeric or date column categorical with the values' text as
 *      levels (coh_format_num, coh_format_date) in value order; given
 *      levels come first in their order (a value not in the data stays as
 *      an empty level, so that it shows with 0), the data's others after
 *      them; level labels; a reference level must exist.  A variable that
 *      is not a column is COH_ENOTFOUND at its position;
 *  11. the group column becomes categorical with only the levels that have
 *      patients: cohort.groups.order first, the others in the column's
 *      level order (sorted, or the variable's order).
 *
 * The flow (as coh_plot_flow takes it; its checks hold by construction):
 *   START  one per source: its name, n = rows read;
 *   EXCLUDE "left out by the select of NAME", when a select returned fewer
 *          rows than were read (more rows is an error: the flow counts
 *          patients);
 *   EXCLUDE one per step, n = rows removed, 0 included (coh_plot_flow
 *          accepts an exclusion of 0, and a step the study file names
 *          should show): an exclude step under its label, an include step
 *          under "Not: " and its label;
 *   EXCLUDE "missing <group label>" when rows had no group (only when some
 *          did);
 *   BOX    "Eligible", n = rows of the analysis table;
 *   GROUP  one per group, in the groups' order, labelled with the level's
 *          text (its label when it has one), when the study has groups.
 *
 * Errors name the study file's position of the source, derived variable,
 * step, variable or groups ("study.yaml:12:5: derive 'os_months': no such
 * column: lastdate; the columns are: ...").  Everything is freed on every
 * path; no file-scope state.
 *
 * Time: 100,000 rows of 19 columns with ten derives, three steps and
 * groups take about 0.4 s (loading the rows and copying the table per
 * batch of derives dominate; tests/unit/test_study_data.c times a smaller
 * case).
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "cohort/io.h"
#include "cohort/study.h"
#include "core/colbuild.h"
#include "core/core.h"
#include "io/sqlite_internal.h"

/* ---- a growing string, for SQL --------------------------------------------- */

typedef struct sbuf {
    char *p;
    size_t len, cap;
    bool failed; /* out of memory: later appends do nothing */
} sbuf;

static void sb_addn(sbuf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (p == NULL) {
            b->failed = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_add(sbuf *b, const char *s)
{
    sb_addn(b, s, strlen(s));
}

/* `s` between quotes `q`, each q inside doubled: "name" for an identifier,
 * 'text' for a string literal. */
static void sb_quoted(sbuf *b, const char *s, char q)
{
    sb_addn(b, &q, 1);
    for (const char *p = s; *p != '\0'; p++) {
        const char *next = strchr(p, q);
        size_t n = next ? (size_t)(next - p) + 1 : strlen(p);
        sb_addn(b, p, n);
        if (next == NULL)
            break;
        sb_addn(b, &q, 1);
        p = next;
    }
    sb_addn(b, &q, 1);
}

static void sb_reset(sbuf *b)
{
    b->len = 0;
    if (b->p != NULL)
        b->p[0] = '\0';
}

/* ---- the state of one call -------------------------------------------------- */

/* The labels of a source column, carried into the analysis table. */
typedef struct carried {
    char *name;
    char *label;          /* the column's label, or NULL */
    bool label_conflict;  /* two sources disagree: no label */
    size_t n;             /* value labels: values[k] is labels[k] */
    char **values;
    char **labels;
    bool conflict;        /* two sources disagree: no value labels */
} carried;

typedef struct data_ctx {
    const coh_study *s;
    coh_error *err;
    sqlite3 *db;
    char sqlmsg[512];     /* SQLite's message of the last failed statement */
    int sqloff;           /* and the byte offset of the error in it, or -1 */
    char **cols;          /* columns of `cur`, in order */
    size_t n_cols;
    size_t n_rows;        /* rows of `cur` */
    coh_study_flow *flow;
    size_t cap_steps;
    carried *carry;
    size_t n_carry;
} data_ctx;

/* "FILE:LINE:COL: " of a key of the study file; "FILE: " when the key has
 * no position (a study built in code). */
static const char *at(const data_ctx *c, coh_study_pos pos, char *buf, size_t size)
{
    const char *file = c->s->file != NULL ? c->s->file : "study";
    if (pos.line > 0)
        snprintf(buf, size, "%s:%zu:%zu: ", file, pos.line, pos.column);
    else
        snprintf(buf, size, "%s: ", file);
    return buf;
}

/* Fill c->err with `st`, the position and the message; returns `st`. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static coh_status fail(data_ctx *c, coh_status st, coh_study_pos pos, const char *fmt, ...)
{
    char where[300], msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return coh_error_set(c->err, st, "%s%s", at(c, pos, where, sizeof where), msg);
}

static coh_status oom(data_ctx *c)
{
    return coh_error_set(c->err, COH_ENOMEM, "out of memory");
}

/* "a, b, c" of `names`, cut with ", ..." to fit `size`. */
static void name_list(const char *const *names, size_t n, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(names[i]);
        if (used + len + 8 >= size) {
            snprintf(buf + used, size - used, "%s...", i ? ", " : "");
            return;
        }
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "", names[i]);
    }
}

/* The error of a statement built around the study's SQL (`what` says whose:
 * "source 'A': select", "derive 'x'", "step 'y'").  When SQLite names a
 * column that does not exist, the message lists those that do. */
static coh_status sql_fail(data_ctx *c, int rc, coh_study_pos pos, const char *what,
                           const char *const *names, size_t n_names)
{
    if ((rc & 0xFF) == SQLITE_NOMEM)
        return oom(c);
    char hint[560];
    hint[0] = '\0';
    if (names != NULL && strncmp(c->sqlmsg, "no such column", 14) == 0) {
        char list[520];
        name_list(names, n_names, list, sizeof list);
        snprintf(hint, sizeof hint, "; the columns are: %s", list);
    }
    return fail(c, COH_EPARSE, pos, "%s: %s%s", what, c->sqlmsg, hint);
}

/* Skip blanks and SQL comments. */
static const char *skip_space(const char *s)
{
    for (;;) {
        while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n' || *s == '\f' || *s == '\v')
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

/* Prepare and run one statement, the whole of `sql`.  Returns SQLite's
 * code (SQLITE_OK when done); on failure c->sqlmsg holds the message. */
static int run_sql(data_ctx *c, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    const char *tail = NULL;
    int rc = sqlite3_prepare_v2(c->db, sql, -1, &stmt, &tail);
    if (rc == SQLITE_OK && *skip_space(tail) != '\0') {
        /* cannot happen for the SQL built here (expressions are checked to
         * stay inside their brackets), but never run a second statement */
        snprintf(c->sqlmsg, sizeof c->sqlmsg, "more than one statement");
        sqlite3_finalize(stmt);
        return SQLITE_ERROR;
    }
    if (rc == SQLITE_OK && stmt != NULL) {
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
            ;
        if (rc == SQLITE_DONE)
            rc = SQLITE_OK;
    }
    c->sqloff = -1;
    if (rc != SQLITE_OK) {
        snprintf(c->sqlmsg, sizeof c->sqlmsg, "%s", sqlite3_errmsg(c->db));
        c->sqloff = sqlite3_error_offset(c->db);
    }
    sqlite3_finalize(stmt);
    return rc;
}

/* The error of a statement built around an expression that starts at byte
 * `start` of it: a syntax error past the expression's end means that the
 * expression stopped early ("age >="), which SQLite would report near the
 * bracket we close it with. */
static coh_status expr_fail(data_ctx *c, int rc, coh_study_pos pos, const char *what,
                            size_t start, const char *expr)
{
    if (c->sqloff >= 0 && (size_t)c->sqloff >= start + strlen(expr) &&
        strstr(c->sqlmsg, "syntax error") != NULL)
        return fail(c, COH_EPARSE, pos, "%s: the expression ends too early: something is "
                    "missing at its end", what);
    return sql_fail(c, rc, pos, what, (const char *const *)c->cols, c->n_cols);
}

/* Run SQL of our own, which fails only when memory runs out (or on a bug). */
static coh_status run_own(data_ctx *c, const char *sql)
{
    int rc = run_sql(c, sql);
    if (rc == SQLITE_OK)
        return COH_OK;
    if ((rc & 0xFF) == SQLITE_NOMEM)
        return oom(c);
    return coh_error_set(c->err, COH_EINTERNAL, "study data: SQL '%.200s' failed: %s", sql,
                         c->sqlmsg);
}

/* The number of rows of `table`. */
static coh_status count_rows(data_ctx *c, const char *table, size_t *n)
{
    sbuf b = {0};
    sb_add(&b, "SELECT count(*) FROM ");
    sb_quoted(&b, table, '"');
    if (b.failed) {
        free(b.p);
        return oom(c);
    }
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(c->db, b.p, -1, &stmt, NULL);
    free(b.p);
    if (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        *n = (size_t)sqlite3_column_int64(stmt, 0);
        rc = SQLITE_OK;
    }
    if (rc != SQLITE_OK)
        snprintf(c->sqlmsg, sizeof c->sqlmsg, "%s", sqlite3_errmsg(c->db));
    sqlite3_finalize(stmt);
    if (rc == SQLITE_OK)
        return COH_OK;
    return (rc & 0xFF) == SQLITE_NOMEM ? oom(c)
                                       : coh_error_set(c->err, COH_EINTERNAL,
                                                       "study data: counting rows: %s", c->sqlmsg);
}

/* Does `name` equal one of names[] as SQL sees names (ASCII case folded)?
 * Returns its index or -1. */
static long find_name(char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (sqlite3_stricmp(names[i], name) == 0)
            return (long)i;
    return -1;
}

static void free_names(char **names, size_t n)
{
    if (names == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* The name under which `cur`'s rowid can be read: SQLite's three aliases,
 * the first that no column has taken. */
static const char *rowid_name(const data_ctx *c)
{
    static const char *const alias[] = {"rowid", "_rowid_", "oid"};
    for (size_t i = 0; i < 3; i++)
        if (find_name(c->cols, c->n_cols, alias[i]) < 0)
            return alias[i];
    return NULL;
}

/* Can `expr` stand inside brackets as one SQL expression?  Its brackets
 * must balance outside quotes and comments and it may not hold a ';' at
 * the top: otherwise text like "1) AS x FROM cur --" would reach outside
 * the statement built around it.  Returns NULL, or what is wrong. */
static const char *expr_problem(const char *expr)
{
    int depth = 0;
    const char *p = skip_space(expr);
    if (*p == '\0')
        return "the expression is empty";
    for (p = expr; *p != '\0'; p++) {
        char q = *p;
        if (q == '\'' || q == '"' || q == '`' || q == '[') {
            char close = q == '[' ? ']' : q;
            for (p++;; p++) {
                if (*p == '\0')
                    return q == '\'' ? "a quote (') is not closed"
                                     : "a quoted name is not closed";
                if (*p == close) {
                    if (close != ']' && p[1] == close) { /* doubled: part of the text */
                        p++;
                        continue;
                    }
                    break;
                }
            }
        } else if (q == '-' && p[1] == '-') {
            while (p[1] != '\0' && p[1] != '\n')
                p++;
        } else if (q == '/' && p[1] == '*') {
            const char *end = strstr(p + 2, "*/");
            if (end == NULL)
                return "a comment (/*) is not closed";
            p = end + 1;
        } else if (q == '(') {
            depth++;
        } else if (q == ')') {
            if (--depth < 0)
                return "a ')' closes a bracket that the expression did not open";
        } else if (q == ';' && depth == 0) {
            return "a ';' ends the expression early: give one expression";
        }
    }
    if (depth > 0)
        return "a '(' is not closed";
    return NULL;
}

/* ---- the flow -------------------------------------------------------------- */

/* Append a step labelled prefix + label.  The text is flow->labels[i] for
 * step i (one per step, each freed by coh_study_flow_free). */
static coh_status flow_add(data_ctx *c, coh_flow_kind kind, const char *prefix,
                           const char *label, size_t n)
{
    coh_study_flow *f = c->flow;
    if (f->n_steps == c->cap_steps) {
        size_t cap = c->cap_steps ? 2 * c->cap_steps : 16;
        coh_flow_step *steps = realloc(f->steps, cap * sizeof *steps);
        if (steps == NULL)
            return oom(c);
        f->steps = steps;
        char **labels = realloc(f->labels, cap * sizeof *labels);
        if (labels == NULL)
            return oom(c);
        f->labels = labels;
        c->cap_steps = cap;
    }
    size_t lp = strlen(prefix), ll = strlen(label);
    char *text = malloc(lp + ll + 1);
    if (text == NULL)
        return oom(c);
    memcpy(text, prefix, lp);
    memcpy(text + lp, label, ll + 1);
    f->labels[f->n_steps] = text;
    f->steps[f->n_steps] = (coh_flow_step){kind, text, (double)n};
    f->n_steps++;
    return COH_OK;
}

void coh_study_flow_free(coh_study_flow *f)
{
    if (f == NULL)
        return;
    if (f->labels != NULL)
        for (size_t i = 0; i < f->n_steps; i++)
            free(f->labels[i]);
    free(f->labels);
    free(f->steps);
    free(f->source_rows);
    free(f);
}

/* ---- 1-4: read, load, map and stack each source ------------------------------------- */

static const char *const default_na[] = {"", "NA", "."};

/* Remember the column labels and the value labels (of labelled
 * categorical columns) of `t`, a source without a select (step 9 of the
 * header comment). */
static coh_status carry_labels(data_ctx *c, const coh_table *t)
{
    for (size_t j = 0; j < t->n_cols; j++) {
        const coh_column *col = t->cols[j];
        bool value_labels = col->type == COH_CATEGORICAL && col->level_labels != NULL;
        if (col->label == NULL && !value_labels)
            continue;
        carried *cr = NULL;
        for (size_t k = 0; k < c->n_carry; k++)
            if (strcmp(c->carry[k].name, col->name) == 0)
                cr = &c->carry[k];
        if (cr == NULL) {
            carried *grown = realloc(c->carry, (c->n_carry + 1) * sizeof *grown);
            if (grown == NULL)
                return oom(c);
            c->carry = grown;
            cr = &c->carry[c->n_carry++];
            memset(cr, 0, sizeof *cr);
            if ((cr->name = coh_strdup(col->name)) == NULL)
                return oom(c);
        }
        if (col->label != NULL && cr->label == NULL && !cr->label_conflict) {
            if ((cr->label = coh_strdup(col->label)) == NULL)
                return oom(c);
        } else if (col->label != NULL && cr->label != NULL && strcmp(cr->label, col->label) != 0) {
            free(cr->label);
            cr->label = NULL;
            cr->label_conflict = true;
        }
        if (!value_labels || cr->conflict)
            continue;
        char **values = realloc(cr->values, (cr->n + col->n_levels) * sizeof *values);
        if (values == NULL)
            return oom(c);
        cr->values = values;
        char **labels = realloc(cr->labels, (cr->n + col->n_levels) * sizeof *labels);
        if (labels == NULL)
            return oom(c);
        cr->labels = labels;
        for (size_t k = 0; k < col->n_levels && !cr->conflict; k++) {
            const char *label = col->level_labels[k];
            size_t i = 0;
            while (i < cr->n && strcmp(cr->values[i], col->levels[k]) != 0)
                i++;
            if (i < cr->n) {
                const char *had = cr->labels[i];
                if ((had == NULL) != (label == NULL) ||
                    (had != NULL && strcmp(had, label) != 0))
                    cr->conflict = true;
                continue;
            }
            cr->labels[cr->n] = NULL;
            cr->values[cr->n] = coh_strdup(col->levels[k]);
            cr->n++;
            if (cr->values[cr->n - 1] == NULL ||
                (label != NULL && (cr->labels[cr->n - 1] = coh_strdup(label)) == NULL))
                return oom(c);
        }
    }
    return COH_OK;
}

static void free_carry(data_ctx *c)
{
    for (size_t k = 0; k < c->n_carry; k++) {
        free_names(c->carry[k].values, c->carry[k].n);
        free_names(c->carry[k].labels, c->carry[k].n);
        free(c->carry[k].label);
        free(c->carry[k].name);
    }
    free(c->carry);
}

/* Read source k with coh_read into *out. */
static coh_status read_source(data_ctx *c, const coh_study_source *src, const char *what,
                              coh_table **out)
{
    const char *path = src->path != NULL ? src->path : src->file;
    if (path == NULL)
        return fail(c, COH_EINVAL, src->pos, "%s: no file is given", what);
    coh_format f = coh_format_from_path(path);
    if ((src->table != NULL || src->query != NULL) && f != COH_FORMAT_AUTO &&
        f != COH_FORMAT_SQLITE)
        return fail(c, COH_EINVAL, src->pos, "%s: a table or query is given, but '%s' is a %s "
                    "file, not an SQLite database", what, path, coh_format_name(f));
    const char **na = calloc(3 + src->n_na, sizeof *na);
    if (na == NULL)
        return oom(c);
    for (size_t i = 0; i < 3; i++)
        na[i] = default_na[i];
    for (size_t i = 0; i < src->n_na; i++)
        na[3 + i] = src->na[i];
    coh_read_options o;
    coh_read_options_init(&o);
    o.na_tokens = na;
    o.n_na_tokens = 3 + src->n_na;
    o.sqlite_table = src->table;
    o.sqlite_query = src->query;
    coh_error sub;
    coh_error_clear(&sub);
    coh_status st = coh_read(path, &o, out, &sub);
    free(na);
    if (st != COH_OK)
        return st == COH_ENOMEM ? oom(c) : fail(c, st, src->pos, "%s: %s", what, sub.msg);
    return COH_OK;
}

/* The SQL type of a column (header comment, step 2). */
static const char *sql_type(coh_type t)
{
    switch (t) {
    case COH_DOUBLE: return "REAL";
    case COH_INTEGER: return "INTEGER";
    default: return "TEXT";
    }
}

/* Load `t` into a new table `source`: one prepared INSERT per row, inside
 * the call's transaction. */
static coh_status load_source(data_ctx *c, const coh_table *t, const coh_study_source *src,
                              const char *what)
{
    sbuf b = {0};
    coh_status st = COH_OK;
    sqlite3_stmt *ins = NULL;
    sb_add(&b, "CREATE TABLE source (");
    for (size_t j = 0; j < t->n_cols; j++) {
        if (j > 0)
            sb_add(&b, ", ");
        sb_quoted(&b, t->cols[j]->name, '"');
        sb_add(&b, " ");
        sb_add(&b, sql_type(t->cols[j]->type));
    }
    sb_add(&b, ")");
    if (b.failed) {
        st = oom(c);
        goto done;
    }
    int rc = run_sql(c, b.p);
    if (rc != SQLITE_OK) {
        if (strncmp(c->sqlmsg, "duplicate column name", 21) == 0)
            st = fail(c, COH_EINVAL, src->pos, "%s: %s (SQL does not tell upper from lower "
                      "case in names: rename one of the file's columns)", what, c->sqlmsg);
        else
            st = sql_fail(c, rc, src->pos, what, NULL, 0);
        goto done;
    }
    sb_reset(&b);
    sb_add(&b, "INSERT INTO source VALUES (");
    for (size_t j = 0; j < t->n_cols; j++)
        sb_add(&b, j ? ", ?" : "?");
    sb_add(&b, ")");
    if (b.failed) {
        st = oom(c);
        goto done;
    }
    if ((rc = sqlite3_prepare_v2(c->db, b.p, -1, &ins, NULL)) != SQLITE_OK)
        goto sql_error;
    for (size_t i = 0; i < t->n_rows; i++) {
        for (size_t j = 0; j < t->n_cols; j++) {
            const coh_column *col = t->cols[j];
            int k = (int)j + 1;
            char day[32];
            if (coh_column_is_na(col, i)) {
                rc = sqlite3_bind_null(ins, k);
            } else if (col->type == COH_DOUBLE) {
                rc = sqlite3_bind_double(ins, k, col->num[i]);
            } else if (col->type == COH_INTEGER) {
                rc = sqlite3_bind_int64(ins, k, (sqlite3_int64)col->num[i]);
            } else if (col->type == COH_DATE) {
                coh_format_date(col->num[i], day, sizeof day);
                rc = sqlite3_bind_text(ins, k, day, -1, SQLITE_TRANSIENT);
            } else if (col->code[i] < 0) {
                rc = sqlite3_bind_null(ins, k);
            } else {
                /* the level text outlives the statement's step */
                rc = sqlite3_bind_text(ins, k, col->levels[col->code[i]], -1, SQLITE_STATIC);
            }
            if (rc != SQLITE_OK)
                goto sql_error;
        }
        if ((rc = sqlite3_step(ins)) != SQLITE_DONE)
            goto sql_error;
        sqlite3_reset(ins);
    }
    goto done;
sql_error:
    snprintf(c->sqlmsg, sizeof c->sqlmsg, "%s", sqlite3_errmsg(c->db));
    st = sql_fail(c, rc, src->pos, what, NULL, 0);
done:
    sqlite3_finalize(ins);
    free(b.p);
    return st;
}

/* Prepare the source's select (SELECT * FROM source when it has none) on
 * the loaded `source`: one statement that only reads, its columns named
 * uniquely and none `source`.  Their names go to *names and the length of
 * the statement's text, less a final ';', to *sel_len. */
static coh_status check_select(data_ctx *c, const coh_table *t, const coh_study_source *src,
                               const char *what, char ***names, size_t *n_names,
                               size_t *sel_len)
{
    const char *sel = src->select != NULL ? src->select : "SELECT * FROM source";
    char label[320];
    snprintf(label, sizeof label, "%s: select", what);
    sqlite3_stmt *stmt = NULL;
    const char *tail = NULL;
    coh_status st = COH_OK;
    *names = NULL;
    *n_names = 0;
    /* the source's columns, for "no such column" */
    const char **src_cols = calloc(t->n_cols + 1, sizeof *src_cols);
    if (src_cols == NULL)
        return oom(c);
    for (size_t j = 0; j < t->n_cols; j++)
        src_cols[j] = t->cols[j]->name;

    int rc = sqlite3_prepare_v2(c->db, sel, -1, &stmt, &tail);
    if (rc != SQLITE_OK) {
        snprintf(c->sqlmsg, sizeof c->sqlmsg, "%s", sqlite3_errmsg(c->db));
        st = sql_fail(c, rc, src->pos, label, src_cols, t->n_cols);
        goto done;
    }
    if (stmt == NULL) {
        st = fail(c, COH_EINVAL, src->pos, "%s: the select is empty", what);
        goto done;
    }
    const char *rest = skip_space(tail);
    while (*rest == ';')
        rest = skip_space(rest + 1);
    if (*rest != '\0') {
        char ex[64];
        coh_excerpt(rest, strlen(rest), ex, sizeof ex);
        st = fail(c, COH_EINVAL, src->pos, "%s: the select must be one statement; found more "
                  "after it: '%s'", what, ex);
        goto done;
    }
    if (!sqlite3_stmt_readonly(stmt)) {
        st = fail(c, COH_EINVAL, src->pos, "%s: the select must only read (a SELECT or "
                  "WITH ... SELECT statement over the table 'source')", what);
        goto done;
    }
    int n = sqlite3_column_count(stmt);
    if (n <= 0) {
        st = fail(c, COH_EINVAL, src->pos, "%s: the select returns no columns", what);
        goto done;
    }
    if ((*names = calloc((size_t)n, sizeof **names)) == NULL) {
        st = oom(c);
        goto done;
    }
    for (int j = 0; j < n; j++) {
        const char *name = sqlite3_column_name(stmt, j);
        if (name == NULL) {
            st = oom(c);
            goto done;
        }
        if (sqlite3_stricmp(name, "source") == 0) {
            st = fail(c, COH_EINVAL, src->pos, "%s: %s a column called '%s', but the stacked "
                      "data use 'source' for the source's name: rename it in the select "
                      "(SELECT ..., %s AS origin ...)", what,
                      src->select != NULL ? "the select returns" : "the data have", name, name);
            goto done;
        }
        long dup = find_name(*names, *n_names, name);
        if (dup >= 0) {
            bool case_only = strcmp((*names)[dup], name) != 0;
            st = fail(c, COH_EINVAL, src->pos, "%s: the select returns two columns called "
                      "'%s'%s%s%s; give each its own name (AS ...)", what, name,
                      case_only ? " (and '" : "", case_only ? (*names)[dup] : "",
                      case_only ? "': SQL does not tell upper from lower case)" : "");
            goto done;
        }
        if (((*names)[j] = coh_strdup(name)) == NULL) {
            st = oom(c);
            goto done;
        }
        (*n_names)++;
    }
    /* the statement's text, without the ';' that may end it, so that it
     * can stand in brackets */
    size_t len = (size_t)(tail - sel);
    while (len > 0 && (sel[len - 1] == ';' || sel[len - 1] == ' ' || sel[len - 1] == '\t' ||
                       sel[len - 1] == '\r' || sel[len - 1] == '\n'))
        len--;
    *sel_len = len;
done:
    sqlite3_finalize(stmt);
    free(src_cols);
    if (st != COH_OK) {
        free_names(*names, *n_names);
        *names = NULL;
        *n_names = 0;
    }
    return st;
}

/* Are the names of source k the same set as the first source's?  If not,
 * say which are missing and which extra. */
static coh_status same_columns(data_ctx *c, size_t k, char **names, size_t n)
{
    const coh_study *s = c->s;
    char missing[400], extra[400];
    size_t used_m = 0, used_e = 0, n_m = 0, n_e = 0;
    missing[0] = extra[0] = '\0';
    /* c->cols: "source", then the first source's columns */
    for (size_t i = 1; i < c->n_cols; i++) {
        size_t j = 0;
        while (j < n && strcmp(names[j], c->cols[i]) != 0)
            j++;
        if (j == n && used_m + strlen(c->cols[i]) + 8 < sizeof missing)
            used_m += (size_t)snprintf(missing + used_m, sizeof missing - used_m, "%s'%s'",
                                       n_m++ ? ", " : "", c->cols[i]);
    }
    for (size_t j = 0; j < n; j++) {
        size_t i = 1;
        while (i < c->n_cols && strcmp(names[j], c->cols[i]) != 0)
            i++;
        if (i == c->n_cols && used_e + strlen(names[j]) + 8 < sizeof extra)
            used_e += (size_t)snprintf(extra + used_e, sizeof extra - used_e, "%s'%s'",
                                       n_e++ ? ", " : "", names[j]);
    }
    if (n_m == 0 && n_e == 0)
        return COH_OK;
    return fail(c, COH_EINVAL, s->sources[k].pos,
                "source '%s': its columns differ from those of source '%s' (every source "
                "must map onto the same columns): %s%s%s%s%s",
                s->sources[k].name ? s->sources[k].name : "?",
                s->sources[0].name ? s->sources[0].name : "?", n_m ? "missing " : "", missing,
                n_m && n_e ? "; " : "", n_e ? "extra " : "", extra);
}

/* Stack the rows of source k's select into `cur`, created by the first
 * source with its columns (c->cols), the source's name as the first
 * column:
 *   CREATE TABLE cur AS SELECT 'A' AS source, "c1", ... FROM (<select>)
 *   INSERT INTO cur SELECT 'B', "c1", ... FROM (<select>)
 * (straight from the select: no copy of each source in between).  *rows:
 * the rows the select returned. */
static coh_status stack_source(data_ctx *c, size_t k, const coh_table *t,
                               const coh_study_source *src, const char *what, size_t sel_len,
                               size_t *rows)
{
    const char *sel = src->select != NULL ? src->select : "SELECT * FROM source";
    sbuf b = {0};
    sb_add(&b, k == 0 ? "CREATE TABLE cur AS SELECT " : "INSERT INTO cur SELECT ");
    sb_quoted(&b, src->name != NULL ? src->name : "", '\'');
    sb_add(&b, " AS source");
    for (size_t j = 1; j < c->n_cols; j++) {
        sb_add(&b, ", ");
        sb_quoted(&b, c->cols[j], '"');
    }
    sb_add(&b, " FROM (\n");
    sb_addn(&b, sel, sel_len);
    sb_add(&b, "\n)");
    if (b.failed) {
        free(b.p);
        return oom(c);
    }
    int rc = run_sql(c, b.p);
    free(b.p);
    if (rc != SQLITE_OK) {
        const char **src_cols = calloc(t->n_cols + 1, sizeof *src_cols);
        if (src_cols == NULL)
            return oom(c);
        for (size_t j = 0; j < t->n_cols; j++)
            src_cols[j] = t->cols[j]->name;
        char label[320];
        snprintf(label, sizeof label, "%s: select", what);
        coh_status st = sql_fail(c, rc, src->pos, label, src_cols, t->n_cols);
        free(src_cols);
        return st;
    }
    if (k > 0) {
        *rows = (size_t)sqlite3_changes64(c->db);
        return COH_OK;
    }
    return count_rows(c, "cur", rows);
}

/* Steps 1-4 of the header comment, with the sources' START steps (and
 * the exclusions of rows that a select left out). */
static coh_status sources(data_ctx *c)
{
    const coh_study *s = c->s;
    coh_status st = COH_OK;
    size_t *mapped = calloc(s->n_sources, sizeof *mapped);
    if (mapped == NULL)
        return oom(c);
    for (size_t k = 0; k < s->n_sources && st == COH_OK; k++) {
        const coh_study_source *src = &s->sources[k];
        char what[300];
        char ex[200];
        const char *name = src->name != NULL ? src->name : "";
        coh_excerpt(name, strlen(name), ex, sizeof ex);
        snprintf(what, sizeof what, "source '%s'", ex);
        coh_table *t = NULL;
        char **names = NULL;
        size_t n_names = 0, sel_len = 0;
        if ((st = read_source(c, src, what, &t)) != COH_OK)
            break;
        c->flow->source_rows[k] = t->n_rows;
        if (src->select == NULL)
            st = carry_labels(c, t);
        if (st == COH_OK)
            st = load_source(c, t, src, what);
        if (st == COH_OK)
            st = check_select(c, t, src, what, &names, &n_names, &sel_len);
        if (st == COH_OK && k == 0) {
            /* the stack's columns: `source`, then the first source's */
            if ((c->cols = calloc(n_names + 1, sizeof *c->cols)) == NULL ||
                (c->cols[0] = coh_strdup("source")) == NULL) {
                st = oom(c);
            } else {
                c->n_cols = 1;
                for (size_t j = 0; j < n_names; j++) {
                    c->cols[c->n_cols++] = names[j];
                    names[j] = NULL;
                }
            }
        } else if (st == COH_OK) {
            st = same_columns(c, k, names, n_names);
        }
        free_names(names, n_names);
        if (st == COH_OK)
            st = stack_source(c, k, t, src, what, sel_len, &mapped[k]);
        if (st == COH_OK)
            st = run_own(c, "DROP TABLE source");
        if (st == COH_OK && mapped[k] > t->n_rows)
            st = fail(c, COH_EDOMAIN, src->pos, "%s: the select returns %zu rows from the "
                      "%zu read; the flow counts patients, so a select may leave rows out "
                      "but not add them", what, mapped[k], t->n_rows);
        c->n_rows += mapped[k];
        coh_table_free(t);
    }
    /* the flow: a start per source, then what the selects left out */
    for (size_t k = 0; k < s->n_sources && st == COH_OK; k++)
        st = flow_add(c, COH_FLOW_START, "", s->sources[k].name ? s->sources[k].name : "?",
                      c->flow->source_rows[k]);
    for (size_t k = 0; k < s->n_sources && st == COH_OK; k++)
        if (mapped[k] < c->flow->source_rows[k])
            st = flow_add(c, COH_FLOW_EXCLUDE, "left out by the select of ",
                          s->sources[k].name ? s->sources[k].name : "?",
                          c->flow->source_rows[k] - mapped[k]);
    free(mapped);
    if (st == COH_OK && c->n_rows == 0)
        st = coh_error_set(c->err, COH_EEMPTY, "%s: the sources hold no rows%s",
                           s->file ? s->file : "study",
                           s->n_sources > 1 ? " (after their selects)" : "");
    return st;
}

/* ---- 5, 6, 7: derive, steps, groups ----------------------------------------- */

/* "derive 'NAME'", for messages. */
static void derive_what(const coh_study_derive *d, char *what, size_t size)
{
    char ex[200];
    const char *name = d->name != NULL ? d->name : "";
    coh_excerpt(name, strlen(name), ex, 200);
    snprintf(what, size, "derive '%s'", ex);
}

/* Does `expr` name one of the derives d[0..n) (a bare or quoted
 * identifier, outside strings and comments, any case)?  A quoted name
 * with a doubled quote inside counts as a yes: the answer only decides
 * whether the derives before it are made first, and a wrong yes costs
 * time, never a wrong result. */
static bool expr_mentions(const char *expr, const coh_study_derive *d, size_t n)
{
    const char *p = expr;
    while (*p != '\0') {
        const char *id = NULL;
        size_t len = 0;
        char q = *p;
        if (q == '\'') {
            for (p++; *p != '\0' && !(*p == '\'' && p[1] != '\''); p += *p == '\'' ? 2 : 1)
                ;
            if (*p != '\0')
                p++;
            continue;
        }
        if (q == '-' && p[1] == '-') {
            while (*p != '\0' && *p != '\n')
                p++;
            continue;
        }
        if (q == '/' && p[1] == '*') {
            const char *end = strstr(p + 2, "*/");
            p = end ? end + 2 : p + strlen(p);
            continue;
        }
        if (q == '"' || q == '`' || q == '[') {
            char close = q == '[' ? ']' : q;
            id = ++p;
            while (*p != '\0' && *p != close)
                p++;
            len = (size_t)(p - id);
            if (*p != '\0' && p[1] == close && close != ']')
                return true; /* a doubled quote: do not parse further */
            if (*p != '\0')
                p++;
        } else if ((q >= 'A' && q <= 'Z') || (q >= 'a' && q <= 'z') || q == '_' ||
                   (unsigned char)q >= 0x80) {
            id = p;
            while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                   (*p >= '0' && *p <= '9') || *p == '_' || *p == '$' ||
                   (unsigned char)*p >= 0x80)
                p++;
            len = (size_t)(p - id);
        } else {
            p++;
            continue;
        }
        for (size_t i = 0; i < n; i++)
            if (d[i].name != NULL && strlen(d[i].name) == len &&
                sqlite3_strnicmp(d[i].name, id, (int)len) == 0)
                return true;
    }
    return false;
}

/* The checks of a derive that need no data: a name not yet taken (by a
 * column or by the derives d[0..n) still to be made), an expression that
 * stays inside its brackets. */
static coh_status derive_check(data_ctx *c, const coh_study_derive *dv,
                               const coh_study_derive *pending, size_t n_pending)
{
    char what[300];
    derive_what(dv, what, sizeof what);
    const char *name = dv->name != NULL ? dv->name : "";
    if (name[0] == '\0')
        return fail(c, COH_EINVAL, dv->pos, "%s: the name is empty", what);
    const char *had = NULL;
    long j = find_name(c->cols, c->n_cols, name);
    if (j >= 0)
        had = c->cols[j];
    for (size_t i = 0; i < n_pending && had == NULL; i++)
        if (pending[i].name != NULL && sqlite3_stricmp(pending[i].name, name) == 0)
            had = pending[i].name;
    if (had != NULL)
        return fail(c, COH_EINVAL, dv->pos, "%s: a column '%s' already exists (from the "
                    "sources or an earlier derive)%s", what, had,
                    strcmp(had, name) != 0 ? "; SQL does not tell upper from lower case in "
                                             "names" : "");
    const char *problem = dv->expr != NULL ? expr_problem(dv->expr) : "the expression is empty";
    if (problem != NULL)
        return fail(c, COH_EPARSE, dv->pos, "%s: %s", what, problem);
    if (rowid_name(c) == NULL)
        return fail(c, COH_EINVAL, dv->pos, "%s: columns 'rowid', '_rowid_' and 'oid' all "
                    "exist; rename one of them", what);
    return COH_OK;
}

static coh_status derive_each(data_ctx *c, const coh_study_derive *d, size_t n);

/* Add the columns of the derives d[0..n), none of which uses another, in
 * one copy of `cur`:
 *   CREATE TABLE cur_next AS SELECT *, (e1) AS "n1", ... FROM cur
 *   ORDER BY cur.rowid
 * (ORDER BY keeps the rows' order when a window function sorts them).
 * When that fails for several, they are made one by one, so that the
 * error names the derive that caused it. */
static coh_status derive_apply(data_ctx *c, const coh_study_derive *d, size_t n)
{
    char what[300];
    derive_what(&d[0], what, sizeof what);
    sbuf b = {0};
    size_t start = 0;
    sb_add(&b, "CREATE TABLE cur_next AS SELECT *");
    for (size_t i = 0; i < n; i++) {
        sb_add(&b, ", (\n");
        if (i == 0)
            start = b.len;
        sb_add(&b, d[i].expr);
        sb_add(&b, "\n) AS ");
        sb_quoted(&b, d[i].name, '"');
    }
    sb_add(&b, " FROM cur ORDER BY cur.");
    sb_add(&b, rowid_name(c));
    if (b.failed) {
        free(b.p);
        return oom(c);
    }
    int rc = run_sql(c, b.p);
    free(b.p);
    if (rc != SQLITE_OK) {
        if (n > 1 && (rc & 0xFF) != SQLITE_NOMEM)
            return derive_each(c, d, n);
        return expr_fail(c, rc, d[0].pos, what, start, d[0].expr);
    }
    size_t rows = 0;
    coh_status st = count_rows(c, "cur_next", &rows);
    if (st != COH_OK)
        return st;
    if (rows != c->n_rows) {
        if ((st = run_own(c, "DROP TABLE cur_next")) != COH_OK)
            return st;
        if (n > 1)
            return derive_each(c, d, n);
        return fail(c, COH_EINVAL, d[0].pos, "%s: the expression turns %zu rows into %zu; an "
                    "aggregate over all rows (avg, sum, count ...) needs a window: "
                    "avg(x) OVER ()", what, c->n_rows, rows);
    }
    if ((st = run_own(c, "DROP TABLE cur")) != COH_OK ||
        (st = run_own(c, "ALTER TABLE cur_next RENAME TO cur")) != COH_OK)
        return st;
    char **cols = realloc(c->cols, (c->n_cols + n) * sizeof *cols);
    if (cols == NULL)
        return oom(c);
    c->cols = cols;
    for (size_t i = 0; i < n; i++) {
        if ((c->cols[c->n_cols] = coh_strdup(d[i].name)) == NULL)
            return oom(c);
        c->n_cols++;
    }
    return COH_OK;
}

static coh_status derive_each(data_ctx *c, const coh_study_derive *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        coh_status st = derive_apply(c, &d[i], 1);
        if (st != COH_OK)
            return st;
    }
    return COH_OK;
}

/* Step 5 of the header comment.  Each copy of `cur` costs a pass over
 * every row and column, so consecutive derives that do not use one
 * another share one copy: a derive that names a pending one (or has an
 * error of its own) makes the pending ones first, so that errors come in
 * the file's order. */
static coh_status derive_all(data_ctx *c)
{
    const coh_study *s = c->s;
    size_t first = 0;
    coh_status st;
    for (size_t k = 0; k < s->n_derive; k++) {
        const coh_study_derive *dv = &s->derive[k];
        coh_error mine;
        coh_error *caller = c->err;
        coh_error_clear(&mine);
        c->err = &mine;
        st = derive_check(c, dv, &s->derive[first], k - first);
        c->err = caller;
        bool uses = st == COH_OK && k > first &&
                    expr_mentions(dv->expr, &s->derive[first], k - first);
        if ((st != COH_OK || uses) && k > first) {
            coh_status made = derive_apply(c, &s->derive[first], k - first);
            if (made != COH_OK)
                return made;
            first = k;
            if (st != COH_OK) {
                /* checked again: the pending names are columns now */
                if ((st = derive_check(c, dv, NULL, 0)) != COH_OK)
                    return st;
            }
        } else if (st != COH_OK) {
            if (c->err != NULL)
                *c->err = mine;
            return st;
        }
    }
    if (first < s->n_derive)
        return derive_apply(c, &s->derive[first], s->n_derive - first);
    return COH_OK;
}

static coh_status step(data_ctx *c, size_t k, const coh_study_step *p)
{
    char what[300], ex[200], fallback[32];
    snprintf(fallback, sizeof fallback, "step %zu", k + 1);
    const char *label = p->label != NULL && p->label[0] != '\0' ? p->label : fallback;
    coh_excerpt(label, strlen(label), ex, sizeof ex);
    snprintf(what, sizeof what, "step '%s'", ex);
    const char *problem = p->when != NULL ? expr_problem(p->when) : "the condition is empty";
    if (problem != NULL)
        return fail(c, COH_EPARSE, p->pos, "%s: %s", what, problem);
    sbuf b = {0};
    sb_add(&b, "DELETE FROM cur WHERE (\n");
    size_t start = b.len;
    sb_add(&b, p->when);
    /* include: keep rows where it is true, so drop false and NULL;
     * exclude: drop rows where it is true, so keep false and NULL */
    sb_add(&b, p->include ? "\n) IS NOT TRUE" : "\n) IS TRUE");
    if (b.failed) {
        free(b.p);
        return oom(c);
    }
    int rc = run_sql(c, b.p);
    free(b.p);
    if (rc != SQLITE_OK)
        return expr_fail(c, rc, p->pos, what, start, p->when);
    size_t removed = (size_t)sqlite3_changes64(c->db);
    size_t before = c->n_rows;
    c->n_rows -= removed;
    if (c->n_rows == 0)
        return fail(c, COH_EDOMAIN, p->pos, "step '%s' leaves no patients (%zu before)", ex,
                    before);
    return flow_add(c, COH_FLOW_EXCLUDE, p->include ? "Not: " : "", label, removed);
}

static const char *group_label(const coh_study *s)
{
    if (s->group_label != NULL)
        return s->group_label;
    for (size_t i = 0; i < s->n_vars; i++)
        if (s->vars[i].name != NULL && strcmp(s->vars[i].name, s->group_var) == 0 &&
            s->vars[i].label != NULL)
            return s->vars[i].label;
    return s->group_var;
}

/* The group column must exist; rows without a group (NULL or blank text,
 * as the reader would read them) are left out and counted. */
static coh_status groups_missing(data_ctx *c)
{
    const coh_study *s = c->s;
    size_t j = 0;
    while (j < c->n_cols && strcmp(c->cols[j], s->group_var) != 0)
        j++;
    if (j == c->n_cols) {
        char list[600];
        name_list((const char *const *)c->cols, c->n_cols, list, sizeof list);
        return fail(c, COH_ENOTFOUND, s->group_pos, "cohort.groups.variable '%s' is not a "
                    "column; columns are: %s", s->group_var, list);
    }
    sbuf b = {0};
    sb_add(&b, "DELETE FROM cur WHERE ");
    sb_quoted(&b, s->group_var, '"');
    sb_add(&b, " IS NULL OR (typeof(");
    sb_quoted(&b, s->group_var, '"');
    sb_add(&b, ") = 'text' AND trim(");
    sb_quoted(&b, s->group_var, '"');
    sb_add(&b, ", ' ' || char(9, 10, 13)) = '')");
    if (b.failed) {
        free(b.p);
        return oom(c);
    }
    coh_status st = run_own(c, b.p);
    free(b.p);
    if (st != COH_OK)
        return st;
    size_t removed = (size_t)sqlite3_changes64(c->db);
    if (removed == 0)
        return COH_OK;
    if (removed == c->n_rows)
        return fail(c, COH_EDOMAIN, s->group_pos, "cohort.groups.variable '%s' is missing in "
                    "all %zu patients that the steps leave", s->group_var, c->n_rows);
    c->n_rows -= removed;
    return flow_add(c, COH_FLOW_EXCLUDE, "missing ", group_label(s), removed);
}

/* ---- 8: read back -------------------------------------------------------------- */

static coh_status read_back(data_ctx *c, coh_table **out)
{
    const coh_study *s = c->s;
    const char *rowid = rowid_name(c);
    if (rowid == NULL) {
        coh_study_pos none = {0, 0};
        return fail(c, COH_EINVAL, none, "columns 'rowid', '_rowid_' and 'oid' all exist; "
                    "rename one of them");
    }
    sbuf b = {0};
    sb_add(&b, "SELECT ");
    for (size_t j = 0; j < c->n_cols; j++) {
        if (j > 0)
            sb_add(&b, ", ");
        sb_quoted(&b, c->cols[j], '"');
    }
    sb_add(&b, " FROM cur ORDER BY cur.");
    sb_add(&b, rowid);
    if (b.failed) {
        free(b.p);
        return oom(c);
    }
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(c->db, b.p, -1, &stmt, NULL);
    free(b.p);
    if (rc != SQLITE_OK) {
        snprintf(c->sqlmsg, sizeof c->sqlmsg, "%s", sqlite3_errmsg(c->db));
        sqlite3_finalize(stmt);
        return (rc & 0xFF) == SQLITE_NOMEM ? oom(c)
                                           : coh_error_set(c->err, COH_EINTERNAL,
                                                           "study data: reading back: %s",
                                                           c->sqlmsg);
    }
    /* only NULL and blank text are missing now: the sources' tokens were
     * applied when they were read */
    static const char *const blank_only[] = {""};
    coh_read_options o;
    coh_read_options_init(&o);
    o.na_tokens = blank_only;
    o.n_na_tokens = 1;
    char name[300];
    snprintf(name, sizeof name, "%s: the analysis table", s->file ? s->file : "study");
    coh_status st = coh_sqlite_read_stmt(c->db, stmt, name, &o, true, out, c->err);
    sqlite3_finalize(stmt);
    return st;
}

/* ---- 9, 10, 11: levels, labels, variables, groups ---------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Make `col` categorical: a string column just changes type; a numeric or
 * date column gets its distinct values as levels, in value order, spelled
 * by coh_format_num (coh_format_date for dates). */
static coh_status to_categorical(coh_column *col)
{
    if (col->type == COH_CATEGORICAL)
        return COH_OK;
    if (col->type == COH_STRING) {
        col->type = COH_CATEGORICAL;
        return COH_OK;
    }
    size_t n = col->n, m = 0;
    double *v = malloc((n ? n : 1) * sizeof *v);
    int32_t *code = malloc((n ? n : 1) * sizeof *code);
    if (v == NULL || code == NULL) {
        free(v);
        free(code);
        return COH_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        if (!coh_column_is_na(col, i) && isfinite(col->num[i]))
            v[m++] = col->num[i];
    qsort(v, m, sizeof *v, cmp_double);
    size_t u = 0;
    for (size_t i = 0; i < m; i++)
        if (u == 0 || v[i] != v[u - 1])
            v[u++] = v[i];
    char **levels = calloc(u ? u : 1, sizeof *levels);
    if (levels == NULL) {
        free(v);
        free(code);
        return COH_ENOMEM;
    }
    for (size_t k = 0; k < u; k++) {
        char buf[64];
        if (col->type == COH_DATE)
            coh_format_date(v[k], buf, sizeof buf);
        else
            coh_format_num(v[k], buf, sizeof buf);
        if ((levels[k] = coh_strdup(buf)) == NULL) {
            free_names(levels, k);
            free(v);
            free(code);
            return COH_ENOMEM;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (coh_column_is_na(col, i) || !isfinite(col->num[i])) {
            code[i] = -1;
            continue;
        }
        const double *hit = bsearch(&col->num[i], v, u, sizeof *v, cmp_double);
        code[i] = (int32_t)(hit - v);
    }
    /* a non-finite number cannot be in a table, but keep the mask right */
    for (size_t i = 0; i < n; i++)
        if (code[i] < 0 && !coh_column_is_na(col, i)) {
            if (coh_column_set_na(col, i) != COH_OK) {
                free_names(levels, u);
                free(v);
                free(code);
                return COH_ENOMEM;
            }
        }
    free(v);
    free(col->num);
    col->num = NULL;
    col->code = code;
    col->levels = levels;
    col->n_levels = u;
    col->type = COH_CATEGORICAL;
    return COH_OK;
}

/* Replace the levels of categorical `col` by values[0..n) and labels (both
 * taken over; labels may be NULL); old level k becomes old_to_new[k] (-1
 * only for a level no row has). */
static void set_levels(coh_column *col, size_t n, char **values, char **labels,
                       const int32_t *old_to_new)
{
    for (size_t i = 0; i < col->n; i++)
        if (col->code[i] >= 0)
            col->code[i] = old_to_new[col->code[i]];
    free_names(col->levels, col->n_levels);
    free_names(col->level_labels, col->n_levels);
    col->levels = values;
    col->level_labels = labels;
    col->n_levels = n;
}

/* A parsed finite number from the whole of `s`, or false. */
static bool as_number(const char *s, double *v)
{
    char *end = NULL;
    if (s == NULL || *s == '\0')
        return false;
    *v = strtod(s, &end);
    return end != s && *end == '\0' && isfinite(*v);
}

/* The old level of `col` that the given level text names: the same
 * value, else (when both read as numbers) the same number; -1 if none.
 * Levels already placed (old_to_new >= 0) are skipped. */
static long match_level(const coh_column *col, const char *given, const int32_t *old_to_new)
{
    for (size_t k = 0; k < col->n_levels; k++)
        if (old_to_new[k] < 0 && strcmp(col->levels[k], given) == 0)
            return (long)k;
    double g, v;
    if (!as_number(given, &g))
        return -1;
    for (size_t k = 0; k < col->n_levels; k++)
        if (old_to_new[k] < 0 && as_number(col->levels[k], &v) && v == g)
            return (long)k;
    return -1;
}

/* Drop an all-NULL label array. */
static char **labels_or_null(char **labels, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (labels[i] != NULL)
            return labels;
    free(labels);
    return NULL;
}

/* Step 9 of the header comment: the value labels of `cr` on `col`. */
static coh_status apply_carried(coh_column *col, const carried *cr)
{
    coh_status st = to_categorical(col);
    if (st != COH_OK)
        return st;
    size_t n_old = col->n_levels, cap = n_old + cr->n;
    coh_level_key *key = calloc(cap ? cap : 1, sizeof *key);
    int32_t *old_to_new = malloc((n_old ? n_old : 1) * sizeof *old_to_new);
    char **values = calloc(cap ? cap : 1, sizeof *values);
    char **labels = calloc(cap ? cap : 1, sizeof *labels);
    const char **text = calloc(cap ? cap : 1, sizeof *text);
    const char **label_of = calloc(cap ? cap : 1, sizeof *label_of);
    if (key == NULL || old_to_new == NULL || values == NULL || labels == NULL || text == NULL ||
        label_of == NULL) {
        st = COH_ENOMEM;
        goto done;
    }
    /* the data's levels, then the labelled values that do not occur */
    size_t n = 0;
    for (size_t k = 0; k < n_old; k++) {
        text[n] = col->levels[k];
        label_of[n] = col->level_labels ? col->level_labels[k] : NULL;
        n++;
    }
    for (size_t i = 0; i < cr->n; i++) {
        size_t k = 0;
        double a, b;
        bool na = as_number(cr->values[i], &a);
        while (k < n && strcmp(text[k], cr->values[i]) != 0 &&
               !(na && as_number(text[k], &b) && a == b))
            k++;
        if (k == n)
            text[n++] = cr->values[i];
        label_of[k] = cr->labels[i];
    }
    for (size_t k = 0; k < n; k++)
        coh_level_key_set(&key[k], text[k], k);
    qsort(key, n, sizeof *key, coh_level_key_cmp);
    for (size_t r = 0; r < n; r++) {
        size_t k = key[r].old;
        if (k < n_old)
            old_to_new[k] = (int32_t)r;
        if ((values[r] = coh_strdup(text[k])) == NULL ||
            (label_of[k] != NULL && (labels[r] = coh_strdup(label_of[k])) == NULL)) {
            st = COH_ENOMEM;
            goto done;
        }
    }
    set_levels(col, n, values, labels_or_null(labels, n), old_to_new);
    values = labels = NULL;
done:
    if (values != NULL)
        free_names(values, cap);
    if (labels != NULL)
        free_names(labels, cap);
    free(key);
    free(old_to_new);
    free(text);
    free(label_of);
    return st;
}

/* The given levels first (their data spelling when they occur, else as
 * given, an empty level), then the data's others; labels as given (else
 * any carried label). */
static coh_status apply_levels(data_ctx *c, coh_column *col, const coh_study_variable *v,
                               const char *what)
{
    size_t n_old = col->n_levels, cap = v->n_levels + n_old;
    coh_status st = COH_OK;
    int32_t *old_to_new = malloc((n_old ? n_old : 1) * sizeof *old_to_new);
    char **values = calloc(cap ? cap : 1, sizeof *values);
    char **labels = calloc(cap ? cap : 1, sizeof *labels);
    if (old_to_new == NULL || values == NULL || labels == NULL) {
        st = oom(c);
        goto done;
    }
    for (size_t k = 0; k < n_old; k++)
        old_to_new[k] = -1;
    size_t n = 0;
    for (size_t i = 0; i < v->n_levels; i++) {
        const char *given = v->levels[i] != NULL ? v->levels[i] : "";
        for (size_t j = 0; j < i; j++)
            if (v->levels[j] != NULL && strcmp(v->levels[j], given) == 0) {
                st = fail(c, COH_EINVAL, v->pos, "%s: level '%s' is listed twice", what, given);
                goto done;
            }
        long k = match_level(col, given, old_to_new);
        const char *label = v->level_labels != NULL ? v->level_labels[i] : NULL;
        if (k >= 0) {
            old_to_new[k] = (int32_t)n;
            if (label == NULL && col->level_labels != NULL)
                label = col->level_labels[k];
        }
        if ((values[n] = coh_strdup(k >= 0 ? col->levels[k] : given)) == NULL ||
            (label != NULL && (labels[n] = coh_strdup(label)) == NULL)) {
            n++;
            st = oom(c);
            goto done;
        }
        n++;
    }
    for (size_t k = 0; k < n_old; k++) {
        if (old_to_new[k] >= 0)
            continue;
        old_to_new[k] = (int32_t)n;
        const char *label = col->level_labels != NULL ? col->level_labels[k] : NULL;
        if ((values[n] = coh_strdup(col->levels[k])) == NULL ||
            (label != NULL && (labels[n] = coh_strdup(label)) == NULL)) {
            n++;
            st = oom(c);
            goto done;
        }
        n++;
    }
    set_levels(col, n, values, labels_or_null(labels, n), old_to_new);
    values = labels = NULL;
done:
    if (values != NULL)
        free_names(values, cap);
    if (labels != NULL)
        free_names(labels, cap);
    free(old_to_new);
    return st;
}

/* "'a', 'b', ..." of a column's levels (value, and label when it has one). */
static void level_list(const coh_column *col, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < col->n_levels; k++) {
        const char *label = col->level_labels ? col->level_labels[k] : NULL;
        size_t len = strlen(col->levels[k]) + (label ? strlen(label) + 4 : 0);
        if (used + len + 10 >= size) {
            snprintf(buf + used, size - used, "%s...", k ? ", " : "");
            return;
        }
        if (label != NULL)
            used += (size_t)snprintf(buf + used, size - used, "%s'%s' (%s)", k ? ", " : "",
                                     col->levels[k], label);
        else
            used += (size_t)snprintf(buf + used, size - used, "%s'%s'", k ? ", " : "",
                                     col->levels[k]);
    }
}

static coh_status apply_variable(data_ctx *c, coh_table *t, const coh_study_variable *v)
{
    char what[300], ex[200];
    const char *name = v->name != NULL ? v->name : "";
    coh_excerpt(name, strlen(name), ex, sizeof ex);
    snprintf(what, sizeof what, "variable '%s'", ex);
    coh_column *col = coh_table_find(t, name);
    if (col == NULL) {
        char list[600];
        const char **names = calloc(t->n_cols + 1, sizeof *names);
        if (names == NULL)
            return oom(c);
        for (size_t j = 0; j < t->n_cols; j++)
            names[j] = t->cols[j]->name;
        name_list(names, t->n_cols, list, sizeof list);
        free(names);
        return fail(c, COH_ENOTFOUND, v->pos, "%s is not a column of the data; columns are: %s",
                    what, list);
    }
    if ((v->label != NULL && coh_column_set_label(col, v->label) != COH_OK) ||
        (v->unit != NULL && coh_column_set_unit(col, v->unit) != COH_OK))
        return oom(c);
    bool given_levels = v->n_levels > 0 && v->levels != NULL;
    if (v->kind == COH_TABONE_CONTINUOUS) {
        if (given_levels)
            return fail(c, COH_EINVAL, v->pos, "%s: levels are given, but the kind is "
                        "continuous", what);
        if (!coh_type_is_numeric(col->type)) {
            char list[400];
            level_list(col, list, sizeof list);
            return fail(c, COH_ETYPE, v->pos, "%s is continuous, but its column holds text "
                        "(%s)", what, list);
        }
    }
    if (v->kind == COH_TABONE_CATEGORICAL || given_levels) {
        if (to_categorical(col) != COH_OK)
            return oom(c);
        if (given_levels) {
            coh_status st = apply_levels(c, col, v, what);
            if (st != COH_OK)
                return st;
        }
    }
    if (v->reference == NULL)
        return COH_OK;
    if (col->type == COH_CATEGORICAL || col->type == COH_STRING) {
        if (coh_column_find_level(col, v->reference) >= 0)
            return COH_OK;
        char list[400];
        level_list(col, list, sizeof list);
        return fail(c, COH_EINVAL, v->pos, "%s: the reference level '%s' is not a level; "
                    "levels are: %s", what, v->reference, list);
    }
    /* a numeric column (a Cox model may still treat it as a factor): the
     * reference must be one of its values */
    char buf[64];
    for (size_t i = 0; i < col->n; i++) {
        if (coh_column_is_na(col, i))
            continue;
        if (col->type == COH_DATE)
            coh_format_date(col->num[i], buf, sizeof buf);
        else
            coh_format_num(col->num[i], buf, sizeof buf);
        double r;
        if (strcmp(buf, v->reference) == 0 ||
            (col->type != COH_DATE && as_number(v->reference, &r) && r == col->num[i]))
            return COH_OK;
    }
    return fail(c, COH_EINVAL, v->pos, "%s: the reference level '%s' is not a value of the "
                "column", what, v->reference);
}

/* Step 11: the group column categorical, only levels with patients, in
 * the groups' order; a GROUP step per group. */
static coh_status order_groups(data_ctx *c, coh_table *t)
{
    const coh_study *s = c->s;
    coh_column *col = coh_table_find(t, s->group_var);
    if (col == NULL) /* it was a column of `cur`; cannot happen */
        return coh_error_set(c->err, COH_EINTERNAL, "study data: the group column '%s' was "
                             "lost", s->group_var);
    if (to_categorical(col) != COH_OK)
        return oom(c);
    size_t n_old = col->n_levels;
    coh_status st = COH_OK;
    size_t *count = calloc(n_old ? n_old : 1, sizeof *count);
    int32_t *old_to_new = malloc((n_old ? n_old : 1) * sizeof *old_to_new);
    char **values = calloc(n_old ? n_old : 1, sizeof *values);
    char **labels = calloc(n_old ? n_old : 1, sizeof *labels);
    size_t *new_count = calloc(n_old ? n_old : 1, sizeof *new_count);
    if (count == NULL || old_to_new == NULL || values == NULL || labels == NULL ||
        new_count == NULL) {
        st = oom(c);
        goto done;
    }
    for (size_t i = 0; i < col->n; i++)
        if (col->code[i] >= 0)
            count[col->code[i]]++;
    for (size_t k = 0; k < n_old; k++)
        old_to_new[k] = -1;
    size_t n = 0;
    for (size_t i = 0; i < s->n_group_order; i++) {
        const char *want = s->group_order[i] != NULL ? s->group_order[i] : "";
        int32_t k = coh_column_find_level(col, want);
        if (k < 0 || count[k] == 0) {
            /* the groups that have patients, for the message */
            char list[500];
            size_t used = 0, m = 0;
            list[0] = '\0';
            for (size_t j = 0; j < n_old && used + 64 < sizeof list; j++)
                if (count[j] > 0)
                    used += (size_t)snprintf(list + used, sizeof list - used, "%s'%.40s'",
                                             m++ ? ", " : "", col->levels[j]);
            st = fail(c, COH_EINVAL, s->group_pos, "cohort.groups.order: '%s' is not a group "
                      "of '%s' (no patient left has it); the groups are: %s", want,
                      s->group_var, list);
            goto done;
        }
        if (old_to_new[k] >= 0) {
            st = fail(c, COH_EINVAL, s->group_pos, "cohort.groups.order: '%s' is listed twice",
                      want);
            goto done;
        }
        old_to_new[k] = (int32_t)n++;
    }
    for (size_t k = 0; k < n_old; k++)
        if (old_to_new[k] < 0 && count[k] > 0)
            old_to_new[k] = (int32_t)n++;
    for (size_t k = 0; k < n_old; k++) {
        int32_t r = old_to_new[k];
        if (r < 0)
            continue; /* an empty level: no group */
        new_count[r] = count[k];
        const char *label = col->level_labels ? col->level_labels[k] : NULL;
        if ((values[r] = coh_strdup(col->levels[k])) == NULL ||
            (label != NULL && (labels[r] = coh_strdup(label)) == NULL)) {
            st = oom(c);
            goto done;
        }
    }
    set_levels(col, n, values, labels_or_null(labels, n), old_to_new);
    values = labels = NULL;
    for (size_t k = 0; k < n && st == COH_OK; k++)
        st = flow_add(c, COH_FLOW_GROUP, "", coh_column_level_text(col, k), new_count[k]);
done:
    if (values != NULL)
        free_names(values, n_old);
    if (labels != NULL)
        free_names(labels, n_old);
    free(count);
    free(old_to_new);
    free(new_count);
    return st;
}

/* Steps 9-11, and the end of the flow. */
static coh_status finish(data_ctx *c, coh_table *t)
{
    const coh_study *s = c->s;
    coh_status st;
    for (size_t k = 0; k < c->n_carry; k++) {
        const carried *cr = &c->carry[k];
        coh_column *col = coh_table_find(t, cr->name);
        if (col == NULL)
            continue;
        if (cr->label != NULL && col->label == NULL &&
            coh_column_set_label(col, cr->label) != COH_OK)
            return oom(c);
        if (cr->n == 0 || cr->conflict || col->type == COH_DATE)
            continue;
        bool continuous = false;
        for (size_t i = 0; i < s->n_vars; i++)
            if (s->vars[i].name != NULL && strcmp(s->vars[i].name, cr->name) == 0 &&
                s->vars[i].kind == COH_TABONE_CONTINUOUS)
                continuous = true;
        if (!continuous && apply_carried(col, cr) != COH_OK)
            return oom(c);
    }
    for (size_t i = 0; i < s->n_vars; i++)
        if ((st = apply_variable(c, t, &s->vars[i])) != COH_OK)
            return st;
    if ((st = flow_add(c, COH_FLOW_BOX, "", "Eligible", t->n_rows)) != COH_OK)
        return st;
    if (s->group_var != NULL)
        return order_groups(c, t);
    return COH_OK;
}

/* ---- the entry point ------------------------------------------------------------ */

static coh_status build(data_ctx *c, coh_table **table)
{
    const coh_study *s = c->s;
    coh_status st;
    int rc = sqlite3_open(":memory:", &c->db);
    if (rc != SQLITE_OK)
        return rc == SQLITE_NOMEM || c->db == NULL
                   ? oom(c)
                   : coh_error_set(c->err, COH_EINTERNAL, "study data: cannot open an "
                                   "in-memory database: %s", sqlite3_errmsg(c->db));
    /* No rollback journal: the database is thrown away on any error, and
     * without one, dropping a table or deleting rows does not first copy
     * the pages it frees.  One transaction for the whole build, so that
     * each INSERT is not a commit. */
    if ((st = run_own(c, "PRAGMA journal_mode = OFF")) != COH_OK ||
        (st = run_own(c, "BEGIN")) != COH_OK)
        return st;
    if ((st = sources(c)) != COH_OK)
        return st;
    if ((st = derive_all(c)) != COH_OK)
        return st;
    for (size_t k = 0; k < s->n_steps; k++)
        if ((st = step(c, k, &s->steps[k])) != COH_OK)
            return st;
    if (s->group_var != NULL && (st = groups_missing(c)) != COH_OK)
        return st;
    if ((st = read_back(c, table)) != COH_OK)
        return st;
    return finish(c, *table);
}

coh_status coh_study_data(const coh_study *s, coh_table **table, coh_study_flow **flow,
                          coh_error *err)
{
    if (table != NULL)
        *table = NULL;
    if (flow != NULL)
        *flow = NULL;
    if (s == NULL || table == NULL || flow == NULL)
        return coh_error_set(err, COH_EINVAL, "coh_study_data: the study, table and flow are "
                             "required");
    if (s->n_sources == 0 || s->sources == NULL)
        return coh_error_set(err, COH_EINVAL, "%s: the study has no sources",
                             s->file ? s->file : "study");
    data_ctx c;
    memset(&c, 0, sizeof c);
    c.s = s;
    c.err = err;
    c.flow = calloc(1, sizeof *c.flow);
    if (c.flow == NULL)
        return coh_error_set(err, COH_ENOMEM, "out of memory");
    if ((c.flow->source_rows = calloc(s->n_sources, sizeof *c.flow->source_rows)) == NULL) {
        free(c.flow);
        return coh_error_set(err, COH_ENOMEM, "out of memory");
    }
    coh_table *t = NULL;
    coh_status st = build(&c, &t);
    sqlite3_close(c.db); /* an open transaction is rolled back */
    free_names(c.cols, c.n_cols);
    free_carry(&c);
    if (st != COH_OK) {
        coh_table_free(t);
        coh_study_flow_free(c.flow);
        return st;
    }
    *table = t;
    *flow = c.flow;
    return COH_OK;
}
