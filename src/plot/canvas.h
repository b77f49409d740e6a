/* canvas.h - the drawing layer every figure shares (private to src/plot).
 *
 * A canvas is a cairo context on an SVG, PDF or PNG surface whose user
 * units are points (1/72 inch) in every format, origin at the top left, y
 * downwards.  For PNG the context is scaled by dpi / 72.  The file is
 * written to a temporary name and renamed into place on canvas_finish
 * (outfile.h), so a failed figure leaves nothing behind.
 */
#ifndef COHORT_PLOT_CANVAS_H
#define COHORT_PLOT_CANVAS_H

#include <cairo.h>
#include <stdbool.h>
#include <stddef.h>

#include "cohort/plot.h"

typedef struct canvas {
    cairo_surface_t *surface;
    cairo_t *cr;
    coh_plot_format format;
    double width, height;   /* points */
    const coh_plot_style *style;
    char *tmp;              /* temporary file */
    char *path;             /* destination */
} canvas;

/* Open a canvas of width x height points for `path`.  COH_EIO (the path in
 * `err`) when the file cannot be created, COH_EINVAL for a size that is
 * not positive or too large (over 200 inches, or 2^15 pixels in PNG). */
coh_status canvas_open(canvas *c, const char *path, double width, double height,
                       const coh_plot_style *style, coh_error *err);
/* A canvas for measuring text only, before a figure's size is known: a
 * 1 x 1 scratch surface with the font options canvas_open sets, so that
 * widths are those the file will have.  No file.  Close with
 * canvas_abort.  COH_ENOMEM when cairo cannot allocate. */
coh_status canvas_measure_open(canvas *c, const coh_plot_style *style);

/* Finish the drawing and put the file in place; frees the canvas. */
coh_status canvas_finish(canvas *c, coh_error *err);
/* Give up: remove the temporary file, free the canvas. */
void canvas_abort(canvas *c);

/* Text.  halign: 0 left, 0.5 centre, 1 right of x; valign: 0 baseline at
 * y, 0.5 centred on y (by the font's cap height), 1 top at y.  Control
 * characters are drawn as '?'. */
typedef struct text_style {
    double size;            /* points; 0: the style's font_size */
    bool bold;
    bool italic;
    double r, g, b;         /* colour */
} text_style;

text_style text_plain(const canvas *c);
void canvas_text(canvas *c, double x, double y, const char *s, const text_style *ts,
                 double halign, double valign);
/* Width of s in points, and the font's ascent (cap height) for layout. */
double canvas_text_width(canvas *c, const char *s, const text_style *ts);
double canvas_cap_height(canvas *c, const text_style *ts);

/* Lines and shapes, in points; `dash` NULL or {on, off} pairs. */
void canvas_line(canvas *c, double x0, double y0, double x1, double y1, double width,
                 double r, double g, double b);
void canvas_rect(canvas *c, double x, double y, double w, double h, double line_width,
                 const double *stroke_rgb, const double *fill_rgb);

/* Colours of group k of n: the Okabe-Ito palette (colour-blind safe,
 * Okabe and Ito 2008) or, in grayscale, gray levels; dash pattern of
 * group k in grayscale (solid in colour). */
void palette_color(const coh_plot_style *s, size_t k, double rgb[3]);
size_t palette_dash(const coh_plot_style *s, size_t k, double dash[4]);

/* Tick positions for an axis from lo to hi: multiples of `step` when step
 * > 0, else "nice" steps (1, 2, 2.5, 5 x 10^k) giving about `target`
 * ticks.  Writes at most `max` ticks; returns how many. */
size_t axis_ticks(double lo, double hi, double step, int target, double *ticks, size_t max);
/* v rounded to the decimals of `step` (k * 0.2 for k = 3 is 0.6, not
 * 0.6000000000000001): tick times that equal the times they label. */
double snap_to_step(double v, double step);
/* A tick label: the number with no more decimals than the step needs
 * (at most 12); 0 as "0". */
void tick_label(double v, double step, char *buf, size_t size);

#endif
