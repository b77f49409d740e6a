/* cohort/plot.h - publication figures drawn with cairo: Kaplan-Meier
 * curves with a number-at-risk table, forest plots of Cox models, and
 * flow diagrams of cohort selection.
 *
 * One drawing code for every format: the figure is laid out in points
 * (1/72 inch) and drawn on a cairo SVG, PDF or PNG surface (PNG at `dpi`,
 * 300 by default).  Text uses a font that Debian ships (DejaVu Sans by
 * default) through fontconfig.  Files are written whole or not at all
 * (outfile.h).  Each figure also returns the numbers it drew, in points
 * and in data units, so that tests can check that what was drawn is what
 * was computed and so that the numbers can be written as CSV beside it.
 */
#ifndef COHORT_PLOT_H
#define COHORT_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cohort/km.h"
#include "cohort/status.h"

typedef enum coh_plot_format { COH_PLOT_SVG = 0, COH_PLOT_PDF, COH_PLOT_PNG } coh_plot_format;

/* The format of a file name by its extension (.svg, .pdf, .png, any case);
 * COH_EINVAL otherwise. */
coh_status coh_plot_format_of(const char *path, coh_plot_format *out);
const char *coh_plot_format_name(coh_plot_format f);

/* What every figure shares. */
typedef struct coh_plot_style {
    double width;        /* inches; <= 0: the figure's default */
    double height;       /* inches; <= 0: the figure's default */
    double dpi;          /* PNG resolution (300) */
    const char *font;    /* font family ("DejaVu Sans") */
    double font_size;    /* points (9) */
    bool grayscale;      /* gray levels and line types instead of colours */
} coh_plot_style;

void coh_plot_style_init(coh_plot_style *s);

/* Is a font of `family` installed (fontconfig)?  When not, fontconfig
 * substitutes another; *used (size bytes, may be NULL) gets the family
 * that will be drawn. */
bool coh_plot_font_available(const char *family, char *used, size_t size);

/* ---- Kaplan-Meier ----------------------------------------------------- */

typedef struct coh_plot_km_curve {
    const char *label;   /* legend text (the group) */
    const coh_km *km;    /* its fit (coh_km_fit); may be empty */
} coh_plot_km_curve;

typedef struct coh_plot_km_spec {
    coh_plot_style style;
    const coh_plot_km_curve *curves;
    size_t n_curves;     /* 1..8 */
    const char *title;   /* above the panel, or NULL */
    const char *x_title; /* e.g. "Months since resection"; NULL: "Time" + unit */
    const char *y_title; /* NULL: "Survival (%)" or "Cumulative incidence (%)" */
    const char *unit;    /* time unit ("months", "days", "years"): the
                            default tick step (12, 365.25 -> nice, 1) */
    const char *legend_title; /* e.g. the group variable's label, or NULL */
    double x_max;        /* end of the x axis; NAN: the last time, rounded up */
    double x_step;       /* tick step; NAN: by unit, else "nice" breaks */
    bool ci;             /* pointwise confidence bands */
    bool censor_marks;   /* ticks where subjects are censored (true) */
    bool percent;        /* y axis in percent (true) or as a proportion */
    bool cumulative;     /* draw 1 - S (cumulative incidence) */
    bool risk_table;     /* number at risk below the axis (true) */
    bool cum_events;     /* also the cumulative number of events per tick */
    const char *annotation; /* text in the panel, e.g. "Log-rank p = 0.001" */
} coh_plot_km_spec;

void coh_plot_km_spec_init(coh_plot_km_spec *s);

/* What was drawn: the ticks and, per curve and tick, the number at risk
 * (and events) with the x position of the number's centre, in points from
 * the figure's left edge.  Numbers sit under ticks by construction:
 * risk_x[c * n_ticks + k] == tick_x[k]. */
typedef struct coh_plot_km_drawn {
    size_t n_curves, n_ticks;
    double *tick_time;   /* n_ticks, data units */
    double *tick_x;      /* n_ticks, points */
    double *risk_n;      /* n_curves x n_ticks: at risk at the tick time */
    double *risk_events; /* n_curves x n_ticks: events up to the tick time */
    double *risk_x;      /* n_curves x n_ticks, points */
    double *risk_y;      /* n_curves: baseline of each risk-table row, points */
    double width_pt, height_pt;
} coh_plot_km_drawn;

/* Draw the figure to `path` (format by extension).  *drawn (may be NULL)
 * receives what was drawn, the caller's to free.  COH_EINVAL for a bad
 * spec (no curves, more than 8, a bad size), COH_EIO when the file cannot
 * be written, COH_ENOMEM. */
coh_status coh_plot_km(const coh_plot_km_spec *spec, const char *path, coh_plot_km_drawn **drawn,
                       coh_error *err);
void coh_plot_km_drawn_free(coh_plot_km_drawn *d);
/* The number-at-risk table as CSV: group,time,n_risk,n_events. */
coh_status coh_plot_km_drawn_csv(const coh_plot_km_drawn *d, const coh_plot_km_spec *spec,
                                 FILE *out);

/* ---- forest plot -------------------------------------------------------- */

typedef struct coh_plot_forest_row {
    const char *label;   /* "Age (per 10 years)", or a level: "Female" */
    const char *term;    /* the term (variable) the row belongs to, e.g.
                            "ph.ecog" on each of its levels; NULL: none.
                            Written to the CSV only, not drawn */
    const char *heading; /* a variable heading row before this one, or NULL */
    double hr, lower, upper, p; /* NAN for reference rows */
    bool reference;      /* the reference level: drawn as "reference" */
    bool indent;         /* a level under its variable's heading: indented */
    bool infinite;       /* the model says the coefficient may be infinite
                            (coh_cox_model.infinite, R's warning): shown as
                            "not estimable (HR -> 0)" (or -> Inf) with an
                            arrow at the panel's edge; the CSV keeps the
                            numbers and says so */
} coh_plot_forest_row;

typedef struct coh_plot_forest_spec {
    coh_plot_style style;
    const coh_plot_forest_row *rows;
    size_t n_rows;
    const char *title;   /* wrapped to the figure's width (3 lines at most) */
    const char *x_title; /* NULL: "Hazard ratio (95% CI, log scale)"; wrapped
                            to the figure's width (2 lines at most) */
    int p_digits;        /* significant digits of p (2) */
    double conf_level;   /* the rows' interval level, for the headers (0.95) */
} coh_plot_forest_spec;

void coh_plot_forest_spec_init(coh_plot_forest_spec *s);

/* Which part of the figure a text is. */
typedef enum coh_plot_forest_text_kind {
    COH_FOREST_TITLE = 0, /* a line of the title */
    COH_FOREST_HEADER,    /* "HR (95% CI)" or "p" above the columns */
    COH_FOREST_HEADING,   /* a variable's heading (before row `row`) */
    COH_FOREST_LABEL,     /* the label of row `row` */
    COH_FOREST_HR,        /* the "HR (95% CI)" cell of row `row` */
    COH_FOREST_P,         /* the p cell of row `row` */
    COH_FOREST_TICK,      /* a tick label of the x axis */
    COH_FOREST_X_TITLE    /* a line of the axis title */
} coh_plot_forest_text_kind;

/* A text as drawn: the string (shortened with "…" or one line of a wrapped
 * title, as it appears), its left edge and width and the y it is placed
 * at, in points.  Empty cells are not listed. */
typedef struct coh_plot_forest_text {
    coh_plot_forest_text_kind kind;
    size_t row;          /* the row of a heading, label or cell; else 0 */
    char *text;
    double x, w, y;
} coh_plot_forest_text;

/* What was drawn: per row, the x of the estimate's square centre and of
 * the interval's ends (points; NAN where nothing is drawn), the square's
 * side, and the x of the reference line HR = 1.  beyond[i] is -1 or 1 when
 * row i's estimate lies beyond the axis's left or right end (or may be
 * infinite) and is drawn as an arrow at that edge of the panel, without
 * a square; else 0.  The texts, in drawing order. */
typedef struct coh_plot_forest_drawn {
    size_t n_rows;
    double *x_hr, *x_lower, *x_upper, *box, *y;
    int *beyond;
    double x_one;
    double panel_left, panel_right; /* the panel's edges, points */
    double width_pt, height_pt;
    coh_plot_forest_text *texts;
    size_t n_texts;
} coh_plot_forest_drawn;

/* Draw the forest plot of spec's rows to `path` (format by extension).
 * The figure is 7 in wide unless style.width says otherwise; labels and
 * headings longer than the label column (at most 40% of the width, and
 * what leaves the panel its minimum) are shortened with "…".  Only rows
 * whose estimate lies in 0.001..1000 with a finite interval (or none) set
 * the axis's range.  *drawn (may be NULL) receives what was drawn, the
 * caller's to free.  COH_EINVAL for a bad spec or a size given that
 * cannot hold the figure, COH_EENCODING for text that is not UTF-8,
 * COH_EIO when the file cannot be written, COH_ENOMEM. */
coh_status coh_plot_forest(const coh_plot_forest_spec *spec, const char *path,
                           coh_plot_forest_drawn **drawn, coh_error *err);
void coh_plot_forest_drawn_free(coh_plot_forest_drawn *d);
/* The forest rows as CSV:
 * label,term,heading,hr,lower,upper,p,reference,infinite (the numbers as
 * given, "true"/"false" for the flags). */
coh_status coh_plot_forest_csv(const coh_plot_forest_spec *spec, FILE *out);

/* ---- flow diagram ------------------------------------------------------- */

typedef enum coh_flow_kind {
    COH_FLOW_START = 0,  /* a main-column box: "Patients screened", n */
    COH_FLOW_EXCLUDE,    /* an exclusion reason with its n: consecutive ones
                            share one side box, and a main box with the n
                            remaining follows them */
    COH_FLOW_BOX,        /* a main-column box with its own label and n
                            (e.g. "Eligible" after the exclusions) */
    COH_FLOW_GROUP       /* a final group; consecutive groups split the
                            last box at the bottom */
} coh_flow_kind;

typedef struct coh_flow_step {
    coh_flow_kind kind;
    const char *label;
    double n;
} coh_flow_step;

typedef struct coh_plot_flow_spec {
    coh_plot_style style;
    const coh_flow_step *steps;
    size_t n_steps;
    const char *title;
    const char *remaining_label; /* main box after exclusions without a
                                    COH_FLOW_BOX: NULL = "Remaining" */
} coh_plot_flow_spec;

void coh_plot_flow_spec_init(coh_plot_flow_spec *s);

/* What was drawn: the boxes in order (main, side and group boxes), each
 * with its text lines joined by '\n' and its rectangle in points. */
typedef struct coh_plot_flow_box {
    char *text;
    double x, y, w, h;
    int kind;            /* 0 main, 1 side (exclusions), 2 group */
} coh_plot_flow_box;

typedef struct coh_plot_flow_drawn {
    size_t n_boxes;
    coh_plot_flow_box *boxes;
    double width_pt, height_pt;
} coh_plot_flow_drawn;

/* Counts are checked: an exclusion larger than what remains, or groups
 * that do not add up to the last box, are COH_EINVAL with a message
 * naming the step. */
coh_status coh_plot_flow(const coh_plot_flow_spec *spec, const char *path,
                         coh_plot_flow_drawn **drawn, coh_error *err);
void coh_plot_flow_drawn_free(coh_plot_flow_drawn *d);
/* The flow counts as CSV: step,kind,label,n,remaining. */
coh_status coh_plot_flow_csv(const coh_plot_flow_spec *spec, FILE *out);

#endif
