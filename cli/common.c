/* common.c - option scanning, data options and loading, shared by commands. */
#include <stdarg.h>
#include <stdint.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

int cli_exit_code(coh_status st)
{
    switch (st) {
    case COH_OK: return EXIT_OK;
    case COH_EIO: return EXIT_IO;
    case COH_ENOMEM: return EXIT_NOMEM;
    case COH_EINVAL: return EXIT_USAGE;
    case COH_EINTERNAL: return EXIT_INTERNAL;
    case COH_EPARSE: case COH_ETYPE: case COH_EENCODING: case COH_EEMPTY:
    case COH_ENOTFOUND: case COH_EFORMAT: case COH_EDOMAIN:
        return EXIT_DATA;
    }
    return EXIT_INTERNAL;
}

void cli_put_clean(const char *s, FILE *out)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        fputc(c < 0x20 || c == 0x7F ? '?' : c, out);
    }
}

int cli_help(const cli_command *c)
{
    fputs(c->help, stdout);
    if (c->reads_data) {
        putchar('\n');
        fputs(cli_data_help, stdout);
    }
    return EXIT_OK;
}

int cli_list_set(cli_list *l, const char *v)
{
    cli_list_free(l);
    l->buf = strdup(v);
    size_t cnt = 1;
    for (const char *p = v; *p; p++)
        cnt += *p == ',';
    l->v = calloc(cnt, sizeof *l->v);
    if (l->buf == NULL || l->v == NULL)
        return -1;
    char *save = NULL;
    for (char *tok = strtok_r(l->buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        l->v[l->n++] = tok;
    }
    return 0;
}

void cli_list_free(cli_list *l)
{
    free(l->buf);
    free(l->v);
    l->buf = NULL;
    l->v = NULL;
    l->n = 0;
}

void cli_csv_field(const char *s, FILE *out)
{
    coh_csv_field(s, out);
}

char *cli_csv_beside(const char *figure)
{
    const char *dot = strrchr(figure, '.');
    const char *slash = strrchr(figure, '/');
    size_t stem = dot != NULL && (slash == NULL || dot > slash) ? (size_t)(dot - figure)
                                                                : strlen(figure);
    char *p = malloc(stem + 5);
    if (p != NULL) {
        memcpy(p, figure, stem);
        memcpy(p + stem, ".csv", 5);
    }
    return p;
}

int cli_where(const coh_table *t, const char *where, uint8_t **keep)
{
    *keep = NULL;
    if (where == NULL)
        return EXIT_OK;
    *keep = malloc(t->n_rows ? t->n_rows : 1);
    if (*keep == NULL)
        return cli_fail(COH_ENOMEM, NULL);
    coh_error err;
    coh_error_clear(&err);
    coh_status st = coh_table_filter(t, where, *keep, NULL, &err);
    return st == COH_OK ? EXIT_OK : cli_fail(st, err.msg);
}

int cli_rest_arg(cli_args *a, cli_data_opts *d, const char **path)
{
    int got = cli_data_opt(d, a);
    if (got > 0)
        return 0;
    if (got < 0)
        return EXIT_USAGE;
    const char *arg = a->argv[a->i];
    if (arg[0] == '-' && arg[1] != '\0')
        return cli_usage_error(a->cmd, "unknown option '%s'", arg);
    if (*path != NULL)
        return cli_usage_error(a->cmd, "one data file only ('%s' and '%s')", *path, arg);
    *path = arg;
    return 0;
}

int cli_out_format(cli_args *a, const char *v, int *out)
{
    static const char *const names[] = {"text", "json", "csv"};
    for (int k = 0; k < 3; k++)
        if (strcmp(v, names[k]) == 0) {
            *out = k;
            return 0;
        }
    return cli_usage_error(a->cmd, "--format wants text, json or csv, got '%s'", v);
}

bool cli_is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

int cli_fail(coh_status st, const char *msg)
{
    fprintf(stderr, "cohort: %s\n", msg && *msg ? msg : coh_status_str(st));
    return cli_exit_code(st);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "cohort %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(see 'cohort help %s')\n", cmd);
    va_end(ap);
    return EXIT_USAGE;
}

bool cli_opt(cli_args *a, const char *name, bool takes_value, const char **value, int *bad)
{
    const char *arg = a->argv[a->i];
    size_t n = strlen(name);
    if (strncmp(arg, name, n) != 0)
        return false;
    if (arg[n] == '\0') {
        if (!takes_value)
            return true;
        if (a->i + 1 >= a->argc) {
            *bad = cli_usage_error(a->cmd, "option %s needs a value", name);
            return true;
        }
        *value = a->argv[++a->i];
        return true;
    }
    if (arg[n] == '=' && takes_value) {
        *value = arg + n + 1;
        return true;
    }
    return false;
}

const char cli_data_help[] =
    "Data options:\n"
    "  --input-format F   csv, tsv, sav, zsav, dta, sas7bdat or sqlite\n"
    "                     (default: from the file extension)\n"
    "  --delim C          CSV delimiter: ',' ';' 'tab' (default: detected)\n"
    "  --decimal-comma    numbers use a decimal comma (12,5)\n"
    "  --no-header        the first line is data; columns are V1, V2, ...\n"
    "  --na LIST          comma-separated text read as missing\n"
    "                     (default: empty, NA and .)\n"
    "  --na-code COL=V    the number V in column COL is missing (repeatable)\n"
    "  --type COL=TYPE    declare a type: double, integer, date, categorical,\n"
    "                     string (repeatable; COL=TYPE,COL=TYPE also works)\n"
    "  --date-format FMT  dates like %d/%m/%Y (%Y %y %m %d %b); default ISO\n"
    "  --max-levels N     text columns with more levels are strings (50)\n"
    "  --threads N        threads for reading CSV (default: all cores)\n"
    "  --table NAME       SQLite: read this table\n"
    "  --query SQL        SQLite: read the result of this SELECT\n"
    "  --no-progress      never show the progress line\n";

void cli_data_opts_init(cli_data_opts *d)
{
    memset(d, 0, sizeof *d);
    coh_read_options_init(&d->read);
    d->progress = true;
}

void cli_data_opts_free(cli_data_opts *d)
{
    for (size_t k = 0; k < d->n_col_types; k++)
        free((char *)(uintptr_t)d->col_types[k].column);
    for (size_t k = 0; k < d->n_na_codes; k++)
        free((char *)(uintptr_t)d->na_codes[k].column);
    free(d->na_tokens);
    free(d->na_codes);
    free(d->col_types);
    free(d->na_buf);
}

static int parse_col_type(cli_data_opts *d, cli_args *a, const char *v)
{
    char *copy = strdup(v);
    if (copy == NULL)
        return cli_fail(COH_ENOMEM, NULL), -1;
    int rc = 1;
    char *save = NULL;
    for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char *eq = strrchr(item, '=');
        coh_type t;
        if (eq == NULL || eq == item || coh_type_parse(eq + 1, &t) != COH_OK) {
            cli_usage_error(a->cmd, "--type wants COL=TYPE with TYPE one of double, integer, "
                                    "date, categorical, string; got '%s'", item);
            rc = -1;
            break;
        }
        *eq = '\0';
        /* the column name must outlive parsing: find it in argv */
        size_t off = (size_t)(item - copy);
        coh_col_type *ct = realloc(d->col_types, (d->n_col_types + 1) * sizeof *ct);
        if (ct == NULL) {
            rc = -1;
            break;
        }
        d->col_types = ct;
        char *name = strndup(v + off, strlen(item));
        if (name == NULL) {
            rc = -1;
            break;
        }
        /* freed by cli_data_opts_free */
        ct[d->n_col_types].column = name;
        ct[d->n_col_types].type = t;
        d->n_col_types++;
    }
    free(copy);
    return rc;
}

/* A whole number from 1 to 10^6, or -1 after a usage message. */
static long positive(cli_args *a, const char *opt, const char *v)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (*v == '\0' || *end != '\0' || n < 1 || n > 1000000) {
        cli_usage_error(a->cmd, "%s wants a whole number from 1 to 1000000, got '%s'", opt, v);
        return -1;
    }
    return n;
}

int cli_data_opt(cli_data_opts *d, cli_args *a)
{
    const char *v = NULL;
    int bad = 0;
    if (cli_opt(a, "--input-format", true, &v, &bad)) {
        if (bad) return -1;
        if (coh_format_parse(v, &d->read.format) != COH_OK)
            return cli_usage_error(a->cmd, "unknown input format '%s'", v), -1;
        return 1;
    }
    if (cli_opt(a, "--delim", true, &v, &bad)) {
        if (bad) return -1;
        if (strcmp(v, "tab") == 0 || strcmp(v, "\\t") == 0)
            d->read.delimiter = '\t';
        else if (strlen(v) == 1 && v[0] != '"' && v[0] != '\n' && v[0] != '\r')
            d->read.delimiter = v[0];
        else
            return cli_usage_error(a->cmd, "--delim wants one character or 'tab', got '%s'", v), -1;
        return 1;
    }
    if (cli_opt(a, "--decimal-comma", false, &v, &bad)) {
        d->read.decimal_comma = true;
        return 1;
    }
    if (cli_opt(a, "--no-header", false, &v, &bad)) {
        d->read.no_header = true;
        return 1;
    }
    if (cli_opt(a, "--no-progress", false, &v, &bad)) {
        d->progress = false;
        return 1;
    }
    if (cli_opt(a, "--na", true, &v, &bad)) {
        if (bad) return -1;
        free(d->na_buf);
        free(d->na_tokens);
        d->na_buf = strdup(v);
        size_t n = 1;
        for (const char *p = v; *p; p++)
            n += *p == ',';
        d->na_tokens = calloc(n, sizeof *d->na_tokens);
        if (d->na_buf == NULL || d->na_tokens == NULL)
            return cli_fail(COH_ENOMEM, NULL), -1;
        d->n_na_tokens = 0;
        char *p = d->na_buf;
        for (;;) {
            d->na_tokens[d->n_na_tokens++] = p;
            char *c = strchr(p, ',');
            if (c == NULL)
                break;
            *c = '\0';
            p = c + 1;
        }
        d->read.na_tokens = d->na_tokens;
        d->read.n_na_tokens = d->n_na_tokens;
        return 1;
    }
    if (cli_opt(a, "--na-code", true, &v, &bad)) {
        if (bad) return -1;
        const char *eq = strrchr(v, '=');
        char *end = NULL;
        double x = eq ? strtod(eq + 1, &end) : 0;
        if (eq == NULL || eq == v || end == eq + 1 || *end != '\0')
            return cli_usage_error(a->cmd, "--na-code wants COL=NUMBER, got '%s'", v), -1;
        coh_na_code *nc = realloc(d->na_codes, (d->n_na_codes + 1) * sizeof *nc);
        char *name = strndup(v, (size_t)(eq - v));
        if (nc == NULL || name == NULL) {
            free(name);
            return cli_fail(COH_ENOMEM, NULL), -1;
        }
        d->na_codes = nc;
        nc[d->n_na_codes].column = name;
        nc[d->n_na_codes].value = x;
        d->n_na_codes++;
        d->read.na_codes = d->na_codes;
        d->read.n_na_codes = d->n_na_codes;
        return 1;
    }
    if (cli_opt(a, "--type", true, &v, &bad)) {
        if (bad) return -1;
        if (parse_col_type(d, a, v) < 0)
            return -1;
        d->read.col_types = d->col_types;
        d->read.n_col_types = d->n_col_types;
        return 1;
    }
    if (cli_opt(a, "--date-format", true, &v, &bad)) {
        if (bad) return -1;
        if (!coh_date_format_valid(v))
            return cli_usage_error(a->cmd, "--date-format wants %%Y (or %%y), %%m (or %%b) "
                                           "and %%d with literal characters, e.g. %%d/%%m/%%Y; "
                                           "got '%s'", v), -1;
        d->read.date_format = v;
        return 1;
    }
    if (cli_opt(a, "--max-levels", true, &v, &bad)) {
        long n;
        if (bad || (n = positive(a, "--max-levels", v)) < 0)
            return -1;
        d->read.max_levels = (size_t)n;
        return 1;
    }
    if (cli_opt(a, "--threads", true, &v, &bad)) {
        long n;
        if (bad || (n = positive(a, "--threads", v)) < 0)
            return -1;
        d->read.threads = (int)(n > 64 ? 64 : n);
        return 1;
    }
    if (cli_opt(a, "--table", true, &v, &bad)) {
        if (bad) return -1;
        d->read.sqlite_table = v;
        return 1;
    }
    if (cli_opt(a, "--query", true, &v, &bad)) {
        if (bad) return -1;
        d->read.sqlite_query = v;
        return 1;
    }
    return 0;
}

/* The progress line: shown only on a terminal, and only once a load has
 * taken more than a second, so that quick loads and pipes stay quiet. */
typedef struct progress {
    const char *path;
    struct timespec start;
    bool shown;
} progress;

double cli_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static double elapsed(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) * 1e-9;
}

static void show_progress(void *ctx, size_t done, size_t total)
{
    progress *p = ctx;
    if (total == 0 || elapsed(&p->start) < 1.0)
        return;
    fprintf(stderr, "\rreading %s: %3.0f%%", p->path, 100.0 * (double)done / (double)total);
    fflush(stderr);
    p->shown = true;
}

int cli_load(cli_data_opts *d, const char *path, coh_table **out)
{
    coh_error err;
    coh_error_clear(&err);
    progress p = {.path = path, .shown = false};
    clock_gettime(CLOCK_MONOTONIC, &p.start);
    if (d->progress && isatty(STDERR_FILENO)) {
        d->read.progress = show_progress;
        d->read.progress_ctx = &p;
    }
    coh_status st = coh_read(path, &d->read, out, &err);
    if (p.shown)
        fprintf(stderr, "\r\033[K");
    d->read.progress = NULL;
    if (st != COH_OK)
        return cli_fail(st, err.msg);
    return EXIT_OK;
}

int cli_number(cli_args *a, const char *opt, const char *v, double lo, double hi, double *out)
{
    char *end;
    double x = strtod(v, &end);
    if (end == v || *end != '\0' || !isfinite(x) || x < lo || x > hi)
        return cli_usage_error(a->cmd, "%s wants a number from %g to %g, got '%s'", opt, lo, hi,
                               v);
    *out = x;
    return 0;
}

int cli_int(cli_args *a, const char *opt, const char *v, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (end == v || *end != '\0' || errno != 0 || x < lo || x > hi)
        return cli_usage_error(a->cmd, "%s wants a whole number from %d to %d, got '%s'", opt,
                               lo, hi, v);
    *out = (int)x;
    return 0;
}

int cli_figure_opt(cli_args *a, cli_figure_outs *outs, coh_plot_style *st)
{
    const char *v = NULL;
    int bad = 0;
    if (cli_opt(a, "--out", true, &v, &bad)) {
        coh_plot_format f;
        if (bad)
            return -bad;
        if (coh_plot_format_of(v, &f) != COH_OK)
            return -cli_usage_error(a->cmd, "--out '%s': the figure's file name must end in "
                                            ".svg, .pdf or .png", v);
        const char **nv = realloc(outs->v, (outs->n + 1) * sizeof *nv);
        if (nv == NULL)
            return -cli_fail(COH_ENOMEM, NULL);
        outs->v = nv;
        outs->v[outs->n++] = v;
        return 1;
    }
    /* sizes: half an inch holds no figure's text, 200 inches any page;
     * fonts from 4 pt (the smallest a journal prints) to 36 pt */
    static const struct {
        const char *name;
        double lo, hi;
        size_t offset;
    } nums[] = {
        {"--width", 0.5, 200, offsetof(coh_plot_style, width)},
        {"--height", 0.5, 200, offsetof(coh_plot_style, height)},
        {"--dpi", 10, 2400, offsetof(coh_plot_style, dpi)},
        {"--font-size", 4, 36, offsetof(coh_plot_style, font_size)},
    };
    for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++)
        if (cli_opt(a, nums[k].name, true, &v, &bad)) {
            double *field = (double *)(void *)((char *)st + nums[k].offset);
            if (bad)
                return -bad;
            int rc = cli_number(a, nums[k].name, v, nums[k].lo, nums[k].hi, field);
            return rc ? -rc : 1;
        }
    if (cli_opt(a, "--font", true, &v, &bad)) {
        if (bad)
            return -bad;
        if (v[0] == '\0' || !coh_text_is_utf8(v))
            return -cli_usage_error(a->cmd, "--font wants a font family name such as "
                                            "'DejaVu Sans' or 'Liberation Sans'");
        st->font = v;
        char used[128];
        if (!coh_plot_font_available(v, used, sizeof used)) {
            fprintf(stderr, "cohort %s: warning: font '", a->cmd);
            cli_put_clean(v, stderr);
            fprintf(stderr, "' is not installed; '%s' is drawn instead\n", used);
        }
        return 1;
    }
    if (cli_opt(a, "--grayscale", false, &v, &bad)) {
        st->grayscale = true;
        return 1;
    }
    return 0;
}

void cli_figure_outs_free(cli_figure_outs *outs)
{
    free(outs->v);
    outs->v = NULL;
    outs->n = 0;
}

/* Are a and b the same existing file? */
static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

static bool is_directory(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

int cli_figure_outs_check(const cli_figure_outs *outs, const char *input, const char *cmd)
{
    for (size_t k = 0; k < outs->n; k++) {
        char *csv = cli_csv_beside(outs->v[k]);
        if (csv == NULL)
            return cli_fail(COH_ENOMEM, NULL);
        const char *names[2] = {outs->v[k], csv};
        int rc = EXIT_OK;
        for (size_t j = 0; j < 2 && rc == EXIT_OK; j++) {
            if (input != NULL && same_file(names[j], input))
                rc = cli_usage_error(cmd, "%s '%s' would replace the input file '%s': name "
                                          "the figure differently",
                                     j ? "the CSV beside --out" : "--out", names[j], input);
            else if (is_directory(names[j]))
                rc = cli_usage_error(cmd, "'%s' is a directory, not a file to write", names[j]);
        }
        free(csv);
        if (rc != EXIT_OK)
            return rc;
    }
    return EXIT_OK;
}
