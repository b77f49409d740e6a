/* km_plot.c - the Kaplan-Meier figure (include/cohort/plot.h): step
 * curves per group with censor marks and optional pointwise bands, a
 * legend with the group sizes, the test's p-value in the panel, and a
 * number-at-risk table whose numbers sit exactly under the x-axis ticks.
 *
 * What is drawn, from each curve's fit (coh_km, one row per distinct time):
 *
 *   curve     S(t) as a right-continuous step function (R's plot.survfit,
 *             "post" steps) from (0, 1) to the last observed time; with
 *             `cumulative`, 1 - S(t) from (0, 0), and the band flipped:
 *             [1 - upper, 1 - lower].
 *   censors   a short vertical mark at each time with n_censor > 0, on the
 *             curve's value at that time.
 *   band      over [t_j, t_j+1) the interval [lower_j, upper_j], filled
 *             translucent in the curve's colour; rows where either limit
 *             is NAN (undefined, or conf type "none") are left out.
 *   at risk   at each tick time t, the number still at risk just before t
 *             and the events up to and including t, from coh_km_at_times
 *             (R's summary(fit, times =, extend = TRUE)): 0 at risk after
 *             the last observed time.
 *
 * Layout, in points (1/72 inch) from the top left: the panel is the
 * rectangle [x0, x1] x [y0, y1]; time t is at x_of(t) and a proportion p
 * at y_of(p).  Tick marks, tick labels and the number-at-risk cells all
 * take their x from x_of, so they cannot drift apart.  Text is measured
 * (canvas_text_width) before the margins are fixed: the left margin makes
 * room for the y axis and for the risk table's group labels (labels wider
 * than a quarter of the figure are shortened with an ellipsis).
 *
 * Time axis: from 0 to x_max (default: the last time rounded up to a
 * tick); the step follows the unit (step_candidates: 12-month multiples
 * for months, whole years, else 1, 2, 2.5, 5 x 10^k), the smallest giving
 * at most 8 intervals with room for the widest number between two ticks;
 * x_step overrides it.  Curves are clipped to the panel, so an axis that
 * ends before the data cuts them there.
 *
 * Legend and annotation: each takes the panel corner that hides the least
 * of the curves (length of curve inside its box; bands count a little),
 * ties broken by preference: for survival top right, bottom left, bottom
 * right, top left; for cumulative incidence top left, bottom right, top
 * right, bottom left.  When no corner is free the text gets a white veil,
 * so that it stays legible.
 *
 * Default size: 7 inches wide; 5 inches tall with the risk table (plus
 * 0.2 inch per group beyond two, so that the panel keeps its size), 4.2
 * inches without.  Nothing here keeps state between calls.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cohort/table.h"
#include "core/core.h"
#include "plot/canvas.h"

#define KM_MAX_CURVES 8
#define KM_MAX_TICKS 201   /* with x_step given: at most 200 intervals */
#define KM_MAX_AUTO_INTERVALS 8

void coh_plot_km_spec_init(coh_plot_km_spec *s)
{
    memset(s, 0, sizeof *s);
    coh_plot_style_init(&s->style);
    s->x_max = NAN;
    s->x_step = NAN;
    s->censor_marks = true;
    s->percent = true;
    s->risk_table = true;
}

void coh_plot_km_drawn_free(coh_plot_km_drawn *d)
{
    if (d == NULL)
        return;
    free(d->tick_time);
    free(d->tick_x);
    free(d->risk_n);
    free(d->risk_events);
    free(d->risk_x);
    free(d->risk_y);
    free(d);
}

/* ---- layout ---------------------------------------------------------------- */

typedef struct km_layout {
    double fs;             /* font size, points */
    double cap;            /* cap height of the plain font */
    double margin;         /* around the figure */
    double x0, x1, y0, y1; /* the panel */
    double x_max, x_step;  /* time axis, data units */
    double y_step;         /* proportion between y ticks */
    size_t n_ticks;
    double ticks[KM_MAX_TICKS];
} km_layout;

/* The x of time t: the one mapping used for ticks, curves and the numbers
 * at risk. */
static double x_of(const km_layout *L, double t)
{
    return L->x0 + t / L->x_max * (L->x1 - L->x0);
}

/* The y of a proportion p (0 at the bottom of the panel). */
static double y_of(const km_layout *L, double p)
{
    return L->y1 - p * (L->y1 - L->y0);
}

/* x of a time for paths, kept within a few points of the panel: cairo's
 * fixed-point coordinates overflow near 2^23, and what lies outside is
 * clipped anyway. */
static double x_path(const km_layout *L, double t)
{
    double x = x_of(L, t);
    return x < L->x0 - 4 ? L->x0 - 4 : x > L->x1 + 4 ? L->x1 + 4 : x;
}

/* `s` in buf, shortened with an ellipsis (at a UTF-8 character boundary,
 * without trailing spaces) when it is wider than max_w points or longer
 * than buf holds. */
static void ellipsize(canvas *c, const char *s, const text_style *ts, double max_w, char *buf,
                      size_t size)
{
    static const char ell[] = "\xe2\x80\xa6"; /* U+2026 */
    size_t len = strlen(s);
    if (len < size) {
        memcpy(buf, s, len + 1);
        if (canvas_text_width(c, buf, ts) <= max_w)
            return;
    }
    /* the character boundaries a prefix may end at */
    size_t bounds[512], nb = 0;
    size_t max_len = size - sizeof ell;
    if (max_len > len)
        max_len = len;
    if (max_len > 511)
        max_len = 511;
    for (size_t i = 0; i <= max_len; i++)
        if (i == 0 || ((unsigned char)s[i] & 0xC0) != 0x80)
            bounds[nb++] = i;
    /* the longest prefix that fits with the ellipsis (the empty one always
     * does, as far as anything can) */
    size_t lo = 0, hi = nb - 1;
    while (lo < hi) {
        size_t mid = (lo + hi + 1) / 2;
        memcpy(buf, s, bounds[mid]);
        memcpy(buf + bounds[mid], ell, sizeof ell);
        if (canvas_text_width(c, buf, ts) <= max_w)
            lo = mid;
        else
            hi = mid - 1;
    }
    size_t keep = bounds[lo];
    while (keep > 0 && s[keep - 1] == ' ')
        keep--;
    memcpy(buf, s, keep);
    memcpy(buf + keep, ell, sizeof ell);
}

/* A number-at-risk cell: "81" or, with cumulative events, "81 (12)". */
static void risk_text(double n, double e, bool with_events, char *buf, size_t size)
{
    if (with_events)
        snprintf(buf, size, "%.0f (%.0f)", n, e);
    else
        snprintf(buf, size, "%.0f", n);
}

/* The tick step a time unit suggests: 12 for months, 1 for years, 0 (nice
 * breaks) for days, weeks or no unit. */
static double unit_step(const char *unit)
{
    if (unit == NULL)
        return 0;
    if (strcasecmp(unit, "months") == 0 || strcasecmp(unit, "month") == 0)
        return 12;
    if (strcasecmp(unit, "years") == 0 || strcasecmp(unit, "year") == 0)
        return 1;
    return 0;
}

/* Tick steps to try, ascending, until one step covers `range`.  Months:
 * multiples of 12 (12, 24, 36, 48, 60, 120, 240, 600, ...), or 1, 2, 3, 6
 * months for follow-up of 30 months or less.  Years: 1, 2, 5, 10, ...,
 * or tenths, quarters and halves below 2 years.  Otherwise nice steps 1,
 * 2, 2.5, 5 x 10^k. */
static size_t step_candidates(double base, double range, double *out, size_t max)
{
    size_t n = 0;
    double top = range > 0 ? range : 1;
    if (base == 12) {
        static const double short_fu[] = {1, 2, 3, 6, 12}, long_fu[] = {12, 24, 36, 48, 60};
        const double *m = top > 30 ? long_fu : short_fu;
        for (size_t i = 0; i < 5 && n < max; i++)
            out[n++] = m[i];
        for (double p = 120; out[n - 1] < top && n + 3 <= max; p *= 10) {
            out[n++] = p;
            out[n++] = 2 * p;
            out[n++] = 5 * p;
        }
        return n;
    }
    if (base == 1 && top < 2) {
        static const double parts[] = {0.05, 0.1, 0.25, 0.5, 1};
        for (size_t i = 0; i < 5 && n < max; i++)
            out[n++] = parts[i];
        return n;
    }
    if (base == 1) {
        for (double p = 1; n + 3 <= max; p *= 10) {
            out[n++] = p;
            out[n++] = 2 * p;
            out[n++] = 5 * p;
            if (out[n - 1] >= top)
                break;
        }
        return n;
    }
    static const double nice[] = {1, 2, 2.5, 5};
    for (double p = pow(10, floor(log10(top)) - 2); n < max; p *= 10) {
        for (size_t i = 0; i < 4 && n < max; i++)
            out[n++] = nice[i] * p;
        if (out[n - 1] >= top)
            break;
    }
    return n;
}

/* Number at risk and cumulative events of every curve at every tick into
 * risk_n and risk_events (n_curves x n_ticks). */
static coh_status risk_counts(const coh_plot_km_spec *s, const km_layout *L, double *risk_n,
                              double *risk_events)
{
    coh_km_at *at = malloc(L->n_ticks * sizeof *at);
    if (at == NULL)
        return COH_ENOMEM;
    coh_status st = COH_OK;
    for (size_t c = 0; c < s->n_curves && st == COH_OK; c++) {
        st = coh_km_at_times(s->curves[c].km, L->ticks, L->n_ticks, at);
        /* events per interval (previous tick, tick], summed: the first
         * interval is (-inf, 0], so events at time 0 count from the start */
        double cum = 0;
        for (size_t k = 0; k < L->n_ticks && st == COH_OK; k++) {
            cum += at[k].n_event;
            risk_n[c * L->n_ticks + k] = at[k].n_risk;
            risk_events[c * L->n_ticks + k] = cum;
        }
    }
    free(at);
    return st;
}

/* ---- curves as paths ----------------------------------------------------------- */

/* A curve as the vertices of its step path in points, and its censor
 * marks (x, y of the curve at each censoring time). */
typedef struct km_path {
    double *x, *y;
    size_t n;
    double *cx, *cy;
    size_t n_cens;
} km_path;

/* Free a path's arrays; the path is left empty, so freeing twice is safe. */
static void path_free(km_path *p)
{
    free(p->x);
    free(p->y);
    free(p->cx);
    free(p->cy);
    memset(p, 0, sizeof *p);
}

/* The value drawn for S: S itself or 1 - S. */
static double shown(const coh_plot_km_spec *s, double surv)
{
    return s->cumulative ? 1 - surv : surv;
}

/* Build the step path of `km`: from (0, S = 1) along each row (a
 * horizontal run to t_j, then a vertical step to S(t_j)), up to the last
 * row or the first beyond the axis.  Rows with a non-finite time or
 * survival are skipped, so NAN is never drawn.  An empty fit gives an
 * empty path. */
static coh_status build_path(const coh_plot_km_spec *s, const km_layout *L, const coh_km *km,
                             km_path *p)
{
    memset(p, 0, sizeof *p);
    size_t cap = 2 * km->n_times + 1;
    p->x = malloc(cap * sizeof *p->x);
    p->y = malloc(cap * sizeof *p->y);
    p->cx = malloc((km->n_times + 1) * sizeof *p->cx);
    p->cy = malloc((km->n_times + 1) * sizeof *p->cy);
    if (p->x == NULL || p->y == NULL || p->cx == NULL || p->cy == NULL) {
        path_free(p);
        return COH_ENOMEM;
    }
    if (km->n_times == 0)
        return COH_OK;
    double v = shown(s, 1);
    p->x[0] = x_path(L, 0);
    p->y[0] = y_of(L, v);
    p->n = 1;
    for (size_t j = 0; j < km->n_times; j++) {
        double t = km->time[j], sv = km->surv[j];
        if (!isfinite(t) || !isfinite(sv))
            continue;
        double x = x_path(L, t);
        p->x[p->n] = x;
        p->y[p->n++] = y_of(L, v);
        double nv = shown(s, sv);
        if (nv != v) {
            p->x[p->n] = x;
            p->y[p->n++] = y_of(L, nv);
            v = nv;
        }
        if (km->n_censor[j] > 0 && t <= L->x_max) {
            p->cx[p->n_cens] = x;
            p->cy[p->n_cens++] = y_of(L, v);
        }
        if (t > L->x_max)
            break; /* the rest is outside the panel */
    }
    return COH_OK;
}

/* Can row j's interval [t_j, t_j+1) carry a band? */
static bool band_row(const coh_km *km, const km_layout *L, size_t j)
{
    return j + 1 < km->n_times && isfinite(km->lower[j]) && isfinite(km->upper[j]) &&
           isfinite(km->time[j]) && isfinite(km->time[j + 1]) && km->time[j] < L->x_max;
}

/* Length of the paths' segments inside the box, plus a mark's worth for
 * each censor mark in it, plus (with bands) a little for the band area it
 * covers: how much a legend placed there would hide.  Segments are
 * horizontal or vertical. */
static double hidden(const coh_plot_km_spec *s, const km_layout *L, const km_path *paths,
                     double bx0, double by0, double bx1, double by1)
{
    double len = 0, fs = L->fs;
    size_t n = s->n_curves;
    /* a box fully on a band counts as a few points of curve: curves first */
    for (size_t c = 0; c < n && s->ci; c++) {
        const coh_km *km = s->curves[c].km;
        for (size_t j = 0; j + 1 < km->n_times; j++) {
            if (!band_row(km, L, j))
                continue;
            double lo = s->cumulative ? 1 - km->upper[j] : km->lower[j];
            double hi = s->cumulative ? 1 - km->lower[j] : km->upper[j];
            double w = fmin(x_path(L, km->time[j + 1]), bx1) - fmax(x_path(L, km->time[j]), bx0);
            double h = fmin(y_of(L, lo), by1) - fmax(y_of(L, hi), by0);
            if (w > 0 && h > 0)
                len += 0.002 * w * h;
        }
    }
    for (size_t c = 0; c < n; c++) {
        const km_path *p = &paths[c];
        for (size_t i = 1; i < p->n; i++) {
            double xa = fmin(p->x[i - 1], p->x[i]), xb = fmax(p->x[i - 1], p->x[i]);
            double ya = fmin(p->y[i - 1], p->y[i]), yb = fmax(p->y[i - 1], p->y[i]);
            if (xa > bx1 || xb < bx0 || ya > by1 || yb < by0)
                continue;
            len += fmin(xb, bx1) - fmax(xa, bx0) + fmin(yb, by1) - fmax(ya, by0);
        }
        for (size_t i = 0; i < p->n_cens; i++)
            if (p->cx[i] >= bx0 && p->cx[i] <= bx1 && p->cy[i] >= by0 - fs / 3 &&
                p->cy[i] <= by1 + fs / 3)
                len += fs / 2;
    }
    return len;
}

/* Corners of the panel for a box of w x h, in order of preference: for
 * survival top right, bottom left, bottom right, top left (curves start at
 * the top left and fall); for cumulative incidence top left, bottom right,
 * top right, bottom left. */
static void corner(const km_layout *L, bool cumulative, int k, double w, double h, double *x,
                   double *y)
{
    static const int surv_order[4] = {1, 2, 3, 0}, cum_order[4] = {0, 3, 1, 2};
    int which = cumulative ? cum_order[k] : surv_order[k]; /* 0 TL, 1 TR, 2 BL, 3 BR */
    double inset = 0.7 * L->fs;
    *x = which == 0 || which == 2 ? L->x0 + inset : L->x1 - inset - w;
    *y = which == 0 || which == 1 ? L->y0 + inset : L->y1 - inset - h;
}

/* ---- drawing --------------------------------------------------------------------- */

/* Group k's line type: solid in colour, its dash pattern in grayscale. */
static void set_dash(canvas *c, const coh_plot_style *st, size_t k)
{
    double dash[4];
    size_t nd = palette_dash(st, k, dash);
    cairo_set_dash(c->cr, nd ? dash : NULL, (int)nd, 0);
}

/* Curve k's pointwise band as stepped translucent ribbons; nothing for a
 * curve without defined limits. */
static void draw_band(canvas *c, const coh_plot_km_spec *s, const km_layout *L, size_t k)
{
    const coh_km *km = s->curves[k].km;
    double rgb[3];
    palette_color(&s->style, k, rgb);
    cairo_set_source_rgba(c->cr, rgb[0], rgb[1], rgb[2], s->style.grayscale ? 0.15 : 0.2);
    /* each maximal run of rows with both limits defined is one polygon (no
     * seams between neighbouring intervals): the upper edge forwards, the
     * lower edge back */
    size_t j = 0;
    while (j + 1 < km->n_times) {
        if (!band_row(km, L, j)) {
            j++;
            continue;
        }
        size_t a = j;
        while (band_row(km, L, j))
            j++;
        for (size_t r = a; r < j; r++) {
            double hi = s->cumulative ? 1 - km->lower[r] : km->upper[r];
            if (r == a)
                cairo_move_to(c->cr, x_path(L, km->time[r]), y_of(L, hi));
            else
                cairo_line_to(c->cr, x_path(L, km->time[r]), y_of(L, hi));
            cairo_line_to(c->cr, x_path(L, km->time[r + 1]), y_of(L, hi));
        }
        for (size_t r = j; r-- > a;) {
            double lo = s->cumulative ? 1 - km->upper[r] : km->lower[r];
            cairo_line_to(c->cr, x_path(L, km->time[r + 1]), y_of(L, lo));
            cairo_line_to(c->cr, x_path(L, km->time[r]), y_of(L, lo));
        }
        cairo_close_path(c->cr);
        cairo_fill(c->cr);
    }
}

/* Curve k's step path (1.2 pt, its colour and line type) and its censor
 * marks (solid, 0.9 pt); nothing for an empty curve. */
static void draw_curve(canvas *c, const coh_plot_km_spec *s, const km_path *p, size_t k)
{
    if (p->n < 2)
        return;
    double rgb[3];
    palette_color(&s->style, k, rgb);
    cairo_set_source_rgb(c->cr, rgb[0], rgb[1], rgb[2]);
    cairo_set_line_width(c->cr, 1.2);
    set_dash(c, &s->style, k);
    cairo_move_to(c->cr, p->x[0], p->y[0]);
    for (size_t i = 1; i < p->n; i++)
        cairo_line_to(c->cr, p->x[i], p->y[i]);
    cairo_stroke(c->cr);
    cairo_set_dash(c->cr, NULL, 0, 0);
    if (!s->censor_marks)
        return;
    double half = 0.3 * (s->style.font_size > 0 ? s->style.font_size : 9);
    cairo_set_line_width(c->cr, 0.9);
    for (size_t i = 0; i < p->n_cens; i++) {
        cairo_move_to(c->cr, p->cx[i], p->cy[i] - half);
        cairo_line_to(c->cr, p->cx[i], p->cy[i] + half);
    }
    cairo_stroke(c->cr);
}

/* Text rotated a quarter turn anticlockwise (the y-axis title), centred on
 * y, its top at x. */
static void text_up(canvas *c, double x, double y, const char *s, const text_style *ts)
{
    cairo_save(c->cr);
    cairo_translate(c->cr, x, y);
    cairo_rotate(c->cr, -M_PI / 2);
    canvas_text(c, 0, 0, s, ts, 0.5, 1);
    cairo_restore(c->cr);
}

/* ---- the figure ------------------------------------------------------------------ */

/* What a spec must hold before anything is drawn: COH_EINVAL with a
 * message otherwise. */
static coh_status check_spec(const coh_plot_km_spec *s, const char *path, coh_error *err)
{
    if (path == NULL)
        return coh_error_set(err, COH_EINVAL, "no file name for the figure");
    if (s->curves == NULL || s->n_curves == 0)
        return coh_error_set(err, COH_EINVAL, "a Kaplan-Meier figure needs at least one curve");
    if (s->n_curves > KM_MAX_CURVES)
        return coh_error_set(err, COH_EINVAL,
                             "a Kaplan-Meier figure shows at most %d curves, not %zu",
                             KM_MAX_CURVES, s->n_curves);
    for (size_t c = 0; c < s->n_curves; c++)
        if (s->curves[c].km == NULL)
            return coh_error_set(err, COH_EINVAL, "curve %zu has no fit", c + 1);
    /* every text goes into SVG, PDF and through cairo: UTF-8 only (cairo
     * would refuse it half-way through the drawing) */
    const char *texts[] = {s->title, s->x_title, s->y_title, s->legend_title, s->unit,
                           s->annotation, s->style.font};
    const char *what[] = {"title", "x-axis title", "y-axis title", "legend title", "time unit",
                          "annotation", "font name"};
    for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++)
        if (texts[k] != NULL && !coh_text_is_utf8(texts[k]))
            return coh_error_set(err, COH_EINVAL, "the %s is not valid UTF-8 text", what[k]);
    for (size_t c = 0; c < s->n_curves; c++)
        if (s->curves[c].label != NULL && !coh_text_is_utf8(s->curves[c].label))
            return coh_error_set(err, COH_EINVAL, "the label of curve %zu is not valid UTF-8 text",
                                 c + 1);
    if (!(s->style.font_size >= 4 && s->style.font_size <= 36))
        return coh_error_set(err, COH_EINVAL, "font size must be 4 to 36 points, not %g",
                             s->style.font_size);
    if (!isnan(s->x_max) && !(s->x_max > 0 && isfinite(s->x_max)))
        return coh_error_set(err, COH_EINVAL, "the end of the time axis must be positive, not %g",
                             s->x_max);
    if (!isnan(s->x_step) && !(s->x_step > 0 && isfinite(s->x_step)))
        return coh_error_set(err, COH_EINVAL, "the time axis step must be positive, not %g",
                             s->x_step);
    return COH_OK;
}

/* Choose the time axis: its end and tick step, then the ticks.  `avail`
 * is the panel width and `need` the room one tick's text takes. */
static coh_status time_axis(const coh_plot_km_spec *s, km_layout *L, canvas *c,
                            const text_style *ts, double avail, double need, coh_error *err)
{
    double last = 0;
    for (size_t k = 0; k < s->n_curves; k++) {
        const coh_km *km = s->curves[k].km;
        for (size_t j = km->n_times; j-- > 0;)
            if (isfinite(km->time[j])) {
                last = fmax(last, km->time[j]);
                break;
            }
    }
    double range = isnan(s->x_max) ? last : s->x_max;
    if (!(range > 0)) /* no data, or every time 0: a unit's worth of axis */
        range = unit_step(s->unit) > 0 ? unit_step(s->unit) : 1;
    if (!isnan(s->x_step)) {
        L->x_step = s->x_step;
        L->x_max = isnan(s->x_max)
                       ? snap_to_step(fmax(1, ceil(last / s->x_step - 1e-9)) * s->x_step, s->x_step)
                       : s->x_max;
        if (L->x_max / L->x_step > KM_MAX_TICKS - 1)
            return coh_error_set(err, COH_EINVAL,
                                 "a time axis step of %g gives more than %d ticks up to %g",
                                 L->x_step, KM_MAX_TICKS - 1, L->x_max);
        /* a step given by the user must leave room for its labels and the
         * numbers at risk under them, as the automatic one does */
        char lab[64];
        tick_label(floor(L->x_max / L->x_step + 1e-9) * L->x_step, L->x_step, lab, sizeof lab);
        double w = fmax(need, canvas_text_width(c, lab, ts) + 0.8 * L->fs);
        if (avail * L->x_step / L->x_max < w)
            return coh_error_set(err, COH_EINVAL,
                                 "ticks every %g up to %g are too close for their labels and the "
                                 "numbers at risk; use a larger step (at least %.3g)",
                                 L->x_step, L->x_max, w * L->x_max / avail);
    } else {
        double cand[64];
        size_t nc = step_candidates(unit_step(s->unit), range, cand, 64);
        L->x_step = cand[nc - 1];
        L->x_max = NAN;
        for (size_t i = 0; i < nc; i++) {
            double n_int = fmax(1, ceil(range / cand[i] - 1e-9));
            if (n_int > KM_MAX_AUTO_INTERVALS)
                continue;
            double xm = isnan(s->x_max) ? snap_to_step(n_int * cand[i], cand[i]) : s->x_max;
            char lab[64];
            tick_label(floor(xm / cand[i] + 1e-9) * cand[i], cand[i], lab, sizeof lab);
            double w = fmax(need, canvas_text_width(c, lab, ts) + 0.8 * L->fs);
            L->x_step = cand[i];
            L->x_max = xm;
            if (avail * cand[i] / xm >= w)
                break;
        }
        if (isnan(L->x_max))
            L->x_max = isnan(s->x_max)
                           ? snap_to_step(fmax(1, ceil(range / L->x_step - 1e-9)) * L->x_step,
                                          L->x_step)
                           : s->x_max;
    }
    L->n_ticks = axis_ticks(0, L->x_max, L->x_step, 0, L->ticks, KM_MAX_TICKS);
    if (L->n_ticks == 0)
        return coh_error_set(err, COH_EINTERNAL, "no ticks on a time axis to %g", L->x_max);
    return COH_OK;
}

/* Where the legend and annotation go: a corner each, chosen to hide the
 * least of the curves (ties: the order of preference). */
static int best_corner(const km_layout *L, const coh_plot_km_spec *s, const km_path *paths,
                       double w, double h, int avoid, double ax0, double ay0, double ax1,
                       double ay1, double *score)
{
    int best = 0;
    double best_score = INFINITY;
    for (int k = 0; k < 4; k++) {
        if (k == avoid)
            continue;
        double x, y;
        corner(L, s->cumulative, k, w, h, &x, &y);
        double pad = 0.5 * L->fs; /* clearance around the text */
        double sc = hidden(s, L, paths, x - pad, y - pad, x + w + pad, y + h + pad);
        if (avoid >= 0 && x < ax1 && x + w > ax0 && y < ay1 && y + h > ay0)
            sc += 1e6; /* on top of the legend */
        if (sc < best_score) {
            best_score = sc;
            best = k;
        }
    }
    *score = best_score;
    return best;
}

/* The figure (plot.h): check the spec, open the canvas at the size asked
 * for (or the default), measure the text, lay out the panel and the time
 * axis, record the ticks and numbers at risk, draw bands, curves, axes,
 * legend, annotation and the table, and put the file in place.  On any
 * failure the file is not written and *drawn stays NULL. */
coh_status coh_plot_km(const coh_plot_km_spec *spec, const char *path, coh_plot_km_drawn **drawn,
                       coh_error *err)
{
    if (drawn != NULL)
        *drawn = NULL;
    coh_status st = check_spec(spec, path, err);
    if (st != COH_OK)
        return st;
    const size_t nc = spec->n_curves;
    coh_plot_style style = spec->style;
    if (!(style.width > 0))
        style.width = 7;
    if (!(style.height > 0))
        style.height = spec->risk_table ? 5 + 0.2 * (double)(nc > 2 ? nc - 2 : 0) : 4.2;
    const double W = style.width * 72, H = style.height * 72;

    km_layout *L = calloc(1, sizeof *L);
    km_path *paths = calloc(nc, sizeof *paths);
    coh_plot_km_drawn *d = calloc(1, sizeof *d);
    if (L == NULL || paths == NULL || d == NULL) {
        free(L);
        free(paths);
        free(d);
        return coh_error_set(err, COH_ENOMEM, "out of memory");
    }
    canvas cv;
    bool open = false;
    char (*labels)[256] = NULL; /* risk-table row labels */
    st = canvas_open(&cv, path, W, H, &style, err);
    if (st != COH_OK)
        goto done;
    open = true;
    canvas *c = &cv;
    cairo_t *cr = c->cr;

    const double fs = style.font_size;
    text_style ts = text_plain(c), bold = ts, title_ts = ts;
    bold.bold = true;
    title_ts.bold = true;
    title_ts.size = 1.15 * fs;
    L->fs = fs;
    L->cap = canvas_cap_height(c, &ts);
    L->margin = 0.6 * fs;
    const double tick_len = 0.35 * fs, tick_gap = 0.25 * fs;

    /* ---- horizontal layout: the widest things left and right of the panel */
    char buf[512];
    /* the widest number a risk cell can hold: n at the start, with all events */
    double w_num = 0;
    for (size_t k = 0; k < nc; k++) {
        const coh_km *km = spec->curves[k].km;
        risk_text((double)km->n, (double)km->n_events, spec->cum_events, buf, sizeof buf);
        w_num = fmax(w_num, canvas_text_width(c, buf, &ts));
    }
    if (!spec->risk_table)
        w_num = 0;
    /* risk-table group labels, shortened beyond a quarter of the figure */
    double label_cap = 0.25 * W, w_label = 0;
    if (spec->risk_table) {
        labels = malloc(nc * sizeof *labels);
        if (labels == NULL) {
            st = coh_error_set(err, COH_ENOMEM, "out of memory");
            goto done;
        }
        for (size_t k = 0; k < nc; k++) {
            const char *lab = spec->curves[k].label ? spec->curves[k].label : "";
            ellipsize(c, lab, &bold, label_cap, labels[k], sizeof labels[k]);
            w_label = fmax(w_label, canvas_text_width(c, labels[k], &bold));
        }
    }
    const char *y_title = spec->y_title;
    if (y_title == NULL)
        y_title = spec->cumulative ? (spec->percent ? "Cumulative incidence (%)"
                                                    : "Cumulative incidence")
                                   : (spec->percent ? "Survival (%)" : "Survival probability");
    double w_ytick = canvas_text_width(c, spec->percent ? "100" : "0.00", &ts);
    double left_axis = L->margin + 1.2 * L->cap + 0.7 * fs + w_ytick + tick_gap + tick_len;
    double left_table = spec->risk_table ? L->margin + w_label + 0.8 * fs + w_num / 2 : 0;
    L->x0 = fmax(left_axis, left_table);
    /* the last tick's label or number may be centred on the panel's edge */
    double w_last = fmax(w_num, canvas_text_width(c, "00000", &ts));
    L->x1 = W - L->margin - w_last / 2;

    /* ---- vertical layout, bottom up: the risk table, the x title, ticks */
    double row = 1.5 * fs;
    double table_h = spec->risk_table ? 2.3 * fs + (double)nc * row : 0;
    double below = tick_len + tick_gap + L->cap /* tick labels */ + 1.7 * fs /* x title */ +
                   table_h + 0.3 * fs /* descenders */ + L->margin;
    L->y1 = H - below;
    L->y0 = L->margin + 0.5 * fs;
    if (spec->title != NULL)
        L->y0 += 1.15 * fs + 0.8 * fs;
    if (L->x1 - L->x0 < 12 * fs || L->y1 - L->y0 < 5 * fs) {
        st = coh_error_set(err, COH_EINVAL,
                           "a figure of %.3g x %.3g inches is too small for its text and %zu "
                           "groups at %g points; make it larger or the font smaller",
                           style.width, style.height, nc, fs);
        goto done;
    }
    st = time_axis(spec, L, c, &ts, L->x1 - L->x0, w_num + 0.8 * fs, err);
    if (st != COH_OK)
        goto done;
    /* a last tick label wider than the room kept for it (a long number):
     * narrow the panel and choose the ticks again */
    tick_label(L->ticks[L->n_ticks - 1], L->x_step, buf, sizeof buf);
    double half_last = fmax(w_num, canvas_text_width(c, buf, &ts)) / 2;
    if (x_of(L, L->ticks[L->n_ticks - 1]) + half_last > W - L->margin) {
        L->x1 = W - L->margin - half_last;
        if (L->x1 - L->x0 < 12 * fs) {
            st = coh_error_set(err, COH_EINVAL,
                               "the time axis's labels (up to %s) leave no room for the panel; "
                               "use a smaller --x-max or --x-step, or a wider figure", buf);
            goto done;
        }
        st = time_axis(spec, L, c, &ts, L->x1 - L->x0, w_num + 0.8 * fs, err);
        if (st != COH_OK)
            goto done;
    }
    double ph = L->y1 - L->y0;
    L->y_step = ph / 5 >= 2.4 * fs ? 0.2 : ph / 4 >= 2.4 * fs ? 0.25 : 0.5;

    /* ---- what is drawn, recorded */
    size_t nt = L->n_ticks;
    d->n_curves = nc;
    d->n_ticks = nt;
    d->width_pt = W;
    d->height_pt = H;
    d->tick_time = malloc(nt * sizeof *d->tick_time);
    d->tick_x = malloc(nt * sizeof *d->tick_x);
    d->risk_n = malloc(nc * nt * sizeof *d->risk_n);
    d->risk_events = malloc(nc * nt * sizeof *d->risk_events);
    d->risk_x = malloc(nc * nt * sizeof *d->risk_x);
    d->risk_y = malloc(nc * sizeof *d->risk_y);
    if (!d->tick_time || !d->tick_x || !d->risk_n || !d->risk_events || !d->risk_x || !d->risk_y) {
        st = coh_error_set(err, COH_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t k = 0; k < nt; k++) {
        d->tick_time[k] = L->ticks[k];
        d->tick_x[k] = x_of(L, L->ticks[k]);
    }
    if ((st = risk_counts(spec, L, d->risk_n, d->risk_events)) != COH_OK) {
        coh_error_set(err, st, "cannot compute the numbers at risk");
        goto done;
    }
    for (size_t k = 0; k < nc; k++) {
        for (size_t t = 0; t < nt; t++)
            d->risk_x[k * nt + t] = d->tick_x[t];
        if ((st = build_path(spec, L, spec->curves[k].km, &paths[k])) != COH_OK) {
            coh_error_set(err, st, "out of memory");
            goto done;
        }
    }

    /* ---- the panel: bands, curves and marks, clipped to it (x_max may
     * end the axis before the data; marks at 0 and 100% stay whole) */
    cairo_save(cr);
    cairo_rectangle(cr, L->x0 - 2, L->y0 - fs, L->x1 - L->x0 + 2.6, ph + 2 * fs);
    cairo_clip(cr);
    if (spec->ci)
        for (size_t k = 0; k < nc; k++)
            draw_band(c, spec, L, k);
    for (size_t k = nc; k-- > 0;)
        draw_curve(c, spec, &paths[k], k); /* the first group on top */
    cairo_restore(cr);

    /* ---- axes: lines 0.6 pt, ticks outwards */
    canvas_line(c, L->x0, L->y0, L->x0, L->y1 + 0.3, 0.6, 0, 0, 0);
    canvas_line(c, L->x0 - 0.3, L->y1, L->x1, L->y1, 0.6, 0, 0, 0);
    for (size_t k = 0; k < nt; k++) {
        double x = d->tick_x[k];
        canvas_line(c, x, L->y1, x, L->y1 + tick_len, 0.6, 0, 0, 0);
        tick_label(L->ticks[k], L->x_step, buf, sizeof buf);
        canvas_text(c, x, L->y1 + tick_len + tick_gap, buf, &ts, 0.5, 1);
    }
    double y_ticks[8];
    size_t ny = axis_ticks(0, 1, L->y_step, 0, y_ticks, 8);
    for (size_t k = 0; k < ny; k++) {
        double y = y_of(L, y_ticks[k]);
        canvas_line(c, L->x0 - tick_len, y, L->x0, y, 0.6, 0, 0, 0);
        if (spec->percent)
            tick_label(100 * y_ticks[k], 100 * L->y_step, buf, sizeof buf);
        else
            tick_label(y_ticks[k], L->y_step, buf, sizeof buf);
        canvas_text(c, L->x0 - tick_len - tick_gap, y, buf, &ts, 1, 0.5);
    }
    /* axis titles */
    /* the y title close to its tick labels, however wide the risk table's
     * labels made the margin */
    ellipsize(c, y_title, &ts, ph, buf, sizeof buf);
    text_up(c, L->x0 - (left_axis - L->margin), (L->y0 + L->y1) / 2, buf, &ts);
    double tick_base = L->y1 + tick_len + tick_gap + L->cap;
    double xt_base = tick_base + 1.7 * fs;
    if (spec->x_title != NULL) {
        ellipsize(c, spec->x_title, &ts, L->x1 - L->x0, buf, sizeof buf);
    } else if (spec->unit != NULL && spec->unit[0] != '\0') {
        char *t = coh_strprintf("Time (%s)", spec->unit);
        ellipsize(c, t != NULL ? t : "Time", &ts, L->x1 - L->x0, buf, sizeof buf);
        free(t);
    } else {
        snprintf(buf, sizeof buf, "Time");
    }
    canvas_text(c, (L->x0 + L->x1) / 2, xt_base, buf, &ts, 0.5, 0);
    if (spec->title != NULL) {
        ellipsize(c, spec->title, &title_ts, W - 2 * L->margin, buf, sizeof buf);
        double tw = canvas_text_width(c, buf, &title_ts);
        double tx = fmax(L->margin, fmin((L->x0 + L->x1 - tw) / 2, W - L->margin - tw));
        canvas_text(c, tx, L->margin, buf, &title_ts, 0, 1);
    }

    /* ---- legend: "label (n = N)" after a line sample, in a corner */
    {
        double sample = 1.8 * fs, gap = 0.5 * fs, pitch = 1.35 * fs;
        double max_text = 0.5 * (L->x1 - L->x0) - sample - gap;
        char (*ltext)[320] = malloc(nc * sizeof *ltext);
        if (ltext == NULL) {
            st = coh_error_set(err, COH_ENOMEM, "out of memory");
            goto done;
        }
        double w = 0;
        for (size_t k = 0; k < nc; k++) {
            char n_text[48], lab[256];
            snprintf(n_text, sizeof n_text, " (n = %zu)", spec->curves[k].km->n);
            double nw = canvas_text_width(c, n_text, &ts);
            ellipsize(c, spec->curves[k].label ? spec->curves[k].label : "", &ts,
                      fmax(3 * fs, max_text - nw), lab, sizeof lab);
            snprintf(ltext[k], sizeof ltext[k], "%s%s", lab, n_text);
            w = fmax(w, sample + gap + canvas_text_width(c, ltext[k], &ts));
        }
        char ltitle[256] = "";
        if (spec->legend_title != NULL && spec->legend_title[0] != '\0') {
            ellipsize(c, spec->legend_title, &bold, sample + gap + max_text, ltitle,
                      sizeof ltitle);
            w = fmax(w, canvas_text_width(c, ltitle, &bold));
        }
        double h = (double)nc * pitch + (ltitle[0] ? pitch : 0) - (pitch - L->cap);
        /* the legend and the annotation must both fit in the panel's height
         * (they may share a side), else they would leave the figure or
         * overlap each other */
        bool annotated = spec->annotation != NULL && spec->annotation[0] != '\0';
        if (h + (annotated ? L->cap + 1.2 * fs : 0) > L->y1 - L->y0) {
            free(ltext);
            st = coh_error_set(err, COH_EINVAL,
                               "the legend of %zu groups does not fit beside the curves in a "
                               "figure %.3g inches high at %g points; make it taller or the "
                               "font smaller", nc, style.height, fs);
            goto done;
        }
        double score, lx, ly;
        int where = best_corner(L, spec, paths, w, h, -1, 0, 0, 0, 0, &score);
        corner(L, spec->cumulative, where, w, h, &lx, &ly);
        if (score > 0) {
            /* no corner is free (of curves or bands): a white veil keeps
             * the text legible */
            double pad = 0.3 * fs;
            cairo_set_source_rgba(cr, 1, 1, 1, 0.8);
            cairo_rectangle(cr, lx - pad, ly - pad, w + 2 * pad, h + 2 * pad);
            cairo_fill(cr);
        }
        double y = ly + L->cap; /* first baseline */
        if (ltitle[0]) {
            canvas_text(c, lx, y, ltitle, &bold, 0, 0);
            y += pitch;
        }
        for (size_t k = 0; k < nc; k++) {
            double rgb[3];
            palette_color(&style, k, rgb);
            cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
            cairo_set_line_width(cr, 1.2);
            set_dash(c, &style, k);
            cairo_move_to(cr, lx, y - L->cap / 2);
            cairo_line_to(cr, lx + sample, y - L->cap / 2);
            cairo_stroke(cr);
            cairo_set_dash(cr, NULL, 0, 0);
            canvas_text(c, lx + sample + gap, y, ltext[k], &ts, 0, 0);
            y += pitch;
        }
        free(ltext);

        /* ---- the annotation (the test's p-value), in another corner */
        if (spec->annotation != NULL && spec->annotation[0] != '\0') {
            ellipsize(c, spec->annotation, &ts, 0.9 * (L->x1 - L->x0), buf, sizeof buf);
            double aw = canvas_text_width(c, buf, &ts), ax, ay, as;
            int aw_k = best_corner(L, spec, paths, aw, L->cap, where, lx, ly, lx + w, ly + h, &as);
            corner(L, spec->cumulative, aw_k, aw, L->cap, &ax, &ay);
            if (as > 0) {
                double pad = 0.25 * fs;
                cairo_set_source_rgba(cr, 1, 1, 1, 0.8);
                cairo_rectangle(cr, ax - pad, ay - pad, aw + 2 * pad, L->cap + 2 * pad);
                cairo_fill(cr);
            }
            canvas_text(c, ax, ay, buf, &ts, 0, 1);
        }
    }

    /* ---- number at risk: each number centred on its tick's x */
    if (spec->risk_table) {
        double title_base = xt_base + 2.3 * fs;
        canvas_text(c, L->margin, title_base, spec->cum_events ? "Number at risk (events)"
                                                               : "Number at risk",
                    &bold, 0, 0);
        double label_right = L->x0 - w_num / 2 - 0.8 * fs;
        for (size_t k = 0; k < nc; k++) {
            double base = title_base + (double)(k + 1) * row;
            d->risk_y[k] = base;
            text_style lt = bold;
            double rgb[3];
            palette_color(&style, k, rgb);
            lt.r = rgb[0];
            lt.g = rgb[1];
            lt.b = rgb[2];
            canvas_text(c, label_right, base, labels[k], &lt, 1, 0);
            for (size_t t = 0; t < nt; t++) {
                risk_text(d->risk_n[k * nt + t], d->risk_events[k * nt + t], spec->cum_events,
                          buf, sizeof buf);
                canvas_text(c, d->risk_x[k * nt + t], base, buf, &ts, 0.5, 0);
            }
        }
    } else {
        for (size_t k = 0; k < nc; k++)
            d->risk_y[k] = NAN;
    }

    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
        cairo_status_t cs = cairo_status(cr);
        st = coh_error_set(err, cs == CAIRO_STATUS_NO_MEMORY ? COH_ENOMEM : COH_EINTERNAL,
                           "%s: drawing failed: %s", path, cairo_status_to_string(cs));
        goto done;
    }
    open = false;
    st = canvas_finish(&cv, err);

done:
    if (open)
        canvas_abort(&cv);
    free(labels);
    for (size_t k = 0; k < nc; k++)
        path_free(&paths[k]);
    free(paths);
    free(L);
    if (st == COH_OK && drawn != NULL)
        *drawn = d;
    else
        coh_plot_km_drawn_free(d);
    return st;
}

/* ---- the numbers as CSV ---------------------------------------------------------------- */

coh_status coh_plot_km_drawn_csv(const coh_plot_km_drawn *d, const coh_plot_km_spec *spec,
                                 FILE *out)
{
    if (d == NULL || spec == NULL || out == NULL || d->n_curves != spec->n_curves)
        return COH_EINVAL;
    fputs("group,time,n_risk,n_events\n", out);
    for (size_t c = 0; c < d->n_curves; c++)
        for (size_t k = 0; k < d->n_ticks; k++) {
            char t[32], n[32], e[32];
            coh_format_num(d->tick_time[k], t, sizeof t);
            coh_format_num(d->risk_n[c * d->n_ticks + k], n, sizeof n);
            coh_format_num(d->risk_events[c * d->n_ticks + k], e, sizeof e);
            coh_csv_field(spec->curves[c].label ? spec->curves[c].label : "", out);
            fprintf(out, ",%s,%s,%s\n", t, n, e);
        }
    return ferror(out) ? COH_EIO : COH_OK;
}
