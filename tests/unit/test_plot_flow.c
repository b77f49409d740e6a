/* test_plot_flow.c - the flow diagram of cohort selection
 * (src/plot/flow_plot.c): valid files in every format, the geometry of
 * what was drawn (main column, side boxes, rows of starts and groups, no
 * overlaps), the checks of the counts with their messages, wrapping of
 * long labels, sizes, whole-or-nothing writing and the counts as CSV. */
#include <cairo.h>
#include <dirent.h>
#include <dlfcn.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../check.h"
#include "../plot_check.h"
#include "cohort/plot.h"

static char dir[] = "/tmp/cohort-flow-XXXXXX";

/* The study's Figure 1 (Buisman et al. 2020): the counts of the two
 * centres, the four commonest exclusions and the final groups as
 * published; the other exclusions are plausible counts that make the
 * published total of 4027 excluded (tests/data/plot/flow/haip.csv). */
static const coh_flow_step haip[] = {
    {COH_FLOW_START, "MSKCC 1992\xE2\x80\x93" "2018", 3299},
    {COH_FLOW_START, "Erasmus MC 2000\xE2\x80\x93" "2016", 1102},
    {COH_FLOW_EXCLUDE, "perioperative HAIP at index resection", 975},
    {COH_FLOW_EXCLUDE, "no recurrence", 935},
    {COH_FLOW_EXCLUDE, "extrahepatic recurrence only", 565},
    {COH_FLOW_EXCLUDE, "both intra- and extrahepatic recurrence", 366},
    {COH_FLOW_EXCLUDE, "no resection or ablation of the liver recurrence", 352},
    {COH_FLOW_EXCLUDE, "extrahepatic disease before the liver recurrence", 298},
    {COH_FLOW_EXCLUDE, "incomplete resection of the primary tumour or liver metastases", 241},
    {COH_FLOW_EXCLUDE, "HAIP other than adjuvant after treatment of the recurrence", 187},
    {COH_FLOW_EXCLUDE, "stereotactic body radiation therapy", 108},
    {COH_FLOW_BOX, "Eligible", 374},
    {COH_FLOW_GROUP, "No adjuvant HAIP", 293},
    {COH_FLOW_GROUP, "Adjuvant HAIP", 81},
};
#define N_HAIP (sizeof haip / sizeof haip[0])

/* A trial: one start, two exclusion stages, the second without a box. */
static const coh_flow_step trial[] = {
    {COH_FLOW_START, "Assessed for eligibility", 1200},
    {COH_FLOW_EXCLUDE, "declined to participate", 130},
    {COH_FLOW_EXCLUDE, "did not meet inclusion criteria", 250},
    {COH_FLOW_EXCLUDE, "other reasons", 20},
    {COH_FLOW_BOX, "Randomised", 800},
    {COH_FLOW_EXCLUDE, "lost to follow-up", 12},
    {COH_FLOW_EXCLUDE, "withdrew consent", 8},
};
#define N_TRIAL (sizeof trial / sizeof trial[0])

static coh_plot_flow_spec spec_of(const coh_flow_step *steps, size_t n)
{
    coh_plot_flow_spec s;
    coh_plot_flow_spec_init(&s);
    s.steps = steps;
    s.n_steps = n;
    return s;
}

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static void path_in(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);
}

/* The pixels of `pt` points at `dpi`: ceil(inches x dpi), where a
 * product a rounding error above a whole number is that number (as
 * canvas_open counts them). */
static uint32_t pixels(double pt, double dpi)
{
    return (uint32_t)ceil(pt / 72 * dpi - 1e-6);
}

/* Do two rectangles share any area (touching edges do not)? */
static int overlap(const coh_plot_flow_box *a, const coh_plot_flow_box *b)
{
    const double eps = 1e-9;
    return a->x < b->x + b->w - eps && b->x < a->x + a->w - eps && a->y < b->y + b->h - eps &&
           b->y < a->y + a->h - eps;
}

/* The layout rules every diagram keeps.  The first `n_row` boxes are a
 * row of starts (n_row 0: none). */
static void check_geometry(const coh_plot_flow_drawn *d, size_t n_row, const char *what)
{
    char msg[200];
    const double eps = 1e-6;
    /* inside the figure, and no two boxes overlap (every pair) */
    for (size_t i = 0; i < d->n_boxes; i++) {
        const coh_plot_flow_box *b = &d->boxes[i];
        snprintf(msg, sizeof msg, "%s: box %zu inside the figure", what, i);
        check(b->x >= 0 && b->y >= 0 && b->x + b->w <= d->width_pt + eps &&
                  b->y + b->h <= d->height_pt + eps && b->w > 0 && b->h > 0,
              msg);
        for (size_t j = i + 1; j < d->n_boxes; j++) {
            snprintf(msg, sizeof msg, "%s: boxes %zu and %zu do not overlap", what, i, j);
            check(!overlap(b, &d->boxes[j]), msg);
        }
    }
    /* the main column: one centre line, downwards in order */
    const coh_plot_flow_box *prev = NULL, *first_main = NULL;
    double cx = NAN;
    for (size_t i = n_row; i < d->n_boxes; i++) {
        const coh_plot_flow_box *b = &d->boxes[i];
        if (b->kind != 0)
            continue;
        if (first_main == NULL) {
            first_main = b;
            cx = b->x + b->w / 2;
        }
        snprintf(msg, sizeof msg, "%s: main box %zu on the centre line", what, i);
        check(fabs(b->x + b->w / 2 - cx) < eps, msg);
        if (prev != NULL) {
            snprintf(msg, sizeof msg, "%s: main box %zu below the one before", what, i);
            check(b->y > prev->y + prev->h + eps, msg);
        }
        prev = b;
    }
    check(first_main != NULL, "a main column");
    const coh_plot_flow_box *last_main = prev;
    /* a row of starts: side by side, one top, above the first main box */
    for (size_t i = 0; i < n_row; i++) {
        const coh_plot_flow_box *b = &d->boxes[i];
        snprintf(msg, sizeof msg, "%s: start %zu in the row above the main column", what, i);
        check(b->kind == 0 && fabs(b->y - d->boxes[0].y) < eps &&
                  b->y + b->h < first_main->y - eps &&
                  (i == 0 || b->x >= d->boxes[i - 1].x + d->boxes[i - 1].w + eps),
              msg);
    }
    /* side boxes: right of the main column, between two main boxes */
    for (size_t i = n_row; i < d->n_boxes; i++) {
        const coh_plot_flow_box *b = &d->boxes[i];
        if (b->kind != 1)
            continue;
        snprintf(msg, sizeof msg, "%s: side box %zu right of the main column", what, i);
        check(b->x > first_main->x + first_main->w + eps, msg);
        snprintf(msg, sizeof msg, "%s: side box %zu between two main boxes", what, i);
        check(i > n_row && i + 1 < d->n_boxes && d->boxes[i - 1].kind == 0 &&
                  d->boxes[i + 1].kind == 0 &&
                  b->y > d->boxes[i - 1].y + d->boxes[i - 1].h + eps &&
                  b->y + b->h < d->boxes[i + 1].y - eps,
              msg);
    }
    /* groups: below the last main box, side by side, one top */
    const coh_plot_flow_box *prev_group = NULL;
    for (size_t i = n_row; i < d->n_boxes; i++) {
        const coh_plot_flow_box *b = &d->boxes[i];
        if (b->kind != 2)
            continue;
        snprintf(msg, sizeof msg, "%s: group %zu below the last main box, in the row", what, i);
        check(b->y > last_main->y + last_main->h + eps &&
                  (prev_group == NULL || (fabs(b->y - prev_group->y) < eps &&
                                          b->x >= prev_group->x + prev_group->w + eps)),
              msg);
        prev_group = b;
    }
}

/* Box i's text contains "(n = N)". */
static void check_n(const coh_plot_flow_drawn *d, size_t i, double n)
{
    char want[48];
    snprintf(want, sizeof want, "(n = %.0f)", n);
    check(i < d->n_boxes, "box exists");
    if (i < d->n_boxes)
        check_contains(d->boxes[i].text, want, "box shows its n");
}

static void test_formats(void)
{
    coh_plot_flow_spec s = spec_of(haip, N_HAIP);
    char path[160], why[200];
    coh_error err;
    coh_plot_flow_drawn *d = NULL;
    path_in(path, sizeof path, "haip.svg");
    check_int(coh_plot_flow(&s, path, &d, &err), COH_OK, "svg");
    check(svg_check(path, why, sizeof why), why);
    check(d != NULL && d->width_pt == 6.5 * 72, "default width 6.5 in");
    double height = d != NULL ? d->height_pt : 0;
    check(height > 3 * 72 && height < 8 * 72, "height from the content");
    coh_plot_flow_drawn_free(d);

    path_in(path, sizeof path, "haip.pdf");
    check_int(coh_plot_flow(&s, path, NULL, &err), COH_OK, "pdf");
    check(pdf_check(path, why, sizeof why), why);
    /* the same figure gives the same bytes */
    char again[160];
    path_in(again, sizeof again, "again.pdf");
    check_int(coh_plot_flow(&s, again, NULL, &err), COH_OK, "pdf again");
    size_t l1 = 0, l2 = 0;
    char *b1 = plot_slurp(path, &l1), *b2 = plot_slurp(again, &l2);
    check(b1 != NULL && b2 != NULL && l1 == l2 && memcmp(b1, b2, l1) == 0, "PDF reproducible");
    free(b1);
    free(b2);

    /* PNG: ceil(inches x dpi) pixels each way */
    static const double dpis[] = {72, 144, 300};
    for (size_t k = 0; k < 3; k++) {
        s.style.dpi = dpis[k];
        path_in(path, sizeof path, "haip.png");
        check_int(coh_plot_flow(&s, path, &d, &err), COH_OK, "png");
        uint32_t w = 0, h = 0;
        check(png_check(path, &w, &h, why, sizeof why), why);
        if (d != NULL) {
            check_rel(d->height_pt, height, 1e-12, "height does not depend on the format");
            check_int(h, pixels(d->height_pt, dpis[k]), "PNG height");
            check_int(w, pixels(d->width_pt, dpis[k]), "PNG width");
            if (dpis[k] == 300)
                check_int(w, 1950, "6.5 in at 300 dpi (468 x 300 / 72 is 1950 up to rounding)");
        }
        coh_plot_flow_drawn_free(d);
    }
    /* upper-case extensions too */
    s.style.dpi = 72;
    path_in(path, sizeof path, "HAIP.SVG");
    check_int(coh_plot_flow(&s, path, NULL, &err), COH_OK, "SVG");
    check(svg_check(path, why, sizeof why), why);
}

static void test_haip_geometry(void)
{
    coh_plot_flow_spec s = spec_of(haip, N_HAIP);
    char path[160];
    coh_error err;
    coh_plot_flow_drawn *d = NULL;
    path_in(path, sizeof path, "g.svg");
    check_int(coh_plot_flow(&s, path, &d, &err), COH_OK, "haip");
    if (d == NULL)
        return;
    /* two starts, the implicit screened box, the exclusions, Eligible,
     * two groups */
    check_int(d->n_boxes, 7, "boxes");
    static const int kinds[7] = {0, 0, 0, 1, 0, 2, 2};
    for (size_t i = 0; i < 7 && i < d->n_boxes; i++)
        check_int(d->boxes[i].kind, kinds[i], "kind");
    check_geometry(d, 2, "haip");
    check_str(d->boxes[0].text, "MSKCC 1992\xE2\x80\x93" "2018\n(n = 3299)", "start 1");
    check_str(d->boxes[1].text, "Erasmus MC 2000\xE2\x80\x93" "2016\n(n = 1102)", "start 2");
    check_str(d->boxes[2].text, "Patients screened\n(n = 4401)", "the starts merge");
    check_str(d->boxes[4].text, "Eligible\n(n = 374)", "eligible");
    check_str(d->boxes[5].text, "No adjuvant HAIP\n(n = 293)", "group 1");
    check_str(d->boxes[6].text, "Adjuvant HAIP\n(n = 81)", "group 2");
    /* the side box lists every exclusion with its n, after the total */
    const char *side = d->boxes[3].text;
    check(strncmp(side, "Excluded (n = 4027):\n\xE2\x80\xA2 perioperative HAIP", 36) == 0,
          "side box starts with the total");
    for (size_t i = 2; i <= 10; i++) {
        char want[48];
        snprintf(want, sizeof want, "(n = %.0f)", haip[i].n);
        check_contains(side, want, "each exclusion's n");
    }
    check_contains(side, "\xE2\x80\xA2 no recurrence (n = 935)", "a reason and its n");
    check_n(d, 0, 3299);
    check_n(d, 2, 4401);
    check_n(d, 4, 374);
    check_n(d, 5, 293);
    check_n(d, 6, 81);
    /* the starts and groups sit centred on the main column here (there
     * is room), and the starts' row is as wide as the groups' */
    double cx = d->boxes[2].x + d->boxes[2].w / 2;
    check_rel((d->boxes[0].x + d->boxes[1].x + d->boxes[1].w) / 2, cx, 1e-9, "starts centred");
    check_rel((d->boxes[5].x + d->boxes[6].x + d->boxes[6].w) / 2, cx, 1e-9, "groups centred");
    /* the side box is as tall as its lines need and fits to the right */
    check(d->boxes[3].x + d->boxes[3].w <= d->width_pt - 6 + 1e-9, "side box inside the margin");
    coh_plot_flow_drawn_free(d);

    /* a title moves everything down, and is not a box */
    s.title = "Figure 1. Study flowchart";
    double y0 = 0;
    check_int(coh_plot_flow(&s, path, &d, &err), COH_OK, "with a title");
    if (d != NULL) {
        check_int(d->n_boxes, 7, "the title is not a box");
        y0 = d->boxes[0].y;
        check(y0 > 6 + 9, "boxes below the title");
        check_geometry(d, 2, "haip with a title");
    }
    coh_plot_flow_drawn_free(d);
}

static void test_other_layouts(void)
{
    char path[160];
    coh_error err;
    coh_plot_flow_drawn *d = NULL;
    path_in(path, sizeof path, "o.png");

    /* one start, two stages of exclusions; the last without a box */
    coh_plot_flow_spec s = spec_of(trial, N_TRIAL);
    s.style.dpi = 72;
    check_int(coh_plot_flow(&s, path, &d, &err), COH_OK, "trial");
    if (d != NULL) {
        check_int(d->n_boxes, 5, "main, side, main, side, main");
        static const int kinds[5] = {0, 1, 0, 1, 0};
        for (size_t i = 0; i < 5 && i < d->n_boxes; i++)
            check_int(d->boxes[i].kind, kinds[i], "kind");
        check_geometry(d, 0, "trial");
        check_str(d->boxes[0].text, "Assessed for eligibility\n(n = 1200)", "start");
        check_str(d->boxes[1].text,
                  "Excluded (n = 400):\n\xE2\x80\xA2 declined to participate (n = 130)\n"
                  "\xE2\x80\xA2 did not meet inclusion criteria (n = 250)\n"
                  "\xE2\x80\xA2 other reasons (n = 20)",
                  "first side box");
        check_str(d->boxes[2].text, "Randomised\n(n = 800)", "box after exclusions");
        check_str(d->boxes[4].text, "Remaining\n(n = 780)", "default remaining label");
        /* side boxes share one width */
        check_rel(d->boxes[1].w, d->boxes[3].w, 1e-12, "side boxes alike");
        /* main boxes share one width */
        check_rel(d->boxes[0].w, d->boxes[4].w, 1e-12, "main boxes alike");
    }
    coh_plot_flow_drawn_free(d);
    s.remaining_label = "Analysed";
    check_int(coh_plot_flow(&s, path, &d, &err), COH_OK, "remaining label");
    if (d != NULL)
        check_str(d->boxes[4].text, "Analysed\n(n = 780)", "remaining label used");
    coh_plot_flow_drawn_free(d);

    /* one step: one box */
    coh_flow_step one[] = {{COH_FLOW_START, "All patients", 0}};
    s = spec_of(one, 1);
    check_int(coh_plot_flow(&s, path, &d, &err), COH_OK, "one box");
    if (d != NULL) {
        check_int(d->n_boxes, 1, "one box");
        check_str(d->boxes[0].text, "All patients\n(n = 0)", "n = 0 is a count");
        check_geometry(d, 0, "one box");
    }
    coh_plot_flow_drawn_free(d);

    /* three starts merging into a box step, then one group */
    coh_flow_step three[] = {{COH_FLOW_START, "Centre A", 10}, {COH_FLOW_START, "Centre B", 20},
                             {COH_FLOW_START, "Centre C", 30}, {COH_FLOW_BOX, "All", 60},
                             {COH_FLOW_GROUP, "Treated", 60}};
    s = spec_of(three, 5);
    check_int(coh_plot_flow(&s, path, &d, &err), COH_OK, "three starts");
    if (d != NULL) {
        check_int(d->n_boxes, 5, "3 starts, a box, a group");
        check_str(d->boxes[3].text, "All\n(n = 60)", "the box step takes the merge");
        check_int(d->boxes[4].kind, 2, "group");
        check_geometry(d, 3, "three starts");
        /* a single group sits right under the box */
        check_rel(d->boxes[4].x + d->boxes[4].w / 2, d->boxes[3].x + d->boxes[3].w / 2, 1e-9,
                  "one group under its box");
    }
    coh_plot_flow_drawn_free(d);

    /* a box first, then groups straight away: eight of them widen the
     * default width so that no count is cut */
    coh_flow_step eight[9] = {{COH_FLOW_BOX, "Included", 8000}};
    static const char *names[8] = {"A", "B", "C", "D", "E", "F", "G", "H"};
    for (size_t g = 0; g < 8; g++)
        eight[g + 1] = (coh_flow_step){COH_FLOW_GROUP, names[g], 1000};
    s = spec_of(eight, 9);
    check_int(coh_plot_flow(&s, path, &d, &err), COH_OK, "eight groups");
    if (d != NULL) {
        check_int(d->n_boxes, 9, "a box and eight groups");
        check_geometry(d, 0, "eight groups");
        for (size_t g = 1; g < 9 && g < d->n_boxes; g++) {
            check_n(d, g, 1000);
            check(strstr(d->boxes[g].text, "\xE2\x80\xA6") == NULL, "no count cut");
        }
        check(d->width_pt >= 6.5 * 72, "at least the default width");
    }
    coh_plot_flow_drawn_free(d);
    /* ... but a width given is kept, or refused when too narrow */
    s.style.width = 3;
    check_int(coh_plot_flow(&s, path, &d, &err), COH_EINVAL, "eight groups in 3 in");
    check_contains(err.msg, "the flow diagram needs a width of at least ", "too narrow");
    check_contains(err.msg, " in at 9 pt, not 3 in", "too narrow: the width given");
    check(d == NULL, "nothing drawn");
    s.style.width = 12;
    check_int(coh_plot_flow(&s, path, &d, &err), COH_OK, "eight groups in 12 in");
    if (d != NULL)
        check_rel(d->width_pt, 12 * 72, 1e-12, "width given");
    coh_plot_flow_drawn_free(d);
}

static void test_sizes(void)
{
    char path[160];
    coh_error err;
    coh_plot_flow_drawn *d = NULL;
    path_in(path, sizeof path, "size.svg");
    coh_plot_flow_spec s = spec_of(haip, N_HAIP);
    check_int(coh_plot_flow(&s, path, &d, &err), COH_OK, "natural height");
    double natural = d != NULL ? d->height_pt : 0, top = d != NULL ? d->boxes[0].y : 0;
    coh_plot_flow_drawn_free(d);

    /* a taller height centres the content */
    s.style.height = 10;
    check_int(coh_plot_flow(&s, path, &d, &err), COH_OK, "10 in tall");
    if (d != NULL) {
        check_rel(d->height_pt, 720, 1e-12, "height given");
        check_rel(d->boxes[0].y, top + (720 - natural) / 2, 1e-9, "content centred");
        check_geometry(d, 2, "10 in tall");
    }
    coh_plot_flow_drawn_free(d);
    /* a shorter one is refused, saying what is needed */
    s.style.height = 2;
    check_int(coh_plot_flow(&s, path, &d, &err), COH_EINVAL, "2 in tall");
    char want[160];
    snprintf(want, sizeof want, "the flow diagram needs a height of at least %.2f in",
             ceil(natural / 72 * 100) / 100);
    check_contains(err.msg, want, "too short");

    /* a larger font: taller boxes, the same rules */
    s.style.height = 0;
    s.style.font_size = 14;
    check_int(coh_plot_flow(&s, path, &d, &err), COH_OK, "14 pt");
    if (d != NULL) {
        check(d->height_pt > natural, "larger text, taller figure");
        check_geometry(d, 2, "14 pt");
        for (size_t i = 0; i < d->n_boxes; i++)
            check(strstr(d->boxes[i].text, "\xE2\x80\xA6") == NULL, "nothing cut at 14 pt");
    }
    coh_plot_flow_drawn_free(d);
    s.style.font_size = 0;
    check_int(coh_plot_flow(&s, path, &d, &err), COH_EINVAL, "font size 0");
    check_str(err.msg, "font size must be 2 to 72 points, not 0", "font size message");
}

static void test_wrap(void)
{
    char path[160];
    coh_error err;
    coh_plot_flow_drawn *d = NULL;
    path_in(path, sizeof path, "wrap.svg");
    const double content = 6.5 * 72 - 12;
    /* a long label wraps: more lines, a taller box, the width capped */
    coh_flow_step steps[] = {
        {COH_FLOW_START,
         "Patients with a first liver resection for colorectal liver metastases in the "
         "prospectively maintained databases of both centres",
         5000},
        {COH_FLOW_EXCLUDE, "short", 10},
        {COH_FLOW_BOX, "Eligible", 4990},
    };
    coh_plot_flow_spec s = spec_of(steps, 3);
    check_int(coh_plot_flow(&s, path, &d, &err), COH_OK, "long label");
    if (d != NULL) {
        check_geometry(d, 0, "long label");
        const coh_plot_flow_box *b = &d->boxes[0];
        size_t lines = 1;
        for (const char *p = b->text; *p; p++)
            lines += *p == '\n';
        check(lines >= 4, "wrapped to several lines");
        check(b->h > d->boxes[2].h * 1.8, "taller than a two-line box");
        check(b->w <= 0.36 * content + 1e-9, "wrapped at the main column's width");
        check_rel(b->w, d->boxes[2].w, 1e-12, "main boxes share the width");
        check_contains(b->text, "\n(n = 5000)", "the count on its own line");
        check(strstr(b->text, "\xE2\x80\xA6") == NULL, "words are not cut");
        /* words kept whole, in order */
        char joined[512];
        snprintf(joined, sizeof joined, "%s", b->text);
        for (char *p = joined; *p; p++)
            if (*p == '\n')
                *p = ' ';
        check_contains(joined, steps[0].label, "every word, in order");
    }
    coh_plot_flow_drawn_free(d);

    /* one word wider than the wrap widens the box, up to the cap */
    steps[0].label = "Hepaticojejunostomycholangiography";
    check_int(coh_plot_flow(&s, path, &d, &err), COH_OK, "a long word");
    if (d != NULL) {
        const coh_plot_flow_box *b = &d->boxes[0];
        check(b->w > 0.36 * content && b->w <= 0.48 * content + 1e-9, "widened up to the cap");
        check_str(b->text, "Hepaticojejunostomycholangiography\n(n = 5000)",
                  "kept whole");
        check_geometry(d, 0, "a long word");
    }
    coh_plot_flow_drawn_free(d);

    /* ... and beyond the cap it is cut with an ellipsis */
    steps[0].label = "Hepaticojejunostomycholangiopancreatographyhepaticojejunostomychol"
                     "angiopancreatographyhepaticojejunostomy and more";
    check_int(coh_plot_flow(&s, path, &d, &err), COH_OK, "a very long word");
    if (d != NULL) {
        const coh_plot_flow_box *b = &d->boxes[0];
        check(b->w <= 0.48 * content + 1e-9, "no wider than the cap");
        check(strncmp(b->text, "Hepaticojejunostomy", 19) == 0, "the start of the word kept");
        check_contains(b->text, "\xE2\x80\xA6\nand more\n(n = 5000)", "cut, then the rest");
        check_geometry(d, 0, "a very long word");
    }
    coh_plot_flow_drawn_free(d);

    /* a label's own line breaks are kept; control characters become '?' */
    steps[0].label = "All patients\r\nboth centres\x01";
    steps[1].label = "a reason\nwith its own line break";
    check_int(coh_plot_flow(&s, path, &d, &err), COH_OK, "line breaks");
    if (d != NULL) {
        check_str(d->boxes[0].text, "All patients\nboth centres?\n(n = 5000)", "main breaks");
        check_str(d->boxes[1].text,
                  "Excluded (n = 10):\n\xE2\x80\xA2 a reason\nwith its own line break (n = 10)",
                  "a reason's break continues its bullet");
    }
    coh_plot_flow_drawn_free(d);

    /* long reasons wrap in the side box with the count kept whole */
    steps[0].label = "Screened";
    steps[1].label = "a reason for exclusion long enough that it cannot fit on a single "
                     "line of the side box beside the main column of the diagram";
    check_int(coh_plot_flow(&s, path, &d, &err), COH_OK, "long reason");
    if (d != NULL) {
        check_geometry(d, 0, "long reason");
        check_contains(d->boxes[1].text, "(n = 10)", "the count whole");
        size_t lines = 1;
        for (const char *p = d->boxes[1].text; *p; p++)
            lines += *p == '\n';
        check(lines >= 3, "the reason wrapped");
        check(d->boxes[1].x + d->boxes[1].w <= d->width_pt - 6 + 1e-9, "inside the margin");
    }
    coh_plot_flow_drawn_free(d);
}

/* Each invalid sequence: COH_EINVAL with its message, no file, no CSV. */
static void expect_invalid(const coh_flow_step *steps, size_t n, const char *want,
                           const char *what)
{
    coh_plot_flow_spec s = spec_of(steps, n);
    char path[160];
    path_in(path, sizeof path, "invalid.png");
    coh_error err;
    coh_error_clear(&err);
    coh_plot_flow_drawn sentinel, *d = &sentinel; /* must be reset to NULL */
    check_int(coh_plot_flow(&s, path, &d, &err), COH_EINVAL, what);
    check_str(err.msg, want, what);
    check(d == NULL, "nothing drawn");
    check(!exists(path), "no file");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    check_int(coh_plot_flow_csv(&s, f), COH_EINVAL, "no CSV of invalid counts");
    fclose(f);
    check_int(len, 0, "nothing written");
    free(buf);
}

static void test_counts(void)
{
    expect_invalid(NULL, 0, "a flow diagram needs at least one step", "no steps");
    coh_flow_step s[6];
    s[0] = (coh_flow_step){COH_FLOW_START, "Screened", 100};
    s[1] = (coh_flow_step){COH_FLOW_EXCLUDE, "under 18", 10};
    s[2] = (coh_flow_step){COH_FLOW_EXCLUDE, "no consent", 5};
    s[3] = (coh_flow_step){COH_FLOW_BOX, "Eligible", 85};
    s[4] = (coh_flow_step){COH_FLOW_GROUP, "Treated", 50};
    s[5] = (coh_flow_step){COH_FLOW_GROUP, "Untreated", 35};
    coh_flow_step t[6];

    /* each step's own checks */
    memcpy(t, s, sizeof t);
    t[1].label = "";
    expect_invalid(t, 6, "step 2: the label is empty", "empty label");
    t[1].label = " \n ";
    expect_invalid(t, 6, "step 2: the label is empty", "blank label");
    t[1].label = NULL;
    expect_invalid(t, 6, "step 2: the label is empty", "no label");
    t[1].label = "bad \xC3";
    expect_invalid(t, 6, "step 2: the label is not valid UTF-8 text", "not UTF-8");
    memcpy(t, s, sizeof t);
    t[1].n = -3;
    expect_invalid(t, 6, "step 2 'under 18': n = -3 is not a count (a whole number, 0 or more)",
                   "negative");
    t[1].n = 2.5;
    expect_invalid(t, 6, "step 2 'under 18': n = 2.5 is not a count (a whole number, 0 or more)",
                   "not whole");
    t[1].n = NAN;
    expect_invalid(t, 6, "step 2 'under 18': n is missing", "missing");
    t[1].n = INFINITY;
    expect_invalid(t, 6, "step 2 'under 18': n = Inf is not a count (a whole number, 0 or more)",
                   "infinite");
    memcpy(t, s, sizeof t);
    t[2].kind = (coh_flow_kind)9;
    expect_invalid(t, 6, "step 3 'no consent': kind 9 is not a flow step kind", "kind");

    /* the counts along the way */
    memcpy(t, s, sizeof t);
    t[2].n = 95;
    expect_invalid(t, 6, "step 3 'no consent': excludes 95, but only 90 remain", "too many");
    memcpy(t, s, sizeof t);
    t[3].n = 86;
    expect_invalid(t, 6, "step 4 'Eligible': n = 86, but 85 remain after the exclusions above",
                   "box after exclusions");
    memcpy(t, s, sizeof t);
    t[5].n = 36;
    expect_invalid(t, 6,
                   "step 5 'Treated': the groups (steps 5-6) add up to 86, but the box above "
                   "them has n = 85",
                   "groups");
    expect_invalid(t, 5,
                   "step 5 'Treated': the groups (step 5) add up to 50, but the box above them "
                   "has n = 85",
                   "one group");
    coh_flow_step two[4] = {{COH_FLOW_START, "A", 30}, {COH_FLOW_START, "B", 20},
                            {COH_FLOW_BOX, "Screened", 51}, {COH_FLOW_GROUP, "G", 51}};
    expect_invalid(two, 4, "step 3 'Screened': n = 51, but the starts above add up to 50",
                   "box after starts");
    coh_flow_step boxes[2] = {{COH_FLOW_BOX, "Screened", 100}, {COH_FLOW_BOX, "Eligible", 90}};
    expect_invalid(boxes, 2,
                   "step 2 'Eligible': n = 90, but the box above has n = 100 (exclusion steps "
                   "between them account for a difference)",
                   "box after box");

    /* the order of the kinds */
    memcpy(t, s, sizeof t);
    t[3].kind = COH_FLOW_START;
    expect_invalid(t, 6,
                   "step 4 'Eligible': start steps come first, before any exclusion, box or "
                   "group",
                   "late start");
    expect_invalid(s + 1, 5, "step 1 'under 18': an exclusion needs a start or box above it",
                   "exclusion first");
    expect_invalid(s + 4, 2,
                   "step 1 'Treated': groups split the box above them, and there is none "
                   "(give a start or box first)",
                   "group first");
    memcpy(t, s, sizeof t);
    t[5] = (coh_flow_step){COH_FLOW_EXCLUDE, "died", 0};
    t[4].n = 85;
    expect_invalid(t, 6,
                   "step 6 'died': groups come last: no start, exclusion or box can follow them",
                   "after the groups");

    /* the first problem in step order is the one reported */
    memcpy(t, s, sizeof t);
    t[2].n = 95;
    t[4].label = "";
    expect_invalid(t, 6, "step 3 'no consent': excludes 95, but only 90 remain", "first one");

    /* a long label is cut in the message */
    memcpy(t, s, sizeof t);
    t[1].label = "a reason that goes on and on and on and on and on and on and on and on";
    t[1].n = 200;
    expect_invalid(t, 6,
                   "step 2 'a reason that goes on and on and on and on and on and on and...': "
                   "excludes 200, but only 100 remain",
                   "label cut");

    /* zero exclusions and zero groups are counts like any */
    memcpy(t, s, sizeof t);
    t[2].n = 0;
    t[3].n = 90;
    t[5].n = 40;
    coh_plot_flow_spec ok = spec_of(t, 6);
    char path[160];
    path_in(path, sizeof path, "zero.svg");
    coh_error err;
    check_int(coh_plot_flow(&ok, path, NULL, &err), COH_OK, "n = 0 exclusion");
}

static void test_files(void)
{
    coh_plot_flow_spec s = spec_of(trial, N_TRIAL);
    coh_error err;
    coh_plot_flow_drawn *d = NULL;
    char path[200];
    /* a missing directory: COH_EIO naming the file, nothing written */
    path_in(path, sizeof path, "nodir/f.svg");
    check_int(coh_plot_flow(&s, path, &d, &err), COH_EIO, "missing directory");
    check_contains(err.msg, path, "the path in the message");
    check(d == NULL, "nothing drawn");
    char sub[200];
    path_in(sub, sizeof sub, "nodir");
    check(!exists(sub), "no directory made");
    /* a name that is not a figure's */
    path_in(path, sizeof path, "f.jpg");
    check_int(coh_plot_flow(&s, path, &d, &err), COH_EINVAL, "jpg");
    check_contains(err.msg, "must end in .svg, .pdf or .png", "extension message");
    check(!exists(path), "no jpg");
    /* invalid counts leave an existing figure as it was */
    path_in(path, sizeof path, "keep.svg");
    FILE *f = fopen(path, "w");
    fputs("old", f);
    fclose(f);
    coh_flow_step bad[2] = {{COH_FLOW_START, "A", 1}, {COH_FLOW_EXCLUDE, "B", 2}};
    coh_plot_flow_spec sb = spec_of(bad, 2);
    check_int(coh_plot_flow(&sb, path, &d, &err), COH_EINVAL, "bad counts");
    size_t len = 0;
    char *old = plot_slurp(path, &len);
    check_str(old, "old", "the old file untouched");
    free(old);
    /* no temporary files (NAME.tmp-XXXXXX) left behind by any test */
    DIR *dh = opendir(dir);
    check(dh != NULL, "open the test directory");
    int temps = 0;
    for (struct dirent *e; dh != NULL && (e = readdir(dh)) != NULL;)
        temps += strstr(e->d_name, ".tmp-") != NULL;
    if (dh != NULL)
        closedir(dh);
    check_int(temps, 0, "no temporary files");
}

static void test_csv(void)
{
    coh_flow_step steps[] = {
        {COH_FLOW_START, "Centre \"A\"", 30},
        {COH_FLOW_START, "Centre B, 2000\xE2\x80\x93" "2016", 20},
        {COH_FLOW_EXCLUDE, "line\nbreak", 5},
        {COH_FLOW_EXCLUDE, "none", 0},
        {COH_FLOW_BOX, "Eligible", 45},
        {COH_FLOW_GROUP, "G1", 40},
        {COH_FLOW_GROUP, "G2", 5},
    };
    coh_plot_flow_spec s = spec_of(steps, 7);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    check_int(coh_plot_flow_csv(&s, f), COH_OK, "csv");
    fclose(f);
    check_str(buf,
              "step,kind,label,n,remaining\n"
              "1,start,\"Centre \"\"A\"\"\",30,30\n"
              "2,start,\"Centre B, 2000\xE2\x80\x93" "2016\",20,50\n"
              "3,exclude,\"line\nbreak\",5,45\n"
              "4,exclude,none,0,45\n"
              "5,box,Eligible,45,45\n"
              "6,group,G1,40,45\n"
              "7,group,G2,5,45\n",
              "CSV exact");
    free(buf);

    /* the study's counts, as tests/cli/plot_flow.test expects them too */
    s = spec_of(haip, N_HAIP);
    buf = NULL;
    f = open_memstream(&buf, &len);
    check_int(coh_plot_flow_csv(&s, f), COH_OK, "haip csv");
    fclose(f);
    check_contains(buf, "\n3,exclude,perioperative HAIP at index resection,975,3426\n",
                   "first exclusion");
    check_contains(buf, "\n11,exclude,stereotactic body radiation therapy,108,374\n",
                   "last exclusion leaves 374");
    check_contains(buf,
                   "\n12,box,Eligible,374,374\n13,group,No adjuvant HAIP,293,374\n"
                   "14,group,Adjuvant HAIP,81,374\n",
                   "eligible and the groups");
    free(buf);
}

/* Free the font caches that cairo and fontconfig keep for the life of
 * the process, so that LeakSanitizer reports only leaks of ours: cairo's
 * first (it holds fontconfig patterns), then fontconfig's.  FcFini is
 * looked up at run time because the tests are not linked with
 * -lfontconfig (cairo loads it). */
static void release_font_caches(void)
{
    cairo_debug_reset_static_data();
    void *self = dlopen(NULL, RTLD_LAZY);
    if (self == NULL)
        return;
    void *sym = dlsym(self, "FcFini");
    void (*fc_fini)(void);
    memcpy(&fc_fini, &sym, sizeof fc_fini); /* object to function pointer */
    if (sym != NULL)
        fc_fini();
    dlclose(self);
}

int main(void)
{
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_formats);
    RUN(test_haip_geometry);
    RUN(test_other_layouts);
    RUN(test_sizes);
    RUN(test_wrap);
    RUN(test_counts);
    RUN(test_csv);
    RUN(test_files);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    release_font_caches();
    return check_report("test_plot_flow");
}
