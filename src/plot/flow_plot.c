/* flow_plot.c - the flow diagram of cohort selection (plot.h): the
 * STROBE / CONSORT layout of the study's Figure 1 (von Elm et al., STROBE
 * statement, 2007; Schulz et al., CONSORT 2010 flow diagram).
 *
 * Input: the ordered steps of the selection, each a kind, a label and a
 * count n.  The grammar of a valid sequence is
 *
 *     START* (BOX | EXCLUDE+ BOX?)* GROUP*
 *
 * with a main box first (a START or a BOX).  What is drawn:
 *
 *   - one START: the first box of the main column; several STARTs (one per
 *     centre, say): a row of boxes side by side at the top whose lines
 *     merge into the next main box, the BOX that follows them or, when none
 *     does, an implicit "Patients screened" box with their sum;
 *   - a run of consecutive EXCLUDEs: one side box to the right of the
 *     connector between two main boxes, "Excluded (n = total):" then one
 *     bullet per reason with its n, joined to the connector by an arrow;
 *     the main box below shows the n that remains, under the label of the
 *     BOX that follows the run, else spec->remaining_label ("Remaining");
 *   - a BOX not after exclusions: a main box of its own;
 *   - the final GROUPs: boxes side by side below the last main box, which
 *     splits into them.
 *
 * Counts are checked as the study runner relies on them: n is a count (a
 * whole number, 0 or more); an exclusion cannot remove more than remains;
 * a BOX shows exactly what remains after the steps above it; the groups
 * add up to the box they split.  Every message names the step by its
 * 1-based index and label ("step 7 'Eligible': ...").
 *
 * Layout, in points (1/72 in): the width is the style's (6.5 in by
 * default, widened when the rows of starts or groups need it); the height
 * follows from the content unless given.  Text is measured before the
 * file is opened (on a scratch cairo surface with the canvas's font
 * options), then wrapped at word boundaries to a maximum box width; a word
 * wider than that overflows and widens its box up to a cap, beyond which
 * it is cut with an ellipsis.  The count "(n = 975)" never breaks.  Main
 * boxes share one width and one centre line; side boxes share one width;
 * the boxes of a row share one width and one height.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cohort/table.h"
#include "core/core.h"
#include "plot/canvas.h"

/* 2^53: larger counts are not exact in a double */
#define MAX_COUNT 9007199254740992.0

/* Geometry, in points, or in multiples of the font size (FS). */
#define DEFAULT_WIDTH (6.5 * 72)
#define MARGIN 6.0
#define LINE_W 0.7        /* connectors and arrows */
#define BOX_LW 0.6        /* box outlines */
#define ARROW_LEN 5.0     /* arrow head, tip to base (at least; 0.55 FS) */
#define ARROW_LEN_FS 0.55
#define ARROW_HALF 0.38   /* half the head's base, per unit of its length */
#define PAD_X_FS 0.8      /* text to box side */
#define PAD_Y_FS 0.65     /* cap height / last baseline to box top / bottom */
#define LEADING_FS 1.25   /* baseline to baseline */
#define GAP_X_FS 2.6      /* main column to side boxes (the side arrow) */
#define GAP_V_FS 2.2      /* main box to main box without a side box */
#define SIDE_V_FS 0.9     /* side box to the main boxes above and below */
#define ROW_V_FS 3.0      /* a row of starts or groups to the main column */
#define ROW_GAP_FS 1.4    /* between the boxes of a row */
#define MIN_MAIN_FS 10.0  /* narrowest main box */
#define MIN_TEXT_FS 20.0  /* narrowest usable content width */

/* ---- the plan: the steps checked and arranged ------------------------ */

/* A box of the main column: a step's, or an implicit one (merging several
 * starts, or showing what remains after exclusions). */
typedef struct main_node {
    const char *label;
    double n;
    size_t excl_first;  /* the exclusions beside the connector above it */
    size_t n_excl;
} main_node;

typedef struct flow_plan {
    size_t n_starts;    /* leading START steps; two or more make a row */
    main_node *mains;
    size_t n_mains;
    size_t group_first, n_groups;
    double *remaining;  /* per step: the main column's n after it */
} flow_plan;

static void plan_free(flow_plan *p)
{
    free(p->mains);
    free(p->remaining);
    memset(p, 0, sizeof *p);
}

/* A label for a message: control bytes as '?', cut at a character
 * boundary with "..." after 60 bytes. */
static void label_excerpt(const char *s, char *buf, size_t size)
{
    size_t len = strlen(s), n = len;
    if (n > 60) {
        n = 60;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    size_t k = 0;
    for (size_t i = 0; i < n && k + 4 < size; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[k++] = c < 0x20 || c == 0x7F ? '?' : (char)c;
    }
    if (n < len && k + 4 <= size) {
        memcpy(buf + k, "...", 3);
        k += 3;
    }
    buf[k] = '\0';
}

/* COH_EINVAL with "step K 'label': " before the message. */
static coh_status step_error(coh_error *err, const coh_flow_step *steps, size_t i,
                             const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static coh_status step_error(coh_error *err, const coh_flow_step *steps, size_t i,
                             const char *fmt, ...)
{
    char what[512], label[80];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    label_excerpt(steps[i].label != NULL ? steps[i].label : "", label, sizeof label);
    return coh_error_set(err, COH_EINVAL, "step %zu '%s': %s", i + 1, label, what);
}

/* A count as text: "4401" (no thousands separator), else as
 * coh_format_num writes it. */
static void count_text(double n, char *buf, size_t size)
{
    if (isfinite(n) && n == floor(n) && fabs(n) <= MAX_COUNT)
        snprintf(buf, size, "%.0f", n);
    else
        coh_format_num(n, buf, size);
}

/* Is the text empty once spaces and line breaks are dropped? */
static bool blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return false;
    return true;
}

/* The checks every step passes on its own: a kind, a label, a count. */
static coh_status check_step(const coh_flow_step *steps, size_t i, coh_error *err)
{
    const coh_flow_step *s = &steps[i];
    if ((int)s->kind < COH_FLOW_START || (int)s->kind > COH_FLOW_GROUP)
        return step_error(err, steps, i, "kind %d is not a flow step kind", (int)s->kind);
    if (s->label == NULL || blank(s->label))
        return coh_error_set(err, COH_EINVAL, "step %zu: the label is empty", i + 1);
    if (!coh_text_is_utf8(s->label))
        return coh_error_set(err, COH_EINVAL, "step %zu: the label is not valid UTF-8 text",
                             i + 1);
    if (isnan(s->n))
        return step_error(err, steps, i, "n is missing");
    if (!(s->n >= 0 && s->n == floor(s->n) && s->n <= MAX_COUNT)) {
        char nb[32];
        count_text(s->n, nb, sizeof nb);
        return step_error(err, steps, i, "n = %s is not a count (a whole number, 0 or more)",
                          nb);
    }
    return COH_OK;
}

static void add_main(flow_plan *p, const char *label, double n, size_t excl_first,
                     size_t n_excl)
{
    /* room for one main box per step and an implicit merge box */
    p->mains[p->n_mains++] = (main_node){label, n, excl_first, n_excl};
}

/* Check the steps and arrange them (the grammar in the header comment).
 * The first problem in step order is reported. */
static coh_status plan_build(const coh_plot_flow_spec *spec, flow_plan *p, coh_error *err)
{
    memset(p, 0, sizeof *p);
    if (spec == NULL || spec->n_steps == 0 || spec->steps == NULL)
        return coh_error_set(err, COH_EINVAL, "a flow diagram needs at least one step");
    const coh_flow_step *steps = spec->steps;
    size_t n = spec->n_steps;
    if (spec->remaining_label != NULL && !coh_text_is_utf8(spec->remaining_label))
        return coh_error_set(err, COH_EINVAL, "the label of the remaining box is not valid "
                                              "UTF-8 text");
    if (spec->title != NULL && !coh_text_is_utf8(spec->title))
        return coh_error_set(err, COH_EINVAL, "the title is not valid UTF-8 text");
    const char *remaining_label = spec->remaining_label != NULL && !blank(spec->remaining_label)
                                      ? spec->remaining_label
                                      : "Remaining";
    p->mains = calloc(n + 1, sizeof *p->mains);
    p->remaining = calloc(n, sizeof *p->remaining);
    if (p->mains == NULL || p->remaining == NULL) {
        plan_free(p);
        return coh_error_set(err, COH_ENOMEM, "out of memory");
    }
    coh_status st = COH_OK;
    char a[32], b[32];
    size_t i = 0;
    double remaining = 0;
    /* the starts, summed */
    while (i < n && steps[i].kind == COH_FLOW_START) {
        if ((st = check_step(steps, i, err)) != COH_OK)
            goto fail;
        remaining += steps[i].n;
        p->remaining[i] = remaining;
        i++;
    }
    p->n_starts = i;
    if (p->n_starts == 1) {
        add_main(p, steps[0].label, remaining, 0, 0);
    } else if (p->n_starts > 1) {
        /* several starts merge into the BOX after them, else into an
         * implicit box with their sum */
        if (i < n && steps[i].kind == COH_FLOW_BOX) {
            if ((st = check_step(steps, i, err)) != COH_OK)
                goto fail;
            if (steps[i].n != remaining) {
                count_text(steps[i].n, a, sizeof a);
                count_text(remaining, b, sizeof b);
                st = step_error(err, steps, i, "n = %s, but the starts above add up to %s", a,
                                b);
                goto fail;
            }
            p->remaining[i] = remaining;
            add_main(p, steps[i].label, remaining, 0, 0);
            i++;
        } else {
            add_main(p, "Patients screened", remaining, 0, 0);
        }
    }
    while (i < n) {
        const coh_flow_step *s = &steps[i];
        if ((st = check_step(steps, i, err)) != COH_OK)
            goto fail;
        if (s->kind == COH_FLOW_START) {
            st = step_error(err, steps, i,
                            "start steps come first, before any exclusion, box or group");
            goto fail;
        }
        if (s->kind == COH_FLOW_BOX) {
            if (p->n_mains > 0 && s->n != remaining) {
                count_text(s->n, a, sizeof a);
                count_text(remaining, b, sizeof b);
                st = step_error(err, steps, i,
                                "n = %s, but the box above has n = %s (exclusion steps "
                                "between them account for a difference)",
                                a, b);
                goto fail;
            }
            remaining = s->n;
            p->remaining[i] = remaining;
            add_main(p, s->label, remaining, 0, 0);
            i++;
            continue;
        }
        if (p->n_mains == 0) {
            st = step_error(err, steps, i, "%s",
                            s->kind == COH_FLOW_EXCLUDE
                                ? "an exclusion needs a start or box above it"
                                : "groups split the box above them, and there is none "
                                  "(give a start or box first)");
            goto fail;
        }
        if (s->kind == COH_FLOW_EXCLUDE) {
            size_t first = i;
            for (; i < n && steps[i].kind == COH_FLOW_EXCLUDE; i++) {
                if ((st = check_step(steps, i, err)) != COH_OK)
                    goto fail;
                if (steps[i].n > remaining) {
                    count_text(steps[i].n, a, sizeof a);
                    count_text(remaining, b, sizeof b);
                    st = step_error(err, steps, i, "excludes %s, but only %s remain", a, b);
                    goto fail;
                }
                remaining -= steps[i].n;
                p->remaining[i] = remaining;
            }
            if (i < n && steps[i].kind == COH_FLOW_BOX) {
                if ((st = check_step(steps, i, err)) != COH_OK)
                    goto fail;
                if (steps[i].n != remaining) {
                    count_text(steps[i].n, a, sizeof a);
                    count_text(remaining, b, sizeof b);
                    st = step_error(err, steps, i,
                                    "n = %s, but %s remain after the exclusions above", a, b);
                    goto fail;
                }
                p->remaining[i] = remaining;
                add_main(p, steps[i].label, remaining, first, i - first);
                i++;
            } else {
                add_main(p, remaining_label, remaining, first, i - first);
            }
            continue;
        }
        /* the groups: the rest of the steps */
        size_t first = i;
        double sum = 0;
        for (; i < n; i++) {
            if ((st = check_step(steps, i, err)) != COH_OK)
                goto fail;
            if (steps[i].kind != COH_FLOW_GROUP) {
                st = step_error(err, steps, i,
                                "groups come last: no start, exclusion or box can follow "
                                "them");
                goto fail;
            }
            sum += steps[i].n;
            p->remaining[i] = remaining;
        }
        if (sum != remaining) {
            count_text(sum, a, sizeof a);
            count_text(remaining, b, sizeof b);
            char range[48];
            if (n - first > 1)
                snprintf(range, sizeof range, "steps %zu-%zu", first + 1, n);
            else
                snprintf(range, sizeof range, "step %zu", first + 1);
            st = step_error(err, steps, first,
                            "the groups (%s) add up to %s, but the box above them has n = %s",
                            range, a, b);
            goto fail;
        }
        p->group_first = first;
        p->n_groups = n - first;
    }
    return COH_OK;
fail:
    plan_free(p);
    return st;
}

/* ---- text: measured, wrapped, cut ----------------------------------- */

typedef struct sbuf {
    char *p;
    size_t len, cap;
    bool failed;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t len)
{
    if (b->failed)
        return;
    if (b->p == NULL || b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + len + 1)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (np == NULL) {
            b->failed = true;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    if (len > 0)
        memcpy(b->p + b->len, s, len);
    b->len += len;
    b->p[b->len] = '\0';
}

static void sb_str(sbuf *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

/* One line of a box's text; `indent` in points from the text's left edge
 * (the continuation lines of a bullet). */
typedef struct tline {
    char *s;
    double indent, w;
} tline;

typedef enum box_role { ROLE_START, ROLE_MAIN, ROLE_SIDE, ROLE_GROUP } box_role;

typedef struct tbox {
    box_role role;
    bool left;          /* text left-aligned (side boxes), else centred */
    tline *lines;
    size_t n_lines, cap_lines;
    double tw;          /* widest line, with its indent */
    double x, y, w, h;
} tbox;

/* What wrapping needs: a surface to measure on and the sizes. */
typedef struct measure {
    canvas cv;
    text_style ts;
    double fs;
} measure;

static double text_w(measure *m, const char *s)
{
    return canvas_text_width(&m->cv, s, &m->ts);
}

/* Byte offset of character k of s (k <= its characters). */
static size_t char_offset(const char *s, size_t len, size_t k)
{
    size_t i = 0;
    for (size_t seen = 0; i < len; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80 && seen++ == k)
            break;
    }
    return i;
}

/* Shorten `line` to at most `avail` points, ending in an ellipsis.  The
 * cut falls at a character boundary, found by bisection over the
 * characters (a longer prefix is never narrower).  false when memory runs
 * out. */
static bool ellipsize(measure *m, sbuf *line, double avail)
{
    static const char ell[] = "\xE2\x80\xA6"; /* U+2026 */
    size_t n_chars = 0;
    for (size_t i = 0; i < line->len; i++)
        n_chars += ((unsigned char)line->p[i] & 0xC0) != 0x80;
    size_t lo = 0, hi = n_chars; /* lo characters fit, hi do not */
    sbuf t = {0};
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        t.len = 0;
        sb_put(&t, line->p, char_offset(line->p, line->len, mid));
        sb_str(&t, ell);
        if (t.failed)
            break;
        if (text_w(m, t.p) <= avail)
            lo = mid;
        else
            hi = mid;
    }
    bool ok = !t.failed;
    free(t.p);
    line->len = char_offset(line->p, line->len, lo);
    while (line->len > 0 && line->p[line->len - 1] == ' ')
        line->len--;
    sb_put(line, ell, sizeof ell - 1);
    return ok && !line->failed;
}

static bool push_line(tbox *b, const char *s, double indent, double w)
{
    if (b->n_lines == b->cap_lines) {
        size_t cap = b->cap_lines ? 2 * b->cap_lines : 4;
        tline *nl = realloc(b->lines, cap * sizeof *nl);
        if (nl == NULL)
            return false;
        b->lines = nl;
        b->cap_lines = cap;
    }
    char *copy = coh_strdup(s);
    if (copy == NULL)
        return false;
    b->lines[b->n_lines++] = (tline){copy, indent, w};
    if (indent + w > b->tw)
        b->tw = indent + w;
    return true;
}

/* Finish a line: cut it when wider than `cap`, then add it to the box. */
static bool end_line(measure *m, tbox *b, sbuf *line, double indent, double cap)
{
    if (line->failed)
        return false;
    if (line->p == NULL)
        sb_str(line, "");
    double w = text_w(m, line->p);
    if (indent + w > cap) {
        if (!ellipsize(m, line, cap - indent))
            return false;
        w = text_w(m, line->p);
    }
    return push_line(b, line->p, indent, w);
}

/* Wrap one paragraph into lines of `b`: the words of text[0..len) (split
 * at spaces), then `count` as one word that never breaks.  The first line
 * starts with `prefix` (a bullet, or ""); other lines, and every line when
 * there is no prefix, start `indent` points in.  Lines break before a word
 * that would pass `wrap`; a word wider than `wrap` on its own stays whole
 * unless it passes `cap`.  Control characters become '?', as the canvas
 * draws them.  false when memory runs out. */
static bool wrap_para(measure *m, tbox *b, const char *text, size_t len, const char *count,
                      const char *prefix, double indent, double wrap, double cap)
{
    sbuf line = {0}, word = {0}, cand = {0};
    bool ok = true;
    double line_indent = prefix[0] != '\0' ? 0 : indent;
    size_t words_on_line = 0;
    sb_str(&line, prefix);
    size_t i = 0;
    for (;;) {
        /* the next word */
        while (i < len && (text[i] == ' ' || text[i] == '\t'))
            i++;
        word.len = 0;
        if (i < len) {
            while (i < len && text[i] != ' ' && text[i] != '\t') {
                unsigned char c = (unsigned char)text[i];
                char ch = c < 0x20 || c == 0x7F ? '?' : (char)c;
                sb_put(&word, &ch, 1);
                i++;
            }
        } else if (count != NULL) {
            sb_str(&word, count);
            count = NULL;
        } else {
            break;
        }
        if (word.failed) {
            ok = false;
            break;
        }
        cand.len = 0;
        sb_put(&cand, line.p, line.len);
        if (words_on_line > 0)
            sb_str(&cand, " ");
        sb_put(&cand, word.p, word.len);
        if (cand.failed) {
            ok = false;
            break;
        }
        if (words_on_line == 0 || line_indent + text_w(m, cand.p) <= wrap) {
            line.len = 0;
            sb_put(&line, cand.p, cand.len);
            words_on_line++;
            continue;
        }
        if (!end_line(m, b, &line, line_indent, cap)) {
            ok = false;
            break;
        }
        line_indent = indent;
        line.len = 0;
        sb_put(&line, word.p, word.len);
        words_on_line = 1;
    }
    if (ok)
        ok = end_line(m, b, &line, line_indent, cap);
    free(line.p);
    free(word.p);
    free(cand.p);
    return ok;
}

/* Drop spaces and line breaks around text[0..*len). */
static const char *trim(const char *text, size_t *len)
{
    size_t n = strlen(text);
    while (n > 0 && (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')) {
        text++;
        n--;
    }
    while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t' || text[n - 1] == '\n' ||
                     text[n - 1] == '\r'))
        n--;
    *len = n;
    return text;
}

/* Wrap `label` into lines of `b`, keeping its own line breaks (LF, CRLF or
 * CR); `count` ends its last paragraph (NULL: none).  The first paragraph
 * starts with `prefix`; every other line starts `indent` in. */
static bool label_lines(measure *m, tbox *b, const char *label, const char *count,
                        const char *prefix, double indent, double wrap, double cap)
{
    size_t len;
    const char *text = trim(label, &len);
    size_t start = 0;
    for (size_t k = 0; k <= len; k++) {
        if (k == len || text[k] == '\n' || text[k] == '\r') {
            if (!wrap_para(m, b, text + start, k - start, k == len ? count : NULL,
                           start == 0 ? prefix : "", indent, wrap, cap))
                return false;
            if (k + 1 < len && text[k] == '\r' && text[k + 1] == '\n')
                k++;
            start = k + 1;
        }
    }
    return true;
}

/* The text of a main, start or group box: its label, then "(n = N)" on a
 * line of its own. */
static bool box_text(measure *m, tbox *b, const char *label, double n, double wrap, double cap)
{
    char nb[32], count[48];
    count_text(n, nb, sizeof nb);
    snprintf(count, sizeof count, "(n = %s)", nb);
    return label_lines(m, b, label, NULL, "", 0, wrap, cap) &&
           wrap_para(m, b, "", 0, count, "", 0, wrap, cap);
}

#define BULLET "\xE2\x80\xA2 " /* U+2022 and a space */

/* The text of a side box: "Excluded (n = total):" then a bullet per
 * exclusion with its n; a reason's own line breaks continue its bullet. */
static bool side_text(measure *m, tbox *b, const coh_flow_step *steps, size_t first,
                      size_t count, double wrap, double cap)
{
    double total = 0;
    for (size_t k = first; k < first + count; k++)
        total += steps[k].n;
    char nb[32], head[64];
    count_text(total, nb, sizeof nb);
    snprintf(head, sizeof head, "(n = %s):", nb);
    if (!wrap_para(m, b, "Excluded", 8, head, "", 0, wrap, cap))
        return false;
    double indent = text_w(m, BULLET);
    for (size_t k = first; k < first + count; k++) {
        char cnt[48];
        count_text(steps[k].n, nb, sizeof nb);
        snprintf(cnt, sizeof cnt, "(n = %s)", nb);
        if (!label_lines(m, b, steps[k].label, cnt, BULLET, indent, wrap, cap))
            return false;
    }
    return true;
}

/* ---- layout ---------------------------------------------------------- */

typedef struct flow_layout {
    tbox *boxes;        /* in drawing order: starts row, main / side, groups */
    size_t n_boxes;
    tbox title;         /* its lines; x, y: the first baseline's centre */
    bool has_title;
    double cx;          /* the main column's centre line */
    double width, height;
    double fs, pad_x, pad_y, leading, cap_h;
} flow_layout;

static void layout_free(flow_layout *l)
{
    for (size_t i = 0; i < l->n_boxes; i++) {
        for (size_t k = 0; k < l->boxes[i].n_lines; k++)
            free(l->boxes[i].lines[k].s);
        free(l->boxes[i].lines);
    }
    for (size_t k = 0; k < l->title.n_lines; k++)
        free(l->title.lines[k].s);
    free(l->title.lines);
    free(l->boxes);
    memset(l, 0, sizeof *l);
}

/* A box's height from its lines: cap height, leading between baselines,
 * and padding above the caps and below the last baseline. */
static double box_height(const flow_layout *l, size_t n_lines)
{
    return 2 * l->pad_y + l->cap_h + (double)(n_lines > 0 ? n_lines - 1 : 0) * l->leading;
}

/* Build the text of a row of k boxes (starts or groups) and size them:
 * one width (the widest text, at most an equal share of the content
 * width) and one height. */
static bool row_text(flow_layout *l, measure *m, tbox *row, size_t k, const coh_flow_step *st,
                     double content, double wrap_main)
{
    double share = (content - (double)(k - 1) * ROW_GAP_FS * l->fs) / (double)k - 2 * l->pad_x;
    double wrap = fmin(share, wrap_main);
    double tw = 0, h = 0;
    for (size_t j = 0; j < k; j++) {
        if (!box_text(m, &row[j], st[j].label, st[j].n, wrap, share))
            return false;
        tw = fmax(tw, row[j].tw);
        h = fmax(h, box_height(l, row[j].n_lines));
    }
    for (size_t j = 0; j < k; j++) {
        row[j].w = tw + 2 * l->pad_x;
        row[j].h = h;
    }
    return true;
}

static double row_width(const flow_layout *l, const tbox *row, size_t k)
{
    return (double)k * row[0].w + (double)(k - 1) * ROW_GAP_FS * l->fs;
}

/* Place a row of equal boxes centred on cx, kept inside the margins. */
static void row_place(const flow_layout *l, tbox *row, size_t k, double y)
{
    double gap = ROW_GAP_FS * l->fs;
    double row_w = row_width(l, row, k);
    double left = l->cx - row_w / 2;
    if (left + row_w > l->width - MARGIN)
        left = l->width - MARGIN - row_w;
    if (left < MARGIN)
        left = MARGIN;
    for (size_t j = 0; j < k; j++) {
        row[j].x = left + (double)j * (row[0].w + gap);
        row[j].y = y;
    }
}

/* The narrowest figure (points) in which no count is cut: each row of k
 * boxes must hold its widest "(n = N)", and the main column and side
 * boxes theirs side by side. */
static double min_width(const flow_plan *p, const coh_flow_step *steps, measure *m,
                        double pad_x)
{
    double fs = m->fs;
    char nb[32], cnt[48];
    double widest_all = 0;
    for (size_t i = 0; i < p->n_mains; i++) {
        count_text(p->mains[i].n, nb, sizeof nb);
        snprintf(cnt, sizeof cnt, "(n = %s):", nb);
        widest_all = fmax(widest_all, text_w(m, cnt));
    }
    double need = MIN_TEXT_FS * fs;
    bool has_side = false;
    for (size_t i = 0; i < p->n_mains; i++)
        has_side |= p->mains[i].n_excl > 0;
    if (has_side)
        need = fmax(need, fmax(MIN_MAIN_FS * fs, widest_all + 2 * pad_x) + GAP_X_FS * fs +
                              text_w(m, BULLET) + widest_all + 2 * pad_x);
    size_t firsts[2] = {0, p->group_first}, ks[2] = {p->n_starts > 1 ? p->n_starts : 0,
                                                     p->n_groups};
    for (size_t r = 0; r < 2; r++) {
        double widest = 0;
        for (size_t j = firsts[r]; j < firsts[r] + ks[r]; j++) {
            count_text(steps[j].n, nb, sizeof nb);
            snprintf(cnt, sizeof cnt, "(n = %s)", nb);
            widest = fmax(widest, text_w(m, cnt));
        }
        if (ks[r] > 0)
            need = fmax(need, (double)ks[r] * (widest + 2 * pad_x) +
                                  (double)(ks[r] - 1) * ROW_GAP_FS * fs);
    }
    return need + 2 * MARGIN;
}

/* Lay the figure out: text, sizes, positions.  The width comes from the
 * style (default 6.5 in, widened when a row needs it), the height from
 * the content unless the style gives one (the content is then centred). */
static coh_status layout_build(const coh_plot_flow_spec *spec, const flow_plan *p,
                               measure *m, flow_layout *l, coh_error *err)
{
    const coh_plot_style *style = &spec->style;
    const coh_flow_step *steps = spec->steps;
    memset(l, 0, sizeof *l);
    double fs = m->fs;
    l->fs = fs;
    l->pad_x = PAD_X_FS * fs;
    l->pad_y = PAD_Y_FS * fs;
    l->leading = LEADING_FS * fs;
    l->cap_h = canvas_cap_height(&m->cv, &m->ts);

    double need = min_width(p, steps, m, l->pad_x);
    if (style->width > 0) {
        l->width = style->width * 72;
        if (l->width < need)
            return coh_error_set(err, COH_EINVAL,
                                 "the flow diagram needs a width of at least %.2f in at "
                                 "%g pt, not %.3g in",
                                 ceil(need / 72 * 100) / 100, fs, style->width);
    } else {
        l->width = fmax(DEFAULT_WIDTH, ceil(need));
    }
    double content = l->width - 2 * MARGIN;

    size_t n_row = p->n_starts > 1 ? p->n_starts : 0;
    size_t n_side = 0;
    for (size_t i = 0; i < p->n_mains; i++)
        n_side += p->mains[i].n_excl > 0;
    size_t n_boxes = n_row + p->n_mains + n_side + p->n_groups;
    l->boxes = calloc(n_boxes, sizeof *l->boxes);
    if (l->boxes == NULL)
        goto nomem;
    l->n_boxes = n_boxes; /* only now, for layout_free */

    /* the boxes in drawing order, with their roles */
    size_t k = 0;
    for (size_t j = 0; j < n_row; j++)
        l->boxes[k++].role = ROLE_START;
    for (size_t i = 0; i < p->n_mains; i++) {
        if (p->mains[i].n_excl > 0) {
            l->boxes[k].role = ROLE_SIDE;
            l->boxes[k++].left = true;
        }
        l->boxes[k++].role = ROLE_MAIN;
    }
    for (size_t j = 0; j < p->n_groups; j++)
        l->boxes[k++].role = ROLE_GROUP;

    /* the main column: one width, the widest text wrapped at a share of
     * the content width that leaves room for the side boxes */
    double wrap_main = (n_side > 0 ? 0.36 : 0.5) * content - 2 * l->pad_x;
    double cap_main = (n_side > 0 ? 0.48 : 1.0) * content - 2 * l->pad_x;
    double main_tw = 0;
    k = n_row;
    for (size_t i = 0; i < p->n_mains; i++) {
        k += p->mains[i].n_excl > 0;
        if (!box_text(m, &l->boxes[k], p->mains[i].label, p->mains[i].n, wrap_main, cap_main))
            goto nomem;
        main_tw = fmax(main_tw, l->boxes[k].tw);
        k++;
    }
    double main_w = fmax(main_tw + 2 * l->pad_x, fmin(MIN_MAIN_FS * fs, content));
    double gap_x = GAP_X_FS * fs;

    /* rows: text and sizes (their widths do not depend on the centre) */
    if (n_row > 0 && !row_text(l, m, l->boxes, n_row, steps, content, wrap_main))
        goto nomem;
    tbox *groups = l->boxes + l->n_boxes - p->n_groups;
    if (p->n_groups > 0 &&
        !row_text(l, m, groups, p->n_groups, steps + p->group_first, content, wrap_main))
        goto nomem;
    /* the centre line that lets the rows sit centred under or over it */
    double row_cx = MARGIN + main_w / 2;
    if (n_row > 0)
        row_cx = fmax(row_cx, MARGIN + row_width(l, l->boxes, n_row) / 2);
    if (p->n_groups > 0)
        row_cx = fmax(row_cx, MARGIN + row_width(l, groups, p->n_groups) / 2);

    /* side boxes: what is left to the right of the main column.  Their
     * text wraps at what leaves the rows centred, unless that is narrower
     * than 40% of the content; a long word may still widen them up to
     * everything right of the main column. */
    double side_tw = 0;
    double side_cap = content - main_w - gap_x - 2 * l->pad_x;
    double side_wrap = fmin(side_cap, 0.62 * content - 2 * l->pad_x);
    double side_fit = l->width - MARGIN - (row_cx + main_w / 2 + gap_x) - 2 * l->pad_x;
    side_wrap = fmax(fmin(side_wrap, side_fit), fmin(side_wrap, 0.4 * content));
    k = n_row;
    for (size_t i = 0; i < p->n_mains; i++) {
        if (p->mains[i].n_excl > 0) {
            if (!side_text(m, &l->boxes[k], steps, p->mains[i].excl_first, p->mains[i].n_excl,
                           side_wrap, side_cap))
                goto nomem;
            side_tw = fmax(side_tw, l->boxes[k].tw);
            k++;
        }
        k++;
    }
    double side_w = side_tw + 2 * l->pad_x;

    /* the centre line: the page's centre, or nearer the left edge when
     * the side boxes need room to its right, but not so near that the
     * rows cannot be centred on it (as far as the side boxes allow) */
    double cx = fmax(l->width / 2, row_cx);
    if (n_side > 0)
        cx = fmin(cx, l->width - MARGIN - side_w - gap_x - main_w / 2);
    cx = fmax(cx, MARGIN + main_w / 2);
    l->cx = cx;

    /* title: bold, wrapped to the content width, centred */
    double y = MARGIN;
    if (spec->title != NULL && !blank(spec->title)) {
        measure tm = *m;
        tm.ts.bold = true;
        if (!label_lines(&tm, &l->title, spec->title, NULL, "", 0, content, content))
            goto nomem;
        l->has_title = true;
        l->title.x = l->width / 2;
        l->title.y = y + l->cap_h;
        y += l->cap_h + (double)(l->title.n_lines - 1) * l->leading + 1.6 * fs;
    }

    /* top to bottom */
    if (n_row > 0) {
        row_place(l, l->boxes, n_row, y);
        y += l->boxes[0].h + ROW_V_FS * fs;
    }
    double prev_bottom = NAN;
    k = n_row;
    for (size_t i = 0; i < p->n_mains; i++) {
        tbox *side = NULL;
        if (p->mains[i].n_excl > 0)
            side = &l->boxes[k++];
        tbox *mb = &l->boxes[k++];
        mb->w = main_w;
        mb->h = box_height(l, mb->n_lines);
        mb->x = cx - main_w / 2;
        if (i > 0) {
            double gap = GAP_V_FS * fs;
            if (side != NULL) {
                side->w = side_w;
                side->h = box_height(l, side->n_lines);
                gap = fmax(gap, side->h + 2 * SIDE_V_FS * fs);
                side->x = cx + main_w / 2 + gap_x;
                side->y = prev_bottom + (gap - side->h) / 2;
            }
            y = prev_bottom + gap;
        }
        mb->y = y;
        prev_bottom = y + mb->h;
        y = prev_bottom;
    }
    if (p->n_groups > 0) {
        y += ROW_V_FS * fs;
        row_place(l, groups, p->n_groups, y);
        y += groups[0].h;
    }
    double height = y + MARGIN;
    if (style->height > 0) {
        double given = style->height * 72;
        if (given < height)
            return coh_error_set(err, COH_EINVAL,
                                 "the flow diagram needs a height of at least %.2f in at "
                                 "%g pt and %.3g in wide, not %.3g in",
                                 ceil(height / 72 * 100) / 100, fs, l->width / 72,
                                 style->height);
        double shift = (given - height) / 2;
        for (size_t j = 0; j < l->n_boxes; j++)
            l->boxes[j].y += shift;
        l->title.y += shift;
        height = given;
    }
    l->height = height;
    return COH_OK;
nomem:
    return coh_error_set(err, COH_ENOMEM, "out of memory");
}

/* ---- drawing --------------------------------------------------------- */

/* A path of straight segments through n points, square ends so that
 * joints with other connectors leave no notch. */
static void polyline(canvas *c, const double *xy, size_t n)
{
    cairo_t *cr = c->cr;
    cairo_save(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, LINE_W);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_SQUARE);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
    cairo_move_to(cr, xy[0], xy[1]);
    for (size_t k = 1; k < n; k++)
        cairo_line_to(cr, xy[2 * k], xy[2 * k + 1]);
    cairo_stroke(cr);
    cairo_restore(cr);
}

/* A straight arrow from (x0, y0) to the tip (x1, y1), its head growing
 * with the text: the shaft stops inside the filled head so that its end
 * cannot show past the tip. */
static void arrow(canvas *c, const flow_layout *l, double x0, double y0, double x1, double y1)
{
    double dx = x1 - x0, dy = y1 - y0, len = hypot(dx, dy);
    if (!(len > 0))
        return;
    double ux = dx / len, uy = dy / len;
    double head = fmin(fmax(ARROW_LEN, ARROW_LEN_FS * l->fs), len);
    double half = ARROW_HALF * head;
    double bx = x1 - ux * head, by = y1 - uy * head;
    double shaft[4] = {x0, y0, bx + ux * head / 2, by + uy * head / 2};
    cairo_t *cr = c->cr;
    cairo_save(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, LINE_W);
    cairo_move_to(cr, shaft[0], shaft[1]);
    cairo_line_to(cr, shaft[2], shaft[3]);
    cairo_stroke(cr);
    cairo_move_to(cr, x1, y1);
    cairo_line_to(cr, bx - uy * half, by + ux * half);
    cairo_line_to(cr, bx + uy * half, by - ux * half);
    cairo_close_path(cr);
    cairo_fill(cr);
    cairo_restore(cr);
}

static void draw_box(canvas *c, const flow_layout *l, const tbox *b, const text_style *ts)
{
    static const double black[3] = {0, 0, 0}, white[3] = {1, 1, 1};
    canvas_rect(c, b->x, b->y, b->w, b->h, BOX_LW, black, white);
    /* the lines' block centred vertically (rows share the tallest height) */
    double block = l->cap_h + (double)(b->n_lines > 0 ? b->n_lines - 1 : 0) * l->leading;
    double base = b->y + (b->h - block) / 2 + l->cap_h;
    for (size_t k = 0; k < b->n_lines; k++) {
        const tline *ln = &b->lines[k];
        double yk = base + (double)k * l->leading;
        if (b->left)
            canvas_text(c, b->x + l->pad_x + ln->indent, yk, ln->s, ts, 0, 0);
        else
            canvas_text(c, b->x + b->w / 2, yk, ln->s, ts, 0.5, 0);
    }
}

static void draw(canvas *c, const flow_layout *l, const text_style *ts)
{
    if (l->has_title) {
        text_style tts = *ts;
        tts.bold = true;
        for (size_t k = 0; k < l->title.n_lines; k++)
            canvas_text(c, l->title.x, l->title.y + (double)k * l->leading,
                        l->title.lines[k].s, &tts, 0.5, 0);
    }
    const double cx = l->cx;
    const tbox *prev_main = NULL;
    size_t n_start = 0;
    while (n_start < l->n_boxes && l->boxes[n_start].role == ROLE_START)
        n_start++;
    for (size_t j = 0; j < l->n_boxes; j++) {
        const tbox *b = &l->boxes[j];
        draw_box(c, l, b, ts);
        if (b->role != ROLE_MAIN)
            continue;
        if (prev_main == NULL && n_start > 0) {
            /* the starts merge: down from each, along a bar, down into b */
            double bottom = l->boxes[0].y + l->boxes[0].h;
            double bar = bottom + (b->y - bottom) * 0.45;
            for (size_t s = 0; s < n_start; s++) {
                const tbox *sb = &l->boxes[s];
                double sx = sb->x + sb->w / 2;
                double pts[6] = {sx, bottom, sx, bar, cx, bar};
                polyline(c, pts, 3);
            }
            arrow(c, l, cx, bar, cx, b->y);
        } else if (prev_main != NULL) {
            double top = prev_main->y + prev_main->h;
            arrow(c, l, cx, top, cx, b->y);
            const tbox *side = &l->boxes[j - 1];
            if (side->role == ROLE_SIDE)
                arrow(c, l, cx, side->y + side->h / 2, side->x, side->y + side->h / 2);
        }
        prev_main = b;
    }
    /* the last main box splits into the groups */
    size_t first_group = l->n_boxes;
    while (first_group > 0 && l->boxes[first_group - 1].role == ROLE_GROUP)
        first_group--;
    if (first_group < l->n_boxes && prev_main != NULL) {
        double bottom = prev_main->y + prev_main->h;
        double top = l->boxes[first_group].y;
        double bar = bottom + (top - bottom) * 0.45;
        for (size_t g = first_group; g < l->n_boxes; g++) {
            const tbox *gb = &l->boxes[g];
            double gx = gb->x + gb->w / 2;
            double pts[6] = {cx, bottom, cx, bar, gx, bar};
            polyline(c, pts, 3);
            arrow(c, l, gx, bar, gx, top);
        }
    }
}

/* ---- what was drawn ---------------------------------------------------- */

static coh_status drawn_make(const flow_layout *l, coh_plot_flow_drawn **out)
{
    coh_plot_flow_drawn *d = calloc(1, sizeof *d);
    if (d == NULL)
        return COH_ENOMEM;
    d->boxes = calloc(l->n_boxes, sizeof *d->boxes);
    if (d->boxes == NULL) {
        free(d);
        return COH_ENOMEM;
    }
    d->n_boxes = l->n_boxes;
    d->width_pt = l->width;
    d->height_pt = l->height;
    for (size_t j = 0; j < l->n_boxes; j++) {
        const tbox *b = &l->boxes[j];
        sbuf t = {0};
        for (size_t k = 0; k < b->n_lines; k++) {
            if (k > 0)
                sb_str(&t, "\n");
            sb_str(&t, b->lines[k].s);
        }
        if (t.p == NULL)
            sb_str(&t, "");
        if (t.failed) {
            free(t.p);
            coh_plot_flow_drawn_free(d);
            return COH_ENOMEM;
        }
        d->boxes[j] = (coh_plot_flow_box){t.p, b->x, b->y, b->w, b->h,
                                          b->role == ROLE_SIDE ? 1 : b->role == ROLE_GROUP ? 2 : 0};
    }
    *out = d;
    return COH_OK;
}

void coh_plot_flow_drawn_free(coh_plot_flow_drawn *d)
{
    if (d == NULL)
        return;
    for (size_t j = 0; j < d->n_boxes; j++)
        free(d->boxes[j].text);
    free(d->boxes);
    free(d);
}

/* ---- entry points ------------------------------------------------------ */

void coh_plot_flow_spec_init(coh_plot_flow_spec *s)
{
    memset(s, 0, sizeof *s);
    coh_plot_style_init(&s->style);
}

/* Text is measured before the figure's size is known, on canvas.c's
 * measuring canvas (the same font options as the file's). */
static coh_status measure_open(measure *m, const coh_plot_style *style, coh_error *err)
{
    memset(m, 0, sizeof *m);
    if (canvas_measure_open(&m->cv, style) != COH_OK)
        return coh_error_set(err, COH_ENOMEM, "out of memory");
    m->ts = text_plain(&m->cv);
    m->fs = style->font_size;
    return COH_OK;
}

coh_status coh_plot_flow(const coh_plot_flow_spec *spec, const char *path,
                         coh_plot_flow_drawn **drawn, coh_error *err)
{
    if (drawn != NULL)
        *drawn = NULL;
    flow_plan plan;
    coh_status st = plan_build(spec, &plan, err);
    if (st != COH_OK)
        return st;
    const coh_plot_style *style = &spec->style;
    coh_plot_format fmt;
    if (path == NULL || coh_plot_format_of(path, &fmt) != COH_OK) {
        plan_free(&plan);
        return coh_error_set(err, COH_EINVAL,
                             "%s: the figure's file name must end in .svg, .pdf or .png",
                             path != NULL ? path : "(null)");
    }
    if (!(style->font_size >= 2 && style->font_size <= 72)) {
        plan_free(&plan);
        return coh_error_set(err, COH_EINVAL, "font size must be 2 to 72 points, not %g",
                             style->font_size);
    }
    if (!(style->width <= 200) || !(style->height <= 200)) {
        plan_free(&plan);
        return coh_error_set(err, COH_EINVAL, "figure size %g x %g inches is not usable",
                             style->width, style->height);
    }
    measure m;
    if ((st = measure_open(&m, style, err)) != COH_OK) {
        plan_free(&plan);
        return st;
    }
    flow_layout l;
    st = layout_build(spec, &plan, &m, &l, err);
    canvas_abort(&m.cv);
    plan_free(&plan);
    if (st != COH_OK) {
        layout_free(&l);
        return st;
    }
    canvas c;
    if ((st = canvas_open(&c, path, l.width, l.height, style, err)) != COH_OK) {
        layout_free(&l);
        return st;
    }
    text_style ts = text_plain(&c);
    draw(&c, &l, &ts);
    coh_plot_flow_drawn *d = NULL;
    if (drawn != NULL && (st = drawn_make(&l, &d)) != COH_OK) {
        canvas_abort(&c);
        layout_free(&l);
        return coh_error_set(err, st, "out of memory");
    }
    layout_free(&l);
    if ((st = canvas_finish(&c, err)) != COH_OK) {
        coh_plot_flow_drawn_free(d);
        return st;
    }
    if (drawn != NULL)
        *drawn = d;
    return COH_OK;
}

coh_status coh_plot_flow_csv(const coh_plot_flow_spec *spec, FILE *out)
{
    static const char *const kinds[] = {"start", "exclude", "box", "group"};
    flow_plan plan;
    coh_status st = plan_build(spec, &plan, NULL);
    if (st != COH_OK)
        return st;
    fputs("step,kind,label,n,remaining\n", out);
    for (size_t i = 0; i < spec->n_steps; i++) {
        const coh_flow_step *s = &spec->steps[i];
        char nb[32], rb[32];
        coh_format_num(s->n, nb, sizeof nb);
        coh_format_num(plan.remaining[i], rb, sizeof rb);
        fprintf(out, "%zu,%s,", i + 1, kinds[s->kind]);
        coh_csv_field(s->label, out);
        fprintf(out, ",%s,%s\n", nb, rb);
    }
    plan_free(&plan);
    return ferror(out) ? COH_EIO : COH_OK;
}
