/* test_tabone_write.c - the writers of descriptive tables
 * (src/report/tabone_write.c): format names; a table built by hand (an n
 * row, a section, a categorical variable with two levels and Missing and a
 * Pearson footnote, a continuous variable with two summary lines, labels
 * with markup, quotes, a comma, a pipe and multibyte UTF-8) laid out as
 * text (exact lines, aligned by code points), Markdown (escaping), CSV
 * (RFC 4180 quoting), HTML (every text escaped), JSON (key order, null
 * for NaN, well-formed) and XLSX (a zip file written whole or not at all).
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "../check.h"
#include "cohort/cohort.h"

#define N_COLS 3

/* One row of the hand-built table. */
typedef struct row_def {
    coh_tabone_row_kind kind;
    const char *variable, *label, *level, *stat;
    const char *cells[N_COLS]; /* NULL: a NULL cell text */
    double n[N_COLS];
    double pct[N_COLS];
    double p;
    int test;
    const char *p_text;
    double smd;
    const char *smd_text;
} row_def;

#define SECTION_LABEL "Baseline <b>&\"' | x"
#define SIZE_LABEL "Gr\xC3\xB6\xC3\x9F" "e \xE2\x89\xA5 5 cm, median (IQR)" /* Größe ≥ 5 cm */
#define EN "\xE2\x80\x93"                                                   /* – */

static const row_def rows_def[] = {
    {COH_TABONE_ROW_N, NULL, "n", NULL, NULL, {"10", "6", "4"}, {10, 6, 4},
     {NAN, NAN, NAN}, NAN, -1, "", NAN, ""},
    {COH_TABONE_ROW_SECTION, NULL, SECTION_LABEL, NULL, NULL, {NULL, NULL, NULL},
     {NAN, NAN, NAN}, {NAN, NAN, NAN}, NAN, -1, "", NAN, ""},
    {COH_TABONE_ROW_VARIABLE, "sex", "Sex, n (%)", NULL, NULL, {NULL, "", NULL},
     {NAN, NAN, NAN}, {NAN, NAN, NAN}, 0.0123, 0, "0.012", 0.25, "0.25"},
    {COH_TABONE_ROW_LEVEL, "sex", "Female", "F", NULL, {"5 (55.6%)", "3 (50.0%)", "2 (66.7%)"},
     {5, 3, 2}, {55.6, 50, 66.7}, NAN, -1, "", NAN, ""},
    {COH_TABONE_ROW_LEVEL, "sex", "Male, \"M\"", "M", NULL,
     {"4 (44.4%)", "3 (50.0%)", "1 (33.3%)"}, {4, 3, 1}, {44.4, 50, 33.3}, NAN, -1, "", NAN,
     ""},
    {COH_TABONE_ROW_MISSING, "sex", "Missing", NULL, NULL, {"1", "0", "1"}, {1, 0, 1},
     {NAN, NAN, NAN}, NAN, -1, "", NAN, ""},
    {COH_TABONE_ROW_SUMMARY, "size", SIZE_LABEL, NULL, "median_iqr",
     {"61.0 (53.0" EN "69.0)", "58.5 (50.0" EN "66.0)", "64.0 (60.0" EN "70.0)"}, {9, 6, 3},
     {NAN, NAN, NAN}, 0.3, 1, "0.30", -0.1, "-0.10"},
    {COH_TABONE_ROW_SUMMARY, "size", "mean (SD)", NULL, "mean_sd",
     {"60.2 (8.1)", "59.0 (7.0)", "62.0 (9.0)"}, {9, 6, 3}, {NAN, NAN, NAN}, NAN, -1, "", NAN,
     ""},
};
#define N_ROWS (sizeof rows_def / sizeof rows_def[0])

static char *dup_or_null(const char *s) { return s != NULL ? strdup(s) : NULL; }

/* The table above, allocated as coh_tabone_free expects. */
static coh_tabone *make_table(void)
{
    static const char *const col_labels[N_COLS] = {"All", "Arm A", "Arm B"};
    static const char *const col_levels[N_COLS] = {NULL, "A", "B"};
    static const double col_n[N_COLS] = {10, 6, 4};
    coh_tabone *tab = calloc(1, sizeof *tab);
    coh_tabone_spec_init(&tab->spec);
    tab->spec.summary = COH_TABONE_BOTH;
    tab->spec.cat_test = COH_TABONE_CAT_AUTO;
    tab->spec.cont_test = COH_TABONE_CONT_RANK;
    tab->spec.overall = true;
    tab->spec.smd = true;
    tab->spec.digits = 1;
    tab->spec.pct_digits = 1;
    tab->spec.p_digits = 2;
    tab->spec.fisher_below = 5;

    tab->n_cols = N_COLS;
    tab->col_labels = calloc(N_COLS, sizeof *tab->col_labels);
    tab->col_levels = calloc(N_COLS, sizeof *tab->col_levels);
    tab->col_n = calloc(N_COLS, sizeof *tab->col_n);
    for (size_t k = 0; k < N_COLS; k++) {
        tab->col_labels[k] = strdup(col_labels[k]);
        tab->col_levels[k] = dup_or_null(col_levels[k]);
        tab->col_n[k] = col_n[k];
    }
    tab->has_overall = true;
    tab->n_groups = 2;
    tab->by = strdup("arm");
    tab->by_label = strdup("Treatment arm");
    tab->n_used = 10;
    tab->n_by_missing = 1;

    tab->n_rows = N_ROWS;
    tab->rows = calloc(N_ROWS, sizeof *tab->rows);
    for (size_t i = 0; i < N_ROWS; i++) {
        const row_def *d = &rows_def[i];
        coh_tabone_row *r = &tab->rows[i];
        r->kind = d->kind;
        r->variable = dup_or_null(d->variable);
        r->label = strdup(d->label);
        r->level = dup_or_null(d->level);
        r->stat = dup_or_null(d->stat);
        r->p = d->p;
        r->test = d->test;
        r->p_text = strdup(d->p_text);
        r->smd = d->smd;
        r->smd_text = strdup(d->smd_text);
        if (d->kind == COH_TABONE_ROW_SECTION)
            continue;
        r->cells = calloc(N_COLS, sizeof *r->cells);
        for (size_t k = 0; k < N_COLS; k++) {
            coh_tabone_cell *c = &r->cells[k];
            c->n = d->n[k];
            c->pct = d->pct[k];
            c->median = c->q1 = c->q3 = c->mean = c->sd = c->min = c->max = NAN;
            c->text = dup_or_null(d->cells[k]);
        }
    }
    tab->rows[6].cells[0].median = 61;
    tab->rows[6].cells[0].q1 = 53;
    tab->rows[6].cells[0].q3 = 69;
    tab->rows[7].cells[0].mean = 60.2;
    tab->rows[7].cells[0].sd = 8.1;

    tab->n_tests = 2;
    tab->tests = calloc(2, sizeof *tab->tests);
    tab->tests[0].name = strdup("Pearson's chi-square test");
    tab->tests[0].footnote = 1;
    tab->tests[1].name = strdup("Mann-Whitney U test");
    tab->tests[1].footnote = 2;
    tab->n_notes = 1;
    tab->notes = calloc(1, sizeof *tab->notes);
    tab->notes[0] = strdup("Median (Q1" EN "Q3); n (%).");
    tab->n_warnings = 1;
    tab->warnings = calloc(1, sizeof *tab->warnings);
    tab->warnings[0] = strdup("Arm B: zero\x01"
                              "count <x>");
    return tab;
}

#define TITLE "Table 1: <demo>"

/* `tab` written as `fmt` into a new string; the status in *st. */
static char *render(const coh_tabone *tab, coh_tabone_format fmt, const char *title,
                    coh_status *st)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    *st = coh_tabone_write(tab, fmt, title, f);
    fclose(f);
    return buf;
}

/* ---- format names ----------------------------------------------------- */

static void test_format_parse(void)
{
    static const struct {
        const char *name;
        coh_tabone_format fmt;
    } ok[] = {{"text", COH_TABONE_TEXT}, {"markdown", COH_TABONE_MARKDOWN},
              {"md", COH_TABONE_MARKDOWN}, {"csv", COH_TABONE_CSV},
              {"html", COH_TABONE_HTML}, {"json", COH_TABONE_JSON}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        coh_tabone_format f = (coh_tabone_format)-1;
        check_int(coh_tabone_format_parse(ok[i].name, &f), COH_OK, ok[i].name);
        check_int(f, ok[i].fmt, ok[i].name);
    }
    static const char *const bad[] = {"xlsx", "", "TEXT", "htm", "text ", "mark"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        coh_tabone_format f = COH_TABONE_JSON;
        check_int(coh_tabone_format_parse(bad[i], &f), COH_EINVAL, bad[i]);
        check_int(f, COH_TABONE_JSON, "unchanged on failure");
    }
    coh_tabone_format f;
    check_int(coh_tabone_format_parse(NULL, &f), COH_EINVAL, "NULL name");
}

/* ---- text ------------------------------------------------------------- */

/* Column widths in code points: 26 (the Größe label), 16 ("61.0
 * (53.0–69.0)") three times, 7 ("0.012 a"), 5 ("-0.10"); two spaces
 * between columns; no trailing spaces; the section does not widen the
 * first column. */
static const char want_text[] =
    "Table 1: <demo>\n"
    "\n"
    "Characteristic              All (n = 10)      Arm A (n = 6)     Arm B (n = 4)     p        SMD\n"
    "------------------------------------------------------------------------------------------------\n"
    "n                           10                6                 4\n"
    "Baseline <b>&\"' | x\n"
    "Sex, n (%)                                                                        0.012 a  0.25\n"
    "  Female                    5 (55.6%)         3 (50.0%)         2 (66.7%)\n"
    "  Male, \"M\"                 4 (44.4%)         3 (50.0%)         1 (33.3%)\n"
    "  Missing                   1                 0                 1\n"
    SIZE_LABEL "  61.0 (53.0" EN "69.0)  58.5 (50.0" EN "66.0)  64.0 (60.0" EN "70.0)  0.30 b   -0.10\n"
    "  mean (SD)                 60.2 (8.1)        59.0 (7.0)        62.0 (9.0)\n"
    "\n"
    "a Pearson's chi-square test\n"
    "b Mann-Whitney U test\n"
    "Median (Q1" EN "Q3); n (%).\n"
    "Warning: Arm B: zero?count <x>\n";

static void test_text(void)
{
    coh_tabone *tab = make_table();
    coh_status st;
    char *out = render(tab, COH_TABONE_TEXT, TITLE, &st);
    check_int(st, COH_OK, "text");
    check_str(out, want_text, "text table");
    free(out);

    /* no title: the table starts at once */
    out = render(tab, COH_TABONE_TEXT, NULL, &st);
    check_int(st, COH_OK, "text without title");
    check(strncmp(out, "Characteristic  ", 16) == 0, "starts with the header");
    free(out);

    /* no tests asked for: no p column; no SMD */
    tab->spec.cat_test = COH_TABONE_CAT_NONE;
    tab->spec.cont_test = COH_TABONE_CONT_NONE;
    tab->spec.smd = false;
    out = render(tab, COH_TABONE_TEXT, NULL, &st);
    check_contains(out,
                   "Characteristic              All (n = 10)      Arm A (n = 6)     Arm B (n = 4)\n"
                   "--------------------------------------------------------------------------------\n"
                   "n                           10                6                 4\n",
                   "no p, no SMD");
    check(strstr(out, "0.012") == NULL, "no p shown");
    free(out);

    /* one group: no p column even when tests are asked for */
    tab->spec.cat_test = COH_TABONE_CAT_AUTO;
    tab->n_groups = 1;
    out = render(tab, COH_TABONE_TEXT, NULL, &st);
    check(strstr(out, "0.012") == NULL, "one group: no p");
    free(out);
    coh_tabone_free(tab);
}

/* ---- Markdown --------------------------------------------------------- */

/* Unescaped '|' in one line. */
static int md_pipes(const char *line, size_t len)
{
    int n = 0;
    for (size_t i = 0; i < len; i++) {
        if (line[i] == '\\')
            i++;
        else if (line[i] == '|')
            n++;
    }
    return n;
}

static void test_markdown(void)
{
    coh_tabone *tab = make_table();
    coh_status st;
    char *out = render(tab, COH_TABONE_MARKDOWN, TITLE, &st);
    check_int(st, COH_OK, "markdown");
    check(strncmp(out, "**Table 1: \\<demo>**\n\n", 22) == 0, "title in bold, '<' escaped");
    check_contains(out,
                   "| Characteristic | All (n = 10) | Arm A (n = 6) | Arm B (n = 4) | p | SMD |\n"
                   "| --- | --- | --- | --- | --- | --- |\n"
                   "| n | 10 | 6 | 4 |  |  |\n"
                   "| **Baseline \\<b>&\"' \\| x** |  |  |  |  |  |\n"
                   "| Sex, n (%) |  |  |  | 0.012 a | 0.25 |\n"
                   "| \xC2\xA0\xC2\xA0" "Female | 5 (55.6%) | 3 (50.0%) | 2 (66.7%) |  |  |\n",
                   "table lines");
    check_contains(out, "| " SIZE_LABEL " | 61.0 (53.0" EN "69.0) |", "first summary line");
    check_contains(out, "| \xC2\xA0\xC2\xA0mean (SD) |", "second summary line indented");
    check_contains(out,
                   "|\n\na Pearson's chi-square test\n\nb Mann-Whitney U test\n\n"
                   "Median (Q1" EN "Q3); n (%).\n\nWarning: Arm B: zero?count \\<x>\n",
                   "footnotes as paragraphs");
    check(strstr(out, "&nbsp;") == NULL, "no &nbsp;");
    /* every table line has 7 unescaped pipes: 6 columns */
    const char *p = strstr(out, "| Characteristic");
    int lines = 0;
    while (p != NULL && *p == '|') {
        const char *nl = strchr(p, '\n');
        check_int(md_pipes(p, (size_t)(nl - p)), 7, "pipes in a table line");
        lines++;
        p = nl + 1;
    }
    check_int(lines, 2 + (int)N_ROWS, "table lines");
    free(out);

    /* a line break inside a text stays inside the cell */
    free(tab->rows[3].label);
    tab->rows[3].label = strdup("Fe\nmale|x");
    out = render(tab, COH_TABONE_MARKDOWN, NULL, &st);
    check_contains(out, "| \xC2\xA0\xC2\xA0" "Fe male\\|x | 5 (55.6%) |", "line break as a space");
    free(out);
    coh_tabone_free(tab);
}

/* ---- CSV -------------------------------------------------------------- */

static const char want_csv[] =
    "variable,label,level,stat,All (n = 10),Arm A (n = 6),Arm B (n = 4),p,test,smd\n"
    ",n,,,10,6,4,,,\n"
    ",\"Baseline <b>&\"\"' | x\",,,,,,,,\n"
    "sex,\"Sex, n (%)\",,,,,,0.012,Pearson's chi-square test,0.25\n"
    "sex,Female,F,,5 (55.6%),3 (50.0%),2 (66.7%),,,\n"
    "sex,\"Male, \"\"M\"\"\",M,,4 (44.4%),3 (50.0%),1 (33.3%),,,\n"
    "sex,Missing,,,1,0,1,,,\n"
    "size,\"" SIZE_LABEL "\",,median_iqr,61.0 (53.0" EN "69.0),58.5 (50.0" EN "66.0),"
    "64.0 (60.0" EN "70.0),0.30,Mann-Whitney U test,-0.10\n"
    "size,mean (SD),,mean_sd,60.2 (8.1),59.0 (7.0),62.0 (9.0),,,\n";

static void test_csv(void)
{
    coh_tabone *tab = make_table();
    coh_status st;
    char *out = render(tab, COH_TABONE_CSV, TITLE, &st);
    check_int(st, COH_OK, "csv");
    check_str(out, want_csv, "csv");
    free(out);

    free(tab->rows[3].label);
    tab->rows[3].label = strdup("Fe\nmale");
    free(tab->col_labels[2]);
    tab->col_labels[2] = strdup("B, \"late\"\r");
    out = render(tab, COH_TABONE_CSV, NULL, &st);
    check_contains(out, "sex,\"Fe\nmale\",F,", "LF quoted");
    check_contains(out, ",\"B, \"\"late\"\"\r (n = 4)\",p,", "header quoted with its count");
    free(out);
    coh_tabone_free(tab);
}

/* ---- HTML ------------------------------------------------------------- */

static void test_html(void)
{
    coh_tabone *tab = make_table();
    coh_status st;
    char *out = render(tab, COH_TABONE_HTML, TITLE, &st);
    check_int(st, COH_OK, "html");
    check(strncmp(out, "<!DOCTYPE html>\n", 16) == 0, "doctype first");
    check_contains(out, "<meta charset=\"utf-8\">", "charset");
    check_contains(out, "<title>Table 1: &lt;demo&gt;</title>", "title escaped");
    check_contains(out, "<caption>Table 1: &lt;demo&gt;</caption>", "caption escaped");
    check_contains(out, "<style>", "inline style");
    check_contains(out, "border-collapse: collapse", "journal rules");
    check_contains(out, "font-family: sans-serif", "font");
    check_contains(out, "<th scope=\"col\">All (n = 10)</th>", "column header");
    check_contains(out,
                   "<tr class=\"section\"><td colspan=\"6\">"
                   "Baseline &lt;b&gt;&amp;&quot;&#39; | x</td></tr>",
                   "section escaped, across the table");
    check_contains(out, "<td class=\"p\">0.012<sup>a</sup></td><td>0.25</td>", "p with mark");
    check_contains(out, "<td class=\"indent\">Male, &quot;M&quot;</td>", "level indented");
    check_contains(out, "<td>" SIZE_LABEL "</td>", "first summary line not indented");
    check_contains(out, "<td class=\"indent\">mean (SD)</td>", "second summary line indented");
    check_contains(out, "<div class=\"notes\">\n<p><sup>a</sup> Pearson&#39;s chi-square test</p>",
                   "test footnote");
    check_contains(out, "<p>Warning: Arm B: zero?count &lt;x&gt;</p>", "warning escaped");
    check(strstr(out, "<b>") == NULL, "no raw <b>");
    check(strstr(out, "<x>") == NULL, "no raw <x>");
    check(strstr(out, "<demo>") == NULL, "no raw <demo>");
    check(strstr(out, "<script") == NULL, "no script");
    check(strstr(out, "http") == NULL && strstr(out, "src=") == NULL &&
              strstr(out, "<link") == NULL,
          "no external resource");
    check_contains(out, "</table>\n<div class=\"notes\">", "notes after the table");
    size_t len = strlen(out);
    check(len > 16 && strcmp(out + len - 16, "</body>\n</html>\n") == 0, "ends the page");
    free(out);

    /* no title: a page title all the same, no caption */
    out = render(tab, COH_TABONE_HTML, NULL, &st);
    check_contains(out, "<title>Table 1</title>", "default page title");
    check(strstr(out, "<caption>") == NULL, "no caption");
    free(out);
    coh_tabone_free(tab);
}

/* ---- JSON ------------------------------------------------------------- */

/* A minimal JSON reader: true when `*s` starts with one well-formed value
 * (RFC 8259), *s moved past it. */
static void skip_ws(const char **s)
{
    while (**s == ' ' || **s == '\n' || **s == '\t' || **s == '\r')
        (*s)++;
}

static bool json_value_ok(const char **s, int depth);

static bool json_string_ok(const char **s)
{
    if (**s != '"')
        return false;
    for ((*s)++; **s != '"'; (*s)++) {
        if ((unsigned char)**s < 0x20)
            return false;
        if (**s == '\\') {
            (*s)++;
            if (strchr("\"\\/bfnrtu", **s) == NULL || **s == '\0')
                return false;
        }
    }
    (*s)++;
    return true;
}

static bool json_value_ok(const char **s, int depth)
{
    if (depth > 64)
        return false;
    skip_ws(s);
    char c = **s;
    if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        (*s)++;
        skip_ws(s);
        if (**s == close) {
            (*s)++;
            return true;
        }
        for (;;) {
            if (c == '{') {
                skip_ws(s);
                if (!json_string_ok(s))
                    return false;
                skip_ws(s);
                if (*(*s)++ != ':')
                    return false;
            }
            if (!json_value_ok(s, depth + 1))
                return false;
            skip_ws(s);
            if (**s == ',') {
                (*s)++;
                continue;
            }
            if (**s == close) {
                (*s)++;
                return true;
            }
            return false;
        }
    }
    if (c == '"')
        return json_string_ok(s);
    if (strncmp(*s, "true", 4) == 0 || strncmp(*s, "null", 4) == 0) {
        *s += 4;
        return true;
    }
    if (strncmp(*s, "false", 5) == 0) {
        *s += 5;
        return true;
    }
    char *end;
    strtod(*s, &end);
    if (end == *s)
        return false;
    *s = end;
    return true;
}

/* The keys appear in `out` in this order. */
static void check_order(const char *out, const char *const *keys, size_t n, const char *what)
{
    const char *p = out;
    for (size_t i = 0; i < n; i++) {
        const char *q = strstr(p, keys[i]);
        if (q == NULL) {
            check(q != NULL, what);
            fprintf(stderr, "  key %s missing or out of order\n", keys[i]);
            return;
        }
        p = q + strlen(keys[i]);
    }
    check(true, what);
}

static void test_json(void)
{
    coh_tabone *tab = make_table();
    coh_status st;
    char *out = render(tab, COH_TABONE_JSON, TITLE, &st);
    check_int(st, COH_OK, "json");
    const char *s = out;
    check(json_value_ok(&s, 0), "well-formed");
    skip_ws(&s);
    check(*s == '\0', "one value");

    static const char *const top[] = {
        "\n  \"by\": \"arm\"",      "\n  \"by_label\": \"Treatment arm\"",
        "\n  \"n_used\": 10",       "\n  \"n_by_missing\": 1",
        "\n  \"columns\": [",       "\n  \"rows\": [",
        "\n  \"tests\": [",         "\n  \"notes\": [",
        "\n  \"warnings\": [",      "\n  \"options\": {"};
    check_order(out, top, sizeof top / sizeof top[0], "top-level keys in order");

    static const char *const col0[] = {"\"label\": \"All\"", "\"level\": null", "\"n\": 10",
                                       "\"overall\": true", "\"label\": \"Arm A\"",
                                       "\"level\": \"A\"", "\"n\": 6", "\"overall\": false"};
    check_order(out, col0, sizeof col0 / sizeof col0[0], "columns");

    /* the n row: p is NaN, so null */
    static const char *const row0[] = {
        "\"kind\": \"n\"", "\"variable\": null", "\"label\": \"n\"", "\"level\": null",
        "\"stat\": null", "\"groups\": [", "\"text\": \"10\"", "\"n\": 10", "\"pct\": null",
        "\"p\": null", "\"p_text\": \"\"", "\"test\": null", "\"smd\": null",
        "\"kind\": \"section\""};
    check_order(out, row0, sizeof row0 / sizeof row0[0], "n row");

    /* the section row has no groups */
    const char *sec = strstr(out, "\"kind\": \"section\"");
    const char *next = sec != NULL ? strstr(sec, "\"kind\": \"variable\"") : NULL;
    const char *groups = sec != NULL ? strstr(sec, "\"groups\"") : NULL;
    check(sec != NULL && next != NULL && groups != NULL && groups > next, "section: no groups");
    check_contains(out, "\"label\": \"Baseline <b>&\\\"' | x\"", "section label escaped for JSON");

    static const char *const var[] = {
        "\"kind\": \"variable\"", "\"variable\": \"sex\"", "\"text\": \"\"",
        "\"p\": 0.0123",          "\"p_text\": \"0.012\"",
        "\"test\": \"Pearson's chi-square test\"", "\"smd\": 0.25",
        "\"kind\": \"level\"",    "\"level\": \"F\"", "\"text\": \"5 (55.6%)\"", "\"n\": 5",
        "\"pct\": 55.6",          "\"kind\": \"missing\"", "\"text\": \"1\"", "\"n\": 1",
        "\"kind\": \"summary\"",  "\"stat\": \"median_iqr\"", "\"n\": 9", "\"median\": 61",
        "\"q1\": 53",             "\"q3\": 69", "\"mean\": null", "\"sd\": null",
        "\"min\": null",          "\"max\": null", "\"p\": 0.3",
        "\"test\": \"Mann-Whitney U test\"", "\"smd\": -0.1"};
    check_order(out, var, sizeof var / sizeof var[0], "variable, level, missing, summary rows");
    const char *miss = strstr(out, "\"kind\": \"missing\"");
    const char *miss_end = miss != NULL ? strstr(miss, "\"kind\": \"summary\"") : NULL;
    const char *pct = miss != NULL ? strstr(miss, "\"pct\"") : NULL;
    check(miss_end != NULL && (pct == NULL || pct > miss_end), "missing rows: n only");

    static const char *const tail[] = {
        "\"tests\": [\n    \"Pearson's chi-square test\",\n    \"Mann-Whitney U test\"\n  ]",
        "\"notes\": [\n    \"Median (Q1" EN "Q3); n (%).\"\n  ]",
        "\"warnings\": [\n    \"Arm B: zero\\u0001count <x>\"\n  ]",
        "\"summary\": \"both\"",   "\"minmax\": false",      "\"tests\": \"auto\"",
        "\"continuous_test\": \"rank\"", "\"wilcox_correct\": true",
        "\"wilcox_exact\": true",  "\"overall\": true",       "\"missing\": \"ifany\"",
        "\"percent\": \"column\"", "\"smd\": true",           "\"digits\": 1",
        "\"pct_digits\": 1",       "\"p_digits\": 2",         "\"fisher_below\": 5",
        "\"quantile_type\": 7\n  }\n}\n"};
    check_order(out, tail, sizeof tail / sizeof tail[0], "tests, notes, warnings, options");
    free(out);

    tab->spec.summary = COH_TABONE_MEAN_SD;
    tab->spec.cat_test = COH_TABONE_CAT_FISHER;
    tab->spec.cont_test = COH_TABONE_CONT_WELCH;
    tab->spec.missing = COH_TABONE_MISSING_NO;
    tab->spec.percent = COH_TABONE_PCT_ROW;
    free(tab->by);
    tab->by = NULL;
    out = render(tab, COH_TABONE_JSON, NULL, &st);
    static const char *const opts[] = {"\"by\": null", "\"summary\": \"mean-sd\"",
                                       "\"tests\": \"fisher\"", "\"continuous_test\": \"welch\"",
                                       "\"missing\": \"no\"", "\"percent\": \"row\""};
    check_order(out, opts, sizeof opts / sizeof opts[0], "option names");
    free(out);
    coh_tabone_free(tab);
}

/* ---- failures --------------------------------------------------------- */

static void test_write_errors(void)
{
    coh_tabone *tab = make_table();
    FILE *full = fopen("/dev/full", "w");
    if (full != NULL) {
        for (int fmt = COH_TABONE_TEXT; fmt <= COH_TABONE_JSON; fmt++) {
            check_int(coh_tabone_write(tab, (coh_tabone_format)fmt, TITLE, full), COH_EIO,
                      "a full device");
            clearerr(full);
        }
        fclose(full);
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    check_int(coh_tabone_write(tab, (coh_tabone_format)99, NULL, f), COH_EINVAL, "unknown format");
    fclose(f);
    check_int(len, 0, "nothing written for an unknown format");
    free(buf);
    coh_tabone_free(tab);
}

/* ---- XLSX ------------------------------------------------------------- */

/* Names in directory `dir` other than . and .., joined by spaces in
 * order of readdir, into buf; the count. */
static int list_dir(const char *dir, char *buf, size_t size)
{
    DIR *d = opendir(dir);
    int n = 0;
    buf[0] = '\0';
    if (d == NULL)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, "%s%s", n > 0 ? " " : "", e->d_name);
        n++;
    }
    closedir(d);
    return n;
}

static bool file_starts_with(const char *path, const char *magic, size_t len)
{
    char got[16] = {0};
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    size_t n = fread(got, 1, len, f);
    fclose(f);
    return n == len && memcmp(got, magic, len) == 0;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f != NULL) {
        fputs(text, f);
        fclose(f);
    }
}

static void test_xlsx(void)
{
    const char *base = getenv("TMPDIR");
    char dir[256], path[512], sub[512], names[1024];
    snprintf(dir, sizeof dir, "%s/cohort-tabone-XXXXXX", base ? base : "/tmp");
    if (mkdtemp(dir) == NULL) {
        check(false, "mkdtemp");
        return;
    }
    coh_tabone *tab = make_table();
    coh_error err;

    /* a new file, then one that replaces an old file */
    snprintf(path, sizeof path, "%s/t.xlsx", dir);
    check_int(coh_tabone_write_xlsx(tab, TITLE, path, &err), COH_OK, "xlsx written");
    check(file_starts_with(path, "PK\x03\x04", 4), "a zip file");
    write_file(path, "old");
    check_int(coh_tabone_write_xlsx(tab, NULL, path, &err), COH_OK, "xlsx replaces a file");
    check(file_starts_with(path, "PK\x03\x04", 4), "replaced by a zip file");
    check_int(list_dir(dir, names, sizeof names), 1, "no temporary file left");
    check_str(names, "t.xlsx", "only the workbook");

    /* a directory that does not exist */
    snprintf(sub, sizeof sub, "%s/nope/t.xlsx", dir);
    coh_error_clear(&err);
    check_int(coh_tabone_write_xlsx(tab, TITLE, sub, &err), COH_EIO, "missing directory");
    check_int(err.status, COH_EIO, "error record");
    check_contains(err.msg, sub, "message names the path");
    check_int(list_dir(dir, names, sizeof names), 1, "nothing created");

    /* the destination is a directory: the rename fails after the workbook
     * was written; the temporary file goes, the directory stays */
    snprintf(sub, sizeof sub, "%s/d.xlsx", dir);
    mkdir(sub, 0700);
    coh_error_clear(&err);
    check_int(coh_tabone_write_xlsx(tab, TITLE, sub, &err), COH_EIO, "destination a directory");
    check_contains(err.msg, sub, "message names the path");
    check_int(list_dir(dir, names, sizeof names), 2, "no temporary file left");
    struct stat sb;
    check(stat(sub, &sb) == 0 && S_ISDIR(sb.st_mode), "directory untouched");
    rmdir(sub);

    /* a read-only directory: the old file stays as it was (root ignores
     * permissions, so this part is skipped for root) */
    if (geteuid() != 0) {
        char ro[300];
        snprintf(ro, sizeof ro, "%s/ro", dir);
        mkdir(ro, 0700);
        snprintf(sub, sizeof sub, "%s/t.xlsx", ro);
        write_file(sub, "old");
        chmod(ro, 0500);
        coh_error_clear(&err);
        check_int(coh_tabone_write_xlsx(tab, TITLE, sub, &err), COH_EIO, "read-only directory");
        check_contains(err.msg, sub, "message names the path");
        check(file_starts_with(sub, "old", 3), "old file untouched");
        check_int(list_dir(ro, names, sizeof names), 1, "nothing beside it");
        chmod(ro, 0700);
        unlink(sub);
        rmdir(ro);
    }

    unlink(path);
    rmdir(dir);
    coh_tabone_free(tab);
}

/* One member of a zip file (the workbook), inflated: found by its local
 * header's name; NULL when absent or unreadable.  Enough for the files
 * libxlsxwriter writes (deflated or stored, sizes in the local header). */
static char *zip_member(const char *path, const char *name)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    static unsigned char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    size_t nl = strlen(name);
    for (size_t i = 0; i + 30 <= n; i++) {
        if (memcmp(buf + i, "PK\x03\x04", 4) != 0)
            continue;
        unsigned method = buf[i + 8] | (unsigned)buf[i + 9] << 8;
        unsigned long csize = buf[i + 18] | (unsigned long)buf[i + 19] << 8 |
                              (unsigned long)buf[i + 20] << 16 | (unsigned long)buf[i + 21] << 24;
        unsigned long usize = buf[i + 22] | (unsigned long)buf[i + 23] << 8 |
                              (unsigned long)buf[i + 24] << 16 | (unsigned long)buf[i + 25] << 24;
        size_t fl = buf[i + 26] | (size_t)buf[i + 27] << 8;
        size_t xl = buf[i + 28] | (size_t)buf[i + 29] << 8;
        if (fl != nl || memcmp(buf + i + 30, name, nl) != 0)
            continue;
        const unsigned char *data = buf + i + 30 + fl + xl;
        if (data + csize > buf + n)
            return NULL;
        char *out = calloc(usize + 1, 1);
        if (out == NULL)
            return NULL;
        if (method == 0) {
            memcpy(out, data, usize);
            return out;
        }
        z_stream z;
        memset(&z, 0, sizeof z);
        if (inflateInit2(&z, -MAX_WBITS) != Z_OK) {
            free(out);
            return NULL;
        }
        z.next_in = (unsigned char *)data;
        z.avail_in = (uInt)csize;
        z.next_out = (unsigned char *)out;
        z.avail_out = (uInt)usize;
        int rc = inflate(&z, Z_FINISH);
        inflateEnd(&z);
        if (rc != Z_STREAM_END) {
            free(out);
            return NULL;
        }
        return out;
    }
    return NULL;
}

/* Grids: CSV exactly, the workbook's strings and bold heading rows,
 * whole-or-nothing failures, bad arguments. */
static void test_grid(void)
{
    static const char *const head[] = {"Variable", "HR (95% CI)", "p"};
    static const char *const cells[] = {"Index CRLM",      "not shown",       "",
                                        "Age, \"years\"",   "1.08 (0.77–1.51)", "0.66",
                                        "CEA, µg/l",        "1.01 (1.00–1.01)", "< 0.001",
                                        "A < B & C",        NULL,               "0.5"};
    static const uint8_t section[] = {1, 0, 0, 0};
    static const char *const notes[] = {"HR: hazard ratio."};
    coh_grid g = {"Table 3. Cox <model>", head, 3, cells, 4, section, notes, 1};

    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    check_int(coh_grid_write_csv(&g, f), COH_OK, "grid CSV");
    fclose(f);
    check_str(out,
              "Variable,HR (95% CI),p\n"
              "Index CRLM,,\n"
              "\"Age, \"\"years\"\"\",1.08 (0.77–1.51),0.66\n"
              "\"CEA, µg/l\",1.01 (1.00–1.01),< 0.001\n"
              "A < B & C,,0.5\n",
              "grid CSV: header, rows, RFC 4180 quoting, NULL cells empty, a heading's first cell "
              "only");
    free(out);

    const char *base = getenv("TMPDIR");
    char dir[256], path[512], names[1024];
    snprintf(dir, sizeof dir, "%s/cohort-grid-XXXXXX", base ? base : "/tmp");
    if (mkdtemp(dir) == NULL) {
        check(false, "mkdtemp");
        return;
    }
    coh_error err;
    snprintf(path, sizeof path, "%s/g.xlsx", dir);
    check_int(coh_grid_write_xlsx(&g, path, &err), COH_OK, "grid XLSX written");
    char *strings = zip_member(path, "xl/sharedStrings.xml");
    char *sheet = zip_member(path, "xl/worksheets/sheet1.xml");
    check(strings != NULL && sheet != NULL, "the workbook has its strings and its sheet");
    if (strings != NULL) {
        static const char *const want[] = {"Table 3. Cox &lt;model&gt;", "HR (95% CI)",
                                           "Index CRLM", "Age, \"years\"", "CEA, µg/l",
                                           "1.01 (1.00–1.01)", "&lt; 0.001", "A &lt; B &amp; C",
                                           "HR: hazard ratio."};
        for (size_t k = 0; k < sizeof want / sizeof want[0]; k++)
            check_contains(strings, want[k], "a cell's text in the workbook, escaped");
    }
    if (sheet != NULL) {
        /* title row 1, header row 2, the section heading row 3: its one
         * cell, in a bold format; no cell beside it */
        check_contains(sheet, "<c r=\"A3\" s=\"", "the heading's cell, formatted (bold)");
        check_contains(sheet, "<c r=\"A4\" t=\"s\"", "a plain cell, not formatted");
        check(strstr(sheet, "<c r=\"B3\"") == NULL, "nothing beside the heading");
        check_contains(sheet, "<c r=\"A7\"", "the note under the rows");
        check(strstr(sheet, "<c r=\"B6\"") == NULL, "a NULL cell stays empty");
        check_contains(sheet, "<cols>", "column widths set");
    }
    free(strings);
    free(sheet);
    /* the same grid gives the same bytes (fixed creation time) */
    char path2[512];
    snprintf(path2, sizeof path2, "%s/h.xlsx", dir);
    check_int(coh_grid_write_xlsx(&g, path2, &err), COH_OK, "again");
    {
        FILE *a = fopen(path, "rb"), *b = fopen(path2, "rb");
        bool same = a != NULL && b != NULL;
        int ca = 0, cb = 0;
        while (same && (ca = fgetc(a)) != EOF) {
            cb = fgetc(b);
            same = ca == cb;
        }
        same = same && fgetc(b) == EOF;
        if (a != NULL)
            fclose(a);
        if (b != NULL)
            fclose(b);
        check(same, "the same grid, the same workbook bytes");
    }
    unlink(path2);
    /* failures: no directory; a directory in the way; nothing left */
    char sub[600];
    snprintf(sub, sizeof sub, "%s/nope/g.xlsx", dir);
    coh_error_clear(&err);
    check_int(coh_grid_write_xlsx(&g, sub, &err), COH_EIO, "missing directory");
    check_contains(err.msg, sub, "message names the path");
    snprintf(sub, sizeof sub, "%s/d.xlsx", dir);
    mkdir(sub, 0700);
    check_int(coh_grid_write_xlsx(&g, sub, &err), COH_EIO, "destination a directory");
    rmdir(sub);
    check_int(list_dir(dir, names, sizeof names), 1, "no temporary file left");
    /* bad arguments */
    coh_grid none = g;
    none.nc = 0;
    check_int(coh_grid_write_xlsx(&none, path, &err), COH_EINVAL, "no columns");
    check_int(coh_grid_write_xlsx(NULL, path, &err), COH_EINVAL, "no grid");
    check_int(coh_grid_write_xlsx(&g, NULL, &err), COH_EINVAL, "no path");
    f = open_memstream(&out, &len);
    check_int(coh_grid_write_csv(&none, f), COH_EINVAL, "CSV: no columns");
    check_int(coh_grid_write_csv(&g, NULL), COH_EINVAL, "CSV: no stream");
    fclose(f);
    free(out);
    /* invalid UTF-8 is refused (the workbook's XML would not parse) */
    static const char *const bad_cells[] = {"ok", "caf\xe9", "x"};
    coh_grid bad = {NULL, head, 3, bad_cells, 1, NULL, NULL, 0};
    check_int(coh_grid_write_xlsx(&bad, path, &err), COH_EENCODING, "invalid UTF-8: XLSX");
    check_contains(err.msg, "not valid UTF-8", "says so");
    f = open_memstream(&out, &len);
    check_int(coh_grid_write_csv(&bad, f), COH_EENCODING, "invalid UTF-8: CSV");
    fclose(f);
    free(out);
    /* a text longer than a cell holds is cut at 32767 characters */
    {
        size_t n = 40000;
        char *big = malloc(2 * n + 1);
        for (size_t i = 0; i < n; i++)
            memcpy(big + 2 * i, "\xc3\xa9", 2);
        big[2 * n] = '\0';
        const char *bc[] = {big, "1", "2"};
        coh_grid g2 = {big, head, 3, bc, 1, NULL, NULL, 0};
        check_int(coh_grid_write_xlsx(&g2, path, &err), COH_OK, "a 40000-character title and cell");
        char *ss = zip_member(path, "xl/sharedStrings.xml");
        check(ss != NULL && strstr(ss, "\xc3\xa9\xe2\x80\xa6<") != NULL, "cut with an ellipsis");
        free(ss);
        free(big);
    }
    coh_grid rows0 = g;
    rows0.nr = 0;
    rows0.cells = NULL;
    rows0.section = NULL;
    check_int(coh_grid_write_xlsx(&rows0, path, &err), COH_OK, "no rows: the header alone");
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    RUN(test_format_parse);
    RUN(test_text);
    RUN(test_markdown);
    RUN(test_csv);
    RUN(test_html);
    RUN(test_json);
    RUN(test_write_errors);
    RUN(test_xlsx);
    RUN(test_grid);
    return check_report("test_tabone_write");
}
