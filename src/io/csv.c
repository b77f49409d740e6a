/* csv.c - CSV/TSV reader (RFC 4180) with whole-column type inference.
 *
 * Input: a file (memory-mapped read-only; never written) or a memory buffer.
 * Output: a coh_table, one column per header field.
 *
 * Syntax (RFC 4180, with the usual extensions):
 *   - fields separated by one delimiter byte: ',' ';' or tab, detected from
 *     the header line (the most frequent outside quotes) unless given;
 *   - a field may be enclosed in double quotes, inside which the delimiter,
 *     CR and LF are literal and "" is one quote; a quote inside an unquoted
 *     field, or text after a closing quote, is an error (it would otherwise
 *     be read silently in one of several ways);
 *   - records end in LF, CRLF or a lone CR; blank lines are skipped, as R's
 *     read.csv and data.table::fread do; the last record may lack its end;
 *   - a UTF-8 byte order mark is skipped; text must be valid UTF-8;
 *   - unquoted fields are trimmed of surrounding spaces (fread's strip.white).
 *
 * Values: a field that is a missing token ("", "NA", "." by default) is
 * missing.  Otherwise it is a number if it reads as [+-]digits[.digits]
 * [e[+-]digits] (with ',' as the decimal mark under decimal_comma), a date if
 * it reads as YYYY-MM-DD (or the given date format), else text.  Each column
 * takes the kind of all its values (colbuild.h); a column that holds both
 * numbers and text is text, and is re-read from the input so that each value
 * keeps its spelling ("007", "1.50").
 *
 * Parallelism: the input is cut into one chunk per thread at record
 * boundaries.  A newline ends a record exactly when the number of quote
 * characters before it is even (escaped quotes come in pairs), so each cut
 * is placed after the first newline past the chunk's nominal start at which
 * the running quote count is even.  Chunks are parsed independently and
 * their columns appended in order.  Errors carry a byte offset; the earliest
 * is reported, with line and column computed from the offset.
 *
 * Memory: the mapped file's pages are released behind the parser
 * (MADV_DONTNEED), so that the peak resident size is about the size of the
 * columns, not columns plus file.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cohort/io.h"
#include "core/colbuild.h"
#include "core/core.h"

#define MIN_CHUNK ((size_t)4 << 20)     /* below this, one thread */
#define RELEASE_STEP ((size_t)2 << 20) /* release mapped pages every 2 MiB */
#define PROGRESS_ROWS 65536u

/* What the parser does with one column. */
typedef struct col_spec {
    const char *name;
    int declared;           /* a coh_type, or -1 to infer */
    bool text;              /* store every value as text */
    bool skip;              /* ignore (re-reading other columns) */
    const double *na_codes; /* numeric codes read as missing */
    size_t n_na_codes;
    double *na_store;
} col_spec;

/* Read-only description of the input, shared by the chunk parsers. */
typedef struct csv_ctx {
    const char *name;       /* file name for messages */
    const char *data;       /* after any BOM */
    size_t len;
    bool mapped;            /* data is an mmap of the file: release pages */
    const char *map_base;   /* page-aligned start of the mapping */
    char delim;
    bool decimal_comma;
    const char *const *na_tokens;
    size_t n_na_tokens;
    size_t na_len[16];      /* lengths of the first 16 tokens */
    size_t na_max_len;      /* longest token: longer fields are never NA */
    bool na_empty;          /* the empty field is a token */
    bool na_first[256];     /* bytes that begin a non-empty token */
    const char *date_format;
    size_t ncols;
    col_spec *spec;
    coh_progress_fn progress;
    void *progress_ctx;
} csv_ctx;

/* One chunk's work and result. */
typedef struct chunk {
    const csv_ctx *ctx;
    size_t begin, end;      /* byte range in ctx->data */
    bool report_progress;
    coh_colbuild *cb;       /* ncols builders */
    bool *mixed;            /* ncols: numbers/dates and text met in a column */
    bool *fast;             /* ncols: numbers may take the fast path */
    char *scratch;          /* unescaped quoted field */
    size_t scratch_cap;
    size_t rows;
    coh_status st;
    size_t err_offset;      /* where the error is, in ctx->data */
    char err_msg[600];      /* the message, without file:line:col */
} chunk;

/* ---- values ------------------------------------------------------------ */

static const double pow10_exact[] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Read a decimal number at the start of s[0,len): the number of bytes it
 * takes, or 0 if s does not start with one.  Fast path (Clinger
 * 1990): a mantissa of at most 2^53 times an exact power of ten up to
 * 10^22 is correctly rounded by one multiplication or division.  Anything
 * else that is still well-formed goes through strtod in the C locale. */
static size_t scan_number(const char *s, size_t len, bool decimal_comma, double *out,
                          bool *integral)
{
    const char dec = decimal_comma ? ',' : '.';
    size_t i = 0;
    bool neg = false;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    uint64_t mant = 0;
    int ndig = 0, exp10 = 0, digits_seen = 0;
    bool exact = true;
    for (; i < len && (unsigned)(s[i] - '0') < 10; i++, digits_seen++) {
        if (mant == 0 && s[i] == '0')
            continue;
        if (ndig < 19) {
            mant = mant * 10 + (uint64_t)(s[i] - '0');
            ndig++;
        } else {
            exact = false;
            exp10++;
        }
    }
    bool whole = true; /* written without decimal mark or exponent */
    if (i < len && s[i] == dec) {
        whole = false;
        i++;
        for (; i < len && (unsigned)(s[i] - '0') < 10; i++, digits_seen++) {
            if (mant == 0 && s[i] == '0') {
                exp10--;
                continue;
            }
            if (ndig < 19) {
                mant = mant * 10 + (uint64_t)(s[i] - '0');
                ndig++;
                exp10--;
            } else {
                exact = false;
            }
        }
    }
    if (digits_seen == 0)
        return 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        whole = false;
        i++;
        bool eneg = false;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            eneg = s[i++] == '-';
        if (i == len || (unsigned)(s[i] - '0') >= 10)
            return 0; /* "1e" or "1e+" */
        int e = 0;
        for (; i < len && (unsigned)(s[i] - '0') < 10; i++)
            if (e < 100000)
                e = e * 10 + (s[i] - '0');
        exp10 += eneg ? -e : e;
    }
    if (exact && mant <= (UINT64_C(1) << 53) && exp10 >= -22 && exp10 <= 22) {
        double v = (double)mant;
        v = exp10 < 0 ? v / pow10_exact[-exp10] : v * pow10_exact[exp10];
        /* "-0" is the integer 0, as R reads it; "-0.0" stays a signed zero */
        *out = neg && !(whole && mant == 0) ? -v : v;
        *integral = whole;
        return i;
    }
    char buf[128];
    if (i >= sizeof buf)
        return 0;
    memcpy(buf, s, i);
    buf[i] = '\0';
    if (decimal_comma) {
        char *c = strchr(buf, ',');
        if (c)
            *c = '.';
    }
    double v = strtod(buf, NULL);
    if (!isfinite(v))
        return 0; /* 1e999: not a usable number; kept as text */
    *out = v;
    /* 2^53: beyond it not every integer is a double; such a column is DOUBLE */
    *integral = whole && fabs(v) < 9007199254740992.0;
    return i;
}

/* The whole of s[0,len) is one decimal number. */
static bool parse_number(const char *s, size_t len, bool decimal_comma, double *out,
                         bool *integral)
{
    return len > 0 && scan_number(s, len, decimal_comma, out, integral) == len;
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool valid_ymd(int64_t y, unsigned m, unsigned d)
{
    static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1)
        return false;
    unsigned maxd = mdays[m - 1] + (m == 2 && is_leap(y) ? 1u : 0u);
    return d <= maxd;
}

/* Read `width` digits (exactly, or 1..width when !fixed). */
static bool read_uint(const char *s, size_t len, size_t *i, int width, bool fixed, unsigned *out)
{
    unsigned v = 0;
    int n = 0;
    while (*i < len && n < width && (unsigned)(s[*i] - '0') < 10) {
        v = v * 10 + (unsigned)(s[*i] - '0');
        (*i)++;
        n++;
    }
    if (n == 0 || (fixed && n != width))
        return false;
    *out = v;
    return true;
}

/* A date in `fmt` (%Y four-digit year, %y two-digit year 1969-2068 as POSIX
 * strptime, %m month, %d day, %b English month abbreviation, other bytes
 * literal) or, with fmt NULL, ISO 8601 YYYY-MM-DD.  Days since 1970-01-01. */
static bool parse_date(const char *s, size_t len, const char *fmt, double *out)
{
    static const char *mon[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                "jul", "aug", "sep", "oct", "nov", "dec"};
    unsigned y = 0, m = 0, d = 0;
    bool have_y = false;
    size_t i = 0;
    if (fmt == NULL) {
        if (len != 10 || s[4] != '-' || s[7] != '-')
            return false;
        fmt = "%Y-%m-%d";
    }
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            if (i >= len || s[i] != *f)
                return false;
            i++;
            continue;
        }
        f++;
        switch (*f) {
        case 'Y':
            if (!read_uint(s, len, &i, 4, true, &y))
                return false;
            have_y = true;
            break;
        case 'y':
            if (!read_uint(s, len, &i, 2, true, &y))
                return false;
            y += y < 69 ? 2000u : 1900u;
            have_y = true;
            break;
        case 'm':
            if (!read_uint(s, len, &i, 2, false, &m))
                return false;
            break;
        case 'd':
            if (!read_uint(s, len, &i, 2, false, &d))
                return false;
            break;
        case 'b': {
            if (i + 3 > len)
                return false;
            char a[4] = {(char)(s[i] | 0x20), (char)(s[i + 1] | 0x20), (char)(s[i + 2] | 0x20), 0};
            m = 0;
            for (unsigned k = 0; k < 12; k++)
                if (strcmp(a, mon[k]) == 0)
                    m = k + 1;
            if (m == 0)
                return false;
            i += 3;
            break;
        }
        default:
            return false;
        }
    }
    if (i != len || !have_y || !valid_ymd(y, m, d))
        return false;
    *out = (double)coh_days_from_civil(y, m, d);
    return true;
}

/* The field is one of the missing-value tokens.  Called for every field,
 * so the token lengths are computed once (read_buffer) and long fields are
 * turned away by one comparison. */
bool coh_date_format_valid(const char *fmt)
{
    bool y = false, m = false, d = false;
    for (const char *f = fmt; *f; f++) {
        if (*f != '%')
            continue;
        switch (*++f) {
        case 'Y': case 'y': y = true; break;
        case 'm': case 'b': m = true; break;
        case 'd': d = true; break;
        default: return false; /* '%' at the end, or an unknown conversion */
        }
    }
    return y && m && d;
}

static inline bool is_na_token(const csv_ctx *ctx, const char *s, size_t len)
{
    if (len == 0)
        return ctx->na_empty;
    if (len > ctx->na_max_len || !ctx->na_first[(unsigned char)s[0]])
        return false;
    for (size_t k = 0; k < ctx->n_na_tokens; k++) {
        const char *t = ctx->na_tokens[k];
        size_t tl = k < 16 ? ctx->na_len[k] : strlen(t);
        if (tl == len && memcmp(t, s, len) == 0)
            return true;
    }
    return false;
}

/* ---- errors -------------------------------------------------------------- */

static void chunk_fail(chunk *ch, coh_status st, size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void chunk_fail(chunk *ch, coh_status st, size_t offset, const char *fmt, ...)
{
    if (ch->st != COH_OK)
        return;
    ch->st = st;
    ch->err_offset = offset;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ch->err_msg, sizeof ch->err_msg, fmt, ap);
    va_end(ap);
}

/* "name:line:col: msg", with the line counted over LF, CRLF and lone CR and
 * the column in characters (UTF-8 code points), both from 1. */
static coh_status located_error(const csv_ctx *ctx, coh_error *err, coh_status st,
                                size_t offset, const char *msg)
{
    size_t line = 1, line_start = 0;
    for (size_t i = 0; i < offset && i < ctx->len; i++) {
        char c = ctx->data[i];
        if (c == '\n' || (c == '\r' && (i + 1 >= ctx->len || ctx->data[i + 1] != '\n'))) {
            line++;
            line_start = i + 1;
        }
    }
    size_t col = 1;
    for (size_t i = line_start; i < offset && i < ctx->len; i++)
        if (((unsigned char)ctx->data[i] & 0xC0) != 0x80)
            col++;
    return coh_error_set(err, st, "%s:%zu:%zu: %s", ctx->name, line, col, msg);
}

/* ---- one field ----------------------------------------------------------- */

static bool is_na_code(const col_spec *sp, double v)
{
    for (size_t k = 0; k < sp->n_na_codes; k++)
        if (v == sp->na_codes[k])
            return true;
    return false;
}

static void field_text(chunk *ch, size_t j, const char *s, size_t len, size_t offset)
{
    const char *nul = memchr(s, '\0', len);
    if (nul != NULL) {
        /* text is handled as C strings downstream: a NUL would cut it */
        chunk_fail(ch, COH_EENCODING, offset + (size_t)(nul - s),
                   "column '%s': NUL byte in a field (is this a binary file, or "
                   "UTF-16 text? convert it to UTF-8)", ch->ctx->spec[j].name);
        return;
    }
    size_t bad = coh_utf8_check(s, len);
    if (bad != len) {
        chunk_fail(ch, COH_EENCODING, offset + bad,
                   "column '%s': invalid UTF-8 (convert the file to UTF-8, e.g. "
                   "iconv -f latin1 -t utf-8)", ch->ctx->spec[j].name);
        return;
    }
    if (coh_cb_push_text(&ch->cb[j], s, len) != COH_OK)
        chunk_fail(ch, COH_ENOMEM, offset, "out of memory");
}

static void expect_fail(chunk *ch, size_t j, const char *what, const char *s, size_t len,
                        size_t offset)
{
    char ex[64];
    coh_excerpt(s, len, ex, sizeof ex);
    chunk_fail(ch, COH_ETYPE, offset, "column '%s' expects %s, found '%s'",
               ch->ctx->spec[j].name, what, ex);
}

/* Store field j of the current record.  `offset` is where the field starts
 * in ctx->data (for messages). */
static inline void field(chunk *ch, size_t j, const char *s, size_t len, size_t offset)
{
    const csv_ctx *ctx = ch->ctx;
    const col_spec *sp = &ctx->spec[j];
    coh_colbuild *cb = &ch->cb[j];
    double v;
    bool integral;
    if (sp->skip)
        return;
    if (is_na_token(ctx, s, len) ||
        (sp->n_na_codes > 0 && parse_number(s, len, ctx->decimal_comma, &v, &integral) &&
         is_na_code(sp, v))) {
        /* a numeric missing code counts in text columns too ("-99") */
        if (coh_cb_push_na(cb) != COH_OK)
            chunk_fail(ch, COH_ENOMEM, offset, "out of memory");
        return;
    }
    if (sp->text || cb->kind == CB_TEXT) {
        field_text(ch, j, s, len, offset);
        return;
    }
    /* With a date format, all-digit dates (%Y%m%d) would also read as
     * numbers: dates are tried first then, in a column not yet numeric. */
    if (ctx->date_format != NULL && cb->kind != CB_NUMBER && sp->declared != COH_DOUBLE &&
        sp->declared != COH_INTEGER && parse_date(s, len, ctx->date_format, &v)) {
        if (coh_cb_push_value(cb, v, CB_DATE) != COH_OK)
            chunk_fail(ch, COH_ENOMEM, offset, "out of memory");
        return;
    }
    if (sp->declared != COH_DATE && parse_number(s, len, ctx->decimal_comma, &v, &integral)) {
        if (sp->declared == COH_INTEGER) {
            if (!(v == floor(v) && fabs(v) < 9007199254740992.0)) {
                expect_fail(ch, j, "an integer", s, len, offset);
                return;
            }
            integral = true; /* "1.0" and "1e3" are whole numbers too */
        }
        if (cb->kind == CB_DATE)
            ch->mixed[j] = true;
        if (coh_cb_push_number(cb, v, integral) != COH_OK)
            chunk_fail(ch, COH_ENOMEM, offset, "out of memory");
        return;
    }
    if (sp->declared != COH_DOUBLE && sp->declared != COH_INTEGER &&
        parse_date(s, len, ctx->date_format, &v)) {
        if (cb->kind == CB_NUMBER)
            ch->mixed[j] = true;
        if (coh_cb_push_value(cb, v, CB_DATE) != COH_OK)
            chunk_fail(ch, COH_ENOMEM, offset, "out of memory");
        return;
    }
    if (sp->declared == COH_DOUBLE || sp->declared == COH_INTEGER) {
        expect_fail(ch, j, ctx->decimal_comma ? "a number (decimal comma)" : "a number",
                    s, len, offset);
        return;
    }
    if (sp->declared == COH_DATE) {
        expect_fail(ch, j, ctx->date_format ? "a date in the given format"
                                            : "a date (YYYY-MM-DD)", s, len, offset);
        return;
    }
    if (cb->kind != CB_UNKNOWN)
        ch->mixed[j] = true;
    field_text(ch, j, s, len, offset);
}

/* ---- records ------------------------------------------------------------- */

/* Byte classes for the unquoted-field scan: 1 ends the field. */
static void build_stops(unsigned char stop[256], char delim)
{
    memset(stop, 0, 256);
    stop[(unsigned char)delim] = 1;
    stop['\n'] = 1;
    stop['\r'] = 1;
    stop['"'] = 1;
}

static bool grow_scratch(chunk *ch, size_t need)
{
    if (need <= ch->scratch_cap)
        return true;
    size_t cap = ch->scratch_cap ? ch->scratch_cap : 256;
    while (cap < need)
        cap *= 2;
    char *p = realloc(ch->scratch, cap);
    if (p == NULL)
        return false;
    ch->scratch = p;
    ch->scratch_cap = cap;
    return true;
}

/* Number of fields from `p` to the end of its line, ignoring quotes (for the
 * message about a record with too many fields). */
static size_t count_fields(const csv_ctx *ctx, size_t p)
{
    size_t n = 1;
    for (; p < ctx->len && ctx->data[p] != '\n' && ctx->data[p] != '\r'; p++)
        n += ctx->data[p] == ctx->delim;
    return n;
}

/* Release the mapped pages of [from, to) of ctx->data (whole pages only). */
static void release_pages(const csv_ctx *ctx, size_t from, size_t to)
{
    if (!ctx->mapped)
        return;
    long pg = sysconf(_SC_PAGESIZE);
    size_t page = pg > 0 ? (size_t)pg : 4096;
    uintptr_t a = (uintptr_t)(ctx->data + from), b = (uintptr_t)(ctx->data + to);
    a = (a + page - 1) / page * page;
    b = b / page * page;
    if (b > a)
        madvise((void *)a, b - a, MADV_DONTNEED);
}

/* Parse the records of [ch->begin, ch->end), which starts and ends on record
 * boundaries.  Stops at the first error (ch->st). */
static void parse_chunk(chunk *ch)
{
    const csv_ctx *ctx = ch->ctx;
    const char *d = ctx->data;
    const size_t end = ch->end, ncols = ctx->ncols;
    const char delim = ctx->delim;
    unsigned char stop[256];
    build_stops(stop, delim);
    size_t p = ch->begin, released = ch->begin;
    /* columns whose numbers may take the fast path: no missing codes, no
     * declared type needing a check, no date format to try first */
    bool *fast = ch->fast;
    for (size_t j = 0; j < ncols && fast != NULL; j++) {
        const col_spec *sp = &ctx->spec[j];
        fast[j] = !sp->skip && !sp->text && sp->n_na_codes == 0 && sp->declared < 0 &&
                  ctx->date_format == NULL;
    }

    while (p < end && ch->st == COH_OK) {
        if (d[p] == '\n' || d[p] == '\r') { /* blank line */
            p++;
            continue;
        }
        for (size_t j = 0; j < ncols; j++) {
            size_t fstart = p;
            const char *s;
            size_t len;
            while (p < end && (d[p] == ' ' || (d[p] == '\t' && delim != '\t')))
                p++;
            if (p < end && d[p] == '"') {
                size_t open = p++;
                size_t seg = p, out = 0;
                bool escaped = false;
                for (;;) {
                    const char *q = memchr(d + p, '"', end - p);
                    if (q == NULL) {
                        chunk_fail(ch, COH_EPARSE, open,
                                   "unterminated quoted field in column '%s'",
                                   ctx->spec[j].name);
                        return;
                    }
                    p = (size_t)(q - d);
                    if (p + 1 < end && d[p + 1] == '"') { /* "" is one quote */
                        if (!grow_scratch(ch, out + (p + 1 - seg))) {
                            chunk_fail(ch, COH_ENOMEM, open, "out of memory");
                            return;
                        }
                        memcpy(ch->scratch + out, d + seg, p + 1 - seg);
                        out += p + 1 - seg;
                        p += 2;
                        seg = p;
                        escaped = true;
                        continue;
                    }
                    break;
                }
                if (escaped) {
                    if (!grow_scratch(ch, out + (p - seg) + 1)) {
                        chunk_fail(ch, COH_ENOMEM, open, "out of memory");
                        return;
                    }
                    memcpy(ch->scratch + out, d + seg, p - seg);
                    out += p - seg;
                    s = ch->scratch;
                    len = out;
                } else {
                    s = d + open + 1;
                    len = p - open - 1;
                }
                p++; /* the closing quote */
                while (p < end && (d[p] == ' ' || (d[p] == '\t' && delim != '\t')))
                    p++;
                if (p < end && d[p] != delim && d[p] != '\n' && d[p] != '\r') {
                    chunk_fail(ch, COH_EPARSE, p,
                               "text after the closing quote of a field in column '%s'",
                               ctx->spec[j].name);
                    return;
                }
                fstart = open;
            } else {
                size_t f0 = p;
                /* Fast path: a column already numeric, read in one pass
                 * (no separate scan for the field's end).  Anything the
                 * path does not cover goes through field() below. */
                if (p < end && fast[j] && ch->cb[j].kind == CB_NUMBER &&
                    !ctx->na_first[(unsigned char)d[p]]) {
                    double v;
                    bool integral;
                    size_t n = scan_number(d + p, end - p, ctx->decimal_comma, &v, &integral);
                    size_t q = p + n;
                    if (n > 0 && (q == end || d[q] == delim || d[q] == '\n' || d[q] == '\r')) {
                        if (coh_cb_push_number(&ch->cb[j], v, integral) != COH_OK) {
                            chunk_fail(ch, COH_ENOMEM, p, "out of memory");
                            return;
                        }
                        p = q;
                        goto field_done;
                    }
                }
                while (p < end && !stop[(unsigned char)d[p]])
                    p++;
                if (p < end && d[p] == '"') {
                    chunk_fail(ch, COH_EPARSE, p,
                               "quote inside an unquoted field in column '%s' (enclose "
                               "the field in quotes and double the quote)",
                               ctx->spec[j].name);
                    return;
                }
                size_t f1 = p;
                while (f1 > f0 && (d[f1 - 1] == ' ' || (d[f1 - 1] == '\t' && delim != '\t')))
                    f1--;
                s = d + f0;
                len = f1 - f0;
            }
            field(ch, j, s, len, fstart);
            if (ch->st != COH_OK)
                return;
        field_done:
            if (j + 1 < ncols) {
                if (p < end && d[p] == delim) {
                    p++;
                    continue;
                }
                chunk_fail(ch, COH_EPARSE, p, "record has %zu field%s, expected %zu", j + 1,
                           j == 0 ? "" : "s", ncols);
                return;
            }
            if (p < end && d[p] == delim) {
                chunk_fail(ch, COH_EPARSE, p, "record has %zu fields, expected %zu",
                           ncols + count_fields(ctx, p + 1), ncols);
                return;
            }
            if (p < end && d[p] == '\r')
                p++;
            if (p < end && d[p] == '\n')
                p++;
        }
        ch->rows++;
        if ((ch->rows & 4095) == 0 && p - released >= RELEASE_STEP) {
            release_pages(ctx, released, p);
            released = p;
        }
        if ((ch->rows & (PROGRESS_ROWS - 1)) == 0 && ch->report_progress && ctx->progress)
            ctx->progress(ctx->progress_ctx, p, ctx->len);
    }
    release_pages(ctx, released, p);
}

static void *parse_chunk_thread(void *arg)
{
    parse_chunk(arg);
    return NULL;
}

/* ---- header -------------------------------------------------------------- */

/* Pick the delimiter: the most frequent of ',', ';', tab on the first line,
 * outside quotes (',' when none occurs).  With decimal commas ',' cannot be
 * the delimiter. */
static char detect_delim(const char *d, size_t len, bool decimal_comma)
{
    size_t comma = 0, semi = 0, tab = 0;
    bool inq = false;
    for (size_t i = 0; i < len; i++) {
        char c = d[i];
        if (c == '"')
            inq = !inq;
        else if (!inq && (c == '\n' || c == '\r'))
            break;
        else if (!inq)
            comma += c == ',', semi += c == ';', tab += c == '\t';
    }
    if (decimal_comma)
        comma = 0;
    if (tab > comma && tab >= semi)
        return '\t';
    if (semi > comma)
        return ';';
    return decimal_comma && semi == 0 && tab == 0 ? ';' : ',';
}

/* A growable list of header names. */
typedef struct names {
    char **v;
    size_t n, cap;
} names;

static void names_free(names *nm)
{
    for (size_t i = 0; i < nm->n; i++)
        free(nm->v[i]);
    free(nm->v);
}

static bool names_push(names *nm, char *s)
{
    if (s == NULL)
        return false;
    if (nm->n == nm->cap) {
        size_t cap = nm->cap ? 2 * nm->cap : 16;
        char **v = realloc(nm->v, cap * sizeof *v);
        if (v == NULL) {
            free(s);
            return false;
        }
        nm->v = v;
        nm->cap = cap;
    }
    nm->v[nm->n++] = s;
    return true;
}

/* Read the first record's fields as names; *next is the offset after it. */
static coh_status read_header(const csv_ctx *ctx, names *nm, size_t *next, coh_error *err)
{
    const char *d = ctx->data;
    size_t len = ctx->len, p = 0;
    /* skip leading blank lines */
    while (p < len && (d[p] == '\n' || d[p] == '\r'))
        p++;
    for (;;) {
        size_t fstart = p;
        while (p < len && d[p] == ' ')
            p++;
        char *name;
        if (p < len && d[p] == '"') {
            size_t open = p++;
            size_t cap = 64, out = 0;
            name = malloc(cap);
            if (name == NULL)
                return coh_error_set(err, COH_ENOMEM, "out of memory");
            for (;;) {
                if (p >= len) {
                    free(name);
                    return located_error(ctx, err, COH_EPARSE, open,
                                         "unterminated quoted field in the header");
                }
                if (d[p] == '"') {
                    if (p + 1 < len && d[p + 1] == '"')
                        p++;
                    else
                        break;
                }
                if (out + 2 > cap) {
                    char *grown = realloc(name, cap *= 2);
                    if (grown == NULL) {
                        free(name);
                        return coh_error_set(err, COH_ENOMEM, "out of memory");
                    }
                    name = grown;
                }
                name[out++] = d[p++];
            }
            name[out] = '\0';
            p++;
            while (p < len && d[p] == ' ')
                p++;
            if (p < len && d[p] != ctx->delim && d[p] != '\n' && d[p] != '\r') {
                free(name);
                return located_error(ctx, err, COH_EPARSE, p,
                                     "text after the closing quote of a header field");
            }
        } else {
            size_t f0 = p;
            while (p < len && d[p] != ctx->delim && d[p] != '\n' && d[p] != '\r') {
                if (d[p] == '"')
                    return located_error(ctx, err, COH_EPARSE, p,
                                         "quote inside an unquoted header field");
                p++;
            }
            size_t f1 = p;
            while (f1 > f0 && d[f1 - 1] == ' ')
                f1--;
            name = coh_strndup(d + f0, f1 - f0);
        }
        if (name != NULL && coh_utf8_check(name, strlen(name)) != strlen(name)) {
            free(name);
            return located_error(ctx, err, COH_EENCODING, fstart,
                                 "header: invalid UTF-8 in a column name");
        }
        if (!names_push(nm, name))
            return coh_error_set(err, COH_ENOMEM, "out of memory");
        if (p < len && d[p] == ctx->delim) {
            p++;
            continue;
        }
        break;
    }
    if (p < len && d[p] == '\r')
        p++;
    if (p < len && d[p] == '\n')
        p++;
    *next = p;
    return COH_OK;
}

/* ---- the reader ---------------------------------------------------------- */

/* Cut [start, len) into `n` chunks on record boundaries (see the top). */
static size_t cut_chunks(const csv_ctx *ctx, size_t start, size_t n, size_t *cuts)
{
    const char *d = ctx->data;
    size_t quotes = 0, counted = start, k = 0;
    cuts[k++] = start;
    for (size_t i = 1; i < n; i++) {
        size_t target = start + (ctx->len - start) / n * i;
        if (target <= cuts[k - 1])
            continue;
        /* quotes before target */
        while (counted < target) {
            const char *q = memchr(d + counted, '"', target - counted);
            if (q == NULL) {
                counted = target;
                break;
            }
            quotes++;
            counted = (size_t)(q - d) + 1;
        }
        size_t p = target;
        size_t parity = quotes & 1;
        while (p < ctx->len && !(d[p] == '\n' && parity == 0)) {
            if (d[p] == '"')
                parity ^= 1;
            p++;
        }
        if (p >= ctx->len)
            break;
        cuts[k++] = p + 1;
    }
    cuts[k] = ctx->len;
    return k;
}

/* calloc of n items rounded up to whole 64-byte cache lines, aligned. */
static void *padded_calloc(size_t n, size_t size)
{
    size_t bytes = (n ? n : 1) * size;
    bytes = (bytes + 63) / 64 * 64;
    void *p = aligned_alloc(64, bytes);
    if (p != NULL)
        memset(p, 0, bytes);
    return p;
}

static void chunk_free(chunk *ch, size_t ncols)
{
    if (ch->cb)
        for (size_t j = 0; j < ncols; j++)
            coh_cb_free(&ch->cb[j]);
    free(ch->cb);
    free(ch->mixed);
    free(ch->fast);
    free(ch->scratch);
}

static coh_status chunk_init(chunk *ch, const csv_ctx *ctx, size_t begin, size_t end)
{
    memset(ch, 0, sizeof *ch);
    ch->ctx = ctx;
    ch->begin = begin;
    ch->end = end;
    /* Each chunk's arrays are written (builders) or read (fast) in the hot
     * loop of its own thread: padding them to whole cache lines keeps
     * another thread's writes off their lines (false sharing halved the
     * two-thread speed before this). */
    ch->cb = padded_calloc(ctx->ncols, sizeof *ch->cb);
    ch->mixed = padded_calloc(ctx->ncols, sizeof *ch->mixed);
    ch->fast = padded_calloc(ctx->ncols, sizeof *ch->fast);
    if (ch->cb == NULL || ch->mixed == NULL || ch->fast == NULL)
        return COH_ENOMEM;
    /* Estimate the chunk's rows from its first record's length, with room
     * to spare: an overestimate costs only address space. */
    size_t b = begin;
    while (b < end && (ctx->data[b] == '\n' || ctx->data[b] == '\r'))
        b++; /* blank lines say nothing about row length */
    const char *nl = b < end ? memchr(ctx->data + b, '\n', end - b) : NULL;
    size_t first = nl ? (size_t)(nl - (ctx->data + b)) + 1 : end - b;
    size_t rows = first ? (end - begin) / first : 0;
    rows += rows / 2 + 16;
    /* a record has at least one byte per field (delimiters, line end) */
    size_t most = (end - begin) / (ctx->ncols ? ctx->ncols : 1) + 1;
    rows = rows < most ? rows : most;
    for (size_t j = 0; j < ctx->ncols; j++) {
        coh_cb_init(&ch->cb[j]);
        coh_cb_reserve(&ch->cb[j], rows);
    }
    return COH_OK;
}

typedef struct merge_job {
    chunk *ch;
    size_t n;
    bool *mixed;
    coh_status *status;
} merge_job;

/* Append column j of chunks 1..n-1 to chunk 0's. */
static void merge_column(void *arg, size_t j)
{
    merge_job *mj = arg;
    chunk *ch = mj->ch;
    coh_status a = COH_OK;
    mj->mixed[j] = ch[0].mixed[j];
    for (size_t k = 1; k < mj->n && a == COH_OK; k++) {
        mj->mixed[j] = mj->mixed[j] || ch[k].mixed[j];
        a = coh_cb_append(&ch[0].cb[j], &ch[k].cb[j]);
        if (a == COH_ETYPE) {
            /* numbers in one chunk, text or dates in another: make both
             * text for now (the row count stays right) and re-read the
             * column afterwards so that each value keeps its spelling */
            mj->mixed[j] = true;
            a = coh_cb_to_text(&ch[0].cb[j]);
            if (a == COH_OK)
                a = coh_cb_to_text(&ch[k].cb[j]);
            if (a == COH_OK)
                a = coh_cb_append(&ch[0].cb[j], &ch[k].cb[j]);
        }
    }
    mj->status[j] = a;
}

/* Parse [start, len) with up to `threads` threads into `out` (one chunk's
 * worth of builders, all rows); marks in `mixed` the columns that need a
 * text re-read. */
static coh_status parse_all(const csv_ctx *ctx, size_t start, int threads, chunk *out,
                            bool *mixed, coh_error *err)
{
    size_t n = 1;
    if (threads > 1 && ctx->len - start >= 2 * MIN_CHUNK) {
        n = (size_t)threads;
        size_t most = (ctx->len - start) / MIN_CHUNK;
        if (n > most)
            n = most;
        if (n > 64)
            n = 64;
    }
    size_t cuts[66];
    n = cut_chunks(ctx, start, n, cuts);
    chunk *ch = calloc(n, sizeof *ch);
    pthread_t *tid = calloc(n, sizeof *tid);
    bool *started = calloc(n, sizeof *started);
    coh_status st = COH_OK;
    if (ch == NULL || tid == NULL || started == NULL) {
        free(ch);
        free(tid);
        free(started);
        return coh_error_set(err, COH_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < n && st == COH_OK; k++)
        st = chunk_init(&ch[k], ctx, cuts[k], cuts[k + 1]);
    if (st == COH_OK) {
        ch[0].report_progress = true;
        for (size_t k = 1; k < n; k++)
            started[k] = pthread_create(&tid[k], NULL, parse_chunk_thread, &ch[k]) == 0;
        parse_chunk(&ch[0]);
        for (size_t k = 1; k < n; k++) {
            if (started[k])
                pthread_join(tid[k], NULL);
            else
                parse_chunk(&ch[k]); /* no thread to be had: do it here */
        }
        for (size_t k = 0; k < n; k++)
            if (ch[k].st == COH_ENOMEM) {
                st = coh_error_set(err, COH_ENOMEM, "%s: out of memory while reading",
                                   ctx->name);
                break;
            } else if (ch[k].st != COH_OK) {
                st = located_error(ctx, err, ch[k].st, ch[k].err_offset, ch[k].err_msg);
                break;
            }
    } else {
        coh_error_set(err, st, "out of memory");
    }
    /* append the chunks' columns, in order, to chunk 0's: columns are
     * independent, so they are merged in parallel */
    if (st == COH_OK && n > 1) {
        merge_job mj = {ch, n, mixed, calloc(ctx->ncols, sizeof(coh_status))};
        if (mj.status == NULL) {
            st = coh_error_set(err, COH_ENOMEM, "out of memory");
        } else {
            coh_parallel_for(ctx->ncols, threads, merge_column, &mj);
            for (size_t j = 0; j < ctx->ncols; j++)
                if (mj.status[j] != COH_OK)
                    st = coh_error_set(err, COH_ENOMEM, "out of memory");
            free(mj.status);
        }
    } else if (st == COH_OK) {
        memcpy(mixed, ch[0].mixed, ctx->ncols * sizeof *mixed);
    }
    if (st == COH_OK) {
        *out = ch[0];
        memset(&ch[0], 0, sizeof ch[0]);
        for (size_t k = 1; k < n; k++)
            out->rows += ch[k].rows;
    }
    for (size_t k = 0; k < n; k++)
        chunk_free(&ch[k], ctx->ncols);
    free(ch);
    free(tid);
    free(started);
    return st;
}

static const char *const default_na[] = {"", "NA", "."};

/* Set up the column specs from the header names and the options. */
static coh_status make_specs(csv_ctx *ctx, names *nm, size_t header_at,
                             const coh_read_options *o, coh_error *err)
{
    coh_status st = COH_OK;
    coh_strmap by_name;
    coh_strmap_init(&by_name);
    ctx->spec = calloc(nm->n ? nm->n : 1, sizeof *ctx->spec);
    if (ctx->spec == NULL)
        return coh_error_set(err, COH_ENOMEM, "out of memory");
    ctx->ncols = nm->n;
    for (size_t j = 0; j < nm->n && st == COH_OK; j++) {
        col_spec *sp = &ctx->spec[j];
        sp->name = nm->v[j];
        sp->declared = -1;
        size_t i;
        if (coh_strmap_get(&by_name, nm->v[j], &i)) {
            char msg[300];
            snprintf(msg, sizeof msg, "duplicate column name '%.200s' (columns %zu and %zu)",
                     nm->v[j], i + 1, j + 1);
            st = located_error(ctx, err, COH_EPARSE, header_at, msg);
        } else if (coh_strmap_put(&by_name, nm->v[j], j) != COH_OK) {
            st = coh_error_set(err, COH_ENOMEM, "out of memory");
        }
    }
    for (size_t k = 0; k < o->n_col_types && st == COH_OK; k++) {
        size_t j;
        if (!coh_strmap_get(&by_name, o->col_types[k].column, &j)) {
            st = coh_error_set(err, COH_ENOTFOUND, "%s: no column '%s' (to declare its type)",
                               ctx->name, o->col_types[k].column);
            break;
        }
        ctx->spec[j].declared = (int)o->col_types[k].type;
        ctx->spec[j].text = o->col_types[k].type == COH_CATEGORICAL ||
                            o->col_types[k].type == COH_STRING;
    }
    for (size_t k = 0; k < o->n_na_codes && st == COH_OK; k++) {
        size_t j;
        if (!coh_strmap_get(&by_name, o->na_codes[k].column, &j)) {
            st = coh_error_set(err, COH_ENOTFOUND,
                               "%s: no column '%s' (for a missing-value code)", ctx->name,
                               o->na_codes[k].column);
            break;
        }
        col_spec *sp = &ctx->spec[j];
        double *v = realloc(sp->na_store, (sp->n_na_codes + 1) * sizeof *v);
        if (v == NULL) {
            st = coh_error_set(err, COH_ENOMEM, "out of memory");
            break;
        }
        v[sp->n_na_codes++] = o->na_codes[k].value;
        sp->na_store = v;
        sp->na_codes = v;
    }
    coh_strmap_free(&by_name);
    return st;
}

/* Name the unnamed columns V<j>, as R does, adding ".1", ".2", ... where
 * that name is taken, so that a header "V2," stays readable. */
static coh_status name_unnamed(names *nm)
{
    coh_strmap taken;
    coh_strmap_init(&taken);
    coh_status st = COH_OK;
    for (size_t j = 0; j < nm->n && st == COH_OK; j++)
        if (nm->v[j][0] != '\0')
            st = coh_strmap_put(&taken, nm->v[j], j);
    for (size_t j = 0; j < nm->n && st == COH_OK; j++) {
        if (nm->v[j][0] != '\0')
            continue;
        char buf[64];
        snprintf(buf, sizeof buf, "V%zu", j + 1);
        for (unsigned k = 1; coh_strmap_get(&taken, buf, NULL); k++)
            snprintf(buf, sizeof buf, "V%zu.%u", j + 1, k);
        char *name = coh_strdup(buf);
        if (name == NULL) {
            st = COH_ENOMEM;
            break;
        }
        free(nm->v[j]);
        nm->v[j] = name;
        st = coh_strmap_put(&taken, name, j);
    }
    coh_strmap_free(&taken);
    return st;
}

static void free_specs(csv_ctx *ctx)
{
    if (ctx->spec)
        for (size_t j = 0; j < ctx->ncols; j++)
            free(ctx->spec[j].na_store);
    free(ctx->spec);
}

/* The reader proper, on data already in memory. */
static coh_status read_buffer(csv_ctx *ctx, const coh_read_options *o, coh_table **out,
                              coh_error *err)
{
    coh_status st;
    names nm = {0};
    chunk all;
    memset(&all, 0, sizeof all);
    bool *mixed = NULL;
    coh_table *t = NULL;

    if (ctx->len >= 3 && memcmp(ctx->data, "\xEF\xBB\xBF", 3) == 0) {
        ctx->data += 3;
        ctx->len -= 3;
    }
    size_t first = 0; /* the first line that is not blank */
    while (first < ctx->len && (ctx->data[first] == '\n' || ctx->data[first] == '\r'))
        first++;
    size_t visible = first;
    while (visible < ctx->len && (ctx->data[visible] == '\n' || ctx->data[visible] == '\r' ||
                                  ctx->data[visible] == ' ' || ctx->data[visible] == '\t'))
        visible++;
    if (visible == ctx->len)
        return coh_error_set(err, COH_EEMPTY, "%s: file is empty", ctx->name);
    if (o->date_format != NULL && !coh_date_format_valid(o->date_format))
        return coh_error_set(err, COH_EINVAL,
                             "invalid date format '%s': use %%Y (or %%y), %%m, %%d or %%b and "
                             "literal characters, e.g. %%d/%%m/%%Y", o->date_format);
    if (o->decimal_comma && o->delimiter == ',')
        return coh_error_set(err, COH_EINVAL,
                             "%s: a decimal comma needs ';' or tab as the delimiter", ctx->name);
    ctx->delim = o->delimiter ? o->delimiter
                 : o->format == COH_FORMAT_TSV ? '\t'
                 : detect_delim(ctx->data + first, ctx->len - first, o->decimal_comma);
    ctx->decimal_comma = o->decimal_comma;
    ctx->na_tokens = o->na_tokens ? o->na_tokens : default_na;
    ctx->n_na_tokens = o->na_tokens ? o->n_na_tokens : sizeof default_na / sizeof *default_na;
    for (size_t k = 0; k < ctx->n_na_tokens; k++) {
        size_t tl = strlen(ctx->na_tokens[k]);
        if (k < 16)
            ctx->na_len[k] = tl;
        ctx->na_max_len = tl > ctx->na_max_len ? tl : ctx->na_max_len;
        if (tl == 0)
            ctx->na_empty = true;
        else
            ctx->na_first[(unsigned char)ctx->na_tokens[k][0]] = true;
    }
    ctx->date_format = o->date_format;
    ctx->progress = o->progress;
    ctx->progress_ctx = o->progress_ctx;

    size_t start = 0;
    if ((st = read_header(ctx, &nm, &start, err)) != COH_OK)
        goto done;
    if (o->no_header) {
        size_t n = nm.n;
        names_free(&nm);
        memset(&nm, 0, sizeof nm);
        for (size_t j = 0; j < n; j++) {
            char buf[32];
            snprintf(buf, sizeof buf, "V%zu", j + 1);
            if (!names_push(&nm, coh_strdup(buf))) {
                st = coh_error_set(err, COH_ENOMEM, "out of memory");
                goto done;
            }
        }
        start = first;
    }
    if (name_unnamed(&nm) != COH_OK) {
        st = coh_error_set(err, COH_ENOMEM, "out of memory");
        goto done;
    }
    if ((st = make_specs(ctx, &nm, first, o, err)) != COH_OK)
        goto done;

    mixed = calloc(ctx->ncols, sizeof *mixed);
    if (mixed == NULL) {
        st = coh_error_set(err, COH_ENOMEM, "out of memory");
        goto done;
    }
    int threads = o->threads > 0 ? o->threads : coh_online_cores();
    if ((st = parse_all(ctx, start, threads, &all, mixed, err)) != COH_OK)
        goto done;

    /* Columns with both numbers (or dates) and text: read them again as
     * text only, so that every value keeps its spelling. */
    bool any_mixed = false;
    for (size_t j = 0; j < ctx->ncols; j++)
        any_mixed = any_mixed || (mixed[j] && all.cb[j].kind == CB_TEXT);
    if (any_mixed) {
        for (size_t j = 0; j < ctx->ncols; j++) {
            bool redo = mixed[j] && all.cb[j].kind == CB_TEXT;
            ctx->spec[j].skip = !redo;
            ctx->spec[j].text = ctx->spec[j].text || redo;
        }
        chunk again;
        memset(&again, 0, sizeof again);
        bool *mixed2 = calloc(ctx->ncols, sizeof *mixed2);
        if (mixed2 == NULL) {
            st = coh_error_set(err, COH_ENOMEM, "out of memory");
            goto done;
        }
        st = parse_all(ctx, start, threads, &again, mixed2, err);
        free(mixed2);
        if (st != COH_OK) {
            chunk_free(&again, ctx->ncols);
            goto done;
        }
        for (size_t j = 0; j < ctx->ncols; j++)
            if (!ctx->spec[j].skip) {
                coh_cb_free(&all.cb[j]);
                all.cb[j] = again.cb[j];
                coh_cb_init(&again.cb[j]);
            }
        chunk_free(&again, ctx->ncols);
    }

    if ((t = coh_table_new()) == NULL) {
        st = coh_error_set(err, COH_ENOMEM, "out of memory");
        goto done;
    }
    size_t max_levels = o->max_levels ? o->max_levels : 50;
    for (size_t j = 0; j < ctx->ncols; j++) {
        coh_column *col;
        coh_error e2;
        /* a column of only missing values has seen no rows as a builder if
         * the file has no data rows: all builders agree on all.rows */
        if ((st = coh_cb_finish(&all.cb[j], ctx->spec[j].name, ctx->spec[j].declared,
                                max_levels, &col, &e2)) != COH_OK) {
            coh_error_set(err, st, "%s: column '%s': %s", ctx->name, ctx->spec[j].name, e2.msg);
            goto done;
        }
        if ((st = coh_table_add_column(t, col, err)) != COH_OK)
            goto done;
    }
    t->n_rows = all.rows;

done:
    chunk_free(&all, ctx->ncols);
    free(mixed);
    free_specs(ctx);
    names_free(&nm);
    if (st != COH_OK) {
        coh_table_free(t);
        t = NULL;
    }
    *out = t;
    return st;
}

coh_status coh_read_csv_mem(const char *data, size_t len, const char *name,
                            const coh_read_options *opts, coh_table **out, coh_error *err)
{
    coh_read_options defaults;
    if (opts == NULL) {
        coh_read_options_init(&defaults);
        opts = &defaults;
    }
    csv_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.name = name ? name : "<memory>";
    ctx.data = data;
    ctx.len = len;
    *out = NULL;
    return read_buffer(&ctx, opts, out, err);
}

/* Read a non-seekable input (a pipe, standard input) into memory. */
static coh_status slurp(int fd, const char *name, char **buf, size_t *len, coh_error *err)
{
    size_t cap = 1 << 20, n = 0;
    char *b = malloc(cap);
    if (b == NULL)
        return coh_error_set(err, COH_ENOMEM, "out of memory");
    for (;;) {
        if (n == cap) {
            char *nb = realloc(b, cap *= 2);
            if (nb == NULL) {
                free(b);
                return coh_error_set(err, COH_ENOMEM, "out of memory");
            }
            b = nb;
        }
        ssize_t r = read(fd, b + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(b);
            return coh_error_set(err, COH_EIO, "%s: cannot read: %s", name, strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    *buf = b;
    *len = n;
    return COH_OK;
}

coh_status coh_read_csv(const char *path, const coh_read_options *opts, coh_table **out,
                        coh_error *err)
{
    coh_read_options defaults;
    if (opts == NULL) {
        coh_read_options_init(&defaults);
        opts = &defaults;
    }
    *out = NULL;
    bool is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "<stdin>" : path;
    int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return coh_error_set(err, COH_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        if (!is_stdin)
            close(fd);
        return coh_error_set(err, COH_EIO, "%s: cannot read: %s", name, strerror(e));
    }
    if (S_ISDIR(sb.st_mode)) {
        close(fd);
        return coh_error_set(err, COH_EIO, "%s: is a directory", name);
    }
    csv_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.name = name;
    coh_status st;
    if (S_ISREG(sb.st_mode)) {
        size_t len = (size_t)sb.st_size;
        if (len == 0) {
            close(fd);
            return coh_error_set(err, COH_EEMPTY, "%s: file is empty", name);
        }
        void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
        int e = errno;
        if (!is_stdin)
            close(fd);
        if (map == MAP_FAILED)
            return coh_error_set(err, COH_EIO, "%s: cannot map: %s", name, strerror(e));
        madvise(map, len, MADV_SEQUENTIAL);
        ctx.data = map;
        ctx.len = len;
        ctx.mapped = true;
        st = read_buffer(&ctx, opts, out, err);
        munmap(map, len);
    } else {
        char *buf = NULL;
        size_t len = 0;
        st = slurp(fd, name, &buf, &len, err);
        if (!is_stdin)
            close(fd);
        if (st != COH_OK)
            return st;
        ctx.data = buf;
        ctx.len = len;
        st = read_buffer(&ctx, opts, out, err);
        free(buf);
    }
    return st;
}
