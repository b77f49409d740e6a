/* forest_plot.c - forest plots of Cox models (plot.h).
 *
 * What it draws: one row per coefficient, in the order given: its label on
 * the left, a square at the hazard ratio with a horizontal line for its
 * confidence interval in the middle panel, on a log-scale x axis with a
 * dashed vertical line at HR = 1, and on the right the columns
 * "HR (95% CI)" (e.g. "1.76 (1.26–2.46)", two decimals, an en dash) and
 * "p" (coh_format_p: "< 0.001", else p_digits significant digits).  A row
 * with a heading is preceded by that heading in bold (the variable of a
 * factor's levels); a reference level shows "reference" and no marker; a
 * row whose estimate is not finite (an aliased coefficient) shows "not
 * estimable" and no marker; a row the model calls possibly infinite (a
 * monotone likelihood) shows "not estimable (HR → 0)" (or → ∞), no p, and
 * an arrow at the panel's edge on that side instead of a square and
 * interval (its Wald interval means nothing).
 *
 * Layout, in points (1/72 inch) from the top left: margins m = 0.7 f (f
 * the font size); the label column; a gap of 2 f; the panel; a gap of 2 f;
 * the HR column; a gap of 1.2 f; the p column.  The figure is 7 in wide, or
 * the width given.  The label column is as wide as the widest label, but
 * at most 40% of the width (of 7 in when the width given is smaller) and
 * at most what leaves the panel its minimum (2.5 in at the default width,
 * 1 in at a width given), though never cut below 10 f; longer labels and
 * headings are shortened to it with "…", cut between characters (never
 * inside a UTF-8 sequence).  Only when even that leaves less than the
 * panel's minimum does the default width grow (drawn->width_pt says so),
 * and a width given is an error.  The title is wrapped at spaces to the
 * figure's width, at most 3 lines (the last shortened with "…"); the axis
 * title likewise, at most 2 lines, centred under the panel and kept inside
 * the figure.  Rows are 0.22 in high at 9 points (scaled with the font),
 * and the default height is what the rows, the header and the axis need
 * (about 0.9 in + 0.22 in per row, heading rows included); with a height
 * given the rows share what is left.
 *
 * The x axis: x(v) = left + (ln v - ln lo) / (ln hi - ln lo) * width,
 * from the tick lo to the tick hi.  The axis runs from the last tick at or
 * below the smallest value to the first at or above the largest (the
 * estimates and finite bounds of the rows that set the range, and 1), one
 * tick further when HR = 1 would sit on an end.  A row sets the range when
 * its estimate is within 0.001..1000, the model does not call it infinite
 * and its interval is finite on both sides (or unknown): a bound of 0 or
 * Inf, or an estimate of 5.6e-10, would otherwise stretch the axis over
 * decades and squeeze every other row.  The ticks come from the first of
 * these lists that covers that range and whose labels do not collide at
 * the panel's width:
 *     0.8 0.9 1 1.1 1.25
 *     0.4 0.5 0.6 0.8 1 1.25 1.5 2 2.5      (steps of about 1.25)
 *     powers of 2 from 0.0625 to 256
 *     1-2-5 steps from 0.01 to 100
 * every tick labelled; failing that, the first with every second tick
 * labelled, counted from 1, and an end moved one tick out so that both
 * ends are labelled; failing that, powers of 10 from 0.001 to 1000 with
 * every k-th labelled.  An interval beyond the axis (an infinite bound, a
 * lower bound of 0, a row that does not set the range) is cut at the
 * panel's edge and ends in a small arrow head there; an estimate beyond
 * the axis has no square but a larger arrow at that edge.
 *
 * Squares: side proportional to the precision 1 / SE of log HR, that is
 * to 1 / (ln upper - ln lower) (the interval's width is 2 z SE), scaled
 * so that the most precise row that sets the range gets the largest
 * square (0.62 of a row, at most the font size), with a minimum of 0.35
 * of that so that every estimate stays visible; an interval that is
 * infinite or unknown gets the minimum.  (The convention of meta-analysis
 * forest plots, where the area is the inverse-variance weight.)
 *
 * Reentrant: no file-scope state but constant tables.
 */
#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cohort/format.h"
#include "cohort/plot.h"
#include "cohort/table.h"
#include "core/core.h"
#include "plot/canvas.h"

/* "HR (95% CI)" at the spec's level */
static void hr_header(const coh_plot_forest_spec *s, char *buf, size_t size)
{
    double lv = s->conf_level > 0 && s->conf_level < 1 ? s->conf_level : 0.95;
    snprintf(buf, size, "HR (%g%% CI)", 100 * lv);
}
#define P_HEADER "p"
static void default_x_title(const coh_plot_forest_spec *s, char *buf, size_t size)
{
    double lv = s->conf_level > 0 && s->conf_level < 1 ? s->conf_level : 0.95;
    snprintf(buf, size, "Hazard ratio (%g%% CI, log scale)", 100 * lv);
}
#define EN_DASH "\xe2\x80\x93"  /* U+2013 */
#define INFINITY_SIGN "\xe2\x88\x9e" /* U+221E */
#define ELLIPSIS "\xe2\x80\xa6" /* U+2026 */
#define RIGHT_ARROW "\xe2\x86\x92" /* U+2192 */

#define MAX_TICKS 16
#define HR_CELL 128 /* bytes of an "HR (95% CI)" cell: three numbers of < 32 */

#define AXIS_MIN 1e-3           /* estimates beyond these do not set the axis */
#define AXIS_MAX 1e3
#define DEFAULT_WIDTH (7 * 72.0) /* points */
#define LABEL_SHARE 0.4         /* the label column: at most this share of the width */
#define LABEL_FLOOR 10          /* ... but not cut below this many font sizes */
#define MAX_TITLE_LINES 3
#define MAX_X_TITLE_LINES 2
/* Text is measured on its first MEASURE_BYTES bytes only: a label of a
 * million characters is shortened as fast as one of a hundred. */
#define MEASURE_BYTES 4096

void coh_plot_forest_spec_init(coh_plot_forest_spec *s)
{
    memset(s, 0, sizeof *s);
    coh_plot_style_init(&s->style);
    s->p_digits = 2;
    s->conf_level = 0.95;
}

void coh_plot_forest_drawn_free(coh_plot_forest_drawn *d)
{
    if (d == NULL)
        return;
    free(d->x_hr);
    free(d->x_lower);
    free(d->x_upper);
    free(d->box);
    free(d->y);
    free(d->beyond);
    for (size_t k = 0; k < d->n_texts; k++)
        free(d->texts[k].text);
    free(d->texts);
    free(d);
}

/* ---- text of a row ----------------------------------------------------------- */

/* Is v a usable hazard ratio or bound on a log scale? */
static bool positive_finite(double v)
{
    return isfinite(v) && v > 0;
}

/* Does the row have an estimate to draw (not a reference level, and a
 * finite positive hazard ratio)? */
static bool row_estimable(const coh_plot_forest_row *r)
{
    return !r->reference && positive_finite(r->hr);
}

/* A bound that may set the axis: finite and positive, or unknown. */
static bool bound_on_axis(double v)
{
    return isnan(v) || positive_finite(v);
}

/* Does row r set the axis's range: an estimate in AXIS_MIN..AXIS_MAX that
 * the model does not call infinite, with an interval finite on both sides
 * (or unknown)?  Other rows are drawn against the axis the rest make. */
static bool row_sets_axis(const coh_plot_forest_row *r)
{
    return row_estimable(r) && !r->infinite && r->hr >= AXIS_MIN && r->hr <= AXIS_MAX &&
           bound_on_axis(r->lower) && bound_on_axis(r->upper);
}

/* Where a coefficient that may be infinite tends: -1 (HR to 0), 1 (HR to
 * infinity), 0 when the row is not such a coefficient or its HR is 1. */
static int infinite_side(const coh_plot_forest_row *r)
{
    if (!row_estimable(r) || !r->infinite)
        return 0;
    return r->hr < 1 ? -1 : r->hr > 1 ? 1 : 0;
}

/* A ratio as `cohort cox` prints it: two decimals, three significant
 * digits when two decimals would show 0.00 or a very long number; "∞" for
 * an infinite bound. */
static void ratio_text(double v, char *buf, size_t size)
{
    if (isinf(v) && v > 0)
        snprintf(buf, size, "%s", INFINITY_SIGN);
    else if (isnan(v))
        snprintf(buf, size, "NA");
    else if (v < 0.01 || v >= 1000)
        coh_format_human(v, 3, buf, size);
    else
        snprintf(buf, size, "%.2f", v);
}

/* The "HR (95% CI)" cell of row r: "reference", "not estimable", "not
 * estimable (HR → 0)" for a coefficient the model calls infinite (its
 * numbers are no estimate; the CSV keeps them), the estimate alone when
 * the interval is unknown, else "1.76 (1.26–2.46)". */
static void hr_cell(const coh_plot_forest_row *r, char *buf, size_t size)
{
    if (r->reference) {
        snprintf(buf, size, "reference");
        return;
    }
    if (!row_estimable(r)) {
        snprintf(buf, size, "not estimable");
        return;
    }
    if (r->infinite) {
        int side = infinite_side(r);
        if (side == 0)
            snprintf(buf, size, "not estimable (infinite)");
        else
            snprintf(buf, size, "not estimable (HR %s %s)", RIGHT_ARROW,
                     side < 0 ? "0" : INFINITY_SIGN);
        return;
    }
    char h[32], l[32], u[32];
    ratio_text(r->hr, h, sizeof h);
    if (isnan(r->lower) || isnan(r->upper)) {
        snprintf(buf, size, "%s", h);
        return;
    }
    ratio_text(r->lower, l, sizeof l);
    ratio_text(r->upper, u, sizeof u);
    snprintf(buf, size, "%s (%s%s%s)", h, l, EN_DASH, u);
}

/* The p cell: empty for reference, not estimable and infinite rows and
 * for NAN. */
static void p_cell(const coh_plot_forest_row *r, int digits, char *buf, size_t size)
{
    if (r->reference || !row_estimable(r) || r->infinite || isnan(r->p))
        buf[0] = '\0';
    else
        coh_format_p(r->p, digits, buf, size);
}

/* ---- shortening and wrapping text ------------------------------------------------- */

/* Measures spans of text on the measuring canvas, through one scratch
 * buffer (the canvas wants NUL-terminated strings). */
typedef struct meter {
    canvas *m;
    char *buf;
    size_t cap;
    bool failed; /* memory ran out */
} meter;

/* Width in points of s[0..len) followed by `tail` ("" or the ellipsis);
 * 0 once memory has run out (mt->failed). */
static double span_width(meter *mt, const char *s, size_t len, const char *tail,
                         const text_style *ts)
{
    size_t tl = strlen(tail);
    if (mt->failed)
        return 0;
    if (len + tl + 1 > mt->cap) {
        size_t cap = 2 * (len + tl + 1);
        char *nb = realloc(mt->buf, cap);
        if (nb == NULL) {
            mt->failed = true;
            return 0;
        }
        mt->buf = nb;
        mt->cap = cap;
    }
    memcpy(mt->buf, s, len);
    memcpy(mt->buf + len, tail, tl + 1);
    return canvas_text_width(mt->m, mt->buf, ts);
}

static bool utf8_continuation(char c)
{
    return ((unsigned char)c & 0xC0) == 0x80;
}

/* The byte offset of character k of s[0..len) (len when s has k or fewer). */
static size_t char_offset(const char *s, size_t len, size_t k)
{
    size_t i = 0;
    for (size_t seen = 0; i < len; i++)
        if (!utf8_continuation(s[i]) && seen++ == k)
            break;
    return i;
}

/* s[0..len) cut to its first MEASURE_BYTES bytes, at a character boundary. */
static size_t measured_len(const char *s, size_t len)
{
    if (len <= MEASURE_BYTES)
        return len;
    size_t i = MEASURE_BYTES;
    while (i > 0 && utf8_continuation(s[i]))
        i--;
    return i;
}

/* The longest prefix of s[0..len) that, followed by `tail`, is at most
 * max_w points wide: its length in bytes, at a character boundary (so
 * never inside a UTF-8 sequence), 0 when not one character fits.
 * Bisection over the characters: a longer prefix is never narrower. */
static size_t longest_fit(meter *mt, const char *s, size_t len, const char *tail, double max_w,
                          const text_style *ts)
{
    len = measured_len(s, len);
    size_t n_chars = 0;
    for (size_t i = 0; i < len; i++)
        n_chars += !utf8_continuation(s[i]);
    if (span_width(mt, s, len, tail, ts) <= max_w)
        return len;
    size_t lo = 0, hi = n_chars; /* lo characters fit, hi do not */
    while (hi - lo > 1 && !mt->failed) {
        size_t mid = lo + (hi - lo) / 2;
        if (span_width(mt, s, char_offset(s, len, mid), tail, ts) <= max_w)
            lo = mid;
        else
            hi = mid;
    }
    return char_offset(s, len, lo);
}

/* Does s[0..len) fit in max_w points as it is? */
static bool fits(meter *mt, const char *s, size_t len, double max_w, const text_style *ts)
{
    return len <= MEASURE_BYTES && span_width(mt, s, len, "", ts) <= max_w;
}

/* A new string: s[0..len) when it fits in max_w points, else its longest
 * prefix that fits with "…" after it (trailing spaces dropped; "…" alone
 * when not one character fits).  NULL when memory runs out. */
static char *shortened(meter *mt, const char *s, size_t len, double max_w, const text_style *ts)
{
    const char *tail = "";
    if (!fits(mt, s, len, max_w, ts)) {
        len = longest_fit(mt, s, len, ELLIPSIS, max_w, ts);
        while (len > 0 && s[len - 1] == ' ')
            len--;
        tail = ELLIPSIS;
    }
    char *out = mt->failed ? NULL : malloc(len + strlen(tail) + 1);
    if (out != NULL) {
        memcpy(out, s, len);
        strcpy(out + len, tail);
    }
    return out;
}

/* s wrapped into at most max_lines lines of at most max_w points, new
 * strings in lines[0..*n): words (split at spaces) go on a line while it
 * fits; a word wider than a line by itself is cut between two characters
 * and goes on on the next line; the last line takes the rest, shortened
 * with "…" when too long.  Spaces at the ends of lines are dropped; a text
 * of spaces gives no line.  false when memory runs out (the lines made so
 * far are in lines[0..*n), the caller's to free). */
static bool wrap_text(meter *mt, const char *s, double max_w, size_t max_lines,
                      const text_style *ts, char **lines, size_t *n)
{
    size_t len = strlen(s), pos = 0;
    *n = 0;
    while (*n < max_lines) {
        while (pos < len && s[pos] == ' ')
            pos++;
        if (pos == len)
            break;
        const char *t = s + pos;
        size_t rest = len - pos;
        while (rest > 0 && t[rest - 1] == ' ')
            rest--;
        if (*n + 1 == max_lines) {
            if ((lines[*n] = shortened(mt, t, rest, max_w, ts)) == NULL)
                return false;
            (*n)++;
            break;
        }
        /* as many whole words as fit */
        size_t take = 0, e = 0;
        while (e < rest) {
            size_t we = e;
            while (we < rest && t[we] == ' ')
                we++;
            while (we < rest && t[we] != ' ')
                we++;
            if (!fits(mt, t, we, max_w, ts))
                break;
            take = e = we;
        }
        if (take == 0) {
            /* the first word alone is too wide: as much of it as fits,
             * at least one character */
            size_t word = 0;
            while (word < rest && t[word] != ' ')
                word++;
            take = longest_fit(mt, t, word, "", max_w, ts);
            if (take == 0)
                take = char_offset(t, rest, 1);
        }
        if (mt->failed || (lines[*n] = coh_strndup(t, take)) == NULL)
            return false;
        (*n)++;
        pos += take;
    }
    return !mt->failed;
}

/* ---- checks ------------------------------------------------------------------- */

static bool utf8_ok(const char *s)
{
    return s == NULL || coh_utf8_check(s, strlen(s)) == strlen(s);
}

/* COH_OK, or COH_EINVAL / COH_EENCODING naming the row at fault. */
static coh_status check_spec(const coh_plot_forest_spec *s, coh_error *err)
{
    if (s == NULL || (s->rows == NULL && s->n_rows > 0))
        return coh_error_set(err, COH_EINVAL, "forest plot: no specification");
    if (s->n_rows == 0)
        return coh_error_set(err, COH_EINVAL, "forest plot: no rows to draw");
    if (!(s->style.font_size >= 4 && s->style.font_size <= 72))
        return coh_error_set(err, COH_EINVAL, "forest plot: font size must be 4 to 72 points, "
                                              "not %g", s->style.font_size);
    if (s->p_digits < 1 || s->p_digits > 6)
        return coh_error_set(err, COH_EINVAL, "forest plot: p digits must be 1 to 6, not %d",
                             s->p_digits);
    if (!utf8_ok(s->title) || !utf8_ok(s->x_title))
        return coh_error_set(err, COH_EENCODING, "forest plot: the %s is not valid UTF-8 text",
                             utf8_ok(s->title) ? "x-axis title" : "title");
    for (size_t i = 0; i < s->n_rows; i++) {
        const coh_plot_forest_row *r = &s->rows[i];
        if (!utf8_ok(r->label) || !utf8_ok(r->heading) || !utf8_ok(r->term))
            return coh_error_set(err, COH_EENCODING,
                                 "forest plot row %zu: the %s is not valid UTF-8 text", i + 1,
                                 !utf8_ok(r->label) ? "label"
                                 : !utf8_ok(r->heading) ? "heading" : "term");
        if (r->reference)
            continue;
        /* a hazard ratio and its bounds are positive (a bound may be 0 or
         * Inf), in order; NAN marks what is unknown */
        if (!isnan(r->hr) && !(r->hr >= 0))
            return coh_error_set(err, COH_EINVAL,
                                 "forest plot row %zu: hazard ratio %g is negative", i + 1,
                                 r->hr);
        if ((!isnan(r->lower) && !(r->lower >= 0)) || (!isnan(r->upper) && !(r->upper >= 0)))
            return coh_error_set(err, COH_EINVAL,
                                 "forest plot row %zu: a confidence limit is negative", i + 1);
        if (row_estimable(r) && !isnan(r->lower) && !isnan(r->upper) &&
            !(r->lower <= r->hr && r->hr <= r->upper))
            return coh_error_set(err, COH_EINVAL,
                                 "forest plot row %zu: the interval %g to %g does not contain "
                                 "the hazard ratio %g", i + 1, r->lower, r->upper, r->hr);
        if (!isnan(r->p) && !(r->p >= 0 && r->p <= 1))
            return coh_error_set(err, COH_EINVAL, "forest plot row %zu: p = %g is not in [0, 1]",
                                 i + 1, r->p);
    }
    return COH_OK;
}

/* ---- the log axis -------------------------------------------------------------- */

static const double ticks_narrow[] = {0.8, 0.9, 1, 1.1, 1.25};
static const double ticks_medium[] = {0.4, 0.5, 0.6, 0.8, 1, 1.25, 1.5, 2, 2.5};
static const double ticks_pow2[] = {0.0625, 0.125, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128, 256};
static const double ticks_125[] = {0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100};
static const double ticks_pow10[] = {0.001, 0.01, 0.1, 1, 10, 100, 1000};

typedef struct tick_list {
    const double *v;
    size_t n;
} tick_list;

static const tick_list tick_lists[] = {
    {ticks_narrow, sizeof ticks_narrow / sizeof ticks_narrow[0]},
    {ticks_medium, sizeof ticks_medium / sizeof ticks_medium[0]},
    {ticks_pow2, sizeof ticks_pow2 / sizeof ticks_pow2[0]},
    {ticks_125, sizeof ticks_125 / sizeof ticks_125[0]},
    {ticks_pow10, sizeof ticks_pow10 / sizeof ticks_pow10[0]},
};
#define N_TICK_LISTS (sizeof tick_lists / sizeof tick_lists[0])

typedef struct axis {
    double lo, hi;              /* the ends, hazard ratios */
    double left, width;         /* the panel, points */
    double tick[MAX_TICKS];
    char label[MAX_TICKS][16];  /* "" where a tick is not labelled */
    double label_w[MAX_TICKS];
    size_t n_ticks;
} axis;

static double axis_x(const axis *a, double v)
{
    return a->left + (log(v) - log(a->lo)) / (log(a->hi) - log(a->lo)) * a->width;
}

/* The span of list L from the last value at or below lo to the first at
 * or above hi, one further when 1 would be an end (so that the reference
 * line is inside the panel): list indexes *first to *last; false when L
 * does not reach that far. */
static bool span_of(const tick_list *L, double lo, double hi, size_t *first, size_t *last)
{
    size_t f = L->n, l = L->n;
    for (size_t k = 0; k < L->n; k++)
        if (L->v[k] <= lo * (1 + 1e-12))
            f = k;
    for (size_t k = L->n; k-- > 0;)
        if (L->v[k] >= hi * (1 - 1e-12))
            l = k;
    if (f == L->n || l == L->n)
        return false;
    if (L->v[f] == 1) {
        if (f == 0)
            return false;
        f--;
    }
    if (L->v[l] == 1) {
        if (l + 1 == L->n)
            return false;
        l++;
    }
    *first = f;
    *last = l;
    return true;
}

/* The axis on ticks L[first..last], every one labelled. */
static void set_ticks(axis *a, const tick_list *L, size_t first, size_t last, canvas *m,
                      const text_style *ts)
{
    a->n_ticks = last - first + 1;
    for (size_t k = 0; k < a->n_ticks; k++) {
        a->tick[k] = L->v[first + k];
        /* every list value has at most four significant digits */
        snprintf(a->label[k], sizeof a->label[k], "%.4g", a->tick[k]);
        a->label_w[k] = canvas_text_width(m, a->label[k], ts);
    }
    a->lo = a->tick[0];
    a->hi = a->tick[a->n_ticks - 1];
}

static size_t index_of_one(const double *v, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (v[k] == 1)
            return k;
    return 0;
}

/* Do the labels fit side by side, each `stride`-th tick counted from 1
 * labelled, with a gap of `gap` points? */
static bool labels_fit(const axis *a, size_t stride, double gap)
{
    size_t one = index_of_one(a->tick, a->n_ticks);
    double prev_x = 0, prev_w = 0;
    bool have_prev = false;
    for (size_t k = 0; k < a->n_ticks; k++) {
        if ((k > one ? k - one : one - k) % stride != 0)
            continue;
        double x = axis_x(a, a->tick[k]);
        if (have_prev && x - prev_x < (prev_w + a->label_w[k]) / 2 + gap)
            return false;
        prev_x = x;
        prev_w = a->label_w[k];
        have_prev = true;
    }
    return true;
}

/* Keep the label of every stride-th tick counted from 1, blank the rest. */
static void keep_labels(axis *a, size_t stride)
{
    size_t one = index_of_one(a->tick, a->n_ticks);
    for (size_t k = 0; k < a->n_ticks; k++)
        if ((k > one ? k - one : one - k) % stride != 0) {
            a->label[k][0] = '\0';
            a->label_w[k] = 0;
        }
}

/* Choose the ticks for values from lo to hi (lo <= 1 <= hi) on the panel
 * a->left, a->width: the first list (but the last) whose labels all fit;
 * else the first whose every second label fits, with both ends labelled
 * (an end moved one tick out if need be); else the last list, labelling
 * every k-th tick.  Tick labels are measured on `m`. */
static void choose_ticks(axis *a, double lo, double hi, canvas *m, const text_style *ts)
{
    double gap = 1.2 * ts->size;
    size_t f, l;
    for (size_t stride = 1; stride <= 2; stride++)
        for (size_t li = 0; li + 1 < N_TICK_LISTS; li++) {
            const tick_list *L = &tick_lists[li];
            if (!span_of(L, lo, hi, &f, &l))
                continue;
            if (stride == 2) {
                size_t one = index_of_one(L->v, L->n);
                if ((one - f) % 2 != 0 && f-- == 0)
                    continue;
                if ((l - one) % 2 != 0 && ++l == L->n)
                    continue;
            }
            set_ticks(a, L, f, l, m, ts);
            if (labels_fit(a, stride, gap)) {
                keep_labels(a, stride);
                return;
            }
        }
    /* powers of 10, cut at 0.001 and 1000 (intervals beyond are cut at the
     * panel's edge): always a span, as lo <= 1 <= hi */
    const tick_list *L = &tick_lists[N_TICK_LISTS - 1];
    if (!span_of(L, fmax(lo, 0.001), fmin(hi, 1000), &f, &l)) {
        f = 0;
        l = L->n - 1;
    }
    set_ticks(a, L, f, l, m, ts);
    size_t stride = 1;
    while (stride < a->n_ticks && !labels_fit(a, stride, gap))
        stride++;
    keep_labels(a, stride);
}

/* ---- layout --------------------------------------------------------------------- */

typedef struct layout {
    double fs;                 /* font size */
    double m;                  /* margin */
    double row_h;
    double width, height;
    double x_label, x_hr, x_p;
    double label_w;            /* the label column */
    double y_title;            /* top of the title */
    double title_step;         /* from one title line to the next */
    double y_header;           /* centre of the header row */
    double y_rule;             /* the rule under the header */
    double y_rows;             /* top of the first row */
    double y_axis;
    double y_tick_labels;      /* top of the tick labels */
    double y_x_title;          /* top of the axis title */
    double box_max, box_min;
    size_t n_lines;            /* rows and heading rows */
    axis ax;
    /* the text as drawn: lines of the titles, and per row the label and
     * heading when shortened (NULL: as given) */
    char *title[MAX_TITLE_LINES];
    size_t n_title;
    char *x_title[MAX_X_TITLE_LINES];
    size_t n_x_title;
    char hr_head[48];          /* "HR (95% CI)" at the spec's level */
    char **label, **heading;   /* n_rows each */
} layout;

static void layout_free(layout *L, size_t n_rows)
{
    for (size_t k = 0; k < L->n_title; k++)
        free(L->title[k]);
    for (size_t k = 0; k < L->n_x_title; k++)
        free(L->x_title[k]);
    for (size_t i = 0; L->label != NULL && i < n_rows; i++)
        free(L->label[i]);
    for (size_t i = 0; L->heading != NULL && i < n_rows; i++)
        free(L->heading[i]);
    free(L->label);
    free(L->heading);
}

/* How far a level is indented under its heading: one em. */
static double indent_of(const coh_plot_style *st)
{
    return st->font_size;
}

static text_style style_of(const coh_plot_style *st, bool bold)
{
    text_style ts = {st->font_size, bold, false, 0, 0, 0};
    return ts;
}

static text_style title_style(const coh_plot_style *st)
{
    text_style ts = style_of(st, true);
    ts.size = 1.15 * st->font_size;
    return ts;
}

/* Lay the figure out: sizes, columns, rows, the axis, and the text as it
 * will be drawn (shortened labels, wrapped titles; L->label and the rest
 * belong to L, layout_free).  `hr_text` and `p_text` are the cells of the
 * rows.  COH_EINVAL when a size given cannot hold the figure, COH_ENOMEM. */
static coh_status lay_out(const coh_plot_forest_spec *s, char (*hr_text)[HR_CELL],
                          char (*p_text)[32], meter *mt, layout *L, coh_error *err)
{
    const coh_plot_style *st = &s->style;
    canvas *m = mt->m;
    double fs = L->fs = st->font_size;
    text_style plain = style_of(st, false), bold = style_of(st, true);
    L->m = 0.7 * fs;
    L->row_h = 0.22 * 72 * fs / 9;

    /* widths of the columns; labels measured on their first MEASURE_BYTES
     * (longer ones are shortened anyway) */
    hr_header(s, L->hr_head, sizeof L->hr_head);
    double label_need = 0, hr_w = canvas_text_width(m, L->hr_head, &bold);
    double p_w = canvas_text_width(m, P_HEADER, &bold);
    L->n_lines = 0;
    for (size_t i = 0; i < s->n_rows; i++) {
        const coh_plot_forest_row *r = &s->rows[i];
        if (r->heading != NULL) {
            label_need = fmax(label_need, span_width(mt, r->heading,
                                                     measured_len(r->heading, strlen(r->heading)),
                                                     "", &bold));
            L->n_lines++;
        }
        L->n_lines++;
        const char *label = r->label ? r->label : "";
        label_need = fmax(label_need, (r->indent ? indent_of(st) : 0) +
                                          span_width(mt, label,
                                                     measured_len(label, strlen(label)), "",
                                                     &plain));
        hr_w = fmax(hr_w, canvas_text_width(m, hr_text[i], &plain));
        p_w = fmax(p_w, canvas_text_width(m, p_text[i], &plain));
    }
    double gap_panel = 2 * fs, gap_col = 1.2 * fs;
    double columns_w = 2 * L->m + 2 * gap_panel + hr_w + gap_col + p_w;
    bool width_given = st->width > 0;
    double width = width_given ? st->width * 72 : DEFAULT_WIDTH;
    double panel_min = width_given ? 72 : 2.5 * 72;
    /* the label column: the widest label, at most LABEL_SHARE of the width
     * and what leaves the panel its minimum, but not below LABEL_FLOOR */
    double label_w = fmin(label_need, LABEL_SHARE * fmax(width, DEFAULT_WIDTH));
    double room = width - columns_w - panel_min;
    if (label_w > room)
        label_w = fmax(room, fmin(label_need, LABEL_FLOOR * fs));
    if (width - columns_w - label_w < panel_min) {
        if (width_given)
            return coh_error_set(err, COH_EINVAL,
                                 "forest plot: at a width of %.3g in the labels and columns "
                                 "leave no room for the plot (the figure needs at least %.2f in)",
                                 st->width, (columns_w + label_w + panel_min) / 72);
        width = columns_w + label_w + panel_min;
    }
    L->width = width;
    L->label_w = label_w;
    L->x_label = L->m;
    L->ax.left = L->x_label + label_w + gap_panel;
    L->ax.width = width - columns_w - label_w;
    L->x_hr = L->ax.left + L->ax.width + gap_panel;
    L->x_p = L->x_hr + hr_w + gap_col;

    /* labels and headings wider than the column, shortened */
    L->label = calloc(s->n_rows, sizeof *L->label);
    L->heading = calloc(s->n_rows, sizeof *L->heading);
    if (L->label == NULL || L->heading == NULL)
        return coh_error_set(err, COH_ENOMEM, "out of memory");
    for (size_t i = 0; i < s->n_rows; i++) {
        const coh_plot_forest_row *r = &s->rows[i];
        const char *label = r->label ? r->label : "";
        double avail = label_w - (r->indent ? indent_of(st) : 0);
        if (!fits(mt, label, strlen(label), avail, &plain) &&
            (L->label[i] = shortened(mt, label, strlen(label), avail, &plain)) == NULL)
            return coh_error_set(err, COH_ENOMEM, "out of memory");
        if (r->heading != NULL && !fits(mt, r->heading, strlen(r->heading), label_w, &bold) &&
            (L->heading[i] = shortened(mt, r->heading, strlen(r->heading), label_w, &bold)) ==
                NULL)
            return coh_error_set(err, COH_ENOMEM, "out of memory");
    }
    /* the titles, wrapped to the figure's width */
    text_style title_ts = title_style(st);
    if (s->title != NULL &&
        !wrap_text(mt, s->title, width - 2 * L->m, MAX_TITLE_LINES, &title_ts, L->title,
                   &L->n_title))
        return coh_error_set(err, COH_ENOMEM, "out of memory");
    char x_default[64];
    default_x_title(s, x_default, sizeof x_default);
    if (!wrap_text(mt, s->x_title != NULL ? s->x_title : x_default, width - 2 * L->m,
                   MAX_X_TITLE_LINES, &plain, L->x_title, &L->n_x_title))
        return coh_error_set(err, COH_ENOMEM, "out of memory");

    /* heights: everything but the rows scales with the font */
    double title_h = 0;
    L->title_step = 1.2 * title_ts.size;
    if (L->n_title > 0)
        title_h = (double)L->n_title * L->title_step + 0.6 * fs;
    double axis_h = 0.35 * fs + 0.25 * fs + fs + 0.5 * fs + fs;
    if (L->n_x_title > 1)
        axis_h += (double)(L->n_x_title - 1) * 1.2 * fs;
    double other_h = 2 * L->m + title_h + axis_h;
    double row_units = (double)L->n_lines + 1.6; /* the header and the gaps around the rows */
    if (st->height > 0) {
        L->height = st->height * 72;
        L->row_h = (L->height - other_h) / row_units;
        if (L->row_h < 1.1 * fs)
            return coh_error_set(err, COH_EINVAL,
                                 "forest plot: a height of %.3g in is too small for %zu rows "
                                 "(heading rows included; at least %.2f in)", st->height, L->n_lines,
                                 (other_h + row_units * 1.1 * fs) / 72);
    } else {
        L->height = other_h + row_units * L->row_h;
    }
    L->y_title = L->m;
    L->y_header = L->m + title_h + 0.5 * L->row_h;
    L->y_rule = L->m + title_h + L->row_h;
    L->y_rows = L->y_rule + 0.3 * L->row_h;
    L->y_axis = L->y_rows + (double)L->n_lines * L->row_h + 0.3 * L->row_h;
    L->y_tick_labels = L->y_axis + 0.6 * fs;
    L->y_x_title = L->y_tick_labels + 1.5 * fs;
    L->box_max = fmin(0.62 * L->row_h, fs);
    L->box_min = 0.35 * L->box_max;

    /* the axis: the values of the rows that set it, and 1 */
    double lo = 1, hi = 1;
    for (size_t i = 0; i < s->n_rows; i++) {
        const coh_plot_forest_row *r = &s->rows[i];
        if (!row_sets_axis(r))
            continue;
        double v[3] = {r->hr, r->lower, r->upper};
        for (size_t k = 0; k < 3; k++)
            if (positive_finite(v[k])) {
                lo = fmin(lo, v[k]);
                hi = fmax(hi, v[k]);
            }
    }
    choose_ticks(&L->ax, lo, hi, m, &plain);
    return mt->failed ? coh_error_set(err, COH_ENOMEM, "out of memory") : COH_OK;
}

/* ---- what goes where ------------------------------------------------------------- */

/* Where row i is drawn: the x of the estimate and of the interval's ends
 * (cut at the panel), the square's side, arrows at cut ends, and the side
 * (-1, 1) of an estimate beyond the axis, drawn as an arrow at that edge.
 * NAN where nothing is drawn. */
typedef struct row_marks {
    double x_hr, x_lo, x_hi, box;
    bool arrow_lo, arrow_hi;
    int beyond;
} row_marks;

static row_marks place_row(const coh_plot_forest_row *r, const layout *L, double min_width)
{
    row_marks k = {NAN, NAN, NAN, NAN, false, false, 0};
    if (!row_estimable(r))
        return k;
    if (r->infinite) {
        /* a coefficient that may be infinite: the estimate is where the
         * iterations stopped and its Wald interval means nothing; an
         * arrow at the edge it tends to, nothing else */
        k.beyond = infinite_side(r);
        return k;
    }
    const axis *a = &L->ax;
    double right = a->left + a->width;
    if (r->hr >= a->lo && r->hr <= a->hi) {
        k.x_hr = axis_x(a, r->hr);
        double w = log(r->upper) - log(r->lower);
        /* precision 1 / w relative to the most precise row's; an infinite
         * or unknown interval gets the smallest square */
        double side = L->box_min;
        if (isfinite(w) && w > 0)
            side = L->box_max * min_width / w;
        else if (w == 0)
            side = L->box_max;
        k.box = fmin(L->box_max, fmax(L->box_min, side));
    } else {
        k.beyond = r->hr < a->lo ? -1 : 1;
    }
    if (!isnan(r->lower) && !isnan(r->upper)) {
        k.x_lo = r->lower >= a->lo ? fmin(axis_x(a, r->lower), right) : a->left;
        k.arrow_lo = r->lower < a->lo;
        k.x_hi = r->upper <= a->hi ? fmax(axis_x(a, r->upper), a->left) : right;
        k.arrow_hi = r->upper > a->hi;
    }
    return k;
}

/* A text to draw: what, where (its left edge x, and y with valign as
 * canvas_text takes them), its width, and its style. */
typedef struct placed {
    coh_plot_forest_text_kind kind;
    size_t row;
    const char *s;
    double x, y, w, valign;
    text_style ts;
} placed;

/* How many texts a figure of n rows can have. */
static size_t max_texts(size_t n)
{
    return 2 + 4 * n + MAX_TICKS + MAX_TITLE_LINES + MAX_X_TITLE_LINES;
}

/* Append text s (nothing when empty) at x with halign (0 left, 0.5
 * centre), measured on m. */
static void put(placed *t, size_t *n, canvas *m, coh_plot_forest_text_kind kind, size_t row,
                const char *s, double x, double y, const text_style *ts, double halign,
                double valign)
{
    if (s == NULL || s[0] == '\0')
        return;
    double w = canvas_text_width(m, s, ts);
    t[(*n)++] = (placed){kind, row, s, x - halign * w, y, w, valign, *ts};
}

/* Every text of the figure, in drawing order, into t (max_texts(n_rows)
 * entries): the title, the header, per row its heading, label and cells,
 * the tick labels and the axis title; returns how many. */
static size_t place_texts(const coh_plot_forest_spec *s, const layout *L,
                          char (*hr_text)[HR_CELL], char (*p_text)[32], const double *row_y,
                          canvas *m, placed *t)
{
    const coh_plot_style *st = &s->style;
    text_style plain = style_of(st, false), bold = style_of(st, true);
    text_style title_ts = title_style(st);
    size_t n = 0;
    for (size_t k = 0; k < L->n_title; k++)
        put(t, &n, m, COH_FOREST_TITLE, 0, L->title[k], L->x_label,
            L->y_title + (double)k * L->title_step, &title_ts, 0, 1);
    put(t, &n, m, COH_FOREST_HEADER, 0, L->hr_head, L->x_hr, L->y_header, &bold, 0, 0.5);
    put(t, &n, m, COH_FOREST_HEADER, 0, P_HEADER, L->x_p, L->y_header, &bold, 0, 0.5);
    for (size_t i = 0; i < s->n_rows; i++) {
        const coh_plot_forest_row *r = &s->rows[i];
        double y = row_y[i];
        if (r->heading != NULL)
            put(t, &n, m, COH_FOREST_HEADING, i, L->heading[i] ? L->heading[i] : r->heading,
                L->x_label, y - L->row_h, &bold, 0, 0.5);
        put(t, &n, m, COH_FOREST_LABEL, i, L->label[i] ? L->label[i] : r->label,
            L->x_label + (r->indent ? indent_of(st) : 0), y, &plain, 0, 0.5);
        put(t, &n, m, COH_FOREST_HR, i, hr_text[i], L->x_hr, y, &plain, 0, 0.5);
        put(t, &n, m, COH_FOREST_P, i, p_text[i], L->x_p, y, &plain, 0, 0.5);
    }
    const axis *a = &L->ax;
    for (size_t k = 0; k < a->n_ticks; k++)
        put(t, &n, m, COH_FOREST_TICK, 0, a->label[k], axis_x(a, a->tick[k]), L->y_tick_labels,
            &plain, 0.5, 1);
    /* the axis title under the panel's centre, each line kept inside the
     * figure (wrapping made it no wider than the figure's inside) */
    for (size_t k = 0; k < L->n_x_title; k++) {
        double tw = canvas_text_width(m, L->x_title[k], &plain);
        double cx = a->left + a->width / 2;
        cx = fmin(fmax(cx, L->m + tw / 2), L->width - L->m - tw / 2);
        put(t, &n, m, COH_FOREST_X_TITLE, 0, L->x_title[k], cx,
            L->y_x_title + (double)k * 1.2 * L->fs, &plain, 0.5, 1);
    }
    return n;
}

/* ---- drawing --------------------------------------------------------------------- */

/* A filled arrow head with its tip at (x, y), pointing left (dir -1) or
 * right (dir 1). */
static void arrow_head(canvas *c, double x, double y, int dir, double len, const double rgb[3])
{
    cairo_t *cr = c->cr;
    cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
    cairo_move_to(cr, x, y);
    cairo_line_to(cr, x - dir * len, y - 0.6 * len);
    cairo_line_to(cr, x - dir * len, y + 0.6 * len);
    cairo_close_path(cr);
    cairo_fill(cr);
}

static void draw(canvas *c, const coh_plot_forest_spec *s, const layout *L,
                 const row_marks *marks, const double *row_y, const placed *texts,
                 size_t n_texts)
{
    const coh_plot_style *st = &s->style;
    double fs = L->fs;
    const axis *a = &L->ax;
    double right = a->left + a->width;
    double ink[3];
    palette_color(st, 0, ink);

    /* the rule under the header */
    canvas_line(c, L->x_label, L->y_rule, L->width - L->m, L->y_rule, 0.6, 0, 0, 0);

    /* the reference line at HR = 1, under the intervals */
    double x_one = axis_x(a, 1);
    double dash[2] = {3, 2};
    cairo_set_dash(c->cr, dash, 2, 0);
    canvas_line(c, x_one, L->y_rows, x_one, L->y_axis, 0.6, 0.45, 0.45, 0.45);
    cairo_set_dash(c->cr, NULL, 0, 0);

    /* the intervals and estimates */
    double head = 0.45 * fs, big = L->box_max; /* an interval's cut end, an estimate */
    for (size_t i = 0; i < s->n_rows; i++) {
        double y = row_y[i];
        const row_marks *k = &marks[i];
        if (!isnan(k->x_lo)) {
            /* the line stops where an arrow head starts; an estimate's
             * arrow covers the interval's on its side */
            double len_lo = k->beyond < 0 ? big : head, len_hi = k->beyond > 0 ? big : head;
            double x0 = k->arrow_lo ? k->x_lo + len_lo : k->x_lo;
            double x1 = k->arrow_hi ? k->x_hi - len_hi : k->x_hi;
            if (x1 > x0)
                canvas_line(c, x0, y, x1, y, 0.9, ink[0], ink[1], ink[2]);
            if (k->arrow_lo && k->beyond >= 0)
                arrow_head(c, k->x_lo, y, -1, head, ink);
            if (k->arrow_hi && k->beyond <= 0)
                arrow_head(c, k->x_hi, y, 1, head, ink);
        }
        if (k->beyond != 0)
            arrow_head(c, k->beyond < 0 ? a->left : right, y, k->beyond, big, ink);
        if (!isnan(k->x_hr))
            canvas_rect(c, k->x_hr - k->box / 2, y - k->box / 2, k->box, k->box, 0, NULL, ink);
    }

    /* the axis */
    canvas_line(c, a->left, L->y_axis, right, L->y_axis, 0.6, 0, 0, 0);
    for (size_t t = 0; t < a->n_ticks; t++) {
        double x = axis_x(a, a->tick[t]);
        canvas_line(c, x, L->y_axis, x, L->y_axis + 0.35 * fs, 0.6, 0, 0, 0);
    }

    /* the text */
    for (size_t k = 0; k < n_texts; k++)
        canvas_text(c, texts[k].x, texts[k].y, texts[k].s, &texts[k].ts, 0, texts[k].valign);
}

/* What was drawn, for the caller: NULL when memory runs out. */
static coh_plot_forest_drawn *drawn_new(const layout *L, size_t n, const row_marks *marks,
                                        const double *row_y, const placed *texts,
                                        size_t n_texts)
{
    coh_plot_forest_drawn *d = calloc(1, sizeof *d);
    if (d == NULL)
        return NULL;
    d->x_hr = malloc(n * sizeof *d->x_hr);
    d->x_lower = malloc(n * sizeof *d->x_lower);
    d->x_upper = malloc(n * sizeof *d->x_upper);
    d->box = malloc(n * sizeof *d->box);
    d->y = malloc(n * sizeof *d->y);
    d->beyond = malloc(n * sizeof *d->beyond);
    d->texts = calloc(n_texts ? n_texts : 1, sizeof *d->texts);
    if (d->x_hr == NULL || d->x_lower == NULL || d->x_upper == NULL || d->box == NULL ||
        d->y == NULL || d->beyond == NULL || d->texts == NULL) {
        coh_plot_forest_drawn_free(d);
        return NULL;
    }
    d->n_rows = n;
    for (size_t i = 0; i < n; i++) {
        d->x_hr[i] = marks[i].x_hr;
        d->x_lower[i] = marks[i].x_lo;
        d->x_upper[i] = marks[i].x_hi;
        d->box[i] = marks[i].box;
        d->y[i] = row_y[i];
        d->beyond[i] = marks[i].beyond;
    }
    for (size_t k = 0; k < n_texts; k++) {
        const placed *p = &texts[k];
        char *copy = coh_strdup(p->s);
        if (copy == NULL) {
            coh_plot_forest_drawn_free(d);
            return NULL;
        }
        d->texts[d->n_texts++] = (coh_plot_forest_text){p->kind, p->row, copy, p->x, p->w, p->y};
    }
    d->x_one = axis_x(&L->ax, 1);
    d->panel_left = L->ax.left;
    d->panel_right = L->ax.left + L->ax.width;
    d->width_pt = L->width;
    d->height_pt = L->height;
    return d;
}

coh_status coh_plot_forest(const coh_plot_forest_spec *spec, const char *path,
                           coh_plot_forest_drawn **drawn, coh_error *err)
{
    if (drawn != NULL)
        *drawn = NULL;
    coh_status st = check_spec(spec, err);
    if (st != COH_OK)
        return st;
    coh_plot_format format;
    if (path == NULL || coh_plot_format_of(path, &format) != COH_OK)
        return coh_error_set(err, COH_EINVAL,
                             "%s: the figure's file name must end in .svg, .pdf or .png",
                             path ? path : "(no file name)");
    size_t n = spec->n_rows;
    char (*hr_text)[HR_CELL] = calloc(n, sizeof *hr_text);
    char (*p_text)[32] = calloc(n, sizeof *p_text);
    row_marks *marks = calloc(n, sizeof *marks);
    double *row_y = calloc(n, sizeof *row_y);
    placed *texts = calloc(max_texts(n), sizeof *texts);
    size_t n_texts = 0;
    coh_plot_forest_drawn *d = NULL;
    layout L;
    memset(&L, 0, sizeof L);
    canvas m, c;
    meter mt = {&m, NULL, 0, false};
    bool measuring = false;
    if (hr_text == NULL || p_text == NULL || marks == NULL || row_y == NULL || texts == NULL) {
        st = coh_error_set(err, COH_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        hr_cell(&spec->rows[i], hr_text[i], sizeof hr_text[i]);
        p_cell(&spec->rows[i], spec->p_digits, p_text[i], sizeof p_text[i]);
    }
    if ((st = canvas_measure_open(&m, &spec->style)) != COH_OK) {
        canvas_abort(&m);
        st = coh_error_set(err, COH_ENOMEM, "out of memory");
        goto done;
    }
    measuring = true;
    if ((st = lay_out(spec, hr_text, p_text, &mt, &L, err)) != COH_OK)
        goto done;

    /* where each row goes; squares scaled to the most precise row that
     * sets the axis */
    double min_width = INFINITY;
    for (size_t i = 0; i < n; i++) {
        const coh_plot_forest_row *r = &spec->rows[i];
        double w = row_sets_axis(r) ? log(r->upper) - log(r->lower) : NAN;
        if (isfinite(w) && w > 0)
            min_width = fmin(min_width, w);
    }
    double y_line = L.y_rows + 0.5 * L.row_h;
    for (size_t i = 0; i < n; i++) {
        if (spec->rows[i].heading != NULL)
            y_line += L.row_h;
        row_y[i] = y_line;
        y_line += L.row_h;
        marks[i] = place_row(&spec->rows[i], &L, min_width);
    }
    n_texts = place_texts(spec, &L, hr_text, p_text, row_y, &m, texts);
    if (cairo_status(m.cr) != CAIRO_STATUS_SUCCESS) {
        st = coh_error_set(err, COH_ENOMEM, "forest plot: cannot measure text: %s",
                           cairo_status_to_string(cairo_status(m.cr)));
        goto done;
    }
    if (drawn != NULL && (d = drawn_new(&L, n, marks, row_y, texts, n_texts)) == NULL) {
        st = coh_error_set(err, COH_ENOMEM, "out of memory");
        goto done;
    }

    if ((st = canvas_open(&c, path, L.width, L.height, &spec->style, err)) != COH_OK)
        goto done;
    draw(&c, spec, &L, marks, row_y, texts, n_texts);
    st = canvas_finish(&c, err);

done:
    if (measuring)
        canvas_abort(&m);
    free(mt.buf);
    layout_free(&L, n);
    free(hr_text);
    free(p_text);
    free(marks);
    free(row_y);
    free(texts);
    if (st == COH_OK && drawn != NULL)
        *drawn = d;
    else
        coh_plot_forest_drawn_free(d);
    return st;
}

/* ---- CSV ------------------------------------------------------------------------ */

coh_status coh_plot_forest_csv(const coh_plot_forest_spec *spec, FILE *out)
{
    if (spec == NULL || out == NULL || (spec->rows == NULL && spec->n_rows > 0))
        return COH_EINVAL;
    fputs("label,term,heading,hr,lower,upper,p,reference,infinite\n", out);
    for (size_t i = 0; i < spec->n_rows; i++) {
        const coh_plot_forest_row *r = &spec->rows[i];
        coh_csv_field(r->label, out);
        fputc(',', out);
        coh_csv_field(r->term, out);
        fputc(',', out);
        coh_csv_field(r->heading, out);
        double v[4] = {r->hr, r->lower, r->upper, r->p};
        for (size_t k = 0; k < 4; k++) {
            char b[40] = "";
            if (!isnan(v[k]))
                coh_format_num(v[k], b, sizeof b);
            fprintf(out, ",%s", b);
        }
        fprintf(out, ",%s,%s\n", r->reference ? "true" : "false",
                r->infinite ? "true" : "false");
    }
    return ferror(out) ? COH_EIO : COH_OK;
}
