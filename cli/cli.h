/* cli.h - shared pieces of the `cohort` command-line tool.
 * The CLI uses only the public headers in include/cohort/. */
#ifndef COHORT_CLI_H
#define COHORT_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cohort/cohort.h"

/* Exit codes (docs/cli.md). */
enum {
    EXIT_OK = 0,
    EXIT_DATA = 1,     /* the input data or the analysis could not be used */
    EXIT_USAGE = 2,    /* bad command line */
    EXIT_IO = 3,       /* a file could not be opened, read or written */
    EXIT_NOMEM = 4,    /* out of memory */
    EXIT_INTERNAL = 70 /* a bug */
};

typedef struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
    const char *summary;
    const char *help; /* full help text */
    bool reads_data;  /* takes the data options */
} cli_command;

extern const cli_command cli_describe;
extern const cli_command cli_km;
extern const cli_command cli_cox;
extern const cli_command cli_table;
extern const cli_command cli_plot;
extern const cli_command cli_run;
extern const cli_command cli_check;
/* the figures of `cohort plot` */
extern const cli_command cli_plot_km;
extern const cli_command cli_plot_forest;
extern const cli_command cli_plot_flow;

/* Write `s` with control characters (including line breaks and escape
 * sequences) shown as '?', for text meant for a terminal. */
void cli_put_clean(const char *s, FILE *out);
/* A comma-separated option value split into items (leading spaces
 * dropped; empty items skipped), with the buffer that holds them. */
typedef struct cli_list {
    char *buf;
    const char **v;
    size_t n;
} cli_list;
/* 0, or -1 when memory runs out.  Replaces earlier contents. */
int cli_list_set(cli_list *l, const char *v);
void cli_list_free(cli_list *l);

/* A CSV field, quoted (RFC 4180) when it holds a delimiter, quote or line
 * break; NULL writes nothing (an empty field). */
void cli_csv_field(const char *s, FILE *out);
/* FILE with its extension replaced by .csv (or .csv added when it has
 * none): where a figure's numbers go.  A new string; NULL when memory
 * runs out. */
char *cli_csv_beside(const char *figure);

/* Is `arg` --help or -h?  Commands test this where they expect an option,
 * so that "-h" can still be an option's value. */
bool cli_is_help(const char *arg);
/* Print a command's help (and the data options where it reads data). */
int cli_help(const cli_command *c);

/* The exit code for a library status. */
int cli_exit_code(coh_status st);
/* Print "cohort: <msg>" to stderr and return the exit code for `st`. */
int cli_fail(coh_status st, const char *msg);
/* Print "cohort CMD: <msg>\n(see 'cohort help CMD')" and return EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Argument scanning: `--name value` and `--name=value`. */
typedef struct cli_args {
    int argc;
    char **argv;
    int i;                /* index of the current argument */
    const char *cmd;      /* for messages */
} cli_args;

/* Does argv[i] name option `name`?  If it takes a value, *value is set
 * (from "=value" or the next argument, consumed); a missing value is a usage
 * error reported through *bad. */
bool cli_opt(cli_args *a, const char *name, bool takes_value, const char **value, int *bad);

/* Output formats of --format, in this order. */
enum { CLI_OUT_TEXT = 0, CLI_OUT_JSON, CLI_OUT_CSV };
/* Parse a --format value into *out (CLI_OUT_*): 0, or a usage error's exit
 * code after the message. */
int cli_out_format(cli_args *a, const char *v, int *out);

/* Data-reading options shared by every command that loads a data file. */
typedef struct cli_data_opts {
    coh_read_options read;
    const char **na_tokens;
    coh_na_code *na_codes;
    coh_col_type *col_types;
    size_t n_na_tokens, n_na_codes, n_col_types;
    char *na_buf;         /* storage behind na_tokens */
    bool progress;        /* show a progress line on a terminal */
} cli_data_opts;

void cli_data_opts_init(cli_data_opts *d);
void cli_data_opts_free(cli_data_opts *d);
/* Consume a data option at a->i if there is one: 1 consumed, 0 not a data
 * option, -1 usage error (already printed). */
int cli_data_opt(cli_data_opts *d, cli_args *a);
/* --where: *keep (t->n_rows bytes, the caller's to free; NULL without an
 * expression) marks the rows where it is true.  EXIT_OK, or the exit
 * code after the message. */
int cli_where(const coh_table *t, const char *where, uint8_t **keep);

/* Every argument a command does not take itself: a data option, else an
 * unknown option (a usage error), else the data file (only one).  0, or
 * the exit code after a message. */
int cli_rest_arg(cli_args *a, cli_data_opts *d, const char **path);
/* Help text for the data options. */
extern const char cli_data_help[];
/* Monotonic clock in seconds, for --timings. */
double cli_seconds(void);

/* Read `path` with the options; prints the error and returns an exit code
 * other than 0 on failure. */
int cli_load(cli_data_opts *d, const char *path, coh_table **out);

/* A number option value in [lo, hi] (finite): 0, or the usage error's
 * exit code after "OPT wants a number from LO to HI, got 'V'". */
int cli_number(cli_args *a, const char *opt, const char *v, double lo, double hi, double *out);
/* The same for whole numbers. */
int cli_int(cli_args *a, const char *opt, const char *v, int lo, int hi, int *out);

/* The options every figure shares: --out FILE (repeatable; .svg, .pdf or
 * .png), --width IN, --height IN (0.5 to 200), --dpi N (10 to 2400),
 * --font NAME, --font-size PT (4 to 36), --grayscale.  The out list
 * points into argv; free it with cli_figure_outs_free. */
typedef struct cli_figure_outs {
    const char **v;
    size_t n;
} cli_figure_outs;
/* Consume a figure option at a->i: 1 consumed, 0 not one, or minus the
 * exit code after a message. */
int cli_figure_opt(cli_args *a, cli_figure_outs *outs, coh_plot_style *st);
void cli_figure_outs_free(cli_figure_outs *outs);
/* Before anything is drawn: no figure and no CSV beside one may be the
 * input file `input` (the same file, by device and inode, whatever its
 * name), and none may be an existing directory.  EXIT_OK, or EXIT_USAGE
 * after a message. */
int cli_figure_outs_check(const cli_figure_outs *outs, const char *input, const char *cmd);

/* `cohort plot km` takes the data and curve options of `cohort km` and
 * fits its curves with the same code: new, offer each argument that is
 * not the figure's own (_arg), fit (loads the data, fills the spec's
 * curves and the test's annotation), free.  Each returns 0 / EXIT_OK or
 * the exit code after a message; details at their definitions in km.c. */
typedef struct cli_km_input cli_km_input;
cli_km_input *cli_km_input_new(void);
int cli_km_input_arg(cli_km_input *in, cli_args *a);
int cli_km_input_fit(cli_km_input *in, const cli_args *a, coh_plot_km_spec *spec);
/* The data file named on the command line (NULL before one was seen). */
const char *cli_km_input_path(const cli_km_input *in);
void cli_km_input_free(cli_km_input *in);

#endif
