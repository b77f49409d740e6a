/* describe.c - `cohort describe DATA`: one row per column. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum out_format { OUT_TEXT = CLI_OUT_TEXT, OUT_JSON = CLI_OUT_JSON, OUT_CSV = CLI_OUT_CSV };

/* A number or date as text for people: dates as ISO, numbers with up to 6
 * significant digits. */
static void value_text(const coh_column *c, double v, char *buf, size_t size)
{
    if (!isfinite(v))
        snprintf(buf, size, "-");
    else if (c->type == COH_DATE)
        coh_format_date(floor(v), buf, size);
    else
        snprintf(buf, size, "%.6g", v);
}

/* A name padded to `width` bytes, control characters shown as '?'. */
static void print_name(const char *s, int width)
{
    cli_put_clean(s, stdout);
    for (int len = (int)strlen(s); len < width; len++)
        putchar(' ');
}

static void print_text(const char *path, const coh_describe_result *r)
{
    cli_put_clean(path, stdout);
    printf(": %zu row%s, %zu column%s\n\n", r->n_rows, r->n_rows == 1 ? "" : "s",
           r->n_cols, r->n_cols == 1 ? "" : "s");
    size_t w = 6;
    for (size_t j = 0; j < r->n_cols; j++) {
        size_t len = strlen(r->cols[j].col->name);
        w = len > w ? len : w;
    }
    if (w > 32)
        w = 32;
    printf("%-*s  %-11s  %9s  %9s  %s\n", (int)w, "column", "type", "n", "missing", "summary");
    for (size_t j = 0; j < r->n_cols; j++) {
        const coh_col_summary *s = &r->cols[j];
        const coh_column *c = s->col;
        print_name(c->name, (int)w);
        printf("  %-11s  %9zu  %9zu  ", coh_type_name(c->type), s->n, s->n_missing);
        if (coh_type_is_numeric(c->type)) {
            char lo[40], md[40], hi[40];
            value_text(c, s->min, lo, sizeof lo);
            value_text(c, s->median, md, sizeof md);
            value_text(c, s->max, hi, sizeof hi);
            if (s->n == 0)
                printf("all missing\n");
            else
                printf("min %s, median %s, max %s\n", lo, md, hi);
        } else if (c->type == COH_STRING) {
            printf("%zu distinct\n", s->n_levels_used);
        } else {
            printf("%zu level%s\n", c->n_levels, c->n_levels == 1 ? "" : "s");
            size_t shown = c->n_levels < 20 ? c->n_levels : 20;
            int lw = 5; /* widest level text shown, at most 30 */
            for (size_t k = 0; k < shown; k++) {
                size_t len = strlen(coh_column_level_text(c, k));
                lw = len > (size_t)lw ? (len > 30 ? 30 : (int)len) : lw;
            }
            /* under the summary column: w + type + n + missing + gaps */
            int indent = (int)w + 2 + 11 + 2 + 9 + 2 + 9 + 2;
            for (size_t k = 0; k < shown; k++) {
                double pct = s->n ? 100.0 * (double)s->level_counts[k] / (double)s->n : 0;
                printf("%*s", indent, "");
                print_name(coh_column_level_text(c, k), lw);
                printf(" %9zu  %5.1f%%\n", s->level_counts[k], pct);
            }
            if (shown < c->n_levels)
                printf("%*s... %zu more\n", indent, "", c->n_levels - shown);
        }
    }
}

static void json_value(coh_json *j, const coh_column *c, double v)
{
    if (c->type == COH_DATE && isfinite(v)) {
        char buf[32];
        coh_format_date(floor(v), buf, sizeof buf);
        coh_json_string(j, buf);
    } else {
        coh_json_number(j, v);
    }
}

static void print_json(const char *path, const coh_describe_result *r)
{
    coh_json j;
    coh_json_init(&j, stdout);
    coh_json_object_begin(&j);
    coh_json_key(&j, "file");
    coh_json_string(&j, path);
    coh_json_key(&j, "n_rows");
    coh_json_int(&j, (int64_t)r->n_rows);
    coh_json_key(&j, "n_cols");
    coh_json_int(&j, (int64_t)r->n_cols);
    coh_json_key(&j, "columns");
    coh_json_array_begin(&j);
    for (size_t k = 0; k < r->n_cols; k++) {
        const coh_col_summary *s = &r->cols[k];
        const coh_column *c = s->col;
        coh_json_object_begin(&j);
        coh_json_key(&j, "name");
        coh_json_string(&j, c->name);
        coh_json_key(&j, "type");
        coh_json_string(&j, coh_type_name(c->type));
        coh_json_key(&j, "label");
        coh_json_string(&j, c->label);
        coh_json_key(&j, "unit");
        coh_json_string(&j, c->unit);
        coh_json_key(&j, "n");
        coh_json_int(&j, (int64_t)s->n);
        coh_json_key(&j, "n_missing");
        coh_json_int(&j, (int64_t)s->n_missing);
        if (coh_type_is_numeric(c->type)) {
            coh_json_key(&j, "min");
            json_value(&j, c, s->min);
            coh_json_key(&j, "median");
            json_value(&j, c, s->median);
            coh_json_key(&j, "max");
            json_value(&j, c, s->max);
        } else {
            coh_json_key(&j, "n_distinct");
            coh_json_int(&j, (int64_t)s->n_levels_used);
            if (c->type == COH_CATEGORICAL) {
                coh_json_key(&j, "levels");
                coh_json_array_begin(&j);
                for (size_t l = 0; l < c->n_levels; l++) {
                    coh_json_object_begin(&j);
                    coh_json_key(&j, "level");
                    coh_json_string(&j, c->levels[l]);
                    coh_json_key(&j, "label");
                    coh_json_string(&j, coh_column_level_text(c, l));
                    coh_json_key(&j, "count");
                    coh_json_int(&j, (int64_t)s->level_counts[l]);
                    coh_json_object_end(&j);
                }
                coh_json_array_end(&j);
            }
        }
        coh_json_object_end(&j);
    }
    coh_json_array_end(&j);
    coh_json_object_end(&j);
    coh_json_end(&j);
}

static void csv_value(const coh_column *c, double v)
{
    char buf[40];
    if (!isfinite(v))
        return;
    if (c->type == COH_DATE)
        coh_format_date(floor(v), buf, sizeof buf);
    else
        coh_format_num(v, buf, sizeof buf);
    fputs(buf, stdout);
}

static void print_csv(const coh_describe_result *r)
{
    puts("name,type,label,n,n_missing,min,median,max,n_distinct,levels");
    for (size_t k = 0; k < r->n_cols; k++) {
        const coh_col_summary *s = &r->cols[k];
        const coh_column *c = s->col;
        cli_csv_field(c->name, stdout);
        printf(",%s,", coh_type_name(c->type));
        cli_csv_field(c->label, stdout);
        printf(",%zu,%zu,", s->n, s->n_missing);
        if (coh_type_is_numeric(c->type)) {
            csv_value(c, s->min);
            putchar(',');
            csv_value(c, s->median);
            putchar(',');
            csv_value(c, s->max);
            puts(",,");
            continue;
        }
        printf(",,,%zu,", s->n_levels_used);
        if (c->type == COH_CATEGORICAL) {
            /* levels as "label=count;label=count" in one field */
            size_t len = 1;
            for (size_t l = 0; l < c->n_levels; l++)
                len += strlen(coh_column_level_text(c, l)) + 24;
            char *buf = malloc(len);
            if (buf != NULL) {
                size_t off = 0;
                buf[0] = '\0';
                for (size_t l = 0; l < c->n_levels; l++)
                    off += (size_t)snprintf(buf + off, len - off, "%s%s=%zu", l ? ";" : "",
                                            coh_column_level_text(c, l), s->level_counts[l]);
                cli_csv_field(buf, stdout);
                free(buf);
            }
        }
        putchar('\n');
    }
}

static int run(int argc, char **argv)
{
    cli_args a = {.argc = argc, .argv = argv, .i = 1, .cmd = "describe"};
    cli_data_opts d;
    cli_data_opts_init(&d);
    enum out_format fmt = OUT_TEXT;
    const char *path = NULL;
    bool timings = false;
    int rc = EXIT_OK;
    for (; a.i < argc; a.i++) {
        const char *v = NULL;
        int bad = 0, got;
        if (cli_is_help(argv[a.i])) {
            rc = cli_help(&cli_describe);
            goto done;
        }
        if (cli_opt(&a, "--format", true, &v, &bad)) {
            if (bad) {
                rc = bad;
                goto done;
            }
            int f;
            if ((rc = cli_out_format(&a, v, &f)) != 0)
                goto done;
            fmt = (enum out_format)f;
        } else if (cli_opt(&a, "--timings", false, &v, &bad)) {
            timings = true;
        } else if ((got = cli_rest_arg(&a, &d, &path)) != 0) {
            rc = got;
            goto done;
        }
    }
    if (path == NULL) {
        rc = cli_usage_error(a.cmd, "no data file given");
        goto done;
    }
    coh_table *t = NULL;
    double t0 = cli_seconds();
    if ((rc = cli_load(&d, path, &t)) != EXIT_OK)
        goto done;
    double t1 = cli_seconds();
    coh_describe_result *r = NULL;
    coh_status st = coh_describe(t, d.read.threads, &r);
    if (timings)
        fprintf(stderr, "load_seconds=%.3f describe_seconds=%.3f rows=%zu table_bytes=%zu\n",
                t1 - t0, cli_seconds() - t1, t->n_rows, coh_table_bytes(t));
    if (st != COH_OK) {
        rc = cli_fail(st, NULL);
    } else {
        if (fmt == OUT_JSON)
            print_json(path, r);
        else if (fmt == OUT_CSV)
            print_csv(r);
        else
            print_text(path, r);
        if (fflush(stdout) != 0 || ferror(stdout))
            rc = cli_fail(COH_EIO, "cannot write the output");
    }
    coh_describe_free(r);
    coh_table_free(t);
done:
    cli_data_opts_free(&d);
    return rc;
}

const cli_command cli_describe = {
    "describe", run, "summarise each column of a data file",
    "usage: cohort describe DATA [--format text|json|csv] [data options]\n"
    "\n"
    "One row per column: name, type, number of values, number missing; for\n"
    "numbers and dates the minimum, median and maximum; for categorical\n"
    "columns each level with its count.  The median is R's quantile type 7.\n"
    "\n"
    "  --format F    text (default, for people), json (stable keys, full\n"
    "                precision, null for missing) or csv\n"
    "  --timings     print the seconds spent loading and summarising to\n"
    "                standard error\n",
    true};
