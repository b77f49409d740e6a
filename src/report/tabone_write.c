/* tabone_write.c - a built descriptive table ("Table 1") laid out as text,
 * Markdown, CSV, HTML, JSON or an Excel workbook (include/cohort/tabone.h).
 *
 * The builder (tabone.c) has already made the text of every cell, so that
 * every format shows the same numbers; this file only lays them out.
 *
 * Columns: the row label ("Characteristic"), one column per table column
 * (the overall one first) headed "label (n = N)", then "p" when a test was
 * asked for and at least two groups are compared, then "SMD" when asked
 * for.  A p-value carries the footnote mark of its test ("0.012 a"; HTML
 * "0.012<sup>a</sup>"); after the table come the tests ("a Pearson's
 * chi-square test"), the notes and the warnings ("Warning: ...").  CSV is
 * data: one line per row with the variable, level, statistic and test
 * name in columns of their own, no marks and no footnotes.
 *
 * Levels, Missing rows and the summary lines after a variable's first one
 * are indented: two spaces in text, two no-break spaces (U+00A0) in
 * Markdown (renderers strip leading spaces), CSS padding in HTML and a
 * cell indent in XLSX.  Text columns are aligned by UTF-8 code points, not
 * bytes, since cells hold "–" (U+2013); a wide (East Asian) character
 * counts as one column, a combining mark as one too.
 *
 * Every text is escaped for its format: control characters as '?' (text,
 * HTML, Markdown, XLSX; line breaks as spaces in HTML and Markdown, kept
 * in XLSX cells), Markdown's inline metacharacters with a backslash,
 * HTML's five special characters as entities, CSV fields quoted per
 * RFC 4180.  A NULL text (a cell, a label) is shown as empty.
 *
 * The table is only read; there is no file-scope mutable state.
 */
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "cohort/json.h"
#include "cohort/outfile.h"
#include "cohort/tabone.h"

/* Header of the label column. */
#define LABEL_HEADER "Characteristic"
/* Page title of an HTML table without a title. */
#define HTML_DEFAULT_TITLE "Table 1"
/* The widest XLSX column, in characters. */
#define XLSX_MAX_WIDTH 60.0

/* ------------------------------------------------------------------------
 * Layout shared by the formats
 * ------------------------------------------------------------------------ */

/* The columns shown: 0 is the label, 1..n_cols the table's columns, then
 * p and SMD when present (p_col, smd_col == n when absent). */
typedef struct layout {
    size_t n;
    size_t p_col;
    size_t smd_col;
} layout;

/* One cell as shown: `text` (never NULL; escaped by each format), then
 * `suffix`, plain ASCII that needs no escaping (a header's " (n = 10)"),
 * then the footnote mark `mark` ("a"; empty for none), which each format
 * shows its own way. */
typedef struct piece {
    const char *text;
    char suffix[48];
    char mark[16];
    bool indent;
} piece;

/* `s`, or "" for NULL. */
static const char *str_or_empty(const char *s) { return s != NULL ? s : ""; }

/* Equal strings, NULL equal only to NULL. */
static bool same_str(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* The columns of `tab`: p when a test was asked for and SMD when asked for,
 * each only when there are groups to compare. */
static layout make_layout(const coh_tabone *tab)
{
    layout lay;
    bool tests = tab->spec.cat_test != COH_TABONE_CAT_NONE ||
                 tab->spec.cont_test != COH_TABONE_CONT_NONE;
    lay.n = 1 + tab->n_cols;
    lay.p_col = lay.smd_col = SIZE_MAX;
    if (tests && tab->n_groups >= 2)
        lay.p_col = lay.n++;
    if (tab->spec.smd && tab->n_groups >= 2)
        lay.smd_col = lay.n++;
    if (lay.p_col == SIZE_MAX)
        lay.p_col = lay.n;
    if (lay.smd_col == SIZE_MAX)
        lay.smd_col = lay.n;
    return lay;
}

/* The test of `row`, or NULL when it has none (or an index out of range). */
static const coh_tabone_test *row_test(const coh_tabone *tab, const coh_tabone_row *row)
{
    if (row->test < 0 || (size_t)row->test >= tab->n_tests || tab->tests == NULL)
        return NULL;
    return &tab->tests[row->test];
}

/* The mark of footnote number `footnote` (1-based): "a".."z", beyond that
 * the number itself. */
static void footnote_mark(int footnote, char *buf, size_t size)
{
    if (footnote >= 1 && footnote <= 26)
        snprintf(buf, size, "%c", 'a' + footnote - 1);
    else
        snprintf(buf, size, "%d", footnote);
}

/* Whether row i is shown indented: levels, Missing rows, and summary lines
 * that follow another summary line of the same variable (the first one
 * carries the variable's label and p). */
static bool row_indented(const coh_tabone *tab, size_t i)
{
    const coh_tabone_row *row = &tab->rows[i];
    switch (row->kind) {
    case COH_TABONE_ROW_LEVEL:
    case COH_TABONE_ROW_MISSING:
        return true;
    case COH_TABONE_ROW_SUMMARY: {
        if (i == 0)
            return false;
        const coh_tabone_row *prev = &tab->rows[i - 1];
        return prev->kind == COH_TABONE_ROW_SUMMARY && same_str(prev->variable, row->variable);
    }
    default:
        return false;
    }
}

/* The header of shown column c. */
static void header_piece(const coh_tabone *tab, const layout *lay, size_t c, piece *pc)
{
    memset(pc, 0, sizeof *pc);
    pc->text = "";
    if (c == 0) {
        pc->text = LABEL_HEADER;
    } else if (c <= tab->n_cols) {
        size_t k = c - 1;
        pc->text = tab->col_labels != NULL ? str_or_empty(tab->col_labels[k]) : "";
        if (tab->col_n != NULL && isfinite(tab->col_n[k]))
            snprintf(pc->suffix, sizeof pc->suffix, " (n = %.0f)", tab->col_n[k]);
    } else if (c == lay->p_col) {
        pc->text = "p";
    } else if (c == lay->smd_col) {
        pc->text = "SMD";
    }
}

/* Shown column c of row i.  Section rows have only a label. */
static void body_piece(const coh_tabone *tab, const layout *lay, size_t i, size_t c, piece *pc)
{
    const coh_tabone_row *row = &tab->rows[i];
    memset(pc, 0, sizeof *pc);
    pc->text = "";
    if (c == 0) {
        pc->text = str_or_empty(row->label);
        pc->indent = row_indented(tab, i);
    } else if (row->kind == COH_TABONE_ROW_SECTION) {
        return;
    } else if (c <= tab->n_cols) {
        if (row->cells != NULL)
            pc->text = str_or_empty(row->cells[c - 1].text);
    } else if (c == lay->p_col) {
        pc->text = str_or_empty(row->p_text);
        const coh_tabone_test *test = row_test(tab, row);
        if (test != NULL)
            footnote_mark(test->footnote, pc->mark, sizeof pc->mark);
    } else if (c == lay->smd_col) {
        pc->text = str_or_empty(row->smd_text);
    }
}

/* Display width of UTF-8 text: its code points (continuation bytes do not
 * count). */
static size_t display_width(const char *s)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80)
            w++;
    return w;
}

/* Width of a piece as text shows it: indent, text, suffix, " " and mark. */
static size_t piece_width(const piece *pc)
{
    size_t w = display_width(pc->text) + strlen(pc->suffix);
    if (pc->indent)
        w += 2;
    if (pc->mark[0] != '\0')
        w += 1 + strlen(pc->mark);
    return w;
}

/* One footnote line: the mark (tests only), a prefix and the text. */
typedef struct footnote {
    char mark[16];      /* tests: "a", "b", ...; else empty */
    const char *prefix; /* "Warning: " or "" */
    const char *text;
} footnote;

/* The footnotes: the tests, then the notes, then the warnings. */
static size_t n_footnotes(const coh_tabone *tab)
{
    return tab->n_tests + tab->n_notes + tab->n_warnings;
}

/* Footnote i (below n_footnotes) in that order. */
static void get_footnote(const coh_tabone *tab, size_t i, footnote *fn)
{
    memset(fn, 0, sizeof *fn);
    fn->prefix = "";
    if (i < tab->n_tests) {
        footnote_mark(tab->tests[i].footnote, fn->mark, sizeof fn->mark);
        fn->text = str_or_empty(tab->tests[i].name);
        return;
    }
    i -= tab->n_tests;
    if (i < tab->n_notes) {
        fn->text = str_or_empty(tab->notes[i]);
        return;
    }
    i -= tab->n_notes;
    fn->prefix = "Warning: ";
    fn->text = str_or_empty(tab->warnings[i]);
}

/* ------------------------------------------------------------------------
 * Text
 * ------------------------------------------------------------------------ */

/* `s` with control characters (line breaks included) shown as '?'. */
static void text_str(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        fputc(*p < 0x20 || *p == 0x7F ? '?' : *p, out);
}

/* A piece as text: two spaces of indent, text, suffix, " " and mark. */
static void text_piece(FILE *out, const piece *pc)
{
    if (pc->indent)
        fputs("  ", out);
    text_str(out, pc->text);
    fputs(pc->suffix, out);
    if (pc->mark[0] != '\0')
        fprintf(out, " %s", pc->mark);
}

/* n spaces. */
static void spaces(FILE *out, size_t n)
{
    for (size_t k = 0; k < n; k++)
        fputc(' ', out);
}

/* One line of pieces, each but the last padded to its column's width and
 * followed by two spaces; empty trailing columns are left off, so that no
 * line ends in spaces. */
static void text_line(FILE *out, const piece *line, const size_t *width, size_t n)
{
    size_t last = 0;
    for (size_t c = 0; c < n; c++)
        if (piece_width(&line[c]) > 0)
            last = c;
    for (size_t c = 0; c <= last; c++) {
        text_piece(out, &line[c]);
        if (c < last)
            spaces(out, width[c] - piece_width(&line[c]) + 2);
    }
    fputc('\n', out);
}

/* Aligned columns for a terminal: the title and a blank line, the header
 * and a rule of dashes, one line per row (a section is its label alone and
 * does not widen the first column), then a blank line and the footnotes.
 * COH_ENOMEM when the column widths cannot be allocated. */
static coh_status write_text(const coh_tabone *tab, const char *title, FILE *out)
{
    layout lay = make_layout(tab);
    size_t *width = calloc(lay.n, sizeof *width);
    piece *line = calloc(lay.n, sizeof *line);
    if (width == NULL || line == NULL) {
        free(width);
        free(line);
        return COH_ENOMEM;
    }
    for (size_t c = 0; c < lay.n; c++) {
        header_piece(tab, &lay, c, &line[0]);
        width[c] = piece_width(&line[0]);
    }
    for (size_t i = 0; i < tab->n_rows; i++) {
        if (tab->rows[i].kind == COH_TABONE_ROW_SECTION)
            continue;
        for (size_t c = 0; c < lay.n; c++) {
            body_piece(tab, &lay, i, c, &line[0]);
            size_t w = piece_width(&line[0]);
            if (w > width[c])
                width[c] = w;
        }
    }

    if (title != NULL) {
        text_str(out, title);
        fputs("\n\n", out);
    }
    for (size_t c = 0; c < lay.n; c++)
        header_piece(tab, &lay, c, &line[c]);
    text_line(out, line, width, lay.n);
    size_t rule = 2 * (lay.n - 1);
    for (size_t c = 0; c < lay.n; c++)
        rule += width[c];
    for (size_t k = 0; k < rule; k++)
        fputc('-', out);
    fputc('\n', out);
    for (size_t i = 0; i < tab->n_rows; i++) {
        for (size_t c = 0; c < lay.n; c++)
            body_piece(tab, &lay, i, c, &line[c]);
        text_line(out, line, width, tab->rows[i].kind == COH_TABONE_ROW_SECTION ? 1 : lay.n);
    }

    size_t nf = n_footnotes(tab);
    if (nf > 0)
        fputc('\n', out);
    for (size_t i = 0; i < nf; i++) {
        footnote fn;
        get_footnote(tab, i, &fn);
        if (fn.mark[0] != '\0')
            fprintf(out, "%s ", fn.mark);
        fputs(fn.prefix, out);
        text_str(out, fn.text);
        fputc('\n', out);
    }
    free(width);
    free(line);
    return COH_OK;
}

/* ------------------------------------------------------------------------
 * Markdown
 * ------------------------------------------------------------------------ */

/* An ASCII letter (not the locale's idea of one). */
static bool ascii_alpha(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/* `s` as Markdown inline text: line breaks and tabs as spaces, other control
 * characters as '?', a backslash before \ ` * _ [ ] | ~ (emphasis, code,
 * links, table cells, strikethrough), before '<' that could open an HTML
 * tag and before '&' that could start an entity. */
static void md_str(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char ch = *p, next = p[1];
        if (ch == '\n' || ch == '\r' || ch == '\t') {
            fputc(' ', out);
            continue;
        }
        if (ch < 0x20 || ch == 0x7F) {
            fputc('?', out);
            continue;
        }
        if (strchr("\\`*_[]|~", ch) != NULL ||
            (ch == '<' && (ascii_alpha(next) || next == '/' || next == '!' || next == '?')) ||
            (ch == '&' && (ascii_alpha(next) || next == '#')))
            fputc('\\', out);
        fputc(ch, out);
    }
}

/* One table cell: "| " text " ", indentation as two no-break spaces
 * (U+00A0), a section label in bold. */
static void md_cell(FILE *out, const piece *pc, bool bold)
{
    fputs("| ", out);
    if (pc->indent)
        fputs("\xC2\xA0\xC2\xA0", out);
    if (bold && pc->text[0] != '\0')
        fputs("**", out);
    md_str(out, pc->text);
    if (bold && pc->text[0] != '\0')
        fputs("**", out);
    fputs(pc->suffix, out);
    if (pc->mark[0] != '\0')
        fprintf(out, " %s", pc->mark);
    fputc(' ', out);
}

/* A pipe table: the title in bold and a blank line, header, separator, one
 * line per row (every line with all its cells), then each footnote as its
 * own paragraph. */
static coh_status write_markdown(const coh_tabone *tab, const char *title, FILE *out)
{
    layout lay = make_layout(tab);
    piece pc;
    if (title != NULL) {
        fputs("**", out);
        md_str(out, title);
        fputs("**\n\n", out);
    }
    for (size_t c = 0; c < lay.n; c++) {
        header_piece(tab, &lay, c, &pc);
        md_cell(out, &pc, false);
    }
    fputs("|\n", out);
    for (size_t c = 0; c < lay.n; c++)
        fputs("| --- ", out);
    fputs("|\n", out);
    for (size_t i = 0; i < tab->n_rows; i++) {
        bool section = tab->rows[i].kind == COH_TABONE_ROW_SECTION;
        for (size_t c = 0; c < lay.n; c++) {
            body_piece(tab, &lay, i, c, &pc);
            md_cell(out, &pc, section);
        }
        fputs("|\n", out);
    }
    size_t nf = n_footnotes(tab);
    for (size_t i = 0; i < nf; i++) {
        footnote fn;
        get_footnote(tab, i, &fn);
        fputc('\n', out);
        if (fn.mark[0] != '\0')
            fprintf(out, "%s ", fn.mark);
        fputs(fn.prefix, out);
        md_str(out, fn.text);
        fputc('\n', out);
    }
    return COH_OK;
}

/* ------------------------------------------------------------------------
 * CSV
 * ------------------------------------------------------------------------ */

/* One RFC 4180 field: `s` then `suffix` (ASCII without separators), quoted
 * when `s` holds a comma, a quote, CR or LF, with quotes doubled. */
static void csv_field(FILE *out, const char *s, const char *suffix, bool first)
{
    if (!first)
        fputc(',', out);
    bool quote = strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        fputc('"', out);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            fputc('"', out);
        fputc(*p, out);
    }
    fputs(suffix, out);
    if (quote)
        fputc('"', out);
}

/* Data, one line per row: variable, label, level, stat, the cells, p, test,
 * smd.  The p and test columns are there even when the table has no test,
 * so that the layout does not depend on the options. */
static coh_status write_csv(const coh_tabone *tab, FILE *out)
{
    layout lay = make_layout(tab);
    piece pc;
    fputs("variable,label,level,stat", out);
    for (size_t c = 1; c <= tab->n_cols; c++) {
        header_piece(tab, &lay, c, &pc);
        csv_field(out, pc.text, pc.suffix, false);
    }
    fputs(",p,test,smd\n", out);
    for (size_t i = 0; i < tab->n_rows; i++) {
        const coh_tabone_row *row = &tab->rows[i];
        const coh_tabone_test *test = row_test(tab, row);
        csv_field(out, str_or_empty(row->variable), "", true);
        csv_field(out, str_or_empty(row->label), "", false);
        csv_field(out, str_or_empty(row->level), "", false);
        csv_field(out, str_or_empty(row->stat), "", false);
        for (size_t k = 0; k < tab->n_cols; k++)
            csv_field(out, row->cells != NULL ? str_or_empty(row->cells[k].text) : "", "",
                      false);
        csv_field(out, str_or_empty(row->p_text), "", false);
        csv_field(out, test != NULL ? str_or_empty(test->name) : "", "", false);
        csv_field(out, str_or_empty(row->smd_text), "", false);
        fputc('\n', out);
    }
    return COH_OK;
}

/* ------------------------------------------------------------------------
 * HTML
 * ------------------------------------------------------------------------ */

/* `s` with & < > " ' as entities, line breaks and tabs as spaces and other
 * control characters (not allowed in HTML) as '?'. */
static void html_str(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        case '\n':
        case '\r':
        case '\t': fputc(' ', out); break;
        default: fputc(*p < 0x20 || *p == 0x7F ? '?' : *p, out);
        }
    }
}

/* A piece as HTML: escaped text, suffix, the mark as superscript. */
static void html_piece(FILE *out, const piece *pc)
{
    html_str(out, pc->text);
    fputs(pc->suffix, out);
    if (pc->mark[0] != '\0')
        fprintf(out, "<sup>%s</sup>", pc->mark);
}

/* Print-friendly journal style: rules above and below the header and at
 * the end of the table, no vertical lines. */
static const char html_style[] =
    "body { font-family: sans-serif; font-size: 11pt; margin: 2em; color: #000; }\n"
    "table { border-collapse: collapse; }\n"
    "caption { caption-side: top; text-align: left; font-weight: bold; padding-bottom: 0.4em; }\n"
    "th, td { padding: 0.15em 0.8em; text-align: left; vertical-align: top; }\n"
    "th { font-weight: bold; }\n"
    "thead th { border-top: 1.5px solid #000; border-bottom: 1px solid #000; }\n"
    "tbody tr:last-child td { border-bottom: 1.5px solid #000; }\n"
    "td.indent { padding-left: 2em; }\n"
    "tr.section td { font-weight: bold; font-style: italic; padding-top: 0.5em; }\n"
    "th.p, td.p { text-align: right; white-space: nowrap; }\n"
    ".notes { font-size: 0.9em; margin-top: 0.5em; }\n"
    ".notes p { margin: 0.15em 0; }\n"
    "@media print { body { margin: 0; } }\n";

/* One self-contained page: inline style, no script, no external resource;
 * the title as <title> and <caption>, header in <thead>, a section row as
 * one cell across the table, footnotes in <div class="notes">. */
static coh_status write_html(const coh_tabone *tab, const char *title, bool page, FILE *out)
{
    layout lay = make_layout(tab);
    piece pc;
    if (page) {
        fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>",
              out);
        html_str(out, title != NULL ? title : HTML_DEFAULT_TITLE);
        fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", html_style);
    }
    fputs("<table class=\"tabone\">\n", out);
    if (title != NULL) {
        fputs("<caption>", out);
        html_str(out, title);
        fputs("</caption>\n", out);
    }
    fputs("<thead>\n<tr>", out);
    for (size_t c = 0; c < lay.n; c++) {
        header_piece(tab, &lay, c, &pc);
        fputs(c == lay.p_col ? "<th scope=\"col\" class=\"p\">" : "<th scope=\"col\">", out);
        html_piece(out, &pc);
        fputs("</th>", out);
    }
    fputs("</tr>\n</thead>\n<tbody>\n", out);
    for (size_t i = 0; i < tab->n_rows; i++) {
        if (tab->rows[i].kind == COH_TABONE_ROW_SECTION) {
            body_piece(tab, &lay, i, 0, &pc);
            fprintf(out, "<tr class=\"section\"><td colspan=\"%zu\">", lay.n);
            html_piece(out, &pc);
            fputs("</td></tr>\n", out);
            continue;
        }
        fputs("<tr>", out);
        for (size_t c = 0; c < lay.n; c++) {
            body_piece(tab, &lay, i, c, &pc);
            if (pc.indent)
                fputs("<td class=\"indent\">", out);
            else if (c == lay.p_col)
                fputs("<td class=\"p\">", out);
            else
                fputs("<td>", out);
            html_piece(out, &pc);
            fputs("</td>", out);
        }
        fputs("</tr>\n", out);
    }
    fputs("</tbody>\n</table>\n", out);
    size_t nf = n_footnotes(tab);
    if (nf > 0) {
        fputs("<div class=\"notes\">\n", out);
        for (size_t i = 0; i < nf; i++) {
            footnote fn;
            get_footnote(tab, i, &fn);
            fputs("<p>", out);
            if (fn.mark[0] != '\0')
                fprintf(out, "<sup>%s</sup> ", fn.mark);
            fputs(fn.prefix, out);
            html_str(out, fn.text);
            fputs("</p>\n", out);
        }
        fputs("</div>\n", out);
    }
    if (page)
        fputs("</body>\n</html>\n", out);
    return COH_OK;
}

/* ------------------------------------------------------------------------
 * JSON
 * ------------------------------------------------------------------------ */

/* The JSON names of the enums (docs/cli.md); NULL (null) for a value out
 * of range. */
static const char *row_kind_name(coh_tabone_row_kind kind)
{
    switch (kind) {
    case COH_TABONE_ROW_N: return "n";
    case COH_TABONE_ROW_SECTION: return "section";
    case COH_TABONE_ROW_VARIABLE: return "variable";
    case COH_TABONE_ROW_LEVEL: return "level";
    case COH_TABONE_ROW_SUMMARY: return "summary";
    case COH_TABONE_ROW_MISSING: return "missing";
    }
    return NULL;
}

static const char *summary_name(coh_tabone_summary s)
{
    switch (s) {
    case COH_TABONE_MEDIAN_IQR: return "median-iqr";
    case COH_TABONE_MEAN_SD: return "mean-sd";
    case COH_TABONE_BOTH: return "both";
    }
    return NULL;
}

static const char *cat_test_name(coh_tabone_cat_test t)
{
    switch (t) {
    case COH_TABONE_CAT_AUTO: return "auto";
    case COH_TABONE_CAT_PEARSON: return "pearson";
    case COH_TABONE_CAT_YATES: return "yates";
    case COH_TABONE_CAT_FISHER: return "fisher";
    case COH_TABONE_CAT_NONE: return "none";
    }
    return NULL;
}

static const char *cont_test_name(coh_tabone_cont_test t)
{
    switch (t) {
    case COH_TABONE_CONT_RANK: return "rank";
    case COH_TABONE_CONT_WELCH: return "welch";
    case COH_TABONE_CONT_STUDENT: return "student";
    case COH_TABONE_CONT_NONE: return "none";
    }
    return NULL;
}

static const char *missing_name(coh_tabone_missing m)
{
    switch (m) {
    case COH_TABONE_MISSING_IFANY: return "ifany";
    case COH_TABONE_MISSING_ALWAYS: return "always";
    case COH_TABONE_MISSING_NO: return "no";
    }
    return NULL;
}

static const char *percent_name(coh_tabone_percent p)
{
    switch (p) {
    case COH_TABONE_PCT_COLUMN: return "column";
    case COH_TABONE_PCT_ROW: return "row";
    }
    return NULL;
}

/* "key": number (null when not finite). */
static void json_num(coh_json *j, const char *key, double v)
{
    coh_json_key(j, key);
    coh_json_number(j, v);
}

/* One cell of a row: its text, then the numbers its kind has (a row
 * without cells shows empty text and nulls). */
static void json_cell(coh_json *j, coh_tabone_row_kind kind, const coh_tabone_cell *cell)
{
    coh_json_object_begin(j);
    coh_json_key(j, "text");
    coh_json_string(j, cell != NULL ? str_or_empty(cell->text) : "");
    switch (kind) {
    case COH_TABONE_ROW_N:
    case COH_TABONE_ROW_LEVEL:
        json_num(j, "n", cell != NULL ? cell->n : NAN);
        json_num(j, "pct", cell != NULL ? cell->pct : NAN);
        break;
    case COH_TABONE_ROW_MISSING:
        json_num(j, "n", cell != NULL ? cell->n : NAN);
        break;
    case COH_TABONE_ROW_SUMMARY:
        json_num(j, "n", cell != NULL ? cell->n : NAN);
        json_num(j, "median", cell != NULL ? cell->median : NAN);
        json_num(j, "q1", cell != NULL ? cell->q1 : NAN);
        json_num(j, "q3", cell != NULL ? cell->q3 : NAN);
        json_num(j, "mean", cell != NULL ? cell->mean : NAN);
        json_num(j, "sd", cell != NULL ? cell->sd : NAN);
        json_num(j, "min", cell != NULL ? cell->min : NAN);
        json_num(j, "max", cell != NULL ? cell->max : NAN);
        break;
    default:
        break;
    }
    coh_json_object_end(j);
}

/* "key": [strings]. */
static void json_strings(coh_json *j, const char *key, char *const *s, size_t n)
{
    coh_json_key(j, key);
    coh_json_array_begin(j);
    for (size_t i = 0; i < n; i++)
        coh_json_string(j, s[i]);
    coh_json_array_end(j);
}

/* The table with the numbers behind every cell, keys in a fixed order
 * (docs/cli.md): by, by_label, n_used, n_by_missing, columns, rows, tests,
 * notes, warnings, options.  NaN is written as null. */
static coh_status write_json(const coh_tabone *tab, FILE *out)
{
    coh_json j;
    coh_json_init(&j, out);
    coh_json_object_begin(&j);
    coh_json_key(&j, "by");
    coh_json_string(&j, tab->by);
    coh_json_key(&j, "by_label");
    coh_json_string(&j, tab->by_label);
    coh_json_key(&j, "n_used");
    coh_json_int(&j, (int64_t)tab->n_used);
    coh_json_key(&j, "n_by_missing");
    coh_json_int(&j, (int64_t)tab->n_by_missing);

    coh_json_key(&j, "columns");
    coh_json_array_begin(&j);
    for (size_t k = 0; k < tab->n_cols; k++) {
        coh_json_object_begin(&j);
        coh_json_key(&j, "label");
        coh_json_string(&j, tab->col_labels != NULL ? tab->col_labels[k] : NULL);
        coh_json_key(&j, "level");
        coh_json_string(&j, tab->col_levels != NULL ? tab->col_levels[k] : NULL);
        json_num(&j, "n", tab->col_n != NULL ? tab->col_n[k] : NAN);
        coh_json_key(&j, "overall");
        coh_json_bool(&j, tab->has_overall && k == 0);
        coh_json_object_end(&j);
    }
    coh_json_array_end(&j);

    coh_json_key(&j, "rows");
    coh_json_array_begin(&j);
    for (size_t i = 0; i < tab->n_rows; i++) {
        const coh_tabone_row *row = &tab->rows[i];
        const coh_tabone_test *test = row_test(tab, row);
        coh_json_object_begin(&j);
        coh_json_key(&j, "kind");
        coh_json_string(&j, row_kind_name(row->kind));
        coh_json_key(&j, "variable");
        coh_json_string(&j, row->variable);
        coh_json_key(&j, "label");
        coh_json_string(&j, str_or_empty(row->label));
        coh_json_key(&j, "level");
        coh_json_string(&j, row->level);
        coh_json_key(&j, "stat");
        coh_json_string(&j, row->stat);
        if (row->kind != COH_TABONE_ROW_SECTION) {
            coh_json_key(&j, "groups");
            coh_json_array_begin(&j);
            for (size_t k = 0; k < tab->n_cols; k++)
                json_cell(&j, row->kind, row->cells != NULL ? &row->cells[k] : NULL);
            coh_json_array_end(&j);
        }
        json_num(&j, "p", row->p);
        coh_json_key(&j, "p_text");
        coh_json_string(&j, str_or_empty(row->p_text));
        coh_json_key(&j, "test");
        coh_json_string(&j, test != NULL ? test->name : NULL);
        json_num(&j, "smd", row->smd);
        coh_json_object_end(&j);
    }
    coh_json_array_end(&j);

    coh_json_key(&j, "tests");
    coh_json_array_begin(&j);
    for (size_t i = 0; i < tab->n_tests; i++)
        coh_json_string(&j, tab->tests[i].name);
    coh_json_array_end(&j);
    json_strings(&j, "notes", tab->notes, tab->n_notes);
    json_strings(&j, "warnings", tab->warnings, tab->n_warnings);

    const coh_tabone_spec *s = &tab->spec;
    coh_json_key(&j, "options");
    coh_json_object_begin(&j);
    coh_json_key(&j, "summary");
    coh_json_string(&j, summary_name(s->summary));
    coh_json_key(&j, "minmax");
    coh_json_bool(&j, s->minmax);
    coh_json_key(&j, "tests");
    coh_json_string(&j, cat_test_name(s->cat_test));
    coh_json_key(&j, "continuous_test");
    coh_json_string(&j, cont_test_name(s->cont_test));
    coh_json_key(&j, "wilcox_correct");
    coh_json_bool(&j, s->wilcox_correct);
    coh_json_key(&j, "wilcox_exact");
    coh_json_bool(&j, s->wilcox_exact);
    coh_json_key(&j, "overall");
    coh_json_bool(&j, s->overall);
    coh_json_key(&j, "missing");
    coh_json_string(&j, missing_name(s->missing));
    coh_json_key(&j, "percent");
    coh_json_string(&j, percent_name(s->percent));
    coh_json_key(&j, "smd");
    coh_json_bool(&j, s->smd);
    coh_json_key(&j, "digits");
    coh_json_int(&j, s->digits);
    coh_json_key(&j, "pct_digits");
    coh_json_int(&j, s->pct_digits);
    coh_json_key(&j, "p_digits");
    coh_json_int(&j, s->p_digits);
    json_num(&j, "fisher_below", s->fisher_below);
    coh_json_key(&j, "quantile_type");
    coh_json_int(&j, 7);
    coh_json_object_end(&j);

    coh_json_object_end(&j);
    coh_json_end(&j);
    return COH_OK;
}

/* ------------------------------------------------------------------------
 * Entry points
 * ------------------------------------------------------------------------ */

/* Exact, lower-case names; *out is left alone on failure. */
coh_status coh_tabone_format_parse(const char *s, coh_tabone_format *out)
{
    static const struct {
        const char *name;
        coh_tabone_format fmt;
    } names[] = {
        {"text", COH_TABONE_TEXT}, {"markdown", COH_TABONE_MARKDOWN},
        {"md", COH_TABONE_MARKDOWN}, {"csv", COH_TABONE_CSV},
        {"html", COH_TABONE_HTML}, {"json", COH_TABONE_JSON},
    };
    if (s == NULL || out == NULL)
        return COH_EINVAL;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(s, names[i].name) == 0) {
            *out = names[i].fmt;
            return COH_OK;
        }
    }
    return COH_EINVAL;
}

/* Dispatch on `fmt` (COH_EINVAL for an unknown one), then flush `out` and
 * return COH_EIO if any write failed (a buffered error only shows at the
 * flush). */
coh_status coh_tabone_write(const coh_tabone *tab, coh_tabone_format fmt, const char *title,
                            FILE *out)
{
    if (tab == NULL || out == NULL)
        return COH_EINVAL;
    coh_status st;
    switch (fmt) {
    case COH_TABONE_TEXT: st = write_text(tab, title, out); break;
    case COH_TABONE_MARKDOWN: st = write_markdown(tab, title, out); break;
    case COH_TABONE_CSV: st = write_csv(tab, out); break;
    case COH_TABONE_HTML: st = write_html(tab, title, true, out); break;
    case COH_TABONE_HTML_FRAGMENT: st = write_html(tab, title, false, out); break;
    case COH_TABONE_JSON: st = write_json(tab, out); break;
    default: return COH_EINVAL;
    }
    if (st != COH_OK)
        return st;
    if (fflush(out) != 0 || ferror(out))
        return COH_EIO;
    return COH_OK;
}

/* ------------------------------------------------------------------------
 * XLSX
 * ------------------------------------------------------------------------ */

/* The formats of the sheet (owned by the workbook). */
typedef struct xlsx_formats {
    lxw_format *title;   /* bold */
    lxw_format *head;    /* bold, thin rule below */
    lxw_format *head_p;  /* the same, right-aligned */
    lxw_format *section; /* bold */
    lxw_format *indent;  /* indent level 1 */
    lxw_format *p;       /* right-aligned */
} xlsx_formats;

/* Writing state: the sheet, a reusable buffer for a cell's text and the
 * first failure (an lxw error, or out of memory). */
typedef struct xlsx_ctx {
    lxw_worksheet *ws;
    char *buf;
    size_t cap;
    lxw_error lxw;
    bool nomem;
} xlsx_ctx;

/* Whether a write has failed. */
static bool xlsx_failed(const xlsx_ctx *x) { return x->nomem || x->lxw != LXW_NO_ERROR; }

/* Write `s` as a string cell (nothing for an empty one); records the
 * first failure and skips further writes after one. */
static void xlsx_string(xlsx_ctx *x, size_t row, size_t col, const char *s, lxw_format *f)
{
    if (xlsx_failed(x) || s[0] == '\0')
        return;
    /* a cell holds at most 32767 characters (Excel's limit): a longer
     * text keeps its first 32766 and an ellipsis */
    size_t chars = 0, cut = 0;
    for (size_t i = 0; s[i] != '\0'; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80 && ++chars == 32767)
            cut = i;
    char *shortened = NULL;
    if (chars > 32767) {
        if ((shortened = malloc(cut + 4)) == NULL) {
            x->nomem = true;
            return;
        }
        memcpy(shortened, s, cut);
        memcpy(shortened + cut, "\xe2\x80\xa6", 4);
        s = shortened;
    }
    lxw_error e = worksheet_write_string(x->ws, (lxw_row_t)row, (lxw_col_t)col, s, f);
    free(shortened);
    if (e != LXW_NO_ERROR)
        x->lxw = e;
}

/* a, b and c joined in the context's buffer, control characters but tab
 * and line break as '?'; NULL (recorded) when out of memory. */
static const char *xlsx_join(xlsx_ctx *x, const char *a, const char *b, const char *c)
{
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    size_t need = la + lb + lc + 1;
    if (need > x->cap) {
        char *nb = realloc(x->buf, need);
        if (nb == NULL) {
            x->nomem = true;
            return NULL;
        }
        x->buf = nb;
        x->cap = need;
    }
    memcpy(x->buf, a, la);
    memcpy(x->buf + la, b, lb);
    memcpy(x->buf + la + lb, c, lc + 1);
    /* control characters as '?', as text and HTML show them (Excel would
     * show _x0001_ as an invisible character); tab and line break are
     * allowed in a cell */
    char *w = x->buf;
    for (const char *p = x->buf; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if ((ch < 0x20 && ch != '\n' && ch != '\t') || ch == 0x7F) {
            *w++ = '?';
        } else if (ch == 0xEF && (unsigned char)p[1] == 0xBF &&
                   ((unsigned char)p[2] == 0xBE || (unsigned char)p[2] == 0xBF)) {
            /* U+FFFE and U+FFFF are valid UTF-8 but not XML characters:
             * the workbook's XML would not parse */
            *w++ = '?';
            p += 2;
        } else {
            *w++ = *p;
        }
    }
    *w = '\0';
    return x->buf;
}

/* A piece as one string: text, suffix, " " and mark. */
static void xlsx_piece(xlsx_ctx *x, size_t row, size_t col, const piece *pc, lxw_format *f)
{
    if (xlsx_failed(x))
        return;
    char mark[sizeof pc->mark + 1] = "";
    if (pc->mark[0] != '\0')
        snprintf(mark, sizeof mark, " %s", pc->mark);
    const char *s = xlsx_join(x, pc->text, pc->suffix, mark);
    if (s != NULL)
        xlsx_string(x, row, col, s, f);
}

/* Create the formats; false when the workbook is out of memory. */
static bool xlsx_make_formats(lxw_workbook *wb, xlsx_formats *f)
{
    f->title = workbook_add_format(wb);
    f->head = workbook_add_format(wb);
    f->head_p = workbook_add_format(wb);
    f->section = workbook_add_format(wb);
    f->indent = workbook_add_format(wb);
    f->p = workbook_add_format(wb);
    if (f->title == NULL || f->head == NULL || f->head_p == NULL || f->section == NULL ||
        f->indent == NULL || f->p == NULL)
        return false;
    format_set_bold(f->title);
    format_set_bold(f->head);
    format_set_bottom(f->head, LXW_BORDER_THIN);
    format_set_bold(f->head_p);
    format_set_bottom(f->head_p, LXW_BORDER_THIN);
    format_set_align(f->head_p, LXW_ALIGN_RIGHT);
    format_set_bold(f->section);
    format_set_indent(f->indent, 1);
    format_set_align(f->p, LXW_ALIGN_RIGHT);
    return true;
}

/* Fill the sheet: title, header, rows, footnotes, column widths (longest
 * text in code points, the label column's indented ones +3 for the
 * indent, capped at XLSX_MAX_WIDTH; titles, sections and footnotes may
 * overflow into the empty cells beside them and do not count). */
static void xlsx_fill(const coh_tabone *tab, const char *title, const xlsx_formats *f,
                      xlsx_ctx *x, size_t *width)
{
    layout lay = make_layout(tab);
    piece pc;
    size_t r = 0;
    if (title != NULL) {
        const char *s = xlsx_join(x, title, "", "");
        if (s != NULL)
            xlsx_string(x, r, 0, s, f->title);
        r++;
    }
    for (size_t c = 0; c < lay.n; c++) {
        header_piece(tab, &lay, c, &pc);
        width[c] = piece_width(&pc);
        xlsx_piece(x, r, c, &pc, c == lay.p_col ? f->head_p : f->head);
    }
    r++;
    for (size_t i = 0; i < tab->n_rows; i++, r++) {
        bool section = tab->rows[i].kind == COH_TABONE_ROW_SECTION;
        for (size_t c = 0; c < (section ? 1 : lay.n); c++) {
            body_piece(tab, &lay, i, c, &pc);
            lxw_format *fmt = NULL;
            if (section)
                fmt = f->section;
            else if (pc.indent)
                fmt = f->indent;
            else if (c == lay.p_col)
                fmt = f->p;
            bool indent = pc.indent;
            pc.indent = false; /* the format indents, not spaces */
            size_t w = piece_width(&pc) + (indent ? 3 : 0);
            if (!section && w > width[c])
                width[c] = w;
            xlsx_piece(x, r, c, &pc, fmt);
        }
    }
    size_t nf = n_footnotes(tab);
    for (size_t i = 0; i < nf; i++, r++) {
        footnote fn;
        get_footnote(tab, i, &fn);
        /* "a Pearson's chi-square test", "Warning: ..." */
        const char *s = fn.mark[0] != '\0' ? xlsx_join(x, fn.mark, " ", fn.text)
                                            : xlsx_join(x, fn.prefix, fn.text, "");
        if (s == NULL)
            return;
        xlsx_string(x, r, 0, s, NULL);
    }
}

/* The workbook behind every XLSX writer: built in a temporary file beside
 * `path` (libxlsxwriter wants a name), synced, and renamed into place; on
 * any failure the temporary file is removed and `path` is left as it was.
 * `fill` writes the one sheet; `width` (n_cols, zeroed) collects its
 * columns' widths.  COH_EIO (naming the path) when writing fails,
 * COH_ENOMEM when memory runs out. */
typedef void (*xlsx_fill_fn)(const void *ctx, const xlsx_formats *f, xlsx_ctx *x, size_t *width);

static coh_status xlsx_write(const char *path, size_t n_cols, size_t n_lines, xlsx_fill_fn fill,
                             const void *ctx, coh_error *err)
{
    /* the sheet's size first, so that the casts to lxw_row_t and
     * lxw_col_t cannot wrap */
    if (n_cols > LXW_COL_MAX || n_lines > LXW_ROW_MAX)
        return coh_error_set(err, COH_EIO,
                             "%s: the table (%zu lines, %zu columns) does not fit a worksheet",
                             path, n_lines, n_cols);
    size_t *width = calloc(n_cols ? n_cols : 1, sizeof *width);
    if (width == NULL)
        return coh_error_set(err, COH_ENOMEM, "out of memory");

    char *tmp = NULL;
    coh_status st = coh_outfile_temp_path(path, &tmp, err);
    if (st != COH_OK) {
        free(width);
        return st;
    }
    xlsx_ctx x = {.ws = NULL, .buf = NULL, .cap = 0, .lxw = LXW_NO_ERROR, .nomem = false};
    lxw_workbook *wb = workbook_new(tmp);
    if (wb == NULL) {
        x.nomem = true;
    } else {
        /* a fixed creation time (2000-01-01 UTC): libxlsxwriter stamps the
         * document properties and the zip entries with it, and the same
         * table must give the same bytes (the study report's promise) */
        lxw_doc_properties props;
        memset(&props, 0, sizeof props);
        props.created = 946684800;
        x.lxw = workbook_set_properties(wb, &props);
        xlsx_formats f;
        x.ws = workbook_add_worksheet(wb, "Table");
        if (x.ws == NULL || !xlsx_make_formats(wb, &f))
            x.nomem = true;
        else
            fill(ctx, &f, &x, width);
        for (size_t c = 0; c < n_cols && !xlsx_failed(&x); c++) {
            double w = (double)width[c] + 2.0;
            if (w > XLSX_MAX_WIDTH)
                w = XLSX_MAX_WIDTH;
            lxw_error e = worksheet_set_column(x.ws, (lxw_col_t)c, (lxw_col_t)c, w, NULL);
            if (e != LXW_NO_ERROR)
                x.lxw = e;
        }
        /* always closed: it frees the workbook, and writes the file */
        lxw_error e = workbook_close(wb);
        if (x.lxw == LXW_NO_ERROR)
            x.lxw = e;
    }
    free(x.buf);
    free(width);
    if (x.lxw == LXW_ERROR_MEMORY_MALLOC_FAILED)
        x.nomem = true;
    if (x.nomem) {
        unlink(tmp);
        free(tmp);
        return coh_error_set(err, COH_ENOMEM, "%s: out of memory writing the workbook", path);
    }
    if (x.lxw != LXW_NO_ERROR) {
        unlink(tmp);
        free(tmp);
        return coh_error_set(err, COH_EIO, "%s: cannot write the workbook: %s", path,
                             lxw_strerror(x.lxw));
    }
    /* sync before the rename, as coh_outfile_commit does: after a crash
     * the name must not point at a file whose blocks were never written */
    int fd = open(tmp, O_RDONLY);
    bool synced = fd >= 0 && fsync(fd) == 0;
    if (fd >= 0)
        close(fd);
    if (!synced) {
        unlink(tmp);
        free(tmp);
        return coh_error_set(err, COH_EIO, "%s: cannot write the workbook: sync failed", path);
    }
    st = coh_outfile_rename(tmp, path, err);
    free(tmp);
    return st;
}

typedef struct tabone_sheet {
    const coh_tabone *tab;
    const char *title;
} tabone_sheet;

static void tabone_fill(const void *ctx, const xlsx_formats *f, xlsx_ctx *x, size_t *width)
{
    const tabone_sheet *t = ctx;
    xlsx_fill(t->tab, t->title, f, x, width);
}

coh_status coh_tabone_write_xlsx(const coh_tabone *tab, const char *title, const char *path,
                                 coh_error *err)
{
    if (tab == NULL || path == NULL)
        return coh_error_set(err, COH_EINVAL, "no table or no path to write");
    layout lay = make_layout(tab);
    size_t n_lines = (title != NULL ? 1u : 0u) + 1 + tab->n_rows + n_footnotes(tab);
    tabone_sheet t = {tab, title};
    return xlsx_write(path, lay.n, n_lines, tabone_fill, &t, err);
}

/* ------------------------------------------------------------------------
 * Grids: tables of text cells (coh_grid)
 * ------------------------------------------------------------------------ */

static bool text_ok(const char *s)
{
    return s == NULL || coh_text_is_utf8(s);
}

/* A grid's shape, and every text valid UTF-8 (a workbook's XML would
 * not parse otherwise). */
static coh_status grid_check(const coh_grid *g)
{
    if (g == NULL || g->nc == 0 || g->head == NULL || (g->nr > 0 && g->cells == NULL) ||
        (g->n_notes > 0 && g->notes == NULL))
        return COH_EINVAL;
    bool ok = text_ok(g->title);
    for (size_t c = 0; ok && c < g->nc; c++)
        ok = text_ok(g->head[c]);
    for (size_t i = 0; ok && i < g->nr * g->nc; i++)
        ok = text_ok(g->cells[i]);
    for (size_t k = 0; ok && k < g->n_notes; k++)
        ok = text_ok(g->notes[k]);
    return ok ? COH_OK : COH_EENCODING;
}

static const char *grid_cell(const coh_grid *g, size_t i, size_t c)
{
    const char *s = g->cells[i * g->nc + c];
    return s != NULL ? s : "";
}

coh_status coh_grid_write_csv(const coh_grid *g, FILE *out)
{
    if (out == NULL)
        return COH_EINVAL;
    coh_status st = grid_check(g);
    if (st != COH_OK)
        return st;
    for (size_t c = 0; c < g->nc; c++) {
        if (c > 0)
            fputc(',', out);
        coh_csv_field(g->head[c] != NULL ? g->head[c] : "", out);
    }
    fputc('\n', out);
    for (size_t i = 0; i < g->nr; i++) {
        bool section = g->section != NULL && g->section[i];
        for (size_t c = 0; c < g->nc; c++) {
            if (c > 0)
                fputc(',', out);
            /* a heading row: its first cell, as the workbook shows it */
            coh_csv_field(section && c > 0 ? "" : grid_cell(g, i, c), out);
        }
        fputc('\n', out);
    }
    return ferror(out) ? COH_EIO : COH_OK;
}

static void grid_fill(const void *ctx, const xlsx_formats *f, xlsx_ctx *x, size_t *width)
{
    const coh_grid *g = ctx;
    size_t r = 0;
    if (g->title != NULL) {
        const char *s = xlsx_join(x, g->title, "", "");
        if (s != NULL)
            xlsx_string(x, r, 0, s, f->title);
        r++;
    }
    for (size_t c = 0; c < g->nc; c++) {
        const char *h = g->head[c] != NULL ? g->head[c] : "";
        width[c] = display_width(h);
        const char *s = xlsx_join(x, h, "", "");
        if (s != NULL)
            xlsx_string(x, r, c, s, f->head);
    }
    r++;
    for (size_t i = 0; i < g->nr; i++, r++) {
        bool section = g->section != NULL && g->section[i];
        for (size_t c = 0; c < (section ? 1 : g->nc); c++) {
            const char *cell = grid_cell(g, i, c);
            size_t w = display_width(cell);
            if (!section && w > width[c])
                width[c] = w;
            const char *s = xlsx_join(x, cell, "", "");
            if (s != NULL)
                xlsx_string(x, r, c, s, section ? f->section : NULL);
        }
    }
    for (size_t k = 0; k < g->n_notes; k++, r++) {
        const char *s = xlsx_join(x, g->notes[k] != NULL ? g->notes[k] : "", "", "");
        if (s != NULL)
            xlsx_string(x, r, 0, s, NULL);
    }
}

coh_status coh_grid_write_xlsx(const coh_grid *g, const char *path, coh_error *err)
{
    if (path == NULL)
        return coh_error_set(err, COH_EINVAL, "no table or no path to write");
    coh_status st = grid_check(g);
    if (st == COH_EENCODING)
        return coh_error_set(err, st, "%s: a cell is not valid UTF-8", path);
    if (st != COH_OK)
        return coh_error_set(err, st, "no table or no path to write");
    size_t n_lines = (g->title != NULL ? 1u : 0u) + 1 + g->nr + g->n_notes;
    return xlsx_write(path, g->nc, n_lines, grid_fill, g, err);
}
