/* plot_flow.c - `cohort plot flow STEPS.csv --out FILE`: the flow diagram
 * of cohort selection (STROBE/CONSORT, the study's Figure 1) from a CSV
 * file of steps, with the counts written as CSV beside each figure.
 *
 * The steps file is read with the project's CSV reader (quoting, UTF-8,
 * delimiter detection); its rows are checked here with messages naming
 * the file and line, and the counts by coh_plot_flow, whose message names
 * the step, to which the line is added. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cli.h"
#include "cohort/io.h"
#include "cohort/outfile.h"
#include "cohort/plot.h"

typedef struct flow_opts {
    cli_figure_outs outs;
    coh_plot_flow_spec spec;
} flow_opts;

static int parse_args(int argc, char **argv, flow_opts *o, const char **path)
{
    cli_args a = {.argc = argc, .argv = argv, .i = 1, .cmd = "plot flow"};
    coh_plot_style *st = &o->spec.style;
    for (; a.i < argc; a.i++) {
        const char *v = NULL;
        int bad = 0;
        const char *arg = argv[a.i];
        if (cli_is_help(arg))
            return cli_help(&cli_plot_flow), 1;
        int shared = cli_figure_opt(&a, &o->outs, st);
        if (shared < 0)
            return -shared;
        if (shared > 0) {
        } else if (cli_opt(&a, "--title", true, &v, &bad)) {
            if (!bad && !coh_text_is_utf8(v))
                return cli_usage_error(a.cmd, "--title is not valid UTF-8 text");
            o->spec.title = v;
        } else if (cli_opt(&a, "--remaining-label", true, &v, &bad)) {
            if (!bad && (v[0] == '\0' || !coh_text_is_utf8(v)))
                return cli_usage_error(a.cmd, "--remaining-label wants a text (UTF-8)");
            o->spec.remaining_label = v;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            return cli_usage_error(a.cmd, "unknown option '%s'", arg);
        } else if (*path != NULL) {
            return cli_usage_error(a.cmd, "one steps file only ('%s' and '%s')", *path, arg);
        } else {
            *path = arg;
        }
        if (bad)
            return bad;
    }
    if (*path == NULL)
        return cli_usage_error(a.cmd, "no steps file given");
    if (o->outs.n == 0)
        return cli_usage_error(a.cmd, "give the figure's file with --out FILE.svg|pdf|png");
    return 0;
}

/* The line on which each record of the CSV file starts, as csv.c splits
 * records: a UTF-8 byte order mark skipped; LF, CRLF or a lone CR ending
 * a record outside quotes (and counting one line inside them); blank
 * lines skipped.  lines[0] is the header's.  NULL when the file cannot be
 * read again or holds fewer records (the caller then counts rows). */
static size_t *record_lines(const char *path, size_t n_records)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t len = 0, cap = 0;
    char *d = NULL;
    for (;;) {
        if (len == cap) {
            char *nd = realloc(d, cap = cap ? 2 * cap : 4096);
            if (nd == NULL)
                break;
            d = nd;
        }
        size_t got = fread(d + len, 1, cap - len, f);
        if (got == 0)
            break;
        len += got;
    }
    bool read_ok = !ferror(f) && d != NULL;
    fclose(f);
    size_t *lines = read_ok ? calloc(n_records, sizeof *lines) : NULL;
    if (lines == NULL) {
        free(d);
        return NULL;
    }
    size_t i = len >= 3 && memcmp(d, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    size_t rec = 0, line = 1;
    bool quoted = false, at_start = true;
    for (; i < len && rec < n_records; i++) {
        char c = d[i];
        bool eol = c == '\n' || c == '\r';
        if (c == '\r' && i + 1 < len && d[i + 1] == '\n')
            i++; /* CRLF: one line */
        if (at_start && eol) {
            line++; /* a blank line */
            continue;
        }
        if (at_start) {
            lines[rec] = line;
            at_start = false;
        }
        if (c == '"') {
            quoted = !quoted;
        } else if (eol) {
            line++;
            if (!quoted) {
                rec++;
                at_start = true;
            }
        }
    }
    free(d);
    /* the last record may lack its line end */
    if (rec < n_records && !(rec + 1 == n_records && !at_start)) {
        free(lines);
        return NULL;
    }
    return lines;
}

/* The line of data row r (0-based). */
static size_t row_line(const size_t *lines, size_t r)
{
    return lines != NULL ? lines[r + 1] : r + 2;
}

/* The text of cell r of a text column, or NULL when missing. */
static const char *cell(const coh_column *c, size_t r)
{
    if (coh_column_is_na(c, r) || c->code == NULL)
        return NULL;
    return c->levels[c->code[r]];
}

/* Read the steps file into spec->steps (labels pointing into *table).
 * EXIT_OK, or the exit code after a message. */
static int read_steps(const char *path, coh_table **table, coh_flow_step **steps, size_t *n)
{
    static const char *const need[3] = {"kind", "label", "n"};
    /* only an empty field is missing: a label may read "NA" */
    static const char *const na[] = {""};
    coh_read_options ro;
    coh_read_options_init(&ro);
    ro.format = COH_FORMAT_CSV;
    ro.na_tokens = na;
    ro.n_na_tokens = 1;
    ro.threads = 1;
    coh_error err;
    coh_error_clear(&err);
    coh_status st = coh_read_csv(path, &ro, table, &err);
    if (st != COH_OK)
        return cli_fail(st, err.msg);
    coh_table *t = *table;
    for (size_t k = 0; k < 3; k++) {
        if (coh_table_find(t, need[k]) != NULL)
            continue;
        char have[512] = "";
        for (size_t j = 0; j < t->n_cols && strlen(have) < sizeof have - 64; j++) {
            strncat(have, j > 0 ? ", " : "", sizeof have - strlen(have) - 1);
            strncat(have, t->cols[j]->name, sizeof have - strlen(have) - 1);
        }
        fprintf(stderr, "cohort: %s: no column '%s' (a steps file has the columns kind, label "
                        "and n; this one has ", path, need[k]);
        cli_put_clean(have, stderr);
        fputs(")\n", stderr);
        return EXIT_DATA;
    }
    /* read again with the types the steps need, so that a label keeps its
     * spelling ("2019") and n is checked as a number where it is read */
    coh_col_type types[3] = {{"kind", COH_STRING}, {"label", COH_STRING}, {"n", COH_DOUBLE}};
    coh_table_free(t);
    *table = NULL;
    ro.col_types = types;
    ro.n_col_types = 3;
    if ((st = coh_read_csv(path, &ro, table, &err)) != COH_OK)
        return cli_fail(st, err.msg);
    t = *table;
    if (t->n_rows == 0) {
        fprintf(stderr, "cohort: %s: no steps (a header and no rows)\n", path);
        return EXIT_DATA;
    }
    const coh_column *kind = coh_table_find(t, "kind"), *label = coh_table_find(t, "label"),
                     *count = coh_table_find(t, "n");
    size_t *lines = record_lines(path, t->n_rows + 1);
    *steps = calloc(t->n_rows, sizeof **steps);
    if (*steps == NULL) {
        free(lines);
        return cli_fail(COH_ENOMEM, NULL);
    }
    static const char *const kinds[4] = {"start", "exclude", "box", "group"};
    int rc = EXIT_OK;
    for (size_t r = 0; r < t->n_rows && rc == EXIT_OK; r++) {
        coh_flow_step *s = &(*steps)[r];
        const char *k = cell(kind, r);
        size_t line = row_line(lines, r);
        int found = -1;
        for (int j = 0; k != NULL && j < 4; j++)
            if (strcasecmp(k, kinds[j]) == 0)
                found = j;
        if (k == NULL) {
            fprintf(stderr, "cohort: %s:%zu: kind is empty (start, exclude, box or group)\n",
                    path, line);
            rc = EXIT_DATA;
        } else if (found < 0) {
            fprintf(stderr, "cohort: %s:%zu: kind '", path, line);
            cli_put_clean(k, stderr);
            fputs("' is not start, exclude, box or group\n", stderr);
            rc = EXIT_DATA;
        } else if (cell(label, r) == NULL) {
            fprintf(stderr, "cohort: %s:%zu: label is empty\n", path, line);
            rc = EXIT_DATA;
        } else if (coh_column_is_na(count, r)) {
            fprintf(stderr, "cohort: %s:%zu: n is empty\n", path, line);
            rc = EXIT_DATA;
        } else {
            s->kind = (coh_flow_kind)found;
            s->label = cell(label, r);
            s->n = count->num[r];
        }
    }
    *n = t->n_rows;
    free(lines);
    return rc;
}

static int write_counts(const coh_plot_flow_spec *spec, const char *path)
{
    coh_error err;
    coh_outfile of;
    coh_status st = coh_outfile_open(&of, path, &err);
    if (st != COH_OK)
        return cli_fail(st, err.msg);
    errno = 0;
    if ((st = coh_plot_flow_csv(spec, of.fp)) != COH_OK) {
        int e = errno;
        char msg[1200];
        snprintf(msg, sizeof msg, "%s: cannot write the counts: %s", path,
                 e ? strerror(e) : coh_status_str(st));
        coh_outfile_abort(&of);
        return cli_fail(st, msg);
    }
    if ((st = coh_outfile_commit(&of, &err)) != COH_OK)
        return cli_fail(st, err.msg);
    return EXIT_OK;
}

static int run(int argc, char **argv)
{
    flow_opts o;
    memset(&o, 0, sizeof o);
    coh_plot_flow_spec_init(&o.spec);
    const char *path = NULL;
    coh_table *t = NULL;
    coh_flow_step *steps = NULL;
    char **csvs = NULL;
    int rc = parse_args(argc, argv, &o, &path);
    if (rc != 0) {
        rc = rc == 1 ? EXIT_OK : rc;
        goto done;
    }
    /* the counts beside each figure (FILE with .csv), once per name;
     * they must not replace the steps file they come from */
    csvs = calloc(o.outs.n, sizeof *csvs);
    if (csvs == NULL) {
        rc = cli_fail(COH_ENOMEM, NULL);
        goto done;
    }
    for (size_t k = 0; k < o.outs.n; k++) {
        if ((csvs[k] = cli_csv_beside(o.outs.v[k])) == NULL) {
            rc = cli_fail(COH_ENOMEM, NULL);
            goto done;
        }
    }
    if ((rc = cli_figure_outs_check(&o.outs, path, "plot flow")) != EXIT_OK)
        goto done;
    size_t n_steps = 0;
    if ((rc = read_steps(path, &t, &steps, &n_steps)) != EXIT_OK)
        goto done;
    o.spec.steps = steps;
    o.spec.n_steps = n_steps;
    for (size_t k = 0; k < o.outs.n; k++) {
        coh_error err;
        coh_error_clear(&err);
        coh_status st = coh_plot_flow(&o.spec, o.outs.v[k], NULL, &err);
        if (st == COH_EINVAL && strncmp(err.msg, "step ", 5) == 0) {
            /* a problem of the counts: name the line of the step */
            size_t step = (size_t)strtoul(err.msg + 5, NULL, 10);
            size_t *lines = record_lines(path, n_steps + 1);
            size_t line = step >= 1 && step <= n_steps ? row_line(lines, step - 1) : 0;
            free(lines);
            fprintf(stderr, "cohort: %s:%zu: ", path, line);
            cli_put_clean(err.msg, stderr);
            fputc('\n', stderr);
            rc = EXIT_DATA;
            goto done;
        }
        if (st != COH_OK) {
            rc = cli_fail(st, err.msg);
            goto done;
        }
        bool written = false;
        for (size_t j = 0; j < k; j++)
            written |= strcmp(csvs[j], csvs[k]) == 0;
        if (!written && (rc = write_counts(&o.spec, csvs[k])) != EXIT_OK)
            goto done;
    }
    rc = EXIT_OK;
done:
    for (size_t k = 0; csvs != NULL && k < o.outs.n; k++)
        free(csvs[k]);
    free(csvs);
    free(steps);
    coh_table_free(t);
    cli_figure_outs_free(&o.outs);
    return rc;
}

const cli_command cli_plot_flow = {
    "flow", run, "a STROBE/CONSORT flow diagram of cohort selection",
    "usage: cohort plot flow STEPS.csv --out FILE.svg|pdf|png [--out FILE ...] [options]\n"
    "\n"
    "The flow diagram of cohort selection, as a study's Figure 1: a main column\n"
    "of boxes with the n that remains, a box beside it listing each exclusion\n"
    "with its n, and the final groups side by side at the bottom.\n"
    "\n"
    "STEPS.csv has the columns kind, label and n (others are ignored), one row\n"
    "per step, in order:\n"
    "  start     a box at the top (\"Patients screened\"); several starts, one per\n"
    "            centre say, sit side by side and merge into the box below them\n"
    "            (a box step, else \"Patients screened\" with their sum)\n"
    "  exclude   a reason for exclusion with its n; consecutive ones share a box\n"
    "            beside the main column, and a box with what remains follows\n"
    "  box       a main box with its own label; its n must equal what remains\n"
    "            after the steps above it (after exclusions, it names that box)\n"
    "  group     a final group; the groups split the last box and add up to it\n"
    "\n"
    "  --out FILE             the figure, by extension: .svg, .pdf or .png\n"
    "                         (repeatable); the counts are written beside it as\n"
    "                         FILE with .csv: step,kind,label,n,remaining\n"
    "  --width IN             width in inches (6.5, widened when a row of boxes\n"
    "                         needs it)\n"
    "  --height IN            height in inches (default: what the boxes need)\n"
    "  --dpi N                PNG resolution (300)\n"
    "  --font NAME            font family (DejaVu Sans)\n"
    "  --font-size PT         text size in points (9)\n"
    "  --title TEXT           a title above the diagram\n"
    "  --remaining-label TEXT the box after exclusions when no box step names it\n"
    "                         (Remaining)\n",
    false};
