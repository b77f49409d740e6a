/* readstat.c - SPSS (.sav, .zsav), Stata (.dta) and SAS (.sas7bdat) files
 * into a coh_table, through ReadStat (libreadstat 1.1.x).
 *
 * What it does.  ReadStat parses the file and calls back once per variable,
 * once per value label and once per cell, row by row.  We keep each
 * variable's values in a column builder (colbuild.h) and its value-label set
 * by name, and build the columns only after the parse has finished: Stata
 * stores its value labels at the end of the file, after the data.
 *
 * How values map to column types, per variable:
 *
 *   string variable                -> builder text: CATEGORICAL or STRING
 *                                     (coh_cb_finish decides, max_levels);
 *                                     "" is missing (these formats have no
 *                                     other missing string)
 *   numeric, date display format   -> DATE, days since 1970-01-01:
 *       SPSS DATE ADATE EDATE JDATE SDATE QYR MOYR WKYR
 *            stored as seconds since 1582-10-14:  days = x / 86400 - 141428
 *       Stata %td (and the pre-10 %d)
 *            days since 1960-01-01:               days = x - 3653
 *       SAS DATE DAY DDMMYY MMDDYY YYMMDD (and their B C D N P S
 *            separator forms) E8601DA B8601DA MONYY YYMON MMYY YYMM YYQ
 *            YEAR JULIAN WEEKDATE WEEKDATX WORDDATE WORDDATX NLDATE ...
 *            days since 1960-01-01:               days = x - 3653
 *       (141428 and 3653 are the days from those epochs to 1970-01-01.)
 *       Date-time formats (SPSS DATETIME, Stata %tc, SAS DATETIME) and
 *       times stay numbers in the file's unit: we do not drop time of day.
 *   numeric with value labels      -> CATEGORICAL; levels are the distinct
 *       values that occur plus the labelled values that do not, ordered by
 *       value; levels[k] is the value as text (coh_format_num),
 *       level_labels[k] its label or NULL when it has none.  Labels of
 *       missing codes (SPSS user-missing values, Stata/SAS .a-.z, na_codes)
 *       are not levels.  A numeric variable is left numeric when no label
 *       falls on a non-missing value, or (unless declared categorical) when
 *       it would have more than max_levels levels and some values that occur
 *       have no label: that is a continuous variable with a few labelled
 *       codes, such as age with 99 = "99 or older".
 *   other numeric                  -> INTEGER if every value is integral,
 *                                     else DOUBLE
 *
 * Missing values: system missing, Stata/SAS tagged missing (.a-.z, ._), SPSS
 * user-missing discrete values and ranges (readstat_value_is_missing), values
 * equal to a na_code of the column, and non-finite numbers.  Values stored as
 * 4-byte floats (Stata `float`) are read as the shortest decimal that rounds
 * to the same float, so that a float 1.1 reads as 1.1, not 1.10000002384.
 *
 * Inputs: a path and one of COH_FORMAT_SAV (both .sav and .zsav; ReadStat
 * tells them apart by their magic bytes), COH_FORMAT_DTA, COH_FORMAT_SAS7BDAT.
 * The file is opened read-only (ReadStat's own open(2) with O_RDONLY).
 * Declared types (opts->col_types) override the inference above.
 *
 * Returns a new table, or an error whose message names the file and, where
 * one is involved, the variable: "trial.sav: variable 'arm': ...".  A damaged
 * or truncated file is COH_EPARSE with ReadStat's own words; nothing here
 * trusts counts or indices from the file without checking them.
 *
 * Reentrant: all state lives in one rs_ctx on the caller's stack.
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

#include <readstat.h>

#include "cohort/io.h"
#include "core/colbuild.h"
#include "core/core.h"

/* Days from an epoch to 1970-01-01, checked against coh_days_from_civil in
 * the tests: 1582-10-14 (SPSS) and 1960-01-01 (Stata, SAS). */
#define SPSS_EPOCH_DAYS (-141428.0)
#define DAYS_1960 (-3653.0)
#define SECONDS_PER_DAY 86400.0

typedef struct rs_value_label {
    bool is_text;
    double num;           /* !is_text */
    char *text;           /* is_text: the value, trailing blanks removed */
    char *label;
} rs_value_label;

typedef struct rs_label_set {
    char *name;
    rs_value_label *items;
    size_t n, cap;
} rs_label_set;

typedef struct rs_var {
    char *name;
    char *label;          /* variable label, or NULL */
    char *label_set;      /* name of its value-label set, or NULL */
    char *format;         /* display format as ReadStat spells it, or NULL */
    bool is_text;
    bool is_float;        /* 4-byte float storage */
    bool is_date;         /* days = raw / day_scale + day_offset */
    double day_scale, day_offset;
    double *miss_lo, *miss_hi; /* SPSS user-missing ranges (lo == hi: one value) */
    char **miss_text;          /* SPSS user-missing strings */
    size_t n_miss, n_miss_text;
    double *na_codes;          /* opts->na_codes of this column */
    size_t n_na_codes;
    int declared;              /* a coh_type, or -1 */
    coh_colbuild cb;
} rs_var;

typedef struct rs_ctx {
    const char *path;
    const char *format_name;   /* "SPSS", "Stata", "SAS" */
    coh_format format;
    const coh_read_options *opts;
    rs_var *vars;
    size_t n_vars, cap_vars;
    rs_label_set *sets;
    size_t n_sets, cap_sets;
    long long row_count;       /* from the file header, -1 if unknown */
    size_t file_size;
    coh_status st;             /* set by a callback that aborts the parse */
    coh_error *err;
    char detail[256];          /* first message of ReadStat's error handler */
} rs_ctx;

/* ---- small helpers -------------------------------------------------------- */

/* Record an error raised inside a callback and tell ReadStat to stop. */
#define RS_FAIL(ctx, st_, ...)                                   \
    ((ctx)->st = coh_error_set((ctx)->err, (st_), __VA_ARGS__), \
     READSTAT_HANDLER_ABORT)

static void rs_var_free(rs_var *v)
{
    free(v->name);
    free(v->label);
    free(v->label_set);
    free(v->format);
    free(v->miss_lo);
    free(v->miss_hi);
    for (size_t i = 0; i < v->n_miss_text; i++)
        free(v->miss_text[i]);
    free(v->miss_text);
    free(v->na_codes);
    coh_cb_free(&v->cb);
}

static void rs_ctx_free(rs_ctx *ctx)
{
    for (size_t j = 0; j < ctx->n_vars; j++)
        rs_var_free(&ctx->vars[j]);
    free(ctx->vars);
    for (size_t s = 0; s < ctx->n_sets; s++) {
        rs_label_set *set = &ctx->sets[s];
        for (size_t i = 0; i < set->n; i++) {
            free(set->items[i].text);
            free(set->items[i].label);
        }
        free(set->items);
        free(set->name);
    }
    free(ctx->sets);
}

/* Length of `s` without trailing blanks: SPSS and SAS pad strings to the
 * variable's width with spaces. */
static size_t rtrim_len(const char *s)
{
    size_t len = strlen(s);
    while (len > 0 && s[len - 1] == ' ')
        len--;
    return len;
}

/* The shortest decimal that reads back to the same float, as a double:
 * (double)1.1f is 1.10000002384185791, but the user typed 1.1.  Nine
 * significant digits always round-trip a float (IEEE 754 binary32). */
static double float_as_decimal(float f)
{
    char buf[32];
    for (int prec = 6; prec <= 9; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, (double)f);
        if (strtof(buf, NULL) == f)
            return strtod(buf, NULL);
    }
    return (double)f;
}

/* The number in a numeric ReadStat value, whatever its storage. */
static double value_number(readstat_value_t value)
{
    switch (readstat_value_type(value)) {
    case READSTAT_TYPE_INT8: return (double)readstat_int8_value(value);
    case READSTAT_TYPE_INT16: return (double)readstat_int16_value(value);
    case READSTAT_TYPE_INT32: return (double)readstat_int32_value(value);
    case READSTAT_TYPE_FLOAT: {
        float f = readstat_float_value(value);
        return isfinite(f) ? float_as_decimal(f) : (double)f;
    }
    case READSTAT_TYPE_DOUBLE: return readstat_double_value(value);
    case READSTAT_TYPE_STRING:
    case READSTAT_TYPE_STRING_REF: break;
    }
    return NAN;
}

/* Whether `v` is one of the variable's SPSS user-missing values or ranges or
 * one of the na_codes given for its column. */
static bool is_missing_code(const rs_var *var, double v)
{
    for (size_t i = 0; i < var->n_miss; i++)
        if (v >= var->miss_lo[i] && v <= var->miss_hi[i])
            return true;
    for (size_t i = 0; i < var->n_na_codes; i++)
        if (v == var->na_codes[i])
            return true;
    return false;
}

/* Whether text `s` (len bytes) is a missing code of a string variable: one of
 * its SPSS user-missing strings, or a number equal to a na_code. */
static bool is_missing_text(const rs_var *var, const char *s, size_t len)
{
    for (size_t i = 0; i < var->n_miss_text; i++)
        if (strlen(var->miss_text[i]) == len && memcmp(var->miss_text[i], s, len) == 0)
            return true;
    if (var->n_na_codes > 0 && len > 0 && len < 64) {
        char buf[64], *end;
        memcpy(buf, s, len);
        buf[len] = '\0';
        double v = strtod(buf, &end);
        if (*end == '\0' && end != buf)
            for (size_t i = 0; i < var->n_na_codes; i++)
                if (v == var->na_codes[i])
                    return true;
    }
    return false;
}

/* ---- date formats --------------------------------------------------------- */

/* Copy the format name in upper case without its width and decimals:
 * "DATE11" -> "DATE", "E8601DA10." -> "E8601DA", "F8.2" -> "F". */
static void format_stem(const char *fmt, char *buf, size_t size)
{
    size_t n = 0;
    for (; fmt[n] != '\0' && n + 1 < size; n++) {
        char c = fmt[n];
        buf[n] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
    }
    buf[n] = '\0';
    while (n > 0 && ((buf[n - 1] >= '0' && buf[n - 1] <= '9') || buf[n - 1] == '.'))
        buf[--n] = '\0';
}

static bool in_list(const char *s, const char *const *list)
{
    for (size_t i = 0; list[i] != NULL; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

/* SAS date formats whose name may end in a separator letter
 * (MMDDYYS10. is 12/31/1999 with slashes). */
static bool sas_date_with_separator(const char *stem)
{
    static const char *const bases[] = {"DDMMYY", "MMDDYY", "YYMMDD", "MMYY",
                                        "YYMM", "YYQ", NULL};
    for (size_t i = 0; bases[i] != NULL; i++) {
        size_t n = strlen(bases[i]);
        if (strncmp(stem, bases[i], n) == 0 &&
            (stem[n] == '\0' ||
             (strchr("BCDNPS", stem[n]) != NULL && stem[n + 1] == '\0')))
            return true;
    }
    return false;
}

/* Set var->is_date and the conversion to days since 1970-01-01 when `fmt`
 * is a date (not date-time) display format of `format`. */
static void detect_date(rs_var *var, coh_format format, const char *fmt)
{
    static const char *const spss[] = {"DATE", "ADATE", "EDATE", "JDATE", "SDATE",
                                       "QYR", "MOYR", "WKYR", NULL};
    static const char *const sas[] = {
        "DATE", "DAY", "E8601DA", "B8601DA", "MONYY", "YYMON", "YEAR", "JULIAN",
        "WEEKDATE", "WEEKDATX", "WORDDATE", "WORDDATX", "NLDATE", "DOWNAME",
        "MONNAME", "QTR", "WEEKDAY", "EURDFDD", "EURDFDE", "MINGUO", NULL};
    char stem[64];
    if (fmt == NULL || fmt[0] == '\0')
        return;
    if (format == COH_FORMAT_SAV) {
        format_stem(fmt, stem, sizeof stem);
        if (in_list(stem, spss)) {
            var->is_date = true;
            var->day_scale = SECONDS_PER_DAY;
            var->day_offset = SPSS_EPOCH_DAYS;
        }
    } else if (format == COH_FORMAT_DTA) {
        /* "%td", "%tdCCYY-NN-DD", "%-td"; before Stata 10, "%d" and "%dD_m_Y".
         * %tc/%tC (milliseconds), %tw %tm %tq %th %ty are other units. */
        const char *p = fmt;
        if (*p++ != '%')
            return;
        if (*p == '-')
            p++;
        if ((p[0] == 't' && p[1] == 'd') || p[0] == 'd') {
            var->is_date = true;
            var->day_scale = 1.0;
            var->day_offset = DAYS_1960;
        }
    } else if (format == COH_FORMAT_SAS7BDAT) {
        format_stem(fmt, stem, sizeof stem);
        if (in_list(stem, sas) || sas_date_with_separator(stem)) {
            var->is_date = true;
            var->day_scale = 1.0;
            var->day_offset = DAYS_1960;
        }
    }
}

/* ---- ReadStat callbacks --------------------------------------------------- */

static int on_metadata(readstat_metadata_t *metadata, void *user)
{
    rs_ctx *ctx = user;
    ctx->row_count = readstat_get_row_count(metadata);
    return READSTAT_HANDLER_OK;
}

static void on_error(const char *msg, void *user)
{
    rs_ctx *ctx = user;
    if (ctx->detail[0] != '\0' || msg == NULL)
        return;
    /* ReadStat's messages end with a newline */
    size_t len = strlen(msg);
    while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r' || msg[len - 1] == ' '))
        len--;
    coh_excerpt(msg, len, ctx->detail, sizeof ctx->detail);
}

static int on_progress(double progress, void *user)
{
    rs_ctx *ctx = user;
    if (ctx->opts->progress != NULL && progress >= 0 && progress <= 1)
        ctx->opts->progress(ctx->opts->progress_ctx,
                            (size_t)(progress * (double)ctx->file_size), ctx->file_size);
    return READSTAT_HANDLER_OK;
}

/* Copy the user-missing values and ranges of an SPSS variable.  Numeric
 * ranges may use LOWEST/HIGHEST (+-Inf or +-DBL_MAX), which compare fine. */
static coh_status copy_missing_ranges(rs_var *var, readstat_variable_t *variable)
{
    int n = readstat_variable_get_missing_ranges_count(variable);
    if (n <= 0)
        return COH_OK;
    if (n > 32) /* the size of ReadStat's own array */
        n = 32;
    var->miss_lo = malloc((size_t)n * sizeof *var->miss_lo);
    var->miss_hi = malloc((size_t)n * sizeof *var->miss_hi);
    var->miss_text = calloc((size_t)n, sizeof *var->miss_text);
    if (var->miss_lo == NULL || var->miss_hi == NULL || var->miss_text == NULL)
        return COH_ENOMEM;
    for (int i = 0; i < n; i++) {
        readstat_value_t lo = readstat_variable_get_missing_range_lo(variable, i);
        readstat_value_t hi = readstat_variable_get_missing_range_hi(variable, i);
        if (readstat_value_type_class(lo) == READSTAT_TYPE_CLASS_STRING) {
            const char *s = readstat_string_value(lo);
            if (s == NULL)
                continue;
            if ((var->miss_text[var->n_miss_text] = coh_strndup(s, rtrim_len(s))) == NULL)
                return COH_ENOMEM;
            var->n_miss_text++;
        } else {
            double a = value_number(lo), b = value_number(hi);
            if (isnan(a) || isnan(b))
                continue;
            var->miss_lo[var->n_miss] = a;
            var->miss_hi[var->n_miss] = b;
            var->n_miss++;
        }
    }
    return COH_OK;
}

static int on_variable(int index, readstat_variable_t *variable, const char *val_labels,
                       void *user)
{
    rs_ctx *ctx = user;
    const coh_read_options *o = ctx->opts;
    /* ReadStat numbers variables 0, 1, 2, ...; anything else is a damaged file */
    if (index < 0 || (size_t)index != ctx->n_vars)
        return RS_FAIL(ctx, COH_EPARSE, "%s: variable number %d out of sequence (damaged file?)",
                       ctx->path, index);
    if (ctx->n_vars == ctx->cap_vars) {
        size_t cap = ctx->cap_vars ? 2 * ctx->cap_vars : 16;
        rs_var *vars = realloc(ctx->vars, cap * sizeof *vars);
        if (vars == NULL)
            return RS_FAIL(ctx, COH_ENOMEM, "%s: out of memory", ctx->path);
        ctx->vars = vars;
        ctx->cap_vars = cap;
    }
    rs_var *var = &ctx->vars[ctx->n_vars++];
    memset(var, 0, sizeof *var);
    coh_cb_init(&var->cb);
    var->declared = -1;

    const char *name = readstat_variable_get_name(variable);
    char fallback[32];
    if (name == NULL || name[0] == '\0') {
        snprintf(fallback, sizeof fallback, "V%d", index + 1);
        name = fallback;
    }
    if (coh_utf8_check(name, strlen(name)) != strlen(name))
        return RS_FAIL(ctx, COH_EENCODING, "%s: variable %d: name is not valid UTF-8",
                       ctx->path, index + 1);
    if ((var->name = coh_strdup(name)) == NULL)
        return RS_FAIL(ctx, COH_ENOMEM, "%s: out of memory", ctx->path);

    const char *label = readstat_variable_get_label(variable);
    if (label != NULL && label[0] != '\0') {
        if (coh_utf8_check(label, strlen(label)) != strlen(label))
            return RS_FAIL(ctx, COH_EENCODING, "%s: variable '%s': label is not valid UTF-8",
                           ctx->path, var->name);
        if ((var->label = coh_strdup(label)) == NULL)
            return RS_FAIL(ctx, COH_ENOMEM, "%s: out of memory", ctx->path);
    }
    if (val_labels != NULL && val_labels[0] != '\0' &&
        (var->label_set = coh_strdup(val_labels)) == NULL)
        return RS_FAIL(ctx, COH_ENOMEM, "%s: out of memory", ctx->path);

    var->is_text = readstat_variable_get_type_class(variable) == READSTAT_TYPE_CLASS_STRING;
    var->is_float = readstat_variable_get_type(variable) == READSTAT_TYPE_FLOAT;
    const char *fmt = readstat_variable_get_format(variable);
    if (fmt != NULL && fmt[0] != '\0' && (var->format = coh_strdup(fmt)) == NULL)
        return RS_FAIL(ctx, COH_ENOMEM, "%s: out of memory", ctx->path);
    if (!var->is_text)
        detect_date(var, ctx->format, fmt);
    if (copy_missing_ranges(var, variable) != COH_OK)
        return RS_FAIL(ctx, COH_ENOMEM, "%s: out of memory", ctx->path);

    for (size_t i = 0; i < o->n_na_codes; i++)
        if (o->na_codes[i].column != NULL && strcmp(o->na_codes[i].column, name) == 0) {
            double *codes = realloc(var->na_codes, (var->n_na_codes + 1) * sizeof *codes);
            if (codes == NULL)
                return RS_FAIL(ctx, COH_ENOMEM, "%s: out of memory", ctx->path);
            var->na_codes = codes;
            var->na_codes[var->n_na_codes++] = o->na_codes[i].value;
        }
    for (size_t i = 0; i < o->n_col_types; i++)
        if (o->col_types[i].column != NULL && strcmp(o->col_types[i].column, name) == 0)
            var->declared = (int)o->col_types[i].type;
    return READSTAT_HANDLER_OK;
}

static int on_value_label(const char *val_labels, readstat_value_t value, const char *label,
                          void *user)
{
    rs_ctx *ctx = user;
    if (val_labels == NULL || val_labels[0] == '\0')
        return READSTAT_HANDLER_OK;
    /* a label of .a-.z or of system missing names a kind of missing value:
     * those rows are missing, so the label is not a level */
    if (readstat_value_is_tagged_missing(value) || readstat_value_is_system_missing(value))
        return READSTAT_HANDLER_OK;
    const char *text = label != NULL ? label : "";
    if (coh_utf8_check(text, strlen(text)) != strlen(text))
        return RS_FAIL(ctx, COH_EENCODING,
                       "%s: value label set '%s': a label is not valid UTF-8", ctx->path,
                       val_labels);

    rs_label_set *set = NULL;
    for (size_t s = 0; s < ctx->n_sets && set == NULL; s++)
        if (strcmp(ctx->sets[s].name, val_labels) == 0)
            set = &ctx->sets[s];
    if (set == NULL) {
        if (ctx->n_sets == ctx->cap_sets) {
            size_t cap = ctx->cap_sets ? 2 * ctx->cap_sets : 8;
            rs_label_set *sets = realloc(ctx->sets, cap * sizeof *sets);
            if (sets == NULL)
                return RS_FAIL(ctx, COH_ENOMEM, "%s: out of memory", ctx->path);
            ctx->sets = sets;
            ctx->cap_sets = cap;
        }
        set = &ctx->sets[ctx->n_sets];
        memset(set, 0, sizeof *set);
        if ((set->name = coh_strdup(val_labels)) == NULL)
            return RS_FAIL(ctx, COH_ENOMEM, "%s: out of memory", ctx->path);
        ctx->n_sets++;
    }
    if (set->n == set->cap) {
        size_t cap = set->cap ? 2 * set->cap : 8;
        rs_value_label *items = realloc(set->items, cap * sizeof *items);
        if (items == NULL)
            return RS_FAIL(ctx, COH_ENOMEM, "%s: out of memory", ctx->path);
        set->items = items;
        set->cap = cap;
    }
    rs_value_label *item = &set->items[set->n];
    memset(item, 0, sizeof *item);
    if (readstat_value_type_class(value) == READSTAT_TYPE_CLASS_STRING) {
        const char *s = readstat_string_value(value);
        if (s == NULL)
            return READSTAT_HANDLER_OK;
        size_t len = rtrim_len(s);
        if (coh_utf8_check(s, len) != len)
            return RS_FAIL(ctx, COH_EENCODING,
                           "%s: value label set '%s': a value is not valid UTF-8", ctx->path,
                           val_labels);
        item->is_text = true;
        if ((item->text = coh_strndup(s, len)) == NULL)
            return RS_FAIL(ctx, COH_ENOMEM, "%s: out of memory", ctx->path);
    } else {
        item->num = value_number(value);
        if (!isfinite(item->num))
            return READSTAT_HANDLER_OK;
    }
    if ((item->label = coh_strdup(text)) == NULL) {
        free(item->text);
        return RS_FAIL(ctx, COH_ENOMEM, "%s: out of memory", ctx->path);
    }
    set->n++;
    return READSTAT_HANDLER_OK;
}

static coh_status push_text_value(rs_ctx *ctx, rs_var *var, readstat_value_t value,
                                  int obs_index)
{
    const char *s = readstat_string_value(value);
    if (s == NULL || readstat_value_is_system_missing(value))
        return coh_cb_push_na(&var->cb);
    size_t len = rtrim_len(s);
    /* "" is how SPSS, Stata and SAS write a string with no value */
    if (len == 0 || is_missing_text(var, s, len))
        return coh_cb_push_na(&var->cb);
    if (coh_utf8_check(s, len) != len)
        return coh_error_set(ctx->err, COH_EENCODING,
                             "%s: variable '%s', row %d: text is not valid UTF-8", ctx->path,
                             var->name, obs_index + 1);
    return coh_cb_push_text(&var->cb, s, len);
}

static coh_status push_number_value(rs_var *var, readstat_value_t value,
                                    readstat_variable_t *variable)
{
    if (readstat_value_is_missing(value, variable))
        return coh_cb_push_na(&var->cb);
    double v = value_number(value);
    /* +-Inf are not data here (SPSS uses them only to bound missing ranges),
     * and the builder stores finite numbers only */
    if (!isfinite(v) || is_missing_code(var, v))
        return coh_cb_push_na(&var->cb);
    if (var->is_date) {
        double days = v / var->day_scale + var->day_offset;
        return coh_cb_push_value(&var->cb, days, CB_DATE);
    }
    return coh_cb_push_value(&var->cb, v, CB_NUMBER);
}

static int on_value(int obs_index, readstat_variable_t *variable, readstat_value_t value,
                    void *user)
{
    rs_ctx *ctx = user;
    int index = readstat_variable_get_index(variable);
    if (index < 0 || (size_t)index >= ctx->n_vars)
        return RS_FAIL(ctx, COH_EPARSE, "%s: value of an undeclared variable (damaged file?)",
                       ctx->path);
    rs_var *var = &ctx->vars[index];
    /* rows arrive in order, every variable once per row */
    if (obs_index < 0 || (size_t)obs_index != var->cb.n)
        return RS_FAIL(ctx, COH_EPARSE, "%s: variable '%s': row %d out of sequence "
                       "(damaged file?)", ctx->path, var->name, obs_index + 1);
    bool text_value = readstat_value_type_class(value) == READSTAT_TYPE_CLASS_STRING;
    if (text_value != var->is_text)
        return RS_FAIL(ctx, COH_EPARSE, "%s: variable '%s', row %d: value of the wrong type "
                       "(damaged file?)", ctx->path, var->name, obs_index + 1);
    coh_status st = var->is_text ? push_text_value(ctx, var, value, obs_index)
                                 : push_number_value(var, value, variable);
    if (st == COH_ENOMEM)
        return RS_FAIL(ctx, COH_ENOMEM, "%s: out of memory", ctx->path);
    if (st != COH_OK) {
        ctx->st = st; /* the message is set */
        return READSTAT_HANDLER_ABORT;
    }
    return READSTAT_HANDLER_OK;
}

/* ---- building the columns ------------------------------------------------- */

/* The text under which a label's value appears among the column's levels,
 * written into `buf`; false when the label does not give a level of `var`
 * (wrong kind, or a missing code). */
static bool label_level_text(const rs_var *var, const rs_value_label *item, char *buf,
                             size_t size)
{
    if (item->is_text != var->is_text)
        return false;
    if (item->is_text) {
        size_t len = strlen(item->text);
        if (len == 0 || is_missing_text(var, item->text, len))
            return false;
        snprintf(buf, size, "%s", item->text);
        return true;
    }
    if (is_missing_code(var, item->num))
        return false;
    coh_format_num(item->num, buf, size);
    return true;
}

static const rs_label_set *find_set(const rs_ctx *ctx, const char *name)
{
    for (size_t s = 0; s < ctx->n_sets; s++)
        if (strcmp(ctx->sets[s].name, name) == 0)
            return &ctx->sets[s];
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Whether a labelled numeric variable is really continuous: more than
 * max_levels distinct values plus labels, and some value that occurs has no
 * label.  Counts from a sorted copy of the values; the builder is unchanged. */
static coh_status looks_continuous(const rs_var *var, const rs_label_set *set,
                                   size_t max_levels, bool *out)
{
    const coh_colbuild *cb = &var->cb;
    *out = false;
    if (cb->kind != CB_NUMBER)
        return COH_OK;
    size_t n = cb->n - cb->n_missing;
    if (n + set->n <= max_levels)
        return COH_OK;
    double *vals = malloc((n + set->n + 1) * sizeof *vals);
    double *keys = malloc((set->n + 1) * sizeof *keys);
    if (vals == NULL || keys == NULL) {
        free(vals);
        free(keys);
        return COH_ENOMEM;
    }
    size_t nv = 0, nk = 0;
    for (size_t i = 0; i < cb->n; i++)
        if (cb->missing == NULL || !cb->missing[i])
            vals[nv++] = cb->num[i];
    for (size_t i = 0; i < set->n; i++)
        if (!set->items[i].is_text && !is_missing_code(var, set->items[i].num))
            keys[nk++] = set->items[i].num;
    qsort(keys, nk, sizeof *keys, cmp_double);
    /* distinct values, and how many of them have no label */
    qsort(vals, nv, sizeof *vals, cmp_double);
    size_t unlabelled = 0;
    for (size_t i = 0; i < nv; i++) {
        if (i > 0 && vals[i] == vals[i - 1])
            continue;
        if (bsearch(&vals[i], keys, nk, sizeof *keys, cmp_double) == NULL)
            unlabelled++;
    }
    size_t levels = unlabelled + nk; /* labelled values count once, via keys */
    for (size_t i = 1; i < nk; i++)
        if (keys[i] == keys[i - 1])
            levels--;
    *out = levels > max_levels && unlabelled > 0;
    free(vals);
    free(keys);
    return COH_OK;
}

/* Add the labelled values of `set` that are not yet levels of `col` (a
 * CATEGORICAL or STRING column just finished from var's builder), re-sort
 * the levels, recode the rows and attach each level's label. */
static coh_status attach_labels(coh_column *col, const rs_var *var, const rs_label_set *set,
                                coh_type type)
{
    coh_status st = COH_ENOMEM;
    if (col->code == NULL) {
        /* every value missing: the builder made a numeric column of NaN;
         * give it codes (all -1) so that the labels can become its levels */
        int32_t *code = malloc((col->n ? col->n : 1) * sizeof *code);
        if (code == NULL)
            return COH_ENOMEM;
        for (size_t i = 0; i < col->n; i++)
            code[i] = -1;
        free(col->num);
        col->num = NULL;
        col->code = code;
        col->type = type;
    }
    size_t n_old = col->n_levels, n = n_old;
    char **levels = malloc((n_old + set->n + 1) * sizeof *levels);
    char **item_text = calloc(set->n + 1, sizeof *item_text);
    coh_level_key *key = NULL;
    int32_t *map = NULL;
    char **sorted = NULL, **labels = NULL;
    if (levels == NULL || item_text == NULL)
        goto done;
    if (n_old > 0)
        memcpy(levels, col->levels, n_old * sizeof *levels);
    for (size_t i = 0; i < set->n; i++) {
        char buf[64];
        const char *text = buf;
        if (!label_level_text(var, &set->items[i], buf, sizeof buf))
            continue;
        if (set->items[i].is_text)
            text = set->items[i].text; /* may be longer than buf */
        if ((item_text[i] = coh_strdup(text)) == NULL)
            goto done;
        bool present = false;
        for (size_t k = 0; k < n && !present; k++)
            present = strcmp(levels[k], text) == 0;
        if (!present && (levels[n++] = coh_strdup(text)) == NULL) {
            n--;
            goto done;
        }
    }
    key = malloc((n + 1) * sizeof *key);
    map = malloc((n + 1) * sizeof *map);
    sorted = malloc((n + 1) * sizeof *sorted);
    labels = calloc(n + 1, sizeof *labels);
    if (key == NULL || map == NULL || sorted == NULL || labels == NULL)
        goto done;
    for (size_t k = 0; k < n; k++) {
        coh_level_key_set(&key[k], levels[k], k);
    }
    qsort(key, n, sizeof *key, coh_level_key_cmp);
    for (size_t k = 0; k < n; k++) {
        map[key[k].old] = (int32_t)k;
        sorted[k] = levels[key[k].old];
        /* the first label given for a value wins, as in SPSS */
        for (size_t i = 0; i < set->n && labels[k] == NULL; i++)
            if (item_text[i] != NULL && strcmp(item_text[i], sorted[k]) == 0 &&
                (labels[k] = coh_strdup(set->items[i].label)) == NULL)
                goto done;
    }
    for (size_t i = 0; i < col->n; i++)
        if (col->code[i] >= 0)
            col->code[i] = map[col->code[i]];
    free(col->levels);
    if (col->level_labels != NULL) /* not set by coh_cb_finish, but be safe */
        for (size_t k = 0; k < n_old; k++)
            free(col->level_labels[k]);
    free(col->level_labels);
    col->levels = sorted;
    col->level_labels = labels;
    col->n_levels = n;
    sorted = NULL;
    labels = NULL;
    n = n_old; /* the column owns every level string now */
    st = COH_OK;
done:
    if (levels != NULL)
        for (size_t k = n_old; k < n; k++)
            free(levels[k]);
    if (labels != NULL)
        for (size_t k = 0; k < n; k++)
            free(labels[k]);
    if (item_text != NULL)
        for (size_t i = 0; i < set->n; i++)
            free(item_text[i]);
    free(levels);
    free(item_text);
    free(key);
    free(map);
    free(sorted);
    free(labels);
    return st;
}

/* Finish variable `var` into a column (*out) as described at the top. */
static coh_status build_column(rs_ctx *ctx, rs_var *var, coh_column **out)
{
    coh_status st;
    size_t max_levels = ctx->opts->max_levels ? ctx->opts->max_levels : 50;
    int declared = var->declared;
    if (var->is_date && (declared == COH_DOUBLE || declared == COH_INTEGER))
        return coh_error_set(ctx->err, COH_ETYPE, "%s: variable '%s': declared %s but holds "
                             "dates (format %s)", ctx->path, var->name,
                             coh_type_name((coh_type)declared), var->format);
    if (!var->is_text && !var->is_date && declared == COH_DATE && var->cb.kind == CB_NUMBER)
        return coh_error_set(ctx->err, COH_ETYPE, "%s: variable '%s': declared date but its "
                             "format '%s' is not a date format", ctx->path, var->name,
                             var->format ? var->format : "");

    const rs_label_set *set = NULL;
    bool use_labels = false;
    if (var->label_set != NULL && !var->is_date &&
        (declared < 0 || declared == COH_CATEGORICAL || declared == COH_STRING) &&
        (set = find_set(ctx, var->label_set)) != NULL) {
        char buf[64];
        for (size_t i = 0; i < set->n && !use_labels; i++)
            use_labels = label_level_text(var, &set->items[i], buf, sizeof buf);
        bool continuous = false;
        if (use_labels && declared < 0 && !var->is_text &&
            (st = looks_continuous(var, set, max_levels, &continuous)) != COH_OK)
            return coh_error_set(ctx->err, st, "%s: out of memory", ctx->path);
        if (continuous)
            use_labels = false;
    }

    coh_error sub;
    coh_error_clear(&sub);
    int finish_as = use_labels && declared < 0 ? (int)COH_CATEGORICAL : declared;
    if ((st = coh_cb_finish(&var->cb, var->name, finish_as, max_levels, out, &sub)) != COH_OK)
        return coh_error_set(ctx->err, st, "%s: variable '%s': %s", ctx->path, var->name,
                             sub.msg);
    if (use_labels && (st = attach_labels(*out, var, set, (coh_type)finish_as)) != COH_OK) {
        coh_column_free(*out);
        *out = NULL;
        return coh_error_set(ctx->err, st, "%s: out of memory", ctx->path);
    }
    if (var->label != NULL && coh_column_set_label(*out, var->label) != COH_OK) {
        coh_column_free(*out);
        *out = NULL;
        return coh_error_set(ctx->err, COH_ENOMEM, "%s: out of memory", ctx->path);
    }
    return COH_OK;
}

static coh_status build_table(rs_ctx *ctx, coh_table **out)
{
    coh_status st;
    if (ctx->n_vars == 0)
        return coh_error_set(ctx->err, COH_EEMPTY, "%s: the file holds no variables",
                             ctx->path);
    size_t n_rows = ctx->vars[0].cb.n;
    for (size_t j = 1; j < ctx->n_vars; j++)
        if (ctx->vars[j].cb.n != n_rows)
            return coh_error_set(ctx->err, COH_EPARSE, "%s: variable '%s' has %zu rows but "
                                 "variable '%s' has %zu (damaged file?)", ctx->path,
                                 ctx->vars[j].name, ctx->vars[j].cb.n, ctx->vars[0].name,
                                 n_rows);
    /* a truncated file can end cleanly between rows: trust the header's count */
    if (ctx->row_count >= 0 && (unsigned long long)ctx->row_count != n_rows)
        return coh_error_set(ctx->err, COH_EPARSE, "%s: the header promises %lld rows but "
                             "the file holds %zu (truncated or damaged?)", ctx->path,
                             ctx->row_count, n_rows);
    coh_table *t = coh_table_new();
    if (t == NULL)
        return coh_error_set(ctx->err, COH_ENOMEM, "%s: out of memory", ctx->path);
    for (size_t j = 0; j < ctx->n_vars; j++) {
        coh_column *col;
        if ((st = build_column(ctx, &ctx->vars[j], &col)) != COH_OK) {
            coh_table_free(t);
            return st;
        }
        coh_error sub;
        coh_error_clear(&sub);
        if ((st = coh_table_add_column(t, col, &sub)) != COH_OK) {
            coh_table_free(t);
            return coh_error_set(ctx->err, st, "%s: %s", ctx->path, sub.msg);
        }
    }
    *out = t;
    return COH_OK;
}

/* ---- entry point ---------------------------------------------------------- */

/* Whether a Stata 117+ file (which opens with "<stata_dta>") is cut short.
 * ReadStat stops quietly at the end of the file while reading the value
 * labels, the last section, so a truncated file would read as one without
 * some labels; these formats end with "</stata_dta>", which we check.  Older
 * formats (104-116) have no closing mark and are not checked. */
static bool dta_truncated(int fd, size_t size)
{
    static const char open_tag[] = "<stata_dta>", close_tag[] = "</stata_dta>";
    char head[sizeof open_tag - 1], tail[sizeof close_tag - 1];
    if (size < sizeof head || pread(fd, head, sizeof head, 0) != (ssize_t)sizeof head ||
        memcmp(head, open_tag, sizeof head) != 0)
        return false;
    return size < sizeof head + sizeof tail ||
           pread(fd, tail, sizeof tail, (off_t)(size - sizeof tail)) != (ssize_t)sizeof tail ||
           memcmp(tail, close_tag, sizeof tail) != 0;
}

/* The coh_status of a ReadStat failure that no callback reported. */
static coh_status status_of(readstat_error_t rc)
{
    switch (rc) {
    case READSTAT_ERROR_OPEN: return COH_EIO;
    case READSTAT_ERROR_MALLOC: return COH_ENOMEM;
    case READSTAT_ERROR_UNSUPPORTED_COMPRESSION:
    case READSTAT_ERROR_UNSUPPORTED_CHARSET:
    case READSTAT_ERROR_UNSUPPORTED_FILE_FORMAT_VERSION: return COH_EFORMAT;
    case READSTAT_ERROR_CONVERT:
    case READSTAT_ERROR_CONVERT_BAD_STRING:
    case READSTAT_ERROR_CONVERT_SHORT_STRING:
    case READSTAT_ERROR_CONVERT_LONG_STRING: return COH_EENCODING;
    default: return COH_EPARSE;
    }
}

coh_status coh_read_readstat(const char *path, coh_format format,
                             const coh_read_options *opts, coh_table **out,
                             coh_error *err)
{
    coh_read_options defaults;
    if (out != NULL)
        *out = NULL;
    if (path == NULL || out == NULL)
        return coh_error_set(err, COH_EINVAL, "coh_read_readstat: path and out are required");
    if (opts == NULL) {
        memset(&defaults, 0, sizeof defaults); /* the documented defaults are all zero */
        opts = &defaults;
    }

    rs_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.path = path;
    ctx.format = format;
    ctx.opts = opts;
    ctx.err = err;
    ctx.row_count = -1;
    readstat_error_t (*parse)(readstat_parser_t *, const char *, void *);
    switch (format) {
    case COH_FORMAT_SAV: parse = readstat_parse_sav; ctx.format_name = "SPSS"; break;
    case COH_FORMAT_DTA: parse = readstat_parse_dta; ctx.format_name = "Stata"; break;
    case COH_FORMAT_SAS7BDAT:
        parse = readstat_parse_sas7bdat;
        ctx.format_name = "SAS";
        break;
    default:
        return coh_error_set(err, COH_EINVAL, "%s: not an SPSS, Stata or SAS format (%d)",
                             path, (int)format);
    }

    /* Open it ourselves first so that a missing or unreadable file gets the
     * system's reason (ReadStat says only "Unable to open file"). */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return coh_error_set(err, COH_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    int stat_rc = fstat(fd, &sb);
    if (stat_rc != 0 || S_ISDIR(sb.st_mode)) {
        int e = stat_rc != 0 ? errno : EISDIR;
        close(fd);
        return coh_error_set(err, COH_EIO, "%s: cannot open: %s", path, strerror(e));
    }
    ctx.file_size = sb.st_size > 0 ? (size_t)sb.st_size : 0;
    bool truncated = format == COH_FORMAT_DTA && dta_truncated(fd, ctx.file_size);
    close(fd);

    readstat_parser_t *parser = readstat_parser_init();
    if (parser == NULL)
        return coh_error_set(err, COH_ENOMEM, "%s: out of memory", path);
    readstat_set_metadata_handler(parser, on_metadata);
    readstat_set_variable_handler(parser, on_variable);
    readstat_set_value_label_handler(parser, on_value_label);
    readstat_set_value_handler(parser, on_value);
    readstat_set_error_handler(parser, on_error);
    if (opts->progress != NULL)
        readstat_set_progress_handler(parser, on_progress);
    readstat_error_t rc = parse(parser, path, &ctx);
    readstat_parser_free(parser);

    coh_status st;
    if (ctx.st != COH_OK) {
        st = ctx.st; /* a callback stopped the parse and said why */
    } else if (rc != READSTAT_OK) {
        st = status_of(rc);
        if (st == COH_ENOMEM)
            coh_error_set(err, st, "%s: out of memory", path);
        else if (st == COH_EIO)
            coh_error_set(err, st, "%s: cannot open: %s", path, readstat_error_message(rc));
        else {
            /* ReadStat's error handler adds detail ("... (retval = 2):
             * Success (errno = 0)") only worth showing when it says more */
            const char *what = readstat_error_message(rc);
            bool detail = ctx.detail[0] != '\0' && strstr(ctx.detail, what) == NULL;
            /* the file opened, so a failed read is almost always its end */
            if (rc == READSTAT_ERROR_READ && !detail) {
                snprintf(ctx.detail, sizeof ctx.detail, "the file ends early: truncated?");
                detail = true;
            }
            coh_error_set(err, st, "%s: not a readable %s file: %s%s%s%s", path,
                          ctx.format_name, what, detail ? " (" : "",
                          detail ? ctx.detail : "", detail ? ")" : "");
        }
    } else if (truncated) {
        st = coh_error_set(err, COH_EPARSE, "%s: not a readable Stata file: it does not end "
                           "with </stata_dta> (truncated?)", path);
    } else {
        st = build_table(&ctx, out);
    }
    rs_ctx_free(&ctx);
    return st;
}
