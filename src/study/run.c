/* run.c - coh_study_run: every analysis of a study file, and the report.
 *
 * Nothing numerical is computed here: the runner calls the same library
 * functions the commands call (coh_tabone_build, coh_km_fit, coh_survdiff,
 * coh_cox_univariable, coh_cox_select, coh_plot_*) and writes what they
 * return, so a study's numbers are exactly those of `cohort table`,
 * `cohort km` and `cohort cox` with the same options.
 *
 * Output (a folder, written whole or not at all: everything goes to a
 * temporary folder beside the destination, which is renamed into place
 * at the end; an older report there is replaced only then):
 *   report.html   one self-contained page (inline CSS and SVG, no script,
 *                 no network), every label and value HTML-escaped
 *   report.md     the same in Markdown, figures linked as PNG
 *   results.json  every number, with the options
 *   tables/       each table as CSV and XLSX
 *   figures/      each figure as SVG, PDF and PNG, with its numbers as CSV
 *   warnings.txt  every warning (also in the report)
 * The same inputs give the same bytes, except the one line of the report
 * that states the run date (and results.json's "run_date").
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cohort/cohort.h"
#include "cohort/study.h"
#include "cohort/tabone.h"
#include "core/core.h"
#include "report/json_read.h"

#define DASH "\xe2\x80\x93"
#define CELL 128 /* bytes of a Cox table's number cell ("0.59 (0.38–0.93)"); labels are
                    allocated to their length */

/* ---- the run's state ------------------------------------------------------ */

typedef struct runner {
    const coh_study *s;
    const coh_study_options *opt;
    coh_table *t;
    coh_study_flow *flow;
    char *dir;            /* the temporary output folder */
    FILE *html, *md;
    FILE *jf;
    coh_json j;
    char **warnings;
    size_t n_warnings;
    char **results;       /* the key numbers as sentences, for "Results" */
    size_t n_results;
    char **pub;           /* the published table: label, published and
                             reproduced text per row, for the summary */
    size_t n_pub;
    int figure;           /* figures so far, for ids */
    coh_error *err;
} runner;

static coh_status warn(runner *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static coh_status warn(runner *r, const char *fmt, ...)
{
    char buf[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char **nw = realloc(r->warnings, (r->n_warnings + 1) * sizeof *nw);
    if (nw == NULL)
        return COH_ENOMEM;
    r->warnings = nw;
    if ((nw[r->n_warnings] = coh_strdup(buf)) == NULL)
        return COH_ENOMEM;
    r->n_warnings++;
    return COH_OK;
}

/* Keep a sentence for the Results section (and write it where it is). */
static coh_status result(runner *r, const char *text)
{
    char **nv = realloc(r->results, (r->n_results + 1) * sizeof *nv);
    if (nv == NULL)
        return COH_ENOMEM;
    r->results = nv;
    if ((nv[r->n_results] = coh_strdup(text)) == NULL)
        return COH_ENOMEM;
    r->n_results++;
    return COH_OK;
}

/* A path inside the output folder, in buf. */
static const char *out_path(const runner *r, char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static const char *out_path(const runner *r, char *buf, size_t size, const char *fmt, ...)
{
    int n = snprintf(buf, size, "%s/", r->dir);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + n, size - (size_t)n, fmt, ap);
    va_end(ap);
    return buf;
}

/* ---- HTML and Markdown ----------------------------------------------------- */

static void html_esc(FILE *f, const char *s)
{
    for (; s != NULL && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default:
            fputc((unsigned char)*s < 0x20 && *s != '\n' ? '?' : *s, f);
        }
    }
}

/* Markdown text: the characters that would start markup are escaped. */
static void md_esc(FILE *f, const char *s)
{
    for (; s != NULL && *s; s++) {
        if (strchr("\\`*_[]<>|#", *s) != NULL)
            fputc('\\', f);
        fputc(*s == '\n' ? ' ' : *s, f);
    }
}

static void heading(runner *r, int level, const char *text, const char *id)
{
    fprintf(r->html, "<h%d id=\"", level);
    html_esc(r->html, id);
    fputs("\">", r->html);
    html_esc(r->html, text);
    fprintf(r->html, "</h%d>\n", level);
    fprintf(r->md, "\n%.*s ", level, "######");
    md_esc(r->md, text);
    fputs("\n\n", r->md);
}

/* A paragraph, in both documents. */

/* A growing string (sentences of any length); oom records a failure. */
typedef struct sbuf {
    char *s;
    size_t len, cap;
    bool oom;
} sbuf;

static void sb_add(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(sbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *piece = coh_vstrprintf(fmt, ap);
    va_end(ap);
    size_t len = piece != NULL ? strlen(piece) : 0;
    if (piece != NULL && b->len + len + 1 > b->cap) {
        size_t cap = (b->len + len + 1) * 2;
        char *ns = realloc(b->s, cap);
        if (ns != NULL) {
            b->s = ns;
            b->cap = cap;
        }
    }
    if (piece == NULL || b->len + len + 1 > b->cap) {
        free(piece);
        b->oom = true;
        return;
    }
    memcpy(b->s + b->len, piece, len + 1);
    b->len += len;
    free(piece);
}

static void para(runner *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void para(runner *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *buf = coh_vstrprintf(fmt, ap);
    va_end(ap);
    if (buf == NULL)
        return; /* out of memory: the paragraph is left out, the run goes on */
    fputs("<p>", r->html);
    html_esc(r->html, buf);
    fputs("</p>\n", r->html);
    md_esc(r->md, buf);
    fputs("\n\n", r->md);
    free(buf);
}

/* A simple table: a header row and rows of cells (strings), both
 * documents; rows flagged in `section` (or NULL) are headings (their
 * first cell, bold, across the table). */
static void simple_table(runner *r, const char *caption, const char *const *head, size_t nc,
                         char **cells, size_t nr, const uint8_t *section)
{
    fputs("<table class=\"simple\">\n", r->html);
    if (caption != NULL) {
        fputs("<caption>", r->html);
        html_esc(r->html, caption);
        fputs("</caption>\n", r->html);
    }
    fputs("<thead><tr>", r->html);
    for (size_t c = 0; c < nc; c++) {
        fputs("<th>", r->html);
        html_esc(r->html, head[c]);
        fputs("</th>", r->html);
    }
    fputs("</tr></thead>\n<tbody>\n", r->html);
    for (size_t i = 0; i < nr; i++) {
        if (section != NULL && section[i]) {
            fprintf(r->html, "<tr class=\"section\"><td colspan=\"%zu\">", nc);
            html_esc(r->html, cells[i * nc]);
            fputs("</td></tr>\n", r->html);
            continue;
        }
        fputs("<tr>", r->html);
        for (size_t c = 0; c < nc; c++) {
            fputs("<td>", r->html);
            html_esc(r->html, cells[i * nc + c]);
            fputs("</td>", r->html);
        }
        fputs("</tr>\n", r->html);
    }
    fputs("</tbody>\n</table>\n", r->html);
    if (caption != NULL) {
        fputs("**", r->md);
        md_esc(r->md, caption);
        fputs("**\n\n", r->md);
    }
    fputs("|", r->md);
    for (size_t c = 0; c < nc; c++) {
        fputc(' ', r->md);
        md_esc(r->md, head[c]);
        fputs(" |", r->md);
    }
    fputs("\n|", r->md);
    for (size_t c = 0; c < nc; c++)
        fputs(" --- |", r->md);
    fputc('\n', r->md);
    for (size_t i = 0; i < nr; i++) {
        bool sec = section != NULL && section[i];
        fputs("|", r->md);
        for (size_t c = 0; c < nc; c++) {
            fputs(sec && c == 0 ? " **" : " ", r->md);
            if (!sec || c == 0)
                md_esc(r->md, cells[i * nc + c]);
            fputs(sec && c == 0 ? "** |" : " |", r->md);
        }
        fputc('\n', r->md);
    }
    fputc('\n', r->md);
}

/* The same table as tables/NAME.csv and tables/NAME.xlsx (with its title
 * and notes in the workbook). */
static coh_status table_files(runner *r, const char *name, const char *title,
                              const char *const *head, size_t nc, char **cells, size_t nr,
                              const uint8_t *section, const char *const *notes, size_t n_notes)
{
    coh_grid g = {title, head, nc, (const char *const *)cells, nr, section, notes, n_notes};
    char path[1200];
    FILE *f = fopen(out_path(r, path, sizeof path, "tables/%s.csv", name), "w");
    coh_status st = f == NULL ? COH_EIO : coh_grid_write_csv(&g, f);
    if (f != NULL && fclose(f) != 0)
        st = COH_EIO;
    if (st != COH_OK)
        return coh_error_set(r->err, st, "%s: cannot write", path);
    return coh_grid_write_xlsx(&g, out_path(r, path, sizeof path, "tables/%s.xlsx", name), r->err);
}

/* An SVG file inline in the page.  cairo names its glyphs and clips the
 * same in every file ("glyph0-1", "clip1"), and ids must be unique in a
 * page, so each figure's ids get the prefix "fN-". */
static coh_status inline_svg(runner *r, const char *svg_path)
{
    FILE *f = fopen(svg_path, "rb");
    if (f == NULL)
        return coh_error_set(r->err, COH_EIO, "%s: cannot read the figure", svg_path);
    char prefix[16];
    snprintf(prefix, sizeof prefix, "f%d-", ++r->figure);
    char line[8192];
    fputs("<div class=\"figure\">\n", r->html);
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "<?xml", 5) == 0)
            continue;
        for (const char *p = line; *p;) {
            if (strncmp(p, "id=\"", 4) == 0) {
                fputs("id=\"", r->html);
                fputs(prefix, r->html);
                p += 4;
            } else if (strncmp(p, "href=\"#", 7) == 0) {
                fputs("href=\"#", r->html);
                fputs(prefix, r->html);
                p += 7;
            } else if (strncmp(p, "url(#", 5) == 0) {
                fputs("url(#", r->html);
                fputs(prefix, r->html);
                p += 5;
            } else {
                fputc(*p++, r->html);
            }
        }
    }
    bool bad = ferror(f) != 0;
    fclose(f);
    fputs("</div>\n", r->html);
    if (bad)
        return coh_error_set(r->err, COH_EIO, "%s: cannot read the figure", svg_path);
    return COH_OK;
}

/* A figure in both documents: inline SVG in HTML, the PNG in Markdown. */
static coh_status figure(runner *r, const char *base, const char *caption)
{
    char svg[1200];
    out_path(r, svg, sizeof svg, "figures/%s.svg", base);
    coh_status st = inline_svg(r, svg);
    if (st != COH_OK)
        return st;
    fputs("<p class=\"caption\">", r->html);
    html_esc(r->html, caption);
    fputs("</p>\n", r->html);
    fputs("![", r->md);
    md_esc(r->md, caption);
    fprintf(r->md, "](figures/%s.png)\n\n", base);
    return COH_OK;
}

/* Draw `base` in the three formats via draw(ctx, path) and write its CSV
 * with csv(ctx, FILE). */
typedef coh_status (*draw_fn)(const void *ctx, const char *path, coh_error *err);
typedef coh_status (*csv_fn)(const void *ctx, FILE *out);

static coh_status draw3(runner *r, const char *base, draw_fn draw, csv_fn csv, const void *ctx)
{
    static const char *const ext[] = {"svg", "pdf", "png"};
    char path[1200];
    for (size_t k = 0; k < 3; k++) {
        coh_status st = draw(ctx, out_path(r, path, sizeof path, "figures/%s.%s", base, ext[k]),
                             r->err);
        if (st != COH_OK)
            return st;
    }
    FILE *f = fopen(out_path(r, path, sizeof path, "figures/%s.csv", base), "w");
    if (f == NULL)
        return coh_error_set(r->err, COH_EIO, "%s: cannot write: %s", path, strerror(errno));
    coh_status st = csv(ctx, f);
    if (fclose(f) != 0 && st == COH_OK)
        st = COH_EIO;
    if (st != COH_OK)
        return coh_error_set(r->err, st, "%s: cannot write the figure's numbers", path);
    return COH_OK;
}

/* ---- numbers as text ------------------------------------------------------- */

static void num(double v, char *buf, size_t size)
{
    coh_format_human(v, 3, buf, size);
}

static void p_text(const runner *r, double p, char *buf, size_t size)
{
    if (isnan(p)) {
        snprintf(buf, size, DASH);
        return;
    }
    coh_format_p(p, r->opt->p_digits, buf, size);
}

/* "0.59 (0.38–0.93)" */
static void hr_text(double hr, double lo, double hi, char *buf, size_t size)
{
    if (!isfinite(hr) || !(hr > 1e-8 && hr < 1e8)) {
        snprintf(buf, size, "not estimable");
        return;
    }
    char a[32], b[32], c[32];
    snprintf(a, sizeof a, "%.2f", hr);
    snprintf(b, sizeof b, "%.2f", lo);
    if (isfinite(hi))
        snprintf(c, sizeof c, "%.2f", hi);
    else
        snprintf(c, sizeof c, "\xe2\x88\x9e");
    snprintf(buf, size, "%s (%s" DASH "%s)", a, b, c);
}

/* A quantile with its interval: "46 (95% CI 35–58)" in a sentence,
 * "46 (35–58)" in a cell under a header that names the interval (tag
 * false), "not reached". */
static void quantile_text(const runner *r, const coh_km_quantile *q, bool tag, char *buf,
                          size_t size)
{
    if (isnan(q->estimate)) {
        snprintf(buf, size, "not reached");
        return;
    }
    char e[32], l[32], u[32];
    num(q->estimate, e, sizeof e);
    if (r->opt->conf_type == COH_CONF_NONE) {
        snprintf(buf, size, "%s", e);
        return;
    }
    if (isnan(q->lower))
        snprintf(l, sizeof l, "NR");
    else
        num(q->lower, l, sizeof l);
    if (isnan(q->upper))
        snprintf(u, sizeof u, "NR");
    else
        num(q->upper, u, sizeof u);
    if (tag)
        snprintf(buf, size, "%s (%g%% CI %s" DASH "%s)", e, 100 * r->opt->conf_level, l, u);
    else
        snprintf(buf, size, "%s (%s" DASH "%s)", e, l, u);
}

/* ---- rows of a subgroup ------------------------------------------------------- */

/* keep[] for `where` (NULL: all rows): the caller's; NULL on error. */
static coh_status subgroup(runner *r, const char *where, const char *what, uint8_t **keep)
{
    *keep = NULL;
    if (where == NULL)
        return COH_OK;
    uint8_t *k = malloc(r->t->n_rows ? r->t->n_rows : 1);
    if (k == NULL)
        return coh_error_set(r->err, COH_ENOMEM, "out of memory");
    size_t kept;
    coh_error e;
    coh_status st = coh_table_filter(r->t, where, k, &kept, &e);
    if (st != COH_OK) {
        free(k);
        return coh_error_set(r->err, st, "%s: where: %s", what, e.msg);
    }
    *keep = k;
    return COH_OK;
}

/* The grouping column of an analysis: its own `by`, else the cohort's
 * groups; "none" (or no groups at all) is NULL. */
static const char *group_of(const runner *r, const char *by)
{
    if (by != NULL)
        return strcmp(by, "none") == 0 ? NULL : by;
    return r->s->group_var;
}

static const coh_study_variable *variable(const coh_study *s, const char *name)
{
    for (size_t i = 0; i < s->n_vars; i++)
        if (strcmp(s->vars[i].name, name) == 0)
            return &s->vars[i];
    return NULL;
}

static const coh_study_endpoint *endpoint(const coh_study *s, const char *name)
{
    for (size_t i = 0; i < s->n_endpoints; i++)
        if (strcmp(s->endpoints[i].name, name) == 0)
            return &s->endpoints[i];
    return NULL;
}

/* A label inside a sentence: its first letter in lower case when the
 * second is lower case too ("Overall survival" -> "overall survival",
 * but "OS" and "CEA level" stay); allocated (NULL when out of memory). */
static char *sentence_label(const char *label)
{
    char *buf = coh_strprintf("%s", label);
    if (buf != NULL && buf[0] >= 'A' && buf[0] <= 'Z' && buf[1] >= 'a' && buf[1] <= 'z')
        buf[0] = (char)(buf[0] - 'A' + 'a');
    return buf;
}

static const char *label_of(const runner *r, const char *name)
{
    if (r->s->group_var != NULL && r->s->group_label != NULL &&
        strcmp(name, r->s->group_var) == 0)
        return r->s->group_label;
    const coh_study_variable *v = variable(r->s, name);
    if (v != NULL && v->label != NULL)
        return v->label;
    const coh_column *c = coh_table_find(r->t, name);
    if (c != NULL && c->label != NULL)
        return c->label;
    return name;
}

/* The rows of a subgroup in words: the study's `subgroup` ("patients with
 * chemotherapy at recurrence"), else "the patients with WHERE"; allocated
 * (NULL when out of memory). */
static char *subgroup_words(const char *where, const char *words)
{
    if (words != NULL)
        return coh_strprintf("%s", words);
    return coh_strprintf("the patients with %s", where);
}

/* "Subgroup: ..." under an analysis's heading: the words and the SQL. */
static void subgroup_para(runner *r, const char *where, const char *words)
{
    if (where == NULL)
        return;
    if (words != NULL)
        para(r, "Subgroup: %s (%s).", words, where);
    else
        para(r, "Subgroup: the patients with %s.", where);
}

/* ---- the data and the flow ------------------------------------------------- */

static coh_status flow_draw(const void *ctx, const char *path, coh_error *err)
{
    return coh_plot_flow(ctx, path, NULL, err);
}

static coh_status flow_csv(const void *ctx, FILE *out)
{
    return coh_plot_flow_csv(ctx, out);
}

static coh_status section_data(runner *r)
{
    const coh_study *s = r->s;
    heading(r, 2, "Data and cohort selection", "data");
    char **cells = calloc(s->n_sources * 3 + 1, sizeof *cells);
    if (cells == NULL)
        return coh_error_set(r->err, COH_ENOMEM, "out of memory");
    char *nbuf = calloc(s->n_sources + 1, 32);
    if (nbuf == NULL) {
        free(cells);
        return coh_error_set(r->err, COH_ENOMEM, "out of memory");
    }
    coh_json_key(&r->j, "sources");
    coh_json_array_begin(&r->j);
    for (size_t i = 0; i < s->n_sources; i++) {
        snprintf(nbuf + 32 * i, 32, "%zu", r->flow->source_rows[i]);
        cells[3 * i] = s->sources[i].name;
        cells[3 * i + 1] = s->sources[i].file;
        cells[3 * i + 2] = nbuf + 32 * i;
        coh_json_object_begin(&r->j);
        coh_json_key(&r->j, "name");
        coh_json_string(&r->j, s->sources[i].name);
        coh_json_key(&r->j, "file");
        coh_json_string(&r->j, s->sources[i].file);
        coh_json_key(&r->j, "rows");
        coh_json_int(&r->j, (int64_t)r->flow->source_rows[i]);
        coh_json_object_end(&r->j);
    }
    coh_json_array_end(&r->j);
    static const char *const head[] = {"Source", "File", "Rows read"};
    simple_table(r, "Data sources", head, 3, cells, s->n_sources, NULL);
    free(cells);
    free(nbuf);

    coh_json_key(&r->j, "flow");
    coh_json_array_begin(&r->j);
    static const char *const kinds[] = {"start", "exclude", "box", "group"};
    for (size_t i = 0; i < r->flow->n_steps; i++) {
        const coh_flow_step *st = &r->flow->steps[i];
        coh_json_object_begin(&r->j);
        coh_json_key(&r->j, "kind");
        coh_json_string(&r->j, kinds[st->kind]);
        coh_json_key(&r->j, "label");
        coh_json_string(&r->j, st->label);
        coh_json_key(&r->j, "n");
        coh_json_number(&r->j, st->n);
        coh_json_object_end(&r->j);
    }
    coh_json_array_end(&r->j);
    coh_plot_flow_spec fs;
    coh_plot_flow_spec_init(&fs);
    fs.steps = r->flow->steps;
    fs.n_steps = r->flow->n_steps;
    fs.remaining_label = "Eligible";
    coh_status st = draw3(r, "flow", flow_draw, flow_csv, &fs);
    if (st != COH_OK)
        return st;
    return figure(r, "flow", "Figure: selection of the cohort");
}

/* ---- descriptive tables ------------------------------------------------------ */

static coh_status section_tables(runner *r)
{
    const coh_study *s = r->s;
    if (s->n_tables == 0)
        return COH_OK;
    heading(r, 2, "Tables", "tables");
    coh_json_key(&r->j, "tables");
    coh_json_array_begin(&r->j);
    coh_status st = COH_OK;
    for (size_t ti = 0; ti < s->n_tables && st == COH_OK; ti++) {
        const coh_study_table *tb = &s->tables[ti];
        coh_tabone_var *vars = calloc(tb->n_rows + 1, sizeof *vars);
        uint8_t *keep = NULL;
        coh_tabone *tab = NULL;
        char *json = NULL;
        size_t json_len = 0;
        if (vars == NULL) {
            st = coh_error_set(r->err, COH_ENOMEM, "out of memory");
            break;
        }
        size_t nv = 0;
        const char *pending = NULL;
        char **unit_labels = calloc(tb->n_rows + 1, sizeof *unit_labels);
        if (unit_labels == NULL) {
            free(vars);
            st = coh_error_set(r->err, COH_ENOMEM, "out of memory");
            break;
        }
        for (size_t k = 0; k < tb->n_rows; k++) {
            const coh_study_table_row *row = &tb->rows[k];
            if (row->variable == NULL) {
                pending = row->section;
                continue;
            }
            const coh_study_variable *v = variable(s, row->variable);
            coh_tabone_var *x = &vars[nv++];
            x->name = row->variable;
            x->section = pending;
            pending = NULL;
            x->kind = v != NULL ? v->kind : COH_TABONE_AUTO;
            x->digits = v != NULL ? v->digits : -1;
            x->label = v != NULL ? v->label : NULL;
            if (v != NULL && v->unit != NULL && v->kind != COH_TABONE_CATEGORICAL) {
                /* "Age (years)": the unit after the label */
                unit_labels[nv - 1] = coh_strprintf("%s (%s)", v->label != NULL ? v->label : v->name,
                                                    v->unit);
                if (unit_labels[nv - 1] == NULL)
                    st = coh_error_set(r->err, COH_ENOMEM, "out of memory");
                x->label = unit_labels[nv - 1];
            }
        }
        coh_tabone_spec ts;
        coh_tabone_spec_init(&ts);
        ts.by = group_of(r, tb->by);
        if (ts.by != NULL && r->s->group_var != NULL && strcmp(ts.by, r->s->group_var) == 0) {
            ts.by_levels = (const char *const *)s->group_order;
            ts.n_by_levels = s->n_group_order;
        }
        ts.vars = vars;
        ts.n_vars = nv;
        ts.summary = r->opt->summary;
        ts.cat_test = r->opt->cat_test;
        ts.cont_test = r->opt->cont_test;
        ts.wilcox_correct = r->opt->mw_continuity;
        ts.overall = tb->overall;
        ts.overall_label = "All patients";
        ts.smd = tb->smd;
        ts.digits = r->opt->digits;
        ts.p_digits = r->opt->p_digits;
        char what[300];
        snprintf(what, sizeof what, "%s:%zu:%zu: table '%s'", s->file, tb->pos.line,
                 tb->pos.column, tb->name);
        if (st == COH_OK)
            st = subgroup(r, tb->where, what, &keep);
        ts.keep = keep;
        coh_error e;
        if (st == COH_OK && (st = coh_tabone_build(r->t, &ts, &tab, &e)) != COH_OK)
            coh_error_set(r->err, st, "%s: %s", what, e.msg);
        const char *title = tb->title != NULL ? tb->title : tb->name;
        if (st == COH_OK) {
            heading(r, 3, title, tb->name);
            subgroup_para(r, tb->where, tb->subgroup);
            st = coh_tabone_write(tab, COH_TABONE_HTML_FRAGMENT, NULL, r->html);
        }
        if (st == COH_OK)
            st = coh_tabone_write(tab, COH_TABONE_MARKDOWN, NULL, r->md);
        char path[1200];
        if (st == COH_OK) {
            FILE *f = fopen(out_path(r, path, sizeof path, "tables/%s.csv", tb->name), "w");
            st = f == NULL ? COH_EIO : coh_tabone_write(tab, COH_TABONE_CSV, NULL, f);
            if (f != NULL && fclose(f) != 0)
                st = COH_EIO;
            if (st != COH_OK)
                coh_error_set(r->err, st, "%s: cannot write", path);
        }
        if (st == COH_OK)
            st = coh_tabone_write_xlsx(tab, title,
                                       out_path(r, path, sizeof path, "tables/%s.xlsx", tb->name),
                                       r->err);
        if (st == COH_OK) {
            FILE *mf = open_memstream(&json, &json_len);
            st = mf == NULL ? COH_ENOMEM : coh_tabone_write(tab, COH_TABONE_JSON, NULL, mf);
            if (mf != NULL)
                fclose(mf);
        }
        if (st == COH_OK) {
            coh_json_object_begin(&r->j);
            coh_json_key(&r->j, "name");
            coh_json_string(&r->j, tb->name);
            coh_json_key(&r->j, "title");
            coh_json_string(&r->j, title);
            coh_json_key(&r->j, "table");
            coh_json_raw(&r->j, json);
            coh_json_object_end(&r->j);
            for (size_t w = 0; w < tab->n_warnings && st == COH_OK; w++)
                st = warn(r, "table '%s': %s", tb->name, tab->warnings[w]);
        }
        free(json);
        coh_tabone_free(tab);
        free(keep);
        free(vars);
        for (size_t k = 0; k < tb->n_rows; k++)
            free(unit_labels[k]);
        free(unit_labels);
    }
    coh_json_array_end(&r->j);
    return st;
}

/* ---- Kaplan-Meier analyses ---------------------------------------------------- */

typedef struct km_group {
    coh_km *km;
    coh_km_quantile median;
    coh_km_at *at;
    coh_km_followup fu;
} km_group;

static const char *test_name(coh_test_kind k)
{
    coh_test_spec t = {k, 0, 0};
    static _Thread_local char buf[64];
    coh_test_spec_name(&t, buf, sizeof buf);
    return buf;
}

/* The KM figure for draw3: the first format drawn keeps what was drawn,
 * whose numbers at risk become the figure's CSV (no second drawing). */
typedef struct km_ctx {
    const coh_plot_km_spec *spec;
    coh_plot_km_drawn **drawn;
} km_ctx;

static coh_status km_draw(const void *ctx, const char *path, coh_error *err)
{
    const km_ctx *k = ctx;
    return coh_plot_km(k->spec, path, *k->drawn == NULL ? k->drawn : NULL, err);
}

static coh_status km_csv(const void *ctx, FILE *out)
{
    const km_ctx *k = ctx;
    return coh_plot_km_drawn_csv(*k->drawn, k->spec, out);
}

/* Median follow-up: the reverse Kaplan-Meier median with the study's
 * median interval (R's or SPSS's, as for survival medians), and the
 * survivors' own times. */
static coh_status followup(const coh_study_options *o, bool spss, const double *time,
                           const uint8_t *event, size_t n, coh_km_followup *out)
{
    coh_km *rev = NULL;
    coh_status st = coh_km_followup_fit(time, event, n, o->conf_type, o->conf_level, out,
                                        spss ? &rev : NULL);
    if (st == COH_OK && rev != NULL)
        st = coh_km_median_spss(rev, &out->median);
    coh_km_free(rev);
    if (o->conf_type == COH_CONF_NONE)
        out->median.lower = out->median.upper = NAN;
    return st;
}

static coh_status one_km(runner *r, const coh_study_km *a)
{
    const coh_study *s = r->s;
    const coh_study_options *o = r->opt;
    const coh_study_endpoint *ep = endpoint(s, a->endpoint);
    char what[300];
    snprintf(what, sizeof what, "%s:%zu:%zu: survival '%s'", s->file, a->pos.line,
             a->pos.column, a->name);
    if (ep == NULL)
        return coh_error_set(r->err, COH_EINVAL, "%s: no endpoint '%s'", what, a->endpoint);
    const char *by = group_of(r, a->by);
    /* the interval of the medians (and of follow-up): the analysis's own
     * median_ci, else the study's */
    bool spss = a->median_ci >= 0 ? a->median_ci == 1 : o->median_ci_spss;
    uint8_t *keep = NULL;
    coh_status st = subgroup(r, a->where, what, &keep);
    if (st != COH_OK)
        return st;
    coh_surv_spec spec = {ep->time, ep->event, NULL, 0, NULL, 0, by, NULL, keep};
    coh_surv_data *sd = NULL;
    coh_error e;
    km_group *g = NULL;
    coh_test_result *test = NULL;
    coh_plot_km_curve *curves = NULL;
    coh_km *all = NULL;
    char *ytitle = NULL;
    coh_km_followup fu_all;
    memset(&fu_all, 0, sizeof fu_all);
    if ((st = coh_surv_prepare(r->t, &spec, &sd, &e)) != COH_OK) {
        coh_error_set(r->err, st, "%s: %s", what, e.msg);
        goto done;
    }
    if (sd->n == 0) {
        st = coh_error_set(r->err, COH_EDOMAIN, "%s: no patient has both a time and an event",
                           what);
        goto done;
    }
    size_t G = sd->n_groups;
    g = calloc(G, sizeof *g);
    curves = calloc(G, sizeof *curves);
    if (g == NULL || curves == NULL) {
        st = coh_error_set(r->err, COH_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t k = 0; k < G && st == COH_OK; k++) {
        size_t lo = sd->group_start[k], hi = sd->group_start[k + 1];
        st = coh_km_fit(sd->g_time + lo, sd->g_event + lo, hi - lo, o->conf_type, o->conf_level,
                        &g[k].km);
        if (st == COH_OK)
            st = spss ? coh_km_median_spss(g[k].km, &g[k].median)
                                   : coh_km_median_r(g[k].km, &g[k].median);
        if (o->conf_type == COH_CONF_NONE) /* no intervals, the medians' neither */
            g[k].median.lower = g[k].median.upper = NAN;
        if (st == COH_OK && a->n_times > 0) {
            g[k].at = calloc(a->n_times, sizeof *g[k].at);
            st = g[k].at == NULL ? COH_ENOMEM
                                 : coh_km_at_times(g[k].km, a->times, a->n_times, g[k].at);
        }
        if (st == COH_OK && a->followup)
            st = followup(o, spss, sd->g_time + lo, sd->g_event + lo, hi - lo, &g[k].fu);
        curves[k].label = sd->group_names[k];
        curves[k].km = g[k].km;
    }
    if (st == COH_OK && a->followup)
        st = followup(o, spss, sd->a_time, sd->a_event, sd->n, &fu_all);
    coh_test_spec tspec = {o->test, 0, 0};
    if (st == COH_OK && G >= 2)
        st = coh_survdiff(sd->s_time, sd->s_event, sd->s_group, NULL, sd->n, G, &tspec, &test);
    if (st != COH_OK) {
        coh_error_set(r->err, st, "%s: %s", what, coh_status_str(st));
        goto done;
    }
    const char *title = a->title != NULL ? a->title : ep->label != NULL ? ep->label : ep->name;
    const char *unit = ep->unit != NULL ? ep->unit : "";
    heading(r, 3, title, a->name);
    subgroup_para(r, a->where, a->subgroup);

    /* the figure */
    char annot[160] = "", pbuf[32];
    if (test != NULL) {
        p_text(r, test->p, pbuf, sizeof pbuf);
        snprintf(annot, sizeof annot, "%s p %s%s", test_name(o->test),
                 pbuf[0] == '<' ? "" : "= ", pbuf);
        annot[0] = (char)(annot[0] >= 'a' && annot[0] <= 'z' ? annot[0] - 32 : annot[0]);
    }
    coh_plot_km_spec ks;
    coh_plot_km_spec_init(&ks);
    ks.curves = curves;
    ks.n_curves = G;
    ks.unit = ep->unit;
    ks.ci = a->ci;
    ks.x_max = a->x_max;
    ks.x_step = a->x_step;
    ks.annotation = annot[0] ? annot : NULL;
    ytitle = coh_strprintf("%s (%%)", ep->label != NULL ? ep->label : ep->name);
    if (ytitle == NULL) {
        st = coh_error_set(r->err, COH_ENOMEM, "out of memory");
        goto done;
    }
    ks.y_title = ytitle;
    ks.legend_title = by != NULL ? label_of(r, by) : NULL;
    if (G > 8) {
        st = coh_error_set(r->err, COH_EINVAL, "%s: %zu groups; a figure shows at most 8", what,
                           G);
        goto done;
    }
    char base[300];
    snprintf(base, sizeof base, "km_%s", a->name);
    {
        coh_plot_km_drawn *drawn = NULL;
        km_ctx kc = {&ks, &drawn};
        st = draw3(r, base, km_draw, km_csv, &kc);
        coh_plot_km_drawn_free(drawn);
        if (st != COH_OK) {
            /* name the analysis and its line */
            char msg[sizeof r->err->msg];
            snprintf(msg, sizeof msg, "%s", r->err->msg);
            coh_error_set(r->err, st, "%s: figure: %s", what, msg);
            goto done;
        }
    }
    if ((st = figure(r, base, title)) != COH_OK)
        goto done;

    /* the table: n, events, median (CI), survival at the times, follow-up;
     * every text allocated to its length (labels and units are the
     * study's, of any length) */
    size_t nc = 4 + a->n_times + (a->followup ? 2 : 0);
    char **cells = calloc(G * nc, sizeof *cells);
    char **head = calloc(nc, sizeof *head);
    bool none = o->conf_type == COH_CONF_NONE;
    if (cells == NULL || head == NULL) {
        free(cells);
        free(head);
        st = coh_error_set(r->err, COH_ENOMEM, "out of memory");
        goto done;
    }
    head[0] = coh_strprintf("%s", by != NULL ? label_of(r, by) : "Group");
    head[1] = coh_strprintf("n");
    head[2] = coh_strprintf("Events");
    if (none)
        head[3] = coh_strprintf("Median%s%s", unit[0] ? ", " : "", unit);
    else
        head[3] = coh_strprintf("Median%s%s (%g%% CI)", unit[0] ? ", " : "", unit,
                          100 * o->conf_level);
    for (size_t t = 0; t < a->n_times; t++) {
        char tb[32];
        num(a->times[t], tb, sizeof tb);
        if (none)
            head[4 + t] = coh_strprintf("At %s%s%s (%%)", tb, unit[0] ? " " : "", unit);
        else
            head[4 + t] = coh_strprintf("At %s%s%s (%%, %g%% CI)", tb, unit[0] ? " " : "", unit,
                                  100 * o->conf_level);
    }
    if (a->followup) {
        if (none)
            head[nc - 2] = coh_strprintf("Follow-up, median (reverse KM)");
        else
            head[nc - 2] =
                coh_strprintf("Follow-up, median (reverse KM, %g%% CI)", 100 * o->conf_level);
        head[nc - 1] = coh_strprintf("Follow-up of survivors, median (IQR)");
    }
    for (size_t k = 0; k < G; k++) {
        char **row = cells + k * nc, qt[128];
        row[0] = coh_strprintf("%s", by != NULL ? sd->group_names[k] : "All patients");
        row[1] = coh_strprintf("%zu", g[k].km->n);
        row[2] = coh_strprintf("%zu", g[k].km->n_events);
        quantile_text(r, &g[k].median, false, qt, sizeof qt);
        row[3] = coh_strprintf("%s", qt);
        for (size_t t = 0; t < a->n_times; t++) {
            const coh_km_at *at = &g[k].at[t];
            if (isnan(at->surv) || at->beyond)
                row[4 + t] = coh_strprintf(DASH);
            else if (isnan(at->lower) || isnan(at->upper))
                row[4 + t] = coh_strprintf("%.0f", 100 * at->surv);
            else
                row[4 + t] = coh_strprintf("%.0f (%.0f" DASH "%.0f)", 100 * at->surv,
                                           100 * at->lower, 100 * at->upper);
        }
        if (a->followup) {
            char m[32], q1[32], q3[32];
            num(g[k].fu.alive_median, m, sizeof m);
            num(g[k].fu.alive_q25, q1, sizeof q1);
            num(g[k].fu.alive_q75, q3, sizeof q3);
            if (g[k].fu.n_alive == 0)
                row[nc - 1] = coh_strprintf("no survivors");
            else
                row[nc - 1] = coh_strprintf("%s (%s" DASH "%s)", m, q1, q3);
            quantile_text(r, &g[k].fu.median, false, qt, sizeof qt);
            row[nc - 2] = coh_strprintf("%s", qt);
        }
    }
    bool oom = false;
    for (size_t c = 0; c < nc; c++)
        oom = oom || head[c] == NULL;
    for (size_t c = 0; c < G * nc; c++)
        oom = oom || cells[c] == NULL;
    if (oom) {
        st = coh_error_set(r->err, COH_ENOMEM, "out of memory");
    } else {
        simple_table(r, NULL, (const char *const *)head, nc, cells, G, NULL);
        char n1[200], n2[200];
        if (none)
            snprintf(n1, sizeof n1, "Median: Kaplan-Meier.");
        else
            snprintf(n1, sizeof n1, "Median (%g%% CI): Kaplan-Meier, %s.", 100 * o->conf_level,
                     spss ? "SPSS's symmetric interval"
                                       : "Brookmeyer-Crowley interval");
        snprintf(n2, sizeof n2, "Follow-up: reverse Kaplan-Meier median; survivors: the "
                                "patients without the event.");
        const char *notes[2] = {n1, n2};
        char tname[300];
        snprintf(tname, sizeof tname, "km_%s", a->name);
        st = table_files(r, tname, title, (const char *const *)head, nc, cells, G, NULL, notes,
                         a->followup ? 2 : 1);
    }
    for (size_t c = 0; c < nc; c++)
        free(head[c]);
    for (size_t c = 0; c < G * nc; c++)
        free(cells[c]);
    free(head);
    free(cells);
    if (st != COH_OK)
        goto done;

    /* sentences */
    {
        char *lab = sentence_label(ep->label != NULL ? ep->label : ep->name);
        sbuf sent = {NULL, 0, 0, lab == NULL};
        if (a->where != NULL) {
            char *sg = subgroup_words(a->where, a->subgroup);
            sb_add(&sent, "Among %s, median %s was ", sg != NULL ? sg : "", lab ? lab : "");
            sent.oom = sent.oom || sg == NULL;
            free(sg);
        } else {
            sb_add(&sent, "Median %s was ", lab ? lab : "");
        }
        free(lab);
        for (size_t k = 0; k < G; k++) {
            char qt[128];
            quantile_text(r, &g[k].median, true, qt, sizeof qt);
            sb_add(&sent, "%s%s%s%s", k == 0 ? "" : k + 1 == G ? " and " : ", ", qt,
                   unit[0] && !isnan(g[k].median.estimate) ? " " : "",
                   !isnan(g[k].median.estimate) ? unit : "");
            if (G > 1)
                sb_add(&sent, " for %s", sd->group_names[k]);
        }
        if (test != NULL)
            sb_add(&sent, " (%s test p %s%s).", test_name(o->test), pbuf[0] == '<' ? "" : "= ",
                   pbuf);
        else
            sb_add(&sent, ".");
        if (sent.oom || result(r, sent.s) != COH_OK) {
            free(sent.s);
            st = coh_error_set(r->err, COH_ENOMEM, "out of memory");
            goto done;
        }
        para(r, "%s", sent.s);
        free(sent.s);
        if (a->followup && fu_all.n_alive > 0) {
            char m[32], q1[32], q3[32], rk[128];
            num(fu_all.alive_median, m, sizeof m);
            num(fu_all.alive_q25, q1, sizeof q1);
            num(fu_all.alive_q75, q3, sizeof q3);
            quantile_text(r, &fu_all.median, true, rk, sizeof rk);
            para(r, "Median follow-up of the %zu patients without the event was %s %s (IQR %s"
                    DASH "%s); by the reverse Kaplan-Meier method %s.",
                 fu_all.n_alive, m, unit, q1, q3, rk);
        }
    }

    /* results.json */
    coh_json_object_begin(&r->j);
    coh_json_key(&r->j, "name");
    coh_json_string(&r->j, a->name);
    coh_json_key(&r->j, "endpoint");
    coh_json_string(&r->j, ep->name);
    coh_json_key(&r->j, "by");
    coh_json_string(&r->j, by);
    coh_json_key(&r->j, "where");
    coh_json_string(&r->j, a->where);
    coh_json_key(&r->j, "median_ci");
    coh_json_string(&r->j, spss ? "spss" : "brookmeyer-crowley");
    coh_json_key(&r->j, "n");
    coh_json_int(&r->j, (int64_t)sd->n);
    coh_json_key(&r->j, "groups");
    coh_json_array_begin(&r->j);
    for (size_t k = 0; k < G; k++) {
        coh_json_object_begin(&r->j);
        coh_json_key(&r->j, "group");
        coh_json_string(&r->j, sd->group_names[k]);
        coh_json_key(&r->j, "n");
        coh_json_int(&r->j, (int64_t)g[k].km->n);
        coh_json_key(&r->j, "events");
        coh_json_int(&r->j, (int64_t)g[k].km->n_events);
        coh_json_key(&r->j, "median");
        coh_json_object_begin(&r->j);
        coh_json_key(&r->j, "estimate");
        coh_json_number(&r->j, g[k].median.estimate);
        coh_json_key(&r->j, "lower");
        coh_json_number(&r->j, g[k].median.lower);
        coh_json_key(&r->j, "upper");
        coh_json_number(&r->j, g[k].median.upper);
        coh_json_object_end(&r->j);
        coh_json_key(&r->j, "at");
        coh_json_array_begin(&r->j);
        for (size_t t = 0; t < a->n_times; t++) {
            const coh_km_at *at = &g[k].at[t];
            coh_json_object_begin(&r->j);
            coh_json_key(&r->j, "time");
            coh_json_number(&r->j, at->time);
            coh_json_key(&r->j, "surv");
            coh_json_number(&r->j, at->surv);
            coh_json_key(&r->j, "lower");
            coh_json_number(&r->j, at->lower);
            coh_json_key(&r->j, "upper");
            coh_json_number(&r->j, at->upper);
            coh_json_key(&r->j, "n_risk");
            coh_json_number(&r->j, at->n_risk);
            coh_json_object_end(&r->j);
        }
        coh_json_array_end(&r->j);
        if (a->followup) {
            coh_json_key(&r->j, "followup");
            coh_json_object_begin(&r->j);
            coh_json_key(&r->j, "reverse_km_median");
            coh_json_number(&r->j, g[k].fu.median.estimate);
            coh_json_key(&r->j, "reverse_km_lower");
            coh_json_number(&r->j, g[k].fu.median.lower);
            coh_json_key(&r->j, "reverse_km_upper");
            coh_json_number(&r->j, g[k].fu.median.upper);
            coh_json_key(&r->j, "n_without_event");
            coh_json_int(&r->j, (int64_t)g[k].fu.n_alive);
            coh_json_key(&r->j, "median");
            coh_json_number(&r->j, g[k].fu.alive_median);
            coh_json_key(&r->j, "q1");
            coh_json_number(&r->j, g[k].fu.alive_q25);
            coh_json_key(&r->j, "q3");
            coh_json_number(&r->j, g[k].fu.alive_q75);
            coh_json_object_end(&r->j);
        }
        coh_json_object_end(&r->j);
    }
    coh_json_array_end(&r->j);
    if (a->followup) {
        coh_json_key(&r->j, "followup");
        coh_json_object_begin(&r->j);
        coh_json_key(&r->j, "reverse_km_median");
        coh_json_number(&r->j, fu_all.median.estimate);
        coh_json_key(&r->j, "reverse_km_lower");
        coh_json_number(&r->j, fu_all.median.lower);
        coh_json_key(&r->j, "reverse_km_upper");
        coh_json_number(&r->j, fu_all.median.upper);
        coh_json_key(&r->j, "n_without_event");
        coh_json_int(&r->j, (int64_t)fu_all.n_alive);
        coh_json_key(&r->j, "median");
        coh_json_number(&r->j, fu_all.alive_median);
        coh_json_key(&r->j, "q1");
        coh_json_number(&r->j, fu_all.alive_q25);
        coh_json_key(&r->j, "q3");
        coh_json_number(&r->j, fu_all.alive_q75);
        coh_json_object_end(&r->j);
    }
    coh_json_key(&r->j, "test");
    if (test == NULL) {
        coh_json_null(&r->j);
    } else {
        coh_json_object_begin(&r->j);
        coh_json_key(&r->j, "method");
        coh_json_string(&r->j, test_name(o->test));
        coh_json_key(&r->j, "chisq");
        coh_json_number(&r->j, test->chisq);
        coh_json_key(&r->j, "df");
        coh_json_int(&r->j, test->df);
        coh_json_key(&r->j, "p");
        coh_json_number(&r->j, test->p);
        coh_json_object_end(&r->j);
    }
    coh_json_object_end(&r->j);
    if (sd->n_missing_time + sd->n_missing_event + sd->n_missing_group > 0)
        st = warn(r, "survival '%s': %zu rows without a time, event or group are left out",
                  a->name, sd->n_missing_time + sd->n_missing_event + sd->n_missing_group);
done:
    if (g != NULL)
        for (size_t k = 0; k < sd->n_groups; k++) {
            coh_km_free(g[k].km);
            free(g[k].at);
        }
    free(g);
    free(curves);
    coh_km_free(all);
    coh_test_result_free(test);
    coh_surv_data_free(sd);
    free(ytitle);
    free(keep);
    return st;
}

static coh_status section_km(runner *r)
{
    if (r->s->n_km == 0)
        return COH_OK;
    heading(r, 2, "Survival", "survival");
    coh_json_key(&r->j, "survival");
    coh_json_array_begin(&r->j);
    coh_status st = COH_OK;
    for (size_t i = 0; i < r->s->n_km && st == COH_OK; i++)
        st = one_km(r, &r->s->km[i]);
    coh_json_array_end(&r->j);
    return st;
}

/* ---- Cox models ------------------------------------------------------------------ */

/* The design spec of a model: its terms, categorical variables that are
 * numeric columns, and the variables' reference levels. */
typedef struct model_spec {
    coh_design_spec ds;
    const char **cat, **ref_col, **ref_lvl;
    char **owned;        /* reference levels written as numbers */
    size_t n_owned;
} model_spec;

/* Does column c hold at most `max` distinct values (missing aside)? */
static bool few_values(const coh_column *c, size_t max)
{
    double seen[8];
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (coh_column_is_na(c, i))
            continue;
        size_t k = 0;
        while (k < n && seen[k] != c->num[i])
            k++;
        if (k == n) {
            if (n == max || n == 8)
                return false;
            seen[n++] = c->num[i];
        }
    }
    return n > 0;
}

static coh_status model_spec_make(runner *r, const coh_study_cox *c, model_spec *m)
{
    memset(m, 0, sizeof *m);
    size_t n = c->n_terms;
    m->cat = calloc(n + 1, sizeof *m->cat);
    m->ref_col = calloc(n + 1, sizeof *m->ref_col);
    m->ref_lvl = calloc(n + 1, sizeof *m->ref_lvl);
    if (m->cat == NULL || m->ref_col == NULL || m->ref_lvl == NULL)
        return coh_error_set(r->err, COH_ENOMEM, "out of memory");
    for (size_t k = 0; k < n; k++) {
        const coh_study_variable *v = variable(r->s, c->terms[k]);
        const coh_column *col = coh_table_find(r->t, c->terms[k]);
        /* categorical as the tables decide it (tabone.h's auto rule:
         * whole numbers with at most 5 distinct values are codes), so a
         * variable is one thing in every part of the report */
        bool cat = v != NULL && v->kind == COH_TABONE_CATEGORICAL;
        if ((v == NULL || v->kind == COH_TABONE_AUTO) && col != NULL && col->type == COH_INTEGER)
            cat = few_values(col, 5);
        if (cat && col != NULL && coh_type_is_numeric(col->type))
            m->cat[m->ds.n_categorical++] = c->terms[k];
        if (v != NULL && v->reference != NULL) {
            m->ref_col[m->ds.n_refs] = c->terms[k];
            m->ref_lvl[m->ds.n_refs++] = v->reference;
        }
    }
    m->ds.terms = (const char *const *)c->terms;
    m->ds.n_terms = n;
    m->ds.categorical = m->cat;
    m->ds.ref_column = m->ref_col;
    m->ds.ref_level = m->ref_lvl;
    return COH_OK;
}

static void model_spec_free(model_spec *m)
{
    free(m->cat);
    free(m->ref_col);
    free(m->ref_lvl);
    for (size_t k = 0; k < m->n_owned; k++)
        free(m->owned[k]);
    free(m->owned);
}

/* Each factor without a `reference` gets one fixed for every fit of the
 * model: its first level (in the study's order) among the patients
 * complete in every candidate term.  Those patients are in each
 * univariable fit and in the multivariable one, so the univariable and
 * multivariable hazard ratios of a row compare the same two levels (each
 * fit's own first level could differ when values are missing). */
static coh_status default_refs(runner *r, const coh_study_cox *c, const coh_study_endpoint *ep,
                               const uint8_t *keep, model_spec *m)
{
    size_t n = r->t->n_rows;
    uint8_t *mask = malloc(n ? n : 1);
    if ((m->owned = calloc(c->n_terms + 1, sizeof *m->owned)) == NULL || mask == NULL) {
        free(mask);
        return coh_error_set(r->err, COH_ENOMEM, "out of memory");
    }
    const coh_column *tc = coh_table_find(r->t, ep->time), *ec = coh_table_find(r->t, ep->event);
    for (size_t i = 0; i < n; i++)
        mask[i] = (keep == NULL || keep[i]) && tc != NULL && ec != NULL &&
                  !coh_column_is_na(tc, i) && !coh_column_is_na(ec, i);
    for (size_t k = 0; k < c->n_terms; k++) {
        const coh_column *col = coh_table_find(r->t, c->terms[k]);
        for (size_t i = 0; col != NULL && i < n; i++)
            mask[i] = mask[i] && !coh_column_is_na(col, i);
    }
    coh_status st = COH_OK;
    bool some = false;
    for (size_t i = 0; i < n && !some; i++)
        some = mask[i];
    if (!some) {
        /* no patient has every term: each fit keeps its own first level */
        free(mask);
        return warn(r, "cox '%s': no patient has a value of every candidate term, so a factor's "
                       "reference level is the first level present in each fit's own rows (the "
                       "univariable and multivariable hazard ratios of a row may compare "
                       "against different levels)",
                    c->name);
    }
    for (size_t k = 0; k < c->n_terms && st == COH_OK; k++) {
        bool has_ref = false, numeric_factor = false;
        for (size_t q = 0; q < m->ds.n_refs; q++)
            has_ref = has_ref || strcmp(m->ref_col[q], c->terms[k]) == 0;
        for (size_t q = 0; q < m->ds.n_categorical; q++)
            numeric_factor = numeric_factor || strcmp(m->cat[q], c->terms[k]) == 0;
        const coh_column *col = coh_table_find(r->t, c->terms[k]);
        if (has_ref || col == NULL || (col->code == NULL && !numeric_factor))
            continue;
        const char *ref = NULL;
        if (col->code != NULL) {
            int32_t first = -1;
            for (size_t i = 0; i < n; i++)
                if (mask[i] && (first < 0 || col->code[i] < first))
                    first = col->code[i];
            if (first >= 0)
                ref = col->levels[first]; /* its value: a label may be another level's value */
        } else {
            bool any = false;
            double lo = 0;
            for (size_t i = 0; i < n; i++)
                if (mask[i] && (!any || col->num[i] < lo))
                    lo = col->num[i], any = true;
            if (any) {
                char *t = coh_strprintf("%.17g", lo);
                if (t == NULL)
                    st = coh_error_set(r->err, COH_ENOMEM, "out of memory");
                else
                    ref = m->owned[m->n_owned++] = t;
            }
        }
        if (ref != NULL) {
            m->ref_col[m->ds.n_refs] = c->terms[k];
            m->ref_lvl[m->ds.n_refs++] = ref;
        }
    }
    free(mask);
    return st;
}

/* The display text of a model column: "age", "CEA (ug/l)", "sex: male"
 * (the level after the term's label); allocated (NULL when out of
 * memory). */
static char *column_label(runner *r, const coh_design *d, size_t j)
{
    const char *term = d->term_names[d->col_term[j]];
    const char *col = d->col_names[j];
    size_t tl = strlen(term);
    if (strncmp(col, term, tl) == 0 && col[tl] == '=')
        return coh_strprintf("%s: %s", label_of(r, term), col + tl + 1);
    if (strcmp(col, term) == 0) {
        /* a continuous term: its unit, the HR's step */
        const coh_study_variable *v = variable(r->s, term);
        if (v != NULL && v->unit != NULL && !d->term_factor[d->col_term[j]])
            return coh_strprintf("%s (%s)", label_of(r, term), v->unit);
        return coh_strprintf("%s", label_of(r, term));
    }
    return coh_strprintf("%s", col);
}

/* `src` into dst[size], cut at a character boundary when it does not fit
 * (for texts that the figure ellipsizes anyway). */
static void utf8_copy(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n >= size) {
        n = size - 1;
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static coh_status forest_draw(const void *ctx, const char *path, coh_error *err)
{
    return coh_plot_forest(ctx, path, NULL, err);
}

static coh_status forest_csv(const void *ctx, FILE *out)
{
    return coh_plot_forest_csv(ctx, out);
}

/* Where column `name` of a univariable fit is: its term's fit and index. */
static bool find_uni(const coh_univariable_result *u, const char *name, size_t *term, size_t *col)
{
    for (size_t t = 0; u != NULL && t < u->n_terms; t++) {
        const coh_design *d = u->terms[t].design;
        for (size_t j = 0; d != NULL && j < d->p; j++)
            if (strcmp(d->col_names[j], name) == 0) {
                *term = t;
                *col = j;
                return true;
            }
    }
    return false;
}

static void json_coef(runner *r, const char *name, const coh_cox_model *f, size_t j)
{
    coh_cox_coef c = coh_cox_coef_ci(f, j, r->opt->conf_level);
    coh_json_object_begin(&r->j);
    coh_json_key(&r->j, "name");
    coh_json_string(&r->j, name);
    coh_json_key(&r->j, "coef");
    coh_json_number(&r->j, c.coef);
    coh_json_key(&r->j, "se");
    coh_json_number(&r->j, c.se);
    coh_json_key(&r->j, "hr");
    coh_json_number(&r->j, c.hr);
    coh_json_key(&r->j, "lower");
    coh_json_number(&r->j, c.lower);
    coh_json_key(&r->j, "upper");
    coh_json_number(&r->j, c.upper);
    coh_json_key(&r->j, "p");
    coh_json_number(&r->j, c.p);
    coh_json_key(&r->j, "infinite");
    coh_json_bool(&r->j, f->infinite[j]);
    coh_json_object_end(&r->j);
}

/* The index of `term` among the model's candidates (n_terms if none). */
static size_t candidate(const coh_study_cox *c, const char *term)
{
    size_t k = 0;
    while (k < c->n_terms && strcmp(c->terms[k], term) != 0)
        k++;
    return k;
}

/* Before the rows of candidate `ci`: the heading of its section (the
 * last heading written at or before it and not yet shown), as a row of
 * the table's five cells.  Returns the rows used. */
static size_t section_row(const coh_study_cox *c, size_t ci, size_t *next, char **cells,
                          char *store, uint8_t *sec, size_t nr)
{
    if (ci >= c->n_terms || ci < *next)
        return nr;
    const char *h = NULL;
    for (size_t k = *next; k <= ci; k++)
        if (c->term_section[k] != NULL)
            h = c->term_section[k];
    *next = ci + 1;
    if (h == NULL)
        return nr;
    char *row = store + CELL * 5 * nr;
    for (size_t k = 0; k < 5; k++) {
        cells[5 * nr + k] = row + CELL * k;
        row[CELL * k] = '\0';
    }
    cells[5 * nr] = coh_strprintf("%s", h); /* owned, as every row's first cell */
    sec[nr] = 1;
    return nr + 1;
}

static coh_status one_cox(runner *r, const coh_study_cox *c)
{
    const coh_study *s = r->s;
    const coh_study_options *o = r->opt;
    const coh_study_endpoint *ep = endpoint(s, c->endpoint);
    char what[300];
    snprintf(what, sizeof what, "%s:%zu:%zu: cox '%s'", s->file, c->pos.line, c->pos.column,
             c->name);
    if (ep == NULL)
        return coh_error_set(r->err, COH_EINVAL, "%s: no endpoint '%s'", what, c->endpoint);
    uint8_t *keep = NULL;
    model_spec m;
    coh_univariable_result *uni = NULL;
    coh_select_result *sel = NULL;
    coh_zph_result *zph = NULL;
    coh_plot_forest_row *rows = NULL;
    char *labels = NULL;
    coh_status st = subgroup(r, c->where, what, &keep);
    if (st == COH_OK)
        st = model_spec_make(r, c, &m);
    else
        memset(&m, 0, sizeof m);
    if (st == COH_OK)
        st = default_refs(r, c, ep, keep, &m);
    if (st != COH_OK)
        goto done;
    coh_cox_spec surv = {ep->time, ep->event, NULL, 0, NULL, 0, NULL, NULL, NULL, keep};
    coh_cox_options co;
    coh_cox_options_init(&co);
    co.ties = o->ties;
    coh_error e;
    /* the univariable column shows the p-values the entry screen used:
     * each term on its own complete cases (screen_rows available), or on
     * the rows complete in every candidate (complete) */
    bool common = o->screen_rows == COH_SCREEN_COMPLETE && !isnan(c->entry);
    if (c->univariable &&
        (st = coh_cox_univariable(r->t, &surv, &m.ds, &co, o->select_test, common, &uni, &e)) !=
            COH_OK) {
        coh_error_set(r->err, st, "%s: %s", what, e.msg);
        goto done;
    }
    /* forward and stepwise enter at the entry level when one is given */
    coh_select_options so = {c->method, o->select_test, isnan(c->entry) ? 0 : c->entry, c->stay,
                             isnan(c->entry) ? c->stay : c->entry, o->screen_rows};
    if ((st = coh_cox_select(r->t, &surv, &m.ds, &co, &so, &sel, &e)) != COH_OK) {
        coh_error_set(r->err, st, "%s: %s", what, e.msg);
        goto done;
    }
    const coh_cox_model *f = sel->fit;
    const coh_design *d = sel->design;
    const char *title = c->title != NULL ? c->title : c->name;
    heading(r, 3, title, c->name);
    subgroup_para(r, c->where, c->subgroup);
    if (sel->screen != NULL) {
        /* the entry screen, stated: its level, its rows, who entered */
        sbuf in = {NULL, 0, 0, false}, out_t = {NULL, 0, 0, false};
        for (size_t k = 0; k < c->n_terms; k++) {
            bool entered = false;
            for (size_t q = 0; q < sel->n_screened_in; q++)
                entered = entered || strcmp(sel->screened_in[q], c->terms[k]) == 0;
            sbuf *b = entered ? &in : &out_t;
            sb_add(b, "%s%s", b->len ? ", " : "", label_of(r, c->terms[k]));
            /* a term that could not be tested (no patient with a value, or
             * one level only) is screened out: say why */
            if (k < sel->screen->n_terms && isnan(sel->screen->terms[k].p) &&
                (st = warn(r, "cox '%s': term '%s' could not be tested in the entry screen (%zu "
                              "patients with a value); it was left out",
                           c->name, c->terms[k], sel->screen->terms[k].n)) != COH_OK) {
                free(in.s);
                free(out_t.s);
                goto done;
            }
        }
        if (in.oom || out_t.oom) {
            free(in.s);
            free(out_t.s);
            st = coh_error_set(r->err, COH_ENOMEM, "out of memory");
            goto done;
        }
        if (o->screen_rows == COH_SCREEN_AVAILABLE)
            para(r, "Entry screen: the terms with a univariable p at most %g, each fitted on "
                    "its own complete cases, entered the multivariable model: %s%s%s.",
                 c->entry, in.len ? in.s : "none", out_t.len ? "; screened out: " : "",
                 out_t.len ? out_t.s : "");
        else
            para(r, "Entry screen: the terms with a univariable p at most %g, fitted on the %zu "
                    "patients complete in every candidate, entered the multivariable model: "
                    "%s%s%s.",
                 c->entry, sel->n_screen_rows, in.len ? in.s : "none",
                 out_t.len ? "; screened out: " : "", out_t.len ? out_t.s : "");
        free(in.s);
        free(out_t.s);
    }
    {
        char sel_text[600], levels[200];
        double enter = isnan(c->entry) ? c->stay : c->entry;
        if (c->method == COH_SELECT_BACKWARD)
            snprintf(levels, sizeof levels, "p to stay at most %g", c->stay);
        else if (c->method == COH_SELECT_FORWARD)
            snprintf(levels, sizeof levels, "p to enter at most %g", enter);
        else
            snprintf(levels, sizeof levels, "p to enter at most %g, to stay at most %g", enter,
                     c->stay);
        if (c->method == COH_SELECT_NONE)
            snprintf(sel_text, sizeof sel_text, "the multivariable model holds every term%s",
                     sel->screen != NULL ? " that passed the entry screen" : "");
        else
            snprintf(sel_text, sizeof sel_text,
                     "the multivariable model was chosen by %s selection%s (%s), on "
                     "the %zu patients complete in every %s",
                     coh_select_method_name(c->method),
                     isnan(c->entry) ? "" : " from the terms with univariable p at most the entry level",
                     levels, sel->n_rows,
                     !isnan(c->entry) && o->screen_rows == COH_SCREEN_AVAILABLE
                         ? "term that passed the screen" : "candidate");
        char *lab = sentence_label(ep->label != NULL ? ep->label : ep->name);
        para(r, "Cox proportional hazards model of %s: %zu patients, %zu events; %s.",
             lab ? lab : "", f->n, f->n_events, sel_text);
        free(lab);
    }
    /* the table: univariable and multivariable side by side (the study's
     * Table 3); a row per column of the univariable fits, then any
     * multivariable column they lack */
    size_t max_rows = d->p + c->n_terms + 1; /* + the section headings */
    if (uni != NULL)
        for (size_t t = 0; t < uni->n_terms; t++)
            max_rows += uni->terms[t].design != NULL ? uni->terms[t].design->p : 0;
    char **cells = calloc(max_rows * 5, sizeof *cells);
    char *store = calloc(max_rows * 5, CELL);
    uint8_t *sec = calloc(max_rows, 1);
    if (cells == NULL || store == NULL || sec == NULL) {
        free(cells);
        free(store);
        free(sec);
        st = coh_error_set(r->err, COH_ENOMEM, "out of memory");
        goto done;
    }
    size_t nr = 0, next_sec = 0;
    coh_json_object_begin(&r->j);
    coh_json_key(&r->j, "name");
    coh_json_string(&r->j, c->name);
    coh_json_key(&r->j, "endpoint");
    coh_json_string(&r->j, ep->name);
    coh_json_key(&r->j, "where");
    coh_json_string(&r->j, c->where);
    coh_json_key(&r->j, "select");
    coh_json_string(&r->j, coh_select_method_name(c->method));
    coh_json_key(&r->j, "entry");
    coh_json_number(&r->j, c->entry);
    coh_json_key(&r->j, "stay");
    coh_json_number(&r->j, c->stay);
    coh_json_key(&r->j, "screened_in");
    if (sel->screen == NULL) {
        coh_json_null(&r->j);
    } else {
        coh_json_array_begin(&r->j);
        for (size_t q = 0; q < sel->n_screened_in; q++)
            coh_json_string(&r->j, sel->screened_in[q]);
        coh_json_array_end(&r->j);
    }
    coh_json_key(&r->j, "univariable");
    coh_json_array_begin(&r->j);
    for (size_t t = 0; uni != NULL && t < uni->n_terms; t++) {
        const coh_univariable *u = &uni->terms[t];
        coh_json_object_begin(&r->j);
        coh_json_key(&r->j, "term");
        coh_json_string(&r->j, u->term);
        coh_json_key(&r->j, "n");
        coh_json_int(&r->j, (int64_t)u->n);
        coh_json_key(&r->j, "events");
        coh_json_int(&r->j, (int64_t)u->events);
        coh_json_key(&r->j, "p");
        coh_json_number(&r->j, u->p);
        coh_json_key(&r->j, "coefficients");
        coh_json_array_begin(&r->j);
        if (u->design != NULL && u->design->p > 0)
            nr = section_row(c, candidate(c, u->term), &next_sec, cells, store, sec, nr);
        for (size_t j = 0; u->design != NULL && j < u->design->p; j++) {
            json_coef(r, u->design->col_names[j], u->fit, j);
            char *row = store + CELL * 5 * nr;
            for (size_t k = 0; k < 5; k++) {
                cells[5 * nr + k] = row + CELL * k;
                row[CELL * k] = '\0';
            }
            cells[5 * nr] = column_label(r, u->design, j);
            coh_cox_coef cu = coh_cox_coef_ci(u->fit, j, o->conf_level);
            hr_text(cu.hr, cu.lower, cu.upper, row + CELL, CELL);
            p_text(r, cu.p, row + 2 * CELL, CELL);
            for (size_t jj = 0; jj < d->p; jj++)
                if (strcmp(d->col_names[jj], u->design->col_names[j]) == 0) {
                    coh_cox_coef cm = coh_cox_coef_ci(f, jj, o->conf_level);
                    hr_text(cm.hr, cm.lower, cm.upper, row + 3 * CELL, CELL);
                    p_text(r, cm.p, row + 4 * CELL, CELL);
                }
            nr++;
        }
        coh_json_array_end(&r->j);
        coh_json_object_end(&r->j);
    }
    coh_json_array_end(&r->j);
    for (size_t jj = 0; jj < d->p; jj++) {
        size_t tt, cc;
        if (find_uni(uni, d->col_names[jj], &tt, &cc))
            continue;
        nr = section_row(c, candidate(c, d->term_names[d->col_term[jj]]), &next_sec, cells, store,
                         sec, nr);
        char *row = store + CELL * 5 * nr;
        for (size_t k = 0; k < 5; k++) {
            cells[5 * nr + k] = row + CELL * k;
            row[CELL * k] = '\0';
        }
        cells[5 * nr] = column_label(r, d, jj);
        coh_cox_coef cm = coh_cox_coef_ci(f, jj, o->conf_level);
        hr_text(cm.hr, cm.lower, cm.upper, row + 3 * CELL, CELL);
        p_text(r, cm.p, row + 4 * CELL, CELL);
        nr++;
    }
    char uh[64], mh[64];
    snprintf(uh, sizeof uh, "Univariable HR (%g%% CI)", 100 * o->conf_level);
    snprintf(mh, sizeof mh, "Multivariable HR (%g%% CI)", 100 * o->conf_level);
    const char *head[5] = {"Variable", uh, "p", mh, "p"};
    const char *head3[3] = {"Variable", mh, "p"};
    size_t ncol = 5;
    bool label_oom = false;
    for (size_t i = 0; i < nr; i++)
        label_oom = label_oom || cells[5 * i] == NULL;
    if (uni == NULL) {
        /* no univariable fits: the multivariable columns only, the cells
         * moved to the front of each row of five */
        for (size_t i = 0; i < nr; i++) {
            char *row[3] = {cells[5 * i], cells[5 * i + 3], cells[5 * i + 4]};
            for (size_t k = 0; k < 3; k++)
                cells[3 * i + k] = row[k];
        }
        ncol = 3;
    }
    /* the reference level of each factor, one for every fit (default_refs) */
    sbuf refs = {NULL, 0, 0, false};
    for (size_t k = 0; k < c->n_terms; k++)
        for (size_t q = 0; q < m.ds.n_refs; q++)
            if (strcmp(m.ref_col[q], c->terms[k]) == 0) {
                /* the level as the tables show it (its label) */
                const coh_column *col = coh_table_find(r->t, m.ref_col[q]);
                int32_t l = col != NULL && col->code != NULL
                                ? coh_column_find_level(col, m.ref_lvl[q]) : -1;
                sb_add(&refs, "%s%s: %s", refs.len ? "; " : "Reference levels: ",
                       label_of(r, m.ref_col[q]),
                       l >= 0 ? coh_column_level_text(col, (size_t)l) : m.ref_lvl[q]);
            }
    if (m.ds.n_refs > 0)
        sb_add(&refs, ".");
    if (label_oom || refs.oom)
        st = coh_error_set(r->err, COH_ENOMEM, "out of memory");
    else
        simple_table(r, NULL, uni != NULL ? head : head3, ncol, cells, nr, sec);
    if (st == COH_OK) {
        char n1[300], tname[300];
        snprintf(n1, sizeof n1, "HR: hazard ratio (Cox model, %s ties), per unit of a continuous "
                                "variable, against the reference level of a factor; CI: Wald.",
                 o->ties == COH_TIES_BRESLOW ? "Breslow" : "Efron");
        const char *notes[2] = {n1, refs.s};
        if (refs.s != NULL)
            para(r, "%s", refs.s);
        snprintf(tname, sizeof tname, "cox_%s", c->name);
        st = table_files(r, tname, title, uni != NULL ? head : head3, ncol, cells, nr, sec, notes,
                         refs.s != NULL ? 2 : 1);
    }
    free(refs.s);
    free(sec);
    for (size_t i = 0; i < nr; i++)
        free(cells[ncol * i]); /* the labels */
    free(cells);
    free(store);
    if (st != COH_OK)
        goto done;
    {
        /* the multivariable model in a sentence: each coefficient's HR */
        char *lab = sentence_label(ep->label != NULL ? ep->label : ep->name);
        char *sg = c->where != NULL ? subgroup_words(c->where, c->subgroup) : NULL;
        sbuf sent = {NULL, 0, 0, lab == NULL || (c->where != NULL && sg == NULL)};
        sb_add(&sent, "In the multivariable model of %s (%zu patients, %zu events%s%s), ",
               lab ? lab : "", f->n, f->n_events, c->where != NULL ? "; " : "", sg ? sg : "");
        free(lab);
        free(sg);
        if (d->p == 0)
            sb_add(&sent, "no variable was retained.");
        for (size_t jj = 0; jj < d->p; jj++) {
            char hr[96], pb[32];
            char *name = column_label(r, d, jj);
            coh_cox_coef cm = coh_cox_coef_ci(f, jj, o->conf_level);
            hr_text(cm.hr, cm.lower, cm.upper, hr, sizeof hr);
            p_text(r, cm.p, pb, sizeof pb);
            sent.oom = sent.oom || name == NULL;
            sb_add(&sent, "%s%s had HR %s, p %s%s", jj == 0 ? "" : jj + 1 == d->p ? " and " : "; ",
                   name ? name : "", hr, pb[0] == '<' ? "" : "= ", pb);
            free(name);
        }
        if (d->p > 0)
            sb_add(&sent, ".");
        if (sent.oom || result(r, sent.s) != COH_OK) {
            free(sent.s);
            st = coh_error_set(r->err, COH_ENOMEM, "out of memory");
            goto done;
        }
        para(r, "%s", sent.s);
        free(sent.s);
    }
    coh_json_key(&r->j, "multivariable");
    coh_json_object_begin(&r->j);
    coh_json_key(&r->j, "n");
    coh_json_int(&r->j, (int64_t)f->n);
    coh_json_key(&r->j, "events");
    coh_json_int(&r->j, (int64_t)f->n_events);
    coh_json_key(&r->j, "terms");
    coh_json_array_begin(&r->j);
    for (size_t k = 0; k < sel->n_final; k++)
        coh_json_string(&r->j, sel->final_terms[k]);
    coh_json_array_end(&r->j);
    coh_json_key(&r->j, "coefficients");
    coh_json_array_begin(&r->j);
    for (size_t jj = 0; jj < d->p; jj++)
        json_coef(r, d->col_names[jj], f, jj);
    coh_json_array_end(&r->j);
    coh_json_key(&r->j, "loglik");
    coh_json_number(&r->j, f->loglik);
    coh_json_key(&r->j, "converged");
    coh_json_bool(&r->j, f->converged);
    coh_json_object_end(&r->j);
    coh_json_key(&r->j, "selection");
    coh_json_array_begin(&r->j);
    for (size_t k = 0; k < sel->n_steps; k++) {
        const coh_select_step *sp = &sel->steps[k];
        coh_json_object_begin(&r->j);
        coh_json_key(&r->j, "step");
        coh_json_int(&r->j, sp->step);
        coh_json_key(&r->j, "term");
        coh_json_string(&r->j, sp->term);
        coh_json_key(&r->j, "action");
        coh_json_string(&r->j, sp->entered ? "entered" : "removed");
        coh_json_key(&r->j, "p");
        coh_json_number(&r->j, sp->p);
        coh_json_object_end(&r->j);
        char pb[32];
        p_text(r, sp->p, pb, sizeof pb);
        para(r, "Step %d: %s %s (p %s%s).", sp->step, sp->entered ? "entered" : "removed",
             label_of(r, sp->term), pb[0] == '<' ? "" : "= ", pb);
    }
    coh_json_array_end(&r->j);

    /* proportional hazards of the final model */
    coh_json_key(&r->j, "zph");
    if (d->n_terms > 0 && f->n_events > 0 &&
        coh_cox_zph(sel->data, f, COH_ZPH_KM, d->term_first, d->term_ncols, d->n_terms, &zph) ==
            COH_OK) {
        coh_json_object_begin(&r->j);
        coh_json_key(&r->j, "terms");
        coh_json_array_begin(&r->j);
        for (size_t t = 0; t < zph->n_terms; t++) {
            coh_json_object_begin(&r->j);
            coh_json_key(&r->j, "term");
            coh_json_string(&r->j, d->term_names[t]);
            coh_json_key(&r->j, "chisq");
            coh_json_number(&r->j, zph->chisq[t]);
            coh_json_key(&r->j, "df");
            coh_json_int(&r->j, zph->df[t]);
            coh_json_key(&r->j, "p");
            coh_json_number(&r->j, zph->p[t]);
            coh_json_object_end(&r->j);
        }
        coh_json_array_end(&r->j);
        coh_json_key(&r->j, "global_p");
        coh_json_number(&r->j, zph->global_p);
        coh_json_object_end(&r->j);
        char pb[32];
        p_text(r, zph->global_p, pb, sizeof pb);
        para(r, "Proportional hazards (scaled Schoenfeld residuals, cox.zph with the KM time "
                "transform): global test p %s%s.", pb[0] == '<' ? "" : "= ", pb);
    } else {
        coh_json_null(&r->j);
    }
    coh_json_object_end(&r->j);

    /* the forest plot of the multivariable model */
    if (d->p > 0) {
        rows = calloc(2 * d->p + d->n_terms, sizeof *rows);
        labels = calloc(2 * d->p + d->n_terms, 200);
        if (rows == NULL || labels == NULL) {
            st = coh_error_set(r->err, COH_ENOMEM, "out of memory");
            goto done;
        }
        size_t n = 0;
        for (size_t t = 0; t < d->n_terms; t++) {
            const char *heading_text = d->term_factor[t] ? label_of(r, d->term_names[t]) : NULL;
            if (d->term_factor[t] && d->term_ref[t] != NULL) {
                utf8_copy(labels + 200 * n, 200, d->term_ref[t]);
                rows[n] = (coh_plot_forest_row){labels + 200 * n, d->term_names[t],
                                                heading_text, NAN, NAN, NAN, NAN, true, true, false};
                heading_text = NULL;
                n++;
            }
            for (size_t k = 0; k < d->term_ncols[t]; k++) {
                size_t jj = d->term_first[t] + k;
                const char *col = d->col_names[jj];
                size_t tl = strlen(d->term_names[t]);
                if (d->term_factor[t] && strncmp(col, d->term_names[t], tl) == 0 && col[tl] == '=')
                    utf8_copy(labels + 200 * n, 200, col + tl + 1);
                else
                    utf8_copy(labels + 200 * n, 200, label_of(r, col));
                coh_cox_coef cm = coh_cox_coef_ci(f, jj, o->conf_level);
                rows[n] = (coh_plot_forest_row){labels + 200 * n, d->term_names[t], heading_text,
                                                cm.hr, cm.lower, cm.upper, cm.p, false,
                                                d->term_factor[t], f->infinite[jj]};
                heading_text = NULL;
                n++;
            }
        }
        coh_plot_forest_spec fs;
        coh_plot_forest_spec_init(&fs);
        fs.rows = rows;
        fs.n_rows = n;
        fs.p_digits = o->p_digits;
        fs.conf_level = o->conf_level;
        char base[300];
        snprintf(base, sizeof base, "forest_%s", c->name);
        if ((st = draw3(r, base, forest_draw, forest_csv, &fs)) != COH_OK)
            goto done;
        char cap[400];
        snprintf(cap, sizeof cap, "%s: multivariable hazard ratios", title);
        if ((st = figure(r, base, cap)) != COH_OK)
            goto done;
    }
    for (size_t w = 0; w < f->n_warnings && st == COH_OK; w++)
        st = warn(r, "cox '%s': %s", c->name, f->warnings[w]);
done:
    free(rows);
    free(labels);
    coh_zph_result_free(zph);
    coh_select_result_free(sel);
    coh_univariable_result_free(uni);
    model_spec_free(&m);
    free(keep);
    return st;
}

static coh_status section_cox(runner *r)
{
    if (r->s->n_cox == 0)
        return COH_OK;
    heading(r, 2, "Cox regression", "cox");
    coh_json_key(&r->j, "cox");
    coh_json_array_begin(&r->j);
    coh_status st = COH_OK;
    for (size_t i = 0; i < r->s->n_cox && st == COH_OK; i++)
        st = one_cox(r, &r->s->cox[i]);
    coh_json_array_end(&r->j);
    return st;
}

/* ---- references to columns ---------------------------------------------------------- */

coh_status coh_study_check_columns(const coh_study *s, const coh_table *t, coh_error *err)
{
#define NEED(name, pos, what, whose)                                                            \
    do {                                                                                        \
        if ((name) != NULL && strcmp((name), "none") != 0 && coh_table_find(t, (name)) == NULL) \
            return coh_error_set(err, COH_ENOTFOUND, "%s:%zu:%zu: %s '%s': no variable '%s'",   \
                                 s->file, (pos).line, (pos).column, what, whose, (name));        \
    } while (0)
    for (size_t i = 0; i < s->n_endpoints; i++) {
        const coh_study_endpoint *e = &s->endpoints[i];
        NEED(e->time, e->time_pos, "endpoint", e->name);
        NEED(e->event, e->event_pos, "endpoint", e->name);
    }
    for (size_t i = 0; i < s->n_tables; i++) {
        const coh_study_table *tb = &s->tables[i];
        NEED(tb->by, tb->pos, "table", tb->name);
        for (size_t k = 0; k < tb->n_rows; k++)
            NEED(tb->rows[k].variable, tb->rows[k].pos, "table", tb->name);
    }
    for (size_t i = 0; i < s->n_km; i++)
        NEED(s->km[i].by, s->km[i].pos, "survival", s->km[i].name);
    for (size_t i = 0; i < s->n_cox; i++)
        for (size_t k = 0; k < s->cox[i].n_terms; k++)
            NEED(s->cox[i].terms[k], s->cox[i].term_pos[k], "cox", s->cox[i].name);
#undef NEED
    return COH_OK;
}

/* ---- methods, options, the page ------------------------------------------------- */

static coh_status section_methods(runner *r)
{
    const coh_study_options *o = r->opt;
    heading(r, 2, "Methods", "methods");
    const char *cont = o->summary == COH_TABONE_MEAN_SD ? "mean (SD)"
                       : o->summary == COH_TABONE_BOTH  ? "median (IQR) and mean (SD)"
                                                        : "median (interquartile range, "
                                                          "quartiles by R's type 7 definition)";
    const char *cont_test =
        o->cont_test == COH_TABONE_CONT_RANK
            ? (o->mw_continuity ? "the Mann-Whitney U test (normal approximation with "
                                  "continuity correction, or exact for small samples without "
                                  "ties; Kruskal-Wallis for more than two groups)"
                                : "the Mann-Whitney U test (without continuity correction, as "
                                  "SPSS; Kruskal-Wallis for more than two groups)")
        : o->cont_test == COH_TABONE_CONT_WELCH ? "Welch's t-test (Welch's ANOVA for more than "
                                                  "two groups)"
        : o->cont_test == COH_TABONE_CONT_STUDENT ? "Student's t-test (one-way ANOVA for more "
                                                    "than two groups)"
                                                  : "no test";
    const char *cat_test = o->cat_test == COH_TABONE_CAT_AUTO
                               ? "Pearson's chi-square test without continuity correction, or "
                                 "Fisher's exact test when an expected count was below 5"
                           : o->cat_test == COH_TABONE_CAT_PEARSON
                               ? "Pearson's chi-square test without continuity correction"
                           : o->cat_test == COH_TABONE_CAT_YATES
                               ? "the chi-square test with Yates's continuity correction"
                           : o->cat_test == COH_TABONE_CAT_FISHER ? "Fisher's exact test"
                                                                  : "no test";
    const coh_study *s = r->s;
    bool followup = false;
    for (size_t i = 0; i < s->n_km; i++)
        followup = followup || s->km[i].followup;
    bool selection = false, screen = false;
    for (size_t i = 0; i < s->n_cox; i++) {
        selection = selection || s->cox[i].method != COH_SELECT_NONE || !isnan(s->cox[i].entry);
        screen = screen || !isnan(s->cox[i].entry);
    }
    if (o->cat_test == COH_TABONE_CAT_YATES)
        cat_test = "the chi-square test, with Yates's continuity correction on 2 x 2 tables";
    if (s->n_tables > 0)
        para(r, "Continuous variables are summarised as %s and compared with %s; categorical "
                "variables as counts with percentages of the non-missing values, compared with "
                "%s. Missing values are counted but left out of percentages and tests.",
             cont, cont_test, cat_test);
    char ci[200];
    if (o->conf_type == COH_CONF_NONE)
        snprintf(ci, sizeof ci, "no confidence intervals");
    else
        snprintf(ci, sizeof ci, "%g%% pointwise confidence intervals on the %s scale",
                 100 * o->conf_level, coh_conf_type_name(o->conf_type));
    if (s->n_km > 0)
        para(r, "Survival was estimated with the Kaplan-Meier method, with Greenwood standard "
                "errors and %s; medians with %s. Groups were compared with the %s test.%s",
             ci,
             o->conf_type == COH_CONF_NONE ? "no interval"
             : o->median_ci_spss ? "symmetric intervals from Collett's standard error, as SPSS "
                                   "prints them"
                                 : "the Brookmeyer-Crowley interval, as R's survival package",
             test_name(o->test),
             followup ? " Follow-up is the median time of the patients without the event, "
                        "with the reverse Kaplan-Meier estimate." : "");
    {
        /* analyses whose median interval is not the study's */
        sbuf other = {NULL, 0, 0, false};
        size_t n_other = 0;
        for (size_t i = 0; i < s->n_km; i++)
            if (s->km[i].median_ci >= 0 && (s->km[i].median_ci == 1) != o->median_ci_spss) {
                const coh_study_km *a = &s->km[i];
                sb_add(&other, "%s%s", n_other++ ? "; " : "", a->title ? a->title : a->name);
            }
        if (n_other > 0 && !other.oom && o->conf_type != COH_CONF_NONE)
            para(r, "In %s, medians and median follow-up have instead %s: %s.",
                 n_other > 1 ? "these analyses" : "this analysis",
                 o->median_ci_spss ? "the Brookmeyer-Crowley interval, as R's survival package"
                                   : "symmetric intervals from Collett's standard error, as "
                                     "SPSS prints them",
                 other.s);
        free(other.s);
    }
    if (s->n_cox > 0)
        para(r, "Hazard ratios come from Cox proportional hazards models (%s's method for tied "
                "event times) with Wald %g%% confidence intervals.%s%s%s Proportional hazards "
                "were checked with scaled Schoenfeld residuals (R's cox.zph).",
             o->ties == COH_TIES_BRESLOW ? "Breslow" : "Efron", 100 * o->conf_level,
             selection ? " Multivariable models were selected as stated with each model (entry "
                         "screen and elimination levels), by the " : "",
             selection ? (o->select_test == COH_SELECT_LR ? "likelihood-ratio test" : "Wald test")
                       : "",
             !selection ? ""
             : !screen ? "."
             : o->screen_rows == COH_SCREEN_AVAILABLE
                 ? "; the entry screen used each term's univariable p on its own complete "
                   "cases (as a univariable column shows it), and the selection the patients "
                   "complete in the terms that passed it."
                 : "; the entry screen and the selection used the patients complete in every "
                   "candidate, and so do the univariable columns of models with a screen.");
    para(r, "p-values are two-sided, printed to %d significant digits.", o->p_digits);
    para(r, "All analyses were run with Cohort %s, whose estimates are checked against R's "
            "survival package (docs/methods.md).", coh_version());
    return COH_OK;
}

static void json_options(runner *r)
{
    const coh_study_options *o = r->opt;
    coh_json_key(&r->j, "options");
    coh_json_object_begin(&r->j);
    coh_json_key(&r->j, "ties");
    coh_json_string(&r->j, o->ties == COH_TIES_BRESLOW ? "breslow" : "efron");
    coh_json_key(&r->j, "conf_type");
    coh_json_string(&r->j, coh_conf_type_name(o->conf_type));
    coh_json_key(&r->j, "conf_level");
    coh_json_number(&r->j, o->conf_level);
    coh_json_key(&r->j, "median_ci");
    coh_json_string(&r->j, o->median_ci_spss ? "spss" : "brookmeyer-crowley");
    coh_json_key(&r->j, "test");
    coh_json_string(&r->j, test_name(o->test));
    coh_json_key(&r->j, "tests");
    static const char *const cat[] = {"auto", "pearson", "yates", "fisher", "none"};
    coh_json_string(&r->j, cat[o->cat_test]);
    coh_json_key(&r->j, "continuous_test");
    static const char *const cont[] = {"rank", "welch", "student", "none"};
    coh_json_string(&r->j, cont[o->cont_test]);
    coh_json_key(&r->j, "mw_continuity");
    coh_json_bool(&r->j, o->mw_continuity);
    coh_json_key(&r->j, "summary");
    static const char *const sum[] = {"median-iqr", "mean-sd", "both"};
    coh_json_string(&r->j, sum[o->summary]);
    coh_json_key(&r->j, "digits");
    coh_json_int(&r->j, o->digits);
    coh_json_key(&r->j, "p_digits");
    coh_json_int(&r->j, o->p_digits);
    coh_json_key(&r->j, "select_test");
    coh_json_string(&r->j, o->select_test == COH_SELECT_LR ? "lr" : "wald");
    coh_json_key(&r->j, "screen_rows");
    coh_json_string(&r->j, coh_screen_rows_name(o->screen_rows));
    coh_json_object_end(&r->j);
}

static const char page_style[] =
    "body { font-family: 'DejaVu Sans', Arial, sans-serif; font-size: 11pt; max-width: 60em;"
    " margin: 2em auto; padding: 0 1em; color: #111; line-height: 1.4; }\n"
    "h1 { font-size: 1.6em; } h2 { font-size: 1.3em; border-bottom: 1px solid #999;"
    " margin-top: 2em; } h3 { font-size: 1.1em; margin-top: 1.5em; }\n"
    "table { border-collapse: collapse; margin: 0.8em 0; }\n"
    "caption { caption-side: top; text-align: left; font-weight: bold; padding-bottom: 0.3em; }\n"
    "th, td { padding: 0.15em 0.7em; text-align: left; vertical-align: top; }\n"
    "thead th { border-top: 1.5px solid #000; border-bottom: 1px solid #000; }\n"
    "tbody tr:last-child td { border-bottom: 1.5px solid #000; }\n"
    "td.indent { padding-left: 2em; } td.p, th.p { text-align: right; white-space: nowrap; }\n"
    "table.tabone td + td, table.simple td + td { white-space: nowrap; }\n"
    "tr.section td { font-weight: bold; font-style: italic; }\n"
    ".notes { font-size: 0.85em; } .notes p { margin: 0.1em 0; }\n"
    ".figure svg { max-width: 100%; height: auto; } .caption { font-style: italic; }\n"
    ".meta { color: #444; font-size: 0.9em; } .warnings li { color: #8a3b00; }\n"
    "@media print { body { margin: 0; max-width: none; } h2 { page-break-before: auto; }"
    " .figure, table { page-break-inside: avoid; } }\n";

/* ---- published vs reproduced --------------------------------------------------- */

/* The number at `path` of results.json, or NAN (and *found false; then
 * *absent tells a [key=value] selector that matched nothing: a result
 * this run does not have, as a term the selection removed). */
static double result_at(const json_node *root, const char *path, bool *found, bool *absent)
{
    bool un = false;
    const json_node *v = path != NULL ? json_get_why(root, path, &un) : NULL;
    *found = v != NULL && (v->kind == JSON_NUMBER || v->kind == JSON_NULL);
    *absent = *absent || (v == NULL && un);
    return v != NULL && v->kind == JSON_NUMBER ? v->number : NAN;
}

/* The comparison table, into both pages (files f and m), from the
 * results.json just written.  A path that is not in it is an error
 * naming the study file's line: the comparison would be silently empty. */
static coh_status published_table(runner *r, FILE *f, FILE *m)
{
    const coh_study *s = r->s;
    char path[1200], jerr[200];
    json_node *root = json_parse_file(out_path(r, path, sizeof path, "results.json"), jerr,
                                      sizeof jerr);
    if (root == NULL)
        return coh_error_set(r->err, COH_EINTERNAL, "results.json: %s", jerr);
    coh_status st = COH_OK;
    fputs("<h2 id=\"published\">Published vs reproduced</h2>\n", f);
    fputs("\n## Published vs reproduced\n\n", m);
    if (s->published_note != NULL) {
        fputs("<p class=\"note\">", f);
        html_esc(f, s->published_note);
        fputs("</p>\n", f);
        md_esc(m, s->published_note);
        fputs("\n\n", m);
    }
    fputs("<table class=\"simple\">\n<thead><tr><th>Result</th><th>Published</th>"
          "<th>Reproduced</th></tr></thead>\n<tbody>\n", f);
    fputs("| Result | Published | Reproduced |\n| --- | --- | --- |\n", m);
    for (size_t i = 0; i < s->n_published && st == COH_OK; i++) {
        const coh_study_published *p = &s->published[i];
        bool fv, fl = true, fu = true, absent = false, unused = false;
        double v = result_at(root, p->value, &fv, &absent);
        double lo = p->lower != NULL ? result_at(root, p->lower, &fl, &unused) : NAN;
        double hi = p->upper != NULL ? result_at(root, p->upper, &fu, &unused) : NAN;
        char cell[200];
        if (!fv && absent && p->optional) {
            /* e.g. a coefficient of a term the selection removed */
            snprintf(cell, sizeof cell, "not in these results");
            goto row;
        }
        if (fv && p->p_value && !isnan(v) && !(v >= 0 && v <= 1)) {
            st = coh_error_set(r->err, COH_EPARSE,
                               "%s:%zu:%zu: published '%s': '%s' is %g, not a p-value", s->file,
                               p->pos.line, p->pos.column, p->label, p->value, v);
            break;
        }
        if (!fv || !fl || !fu) {
            const char *bad = !fv ? p->value : !fl ? p->lower : p->upper;
            st = coh_error_set(r->err, COH_EPARSE,
                               "%s:%zu:%zu: published '%s': results.json has no number at '%s'",
                               s->file, p->pos.line, p->pos.column, p->label, bad);
            break;
        }
        if (isnan(v) && p->p_value)
            snprintf(cell, sizeof cell, "not computed");
        else if (isnan(v))
            snprintf(cell, sizeof cell, "not reached");
        else if (p->p_value)
            p_text(r, v, cell, sizeof cell);
        else
            snprintf(cell, sizeof cell, "%.*f", p->digits, v * p->scale);
        if (p->lower != NULL || p->upper != NULL) {
            char a[64], b[64];
            if (isnan(lo))
                snprintf(a, sizeof a, "NR");
            else
                snprintf(a, sizeof a, "%.*f", p->digits, lo * p->scale);
            if (isnan(hi))
                snprintf(b, sizeof b, "NR");
            else
                snprintf(b, sizeof b, "%.*f", p->digits, hi * p->scale);
            size_t l = strlen(cell);
            snprintf(cell + l, sizeof cell - l, " (%s" DASH "%s)", a, b);
        }
    row:
        if (st == COH_OK) {
            char **np = realloc(r->pub, (r->n_pub + 1) * 3 * sizeof *np);
            if (np == NULL)
                st = coh_error_set(r->err, COH_ENOMEM, "out of memory");
            else {
                r->pub = np;
                np[3 * r->n_pub] = coh_strdup(p->label);
                np[3 * r->n_pub + 1] = coh_strdup(p->published);
                np[3 * r->n_pub + 2] = coh_strdup(cell);
                r->n_pub++;
                if (np[3 * r->n_pub - 3] == NULL || np[3 * r->n_pub - 2] == NULL ||
                    np[3 * r->n_pub - 1] == NULL)
                    st = coh_error_set(r->err, COH_ENOMEM, "out of memory");
            }
        }
        fputs("<tr><td>", f);
        html_esc(f, p->label);
        fputs("</td><td>", f);
        html_esc(f, p->published);
        fputs("</td><td>", f);
        html_esc(f, cell);
        fputs("</td></tr>\n", f);
        fputs("| ", m);
        md_esc(m, p->label);
        fputs(" | ", m);
        md_esc(m, p->published);
        fputs(" | ", m);
        md_esc(m, cell);
        fputs(" |\n", m);
    }
    fputs("</tbody>\n</table>\n", f);
    fputc('\n', m);
    json_free(root);
    return st;
}

/* report.html and report.md: the head of each page, the comparison table
 * (when the study has one), then the rest. */
static coh_status write_pages(runner *r, const char *h, size_t hlen, size_t h_at, const char *md,
                              size_t mlen, size_t m_at)
{
    char hp[1200], mp[1200];
    FILE *f = fopen(out_path(r, hp, sizeof hp, "report.html"), "w");
    FILE *m = fopen(out_path(r, mp, sizeof mp, "report.md"), "w");
    coh_status st = COH_OK;
    if (f == NULL || m == NULL)
        st = coh_error_set(r->err, COH_EIO, "%s: cannot write the report", hp);
    if (st == COH_OK) {
        fwrite(h, 1, h_at, f);
        fwrite(md, 1, m_at, m);
        if (r->s->n_published > 0)
            st = published_table(r, f, m);
        fwrite(h + h_at, 1, hlen - h_at, f);
        fwrite(md + m_at, 1, mlen - m_at, m);
    }
    bool ok = f != NULL && !ferror(f) && m != NULL && !ferror(m);
    if (f != NULL)
        ok = (fclose(f) == 0) && ok;
    if (m != NULL)
        ok = (fclose(m) == 0) && ok;
    if (st == COH_OK && !ok)
        st = coh_error_set(r->err, COH_EIO, "%s: cannot write the report", hp);
    return st;
}

/* ---- the folder ------------------------------------------------------------------ */

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_tree(const char *path)
{
    nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* mkdir -p of the folders above `path`. */
static coh_status make_parents(const char *path, coh_error *err)
{
    char *p = coh_strdup(path);
    if (p == NULL)
        return coh_error_set(err, COH_ENOMEM, "out of memory");
    for (char *q = p + 1; *q; q++)
        if (*q == '/') {
            *q = '\0';
            if (mkdir(p, 0777) != 0 && errno != EEXIST) {
                int e = errno;
                coh_error_set(err, COH_EIO, "%s: cannot create the folder: %s", p, strerror(e));
                free(p);
                return COH_EIO;
            }
            *q = '/';
        }
    free(p);
    return COH_OK;
}

/* The marker every report folder holds: a folder with it is an earlier
 * report, which a new run may replace. */
#define REPORT_MARKER ".cohort-report"

/* May `dir` be replaced by a report?  When it does not exist, is an empty
 * folder, or holds an earlier report (its marker file).  Anything else
 * (a file, a folder of other things, the study's own folder) is never
 * deleted: COH_EIO with a message. */
static coh_status replaceable(const char *dir, coh_error *err)
{
    struct stat sb;
    if (lstat(dir, &sb) != 0)
        return COH_OK;
    if (!S_ISDIR(sb.st_mode))
        return coh_error_set(err, COH_EIO,
                             "%s exists and is not a folder; give --out a new folder", dir);
    char marker[1200];
    snprintf(marker, sizeof marker, "%s/%s", dir, REPORT_MARKER);
    if (stat(marker, &sb) == 0)
        return COH_OK;
    /* an empty folder is fine too */
    if (rmdir(dir) == 0)
        return COH_OK;
    return coh_error_set(err, COH_EIO,
                         "%s holds files that are not a Cohort report; they are never "
                         "replaced: give --out a new folder", dir);
}

/* A run's temporary folder holds this file: the process that writes it,
 * and the machine, so that a later run can tell a folder left by a run
 * that was killed (SIGKILL, power loss) from one still being written. */
#define RUN_MARKER ".cohort-run"

/* The identity of this process's pid space: the machine and, on Linux,
 * the pid namespace (a container sharing the host's name has its own
 * pids), in buf. */
static void pid_space(char *buf, size_t size)
{
    char host[256] = "", ns[128] = "-";
    gethostname(host, sizeof host - 1);
    ssize_t n = readlink("/proc/self/ns/pid", ns, sizeof ns - 1);
    if (n > 0)
        ns[n] = '\0';
    else
        snprintf(ns, sizeof ns, "-");
    snprintf(buf, size, "%s %s", host[0] ? host : "-", ns);
}

static void run_marker_write(const char *dir)
{
    char path[1200], space[400];
    snprintf(path, sizeof path, "%s/%s", dir, RUN_MARKER);
    pid_space(space, sizeof space);
    FILE *f = fopen(path, "w");
    if (f != NULL) {
        fprintf(f, "%ld %s\n", (long)getpid(), space);
        fclose(f);
    }
}

static void run_marker_remove(const char *dir)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, RUN_MARKER);
    unlink(path);
}

/* A folder (not a symlink) holding a run marker of this pid space whose
 * process no longer exists: left by a run that was killed. */
static bool left_by_dead_run(const char *path, const char *space)
{
    struct stat sb;
    if (lstat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return false;
    char mk[2400], host[256] = "", ns[128] = "";
    snprintf(mk, sizeof mk, "%s/%s", path, RUN_MARKER);
    FILE *f = fopen(mk, "r");
    long pid = 0;
    int got = f != NULL ? fscanf(f, "%ld %255s %127s", &pid, host, ns) : 0;
    if (f != NULL)
        fclose(f);
    char theirs[400];
    snprintf(theirs, sizeof theirs, "%s %s", host, ns);
    if (got != 3 || pid <= 0 || strcmp(theirs, space) != 0)
        return false;
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/* Remove what runs into OUT that were killed left behind: their
 * temporary folders OUT.tmp-XXXXXX, and an earlier report they had moved
 * aside (OUT.old-XXXXXX), each only when it is a real folder holding a
 * run marker of this machine and pid namespace whose process is gone.
 * Anything else (other names, symlinks, folders without the marker,
 * markers of live runs) is left alone. */
static void sweep_stale(const char *out_dir)
{
    char dir[1100], base[1100];
    const char *slash = strrchr(out_dir, '/');
    if (slash == NULL) {
        snprintf(dir, sizeof dir, ".");
        snprintf(base, sizeof base, "%s", out_dir);
    } else {
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - out_dir), out_dir);
        if (dir[0] == '\0')
            snprintf(dir, sizeof dir, "/");
        snprintf(base, sizeof base, "%s", slash + 1);
    }
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    char space[400];
    pid_space(space, sizeof space);
    size_t bl = strlen(base);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *nm = e->d_name;
        if (strncmp(nm, base, bl) != 0 ||
            (strncmp(nm + bl, ".tmp-", 5) != 0 && strncmp(nm + bl, ".old-", 5) != 0) ||
            strlen(nm) != bl + 11)
            continue;
        char path[2300];
        snprintf(path, sizeof path, "%s/%s", dir, nm);
        if (left_by_dead_run(path, space))
            rm_tree(path);
    }
    closedir(d);
}

static void today(char *buf, size_t size)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, size, "%Y-%m-%d", &tm);
}

/* Columns a code point takes in a terminal: 0 for combining marks, 2
 * for East Asian wide and fullwidth ones (the main blocks of Unicode's
 * EastAsianWidth W and F), 1 otherwise. */
static size_t cp_width(uint32_t c)
{
    if ((c >= 0x0300 && c <= 0x036F) || (c >= 0x1AB0 && c <= 0x1AFF) ||
        (c >= 0x20D0 && c <= 0x20FF) || (c >= 0xFE20 && c <= 0xFE2F) || c == 0x200B ||
        c == 0x200D)
        return 0;
    if ((c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) ||
        (c >= 0x3041 && c <= 0x33FF) || (c >= 0x3400 && c <= 0x4DBF) ||
        (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
        (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
        (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
        (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
        (c >= 0x1F900 && c <= 0x1F9FF) || (c >= 0x20000 && c <= 0x3FFFD))
        return 2;
    return 1;
}

/* Display width of UTF-8 text in a terminal (the summary's columns). */
static size_t text_width(const char *s)
{
    size_t w = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t c = *p;
        size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        if (n > 1) {
            c &= (uint32_t)(0x7F >> n);
            for (size_t k = 1; k < n && (p[k] & 0xC0) == 0x80; k++)
                c = (c << 6) | (p[k] & 0x3F);
        }
        w += cp_width(c);
        for (size_t k = 0; k < n && *p; k++)
            p++;
    }
    return w;
}

/* Text for a terminal: control characters (C0 as tab, line break,
 * escape; DEL; C1) as '?', as the report's other formats show them. */
static void term_puts(const char *s, size_t n, FILE *out)
{
    for (size_t i = 0; i < n && s[i] != '\0'; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
            (unsigned char)s[i + 1] <= 0x9F) {
            fputc('?', out); /* a C1 control (U+0080-U+009F), e.g. CSI */
            i++;
            continue;
        }
        fputc(ch < 0x20 || ch == 0x7F ? '?' : ch, out);
    }
}

/* The headline results as plain text for a terminal: the published table
 * when the study has one (columns aligned by characters), else the Results
 * sentences. */
static void summary_write(const runner *r, FILE *out)
{
    const coh_study *s = r->s;
    if (r->n_pub > 0) {
        size_t w[3] = {strlen("Result"), strlen("Published"), strlen("Reproduced")};
        for (size_t i = 0; i < r->n_pub; i++)
            for (size_t c = 0; c < 2; c++)
                if (text_width(r->pub[3 * i + c]) > w[c])
                    w[c] = text_width(r->pub[3 * i + c]);
        fputs("\nPublished vs reproduced\n", out);
        if (s->published_note != NULL) {
            /* the note, wrapped at 78 columns (words longer than a line
             * stand alone) */
            const char *p = s->published_note;
            size_t col = 0;
            while (*p) {
                while (*p == ' ' || *p == '\n' || *p == '\t')
                    p++;
                size_t n = strcspn(p, " \n\t");
                if (n == 0)
                    break;
                char *word = coh_strndup(p, n);
                size_t ww = word != NULL ? text_width(word) : n;
                free(word);
                if (col > 0 && col + 1 + ww > 76) {
                    fputc('\n', out);
                    col = 0;
                }
                fputs(col == 0 ? "  " : " ", out);
                term_puts(p, n, out);
                col += ww + 1;
                p += n;
            }
            if (col > 0)
                fputs("\n\n", out);
        }
        const char *head[3] = {"Result", "Published", "Reproduced"};
        for (size_t i = 0; i <= r->n_pub; i++) {
            const char *const *row = i == 0 ? head : (const char *const *)r->pub + 3 * (i - 1);
            fputs("  ", out);
            for (size_t c = 0; c < 3; c++) {
                term_puts(row[c], strlen(row[c]), out);
                if (c < 2)
                    fprintf(out, "%*s  ", (int)(w[c] - text_width(row[c])), "");
            }
            fputc('\n', out);
        }
    } else if (r->n_results > 0) {
        fputs("\nResults\n", out);
        for (size_t i = 0; i < r->n_results; i++) {
            fputs("  ", out);
            term_puts(r->results[i], strlen(r->results[i]), out);
            fputc('\n', out);
        }
    }
}

static void runner_free_texts(runner *r)
{
    for (size_t i = 0; i < r->n_warnings; i++)
        free(r->warnings[i]);
    free(r->warnings);
    for (size_t i = 0; i < r->n_results; i++)
        free(r->results[i]);
    free(r->results);
    for (size_t i = 0; i < 3 * r->n_pub; i++)
        free(r->pub[i]);
    free(r->pub);
}

coh_status coh_study_run(const coh_study *s, const coh_study_run_options *ro, coh_error *err)
{
    runner r;
    memset(&r, 0, sizeof r);
    char *hbody = NULL, *mbody = NULL; /* the pages, made in memory */
    size_t hlen = 0, mlen = 0;
    r.s = s;
    r.opt = &s->options;
    r.err = err;
    char date[32];
    if (ro != NULL && ro->run_date != NULL)
        snprintf(date, sizeof date, "%s", ro->run_date);
    else
        today(date, sizeof date);
    char out_dir[1024];
    if (ro != NULL && ro->out_dir != NULL)
        snprintf(out_dir, sizeof out_dir, "%s", ro->out_dir);
    else
        snprintf(out_dir, sizeof out_dir, "out/%s", s->name);
    size_t ol = strlen(out_dir);
    while (ol > 1 && out_dir[ol - 1] == '/')
        out_dir[--ol] = '\0';

    coh_status st = coh_study_data(s, &r.t, &r.flow, err);
    if (st != COH_OK)
        return st;
    if ((st = coh_study_check_columns(s, r.t, err)) != COH_OK)
        goto fail;
    char tmp[1100], path[1200];
    if ((st = make_parents(out_dir, err)) != COH_OK || (st = replaceable(out_dir, err)) != COH_OK)
        goto fail;
    sweep_stale(out_dir);
    snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", out_dir);
    if (mkdtemp(tmp) == NULL) {
        st = coh_error_set(err, COH_EIO, "%s: cannot create the output folder: %s", out_dir,
                           strerror(errno));
        goto fail;
    }
    r.dir = tmp;
    run_marker_write(tmp);
    chmod(tmp, 0755);
    snprintf(path, sizeof path, "%s/tables", tmp);
    bool ok = mkdir(path, 0755) == 0;
    snprintf(path, sizeof path, "%s/figures", tmp);
    ok = ok && mkdir(path, 0755) == 0;
    /* the pages are made in memory: the "Published vs reproduced" table
     * that opens them needs results.json, which is written last */
    r.html = open_memstream(&hbody, &hlen);
    r.md = open_memstream(&mbody, &mlen);
    r.jf = fopen(out_path(&r, path, sizeof path, "results.json"), "w");
    if (!ok || r.html == NULL || r.md == NULL || r.jf == NULL) {
        st = coh_error_set(err, COH_EIO, "%s: cannot write the report: %s", tmp, strerror(errno));
        goto fail;
    }
    const char *title = s->title != NULL ? s->title : s->name;
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
          r.html);
    html_esc(r.html, title);
    fprintf(r.html, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", page_style);
    html_esc(r.html, title);
    fputs("</h1>\n", r.html);
    fputs("# ", r.md);
    md_esc(r.md, title);
    fputs("\n\n", r.md);
    /* the one line that differs between runs */
    fprintf(r.html, "<p class=\"meta\">Run on %s with Cohort %s from ", date, coh_version());
    html_esc(r.html, s->file);
    fputs(".</p>\n", r.html);
    fprintf(r.md, "Run on %s with Cohort %s from ", date, coh_version());
    md_esc(r.md, s->file);
    fputs(".\n\n", r.md);
    if (s->description != NULL)
        para(&r, "%s", s->description);
    long h_at = ftell(r.html), m_at = ftell(r.md); /* where the comparison goes */

    coh_json_init(&r.j, r.jf);
    coh_json_object_begin(&r.j);
    coh_json_key(&r.j, "study");
    coh_json_string(&r.j, s->name);
    coh_json_key(&r.j, "title");
    coh_json_string(&r.j, title);
    coh_json_key(&r.j, "cohort_version");
    coh_json_string(&r.j, coh_version());
    coh_json_key(&r.j, "run_date");
    coh_json_string(&r.j, date);
    json_options(&r);
    coh_json_key(&r.j, "n_analysed");
    coh_json_int(&r.j, (int64_t)r.t->n_rows);

    if ((st = section_data(&r)) == COH_OK && (st = section_tables(&r)) == COH_OK &&
        (st = section_km(&r)) == COH_OK && (st = section_cox(&r)) == COH_OK)
        st = section_methods(&r);
    if (st == COH_OK && r.n_results > 0) {
        heading(&r, 2, "Results", "results");
        for (size_t i = 0; i < r.n_results; i++)
            para(&r, "%s", r.results[i]);
    }
    if (st != COH_OK)
        goto fail;
    coh_json_key(&r.j, "warnings");
    coh_json_array_begin(&r.j);
    for (size_t i = 0; i < r.n_warnings; i++)
        coh_json_string(&r.j, r.warnings[i]);
    coh_json_array_end(&r.j);
    coh_json_object_end(&r.j);
    coh_json_end(&r.j);
    if (r.n_warnings > 0) {
        heading(&r, 2, "Warnings", "warnings");
        fputs("<ul class=\"warnings\">\n", r.html);
        for (size_t i = 0; i < r.n_warnings; i++) {
            fputs("<li>", r.html);
            html_esc(r.html, r.warnings[i]);
            fputs("</li>\n", r.html);
            fputs("- ", r.md);
            md_esc(r.md, r.warnings[i]);
            fputc('\n', r.md);
        }
        fputs("</ul>\n", r.html);
    }
    fputs("</body>\n</html>\n", r.html);
    FILE *mk = fopen(out_path(&r, path, sizeof path, REPORT_MARKER), "w");
    bool marked = mk != NULL && fputs("A report written by Cohort (cohort run): a new run may "
                                      "replace this folder.\n", mk) >= 0;
    marked = mk != NULL && fclose(mk) == 0 && marked;
    FILE *wf = fopen(out_path(&r, path, sizeof path, "warnings.txt"), "w");
    for (size_t i = 0; wf != NULL && i < r.n_warnings; i++)
        fprintf(wf, "%s\n", r.warnings[i]);
    bool closed = wf != NULL && fclose(wf) == 0;
    closed = (fclose(r.jf) == 0) && closed;
    r.jf = NULL;
    closed = (fclose(r.html) == 0) && closed;
    closed = (fclose(r.md) == 0) && closed;
    r.html = r.md = NULL;
    if (closed && marked)
        st = write_pages(&r, hbody, hlen, (size_t)h_at, mbody, mlen, (size_t)m_at);
    free(hbody);
    free(mbody);
    hbody = mbody = NULL;
    if (st != COH_OK)
        goto fail;
    if (!closed || !marked) {
        st = coh_error_set(err, COH_EIO, "%s: cannot write the report", tmp);
        goto fail;
    }
    /* into place: an older report moves aside first and goes only once the
     * new one is there; the run marker is not part of the report */
    run_marker_remove(tmp);
    char old[1100] = "";
    struct stat sb;
    if (lstat(out_dir, &sb) == 0) {
        /* the old report carries this run's marker while it is aside, so
         * that a later run can clear it if this one is killed */
        run_marker_write(out_dir);
        snprintf(old, sizeof old, "%s.old-XXXXXX", out_dir);
        if (mkdtemp(old) == NULL || rmdir(old) != 0 || rename(out_dir, old) != 0) {
            run_marker_remove(out_dir);
            st = coh_error_set(err, COH_EIO, "%s: cannot replace the old report: %s", out_dir,
                               strerror(errno));
            goto fail;
        }
    }
    if (rename(tmp, out_dir) != 0) {
        int e = errno;
        if (old[0] && rename(old, out_dir) == 0) {
            run_marker_remove(out_dir);
        }
        st = coh_error_set(err, COH_EIO, "%s: cannot write the report: %s", out_dir,
                           strerror(e));
        goto fail;
    }
    if (old[0])
        rm_tree(old);
    r.dir = NULL;
    if (ro != NULL && ro->summary != NULL)
        summary_write(&r, ro->summary);
    runner_free_texts(&r);
    coh_table_free(r.t);
    coh_study_flow_free(r.flow);
    return COH_OK;
fail:
    if (r.html != NULL)
        fclose(r.html);
    if (r.md != NULL)
        fclose(r.md);
    free(hbody);
    free(mbody);
    if (r.jf != NULL)
        fclose(r.jf);
    if (r.dir != NULL)
        rm_tree(r.dir);
    runner_free_texts(&r);
    coh_table_free(r.t);
    coh_study_flow_free(r.flow);
    return st;
}
