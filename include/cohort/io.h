/* cohort/io.h - reading data files into a coh_table.
 *
 * Formats: CSV/TSV (RFC 4180), SPSS .sav/.zsav, Stata .dta, SAS .sas7bdat
 * (through ReadStat) and SQLite databases (a table or a SELECT query, opened
 * read-only).  The format is chosen by file extension unless
 * coh_read_options.format says otherwise.  Inputs are never modified.
 *
 * Every reader fills a coh_error whose message names the file and, where it
 * applies, the line and column (CSV) or the variable (ReadStat, SQLite).
 */
#ifndef COHORT_IO_H
#define COHORT_IO_H

#include <stdbool.h>
#include <stddef.h>

#include "cohort/status.h"
#include "cohort/table.h"

typedef enum coh_format {
    COH_FORMAT_AUTO = 0, /* from the file extension */
    COH_FORMAT_CSV,      /* delimiter detected or given */
    COH_FORMAT_TSV,      /* CSV with a tab delimiter */
    COH_FORMAT_SAV,      /* SPSS .sav and .zsav */
    COH_FORMAT_DTA,      /* Stata */
    COH_FORMAT_SAS7BDAT, /* SAS */
    COH_FORMAT_SQLITE    /* SQLite database file */
} coh_format;

/* Parse "csv", "tsv", "sav", "zsav", "dta", "sas7bdat", "sqlite". */
coh_status coh_format_parse(const char *s, coh_format *out);
const char *coh_format_name(coh_format f);
/* The format implied by a path's extension, or COH_FORMAT_AUTO if unknown. */
coh_format coh_format_from_path(const char *path);

/* A declared type for one column, overriding inference. */
typedef struct coh_col_type {
    const char *column;
    coh_type type;
} coh_col_type;

/* A column-specific numeric missing-value code, such as -99. */
typedef struct coh_na_code {
    const char *column;
    double value;
} coh_na_code;

/* Progress callback: `done` of `total` bytes read.  Called from the reading
 * thread now and then (not for every row); must be cheap. */
typedef void (*coh_progress_fn)(void *ctx, size_t done, size_t total);

typedef struct coh_read_options {
    coh_format format;          /* COH_FORMAT_AUTO: by extension */
    char delimiter;             /* 0: detect among ',', ';' and tab */
    bool decimal_comma;         /* "12,5" is 12.5 (European exports) */
    bool no_header;             /* the first line is data; columns V1..Vn */
    const char *const *na_tokens; /* text read as missing; NULL: "", "NA", "." */
    size_t n_na_tokens;
    const coh_na_code *na_codes; /* per-column numeric missing codes */
    size_t n_na_codes;
    const coh_col_type *col_types; /* declared types */
    size_t n_col_types;
    const char *date_format;    /* e.g. "%d/%m/%Y"; NULL: ISO 8601 only */
    size_t max_levels;          /* text columns with more levels are STRING,
                                   not CATEGORICAL; 0: default 50 */
    int threads;                /* 0: one per online core */
    const char *sqlite_table;   /* SQLite: a table name, or */
    const char *sqlite_query;   /* SQLite: a SELECT statement */
    coh_progress_fn progress;   /* may be NULL */
    void *progress_ctx;
} coh_read_options;

/* Is `fmt` a date format the readers accept: %Y or %y, %m or %b, and %d,
 * each once or more, with any other characters literal? */
bool coh_date_format_valid(const char *fmt);

/* The defaults described above. */
void coh_read_options_init(coh_read_options *o);

/* Read `path` into a new table (*out, owned by the caller).  `opts` may be
 * NULL for the defaults.  On failure *out is NULL and `err` says why. */
coh_status coh_read(const char *path, const coh_read_options *opts,
                    coh_table **out, coh_error *err);

/* The format-specific readers behind coh_read. */
coh_status coh_read_csv(const char *path, const coh_read_options *opts,
                        coh_table **out, coh_error *err);
/* CSV from memory; `name` is used in messages in place of a file name. */
coh_status coh_read_csv_mem(const char *data, size_t len, const char *name,
                            const coh_read_options *opts, coh_table **out,
                            coh_error *err);
coh_status coh_read_readstat(const char *path, coh_format format,
                             const coh_read_options *opts, coh_table **out,
                             coh_error *err);
coh_status coh_read_sqlite(const char *path, const coh_read_options *opts,
                           coh_table **out, coh_error *err);

#endif
