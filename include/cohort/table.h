/* cohort/table.h - the columnar data table.
 *
 * A coh_table is an ordered set of equally long columns.  Each column has a
 * name, an optional label and unit, a type, a missing-value mask and one of two
 * storages:
 *
 *   type               storage                       missing value in storage
 *   COH_DOUBLE         num[i], any finite double      NAN
 *   COH_INTEGER        num[i], integral, |x| < 2^53   NAN
 *   COH_DATE           num[i], days since 1970-01-01  NAN
 *   COH_CATEGORICAL    code[i], index into levels     -1
 *   COH_STRING         code[i], index into levels     -1
 *
 * Integers and dates are kept as doubles so that every statistical kernel
 * reads one array type; 2^53 bounds the exactly representable integers.
 * String columns are dictionary encoded like categorical ones: the difference
 * is only that a categorical column's levels are a meaningful, ordered set
 * (for tables and models) while a string column's are not (identifiers, free
 * text).  `missing` is NULL when no value is missing; use coh_column_is_na().
 *
 * The structs are public so that kernels can read the arrays directly; change
 * them only through the functions below.
 */
#ifndef COHORT_TABLE_H
#define COHORT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cohort/status.h"

typedef enum coh_type {
    COH_DOUBLE = 0,
    COH_INTEGER,
    COH_DATE,
    COH_CATEGORICAL,
    COH_STRING
} coh_type;

/* "double", "integer", "date", "categorical", "string". */
const char *coh_type_name(coh_type t);
/* Parse a type name (also accepts "number" for double, "factor" for
 * categorical); COH_EINVAL if unknown. */
coh_status coh_type_parse(const char *s, coh_type *out);

typedef struct coh_column {
    char *name;
    char *label;          /* descriptive label, or NULL */
    char *unit;           /* unit such as "months", or NULL */
    coh_type type;
    size_t n;             /* number of rows */
    double *num;          /* DOUBLE, INTEGER, DATE; else NULL */
    int32_t *code;        /* CATEGORICAL, STRING; else NULL */
    uint8_t *missing;     /* n bytes, 1 = missing; NULL if none missing */
    size_t n_missing;
    size_t n_levels;      /* CATEGORICAL, STRING */
    char **levels;        /* the stored value of each level, in level order */
    char **level_labels;  /* display label of each level, or NULL (= level) */
} coh_column;

struct coh_strmap;

typedef struct coh_table {
    size_t n_rows;
    size_t n_cols;
    size_t cap_cols;
    coh_column **cols;
    struct coh_strmap *by_name; /* private: name -> index */
} coh_table;

static inline bool coh_column_is_na(const coh_column *c, size_t i)
{
    return c->missing != NULL && c->missing[i] != 0;
}

static inline bool coh_type_is_numeric(coh_type t)
{
    return t == COH_DOUBLE || t == COH_INTEGER || t == COH_DATE;
}

/* A new column of `n` rows, all missing, with the storage for `type`.
 * `name` is copied.  Returns NULL when memory runs out. */
coh_column *coh_column_new(const char *name, coh_type type, size_t n);
void coh_column_free(coh_column *c);

/* Set value i of a numeric column (clears its missing flag). */
void coh_column_set_num(coh_column *c, size_t i, double v);
/* Mark value i missing (allocates the mask on first use). */
coh_status coh_column_set_na(coh_column *c, size_t i);
/* Replace label or unit (copied; NULL clears). */
coh_status coh_column_set_label(coh_column *c, const char *label);
coh_status coh_column_set_unit(coh_column *c, const char *unit);
/* Display text of level k: its label if it has one, else its value. */
const char *coh_column_level_text(const coh_column *c, size_t k);
/* Index of the level whose value or label equals `s`, or -1. */
int32_t coh_column_find_level(const coh_column *c, const char *s);

/* A new empty table (no columns, zero rows). NULL when memory runs out. */
coh_table *coh_table_new(void);
void coh_table_free(coh_table *t);

/* Append `col`; the table takes ownership of it (also on failure, when it is
 * freed).  The first column sets n_rows; later ones must match it
 * (COH_EINVAL otherwise), and names must be unique (COH_EPARSE otherwise:
 * the input named two columns alike). */
coh_status coh_table_add_column(coh_table *t, coh_column *col, coh_error *err);
/* Bytes held by the table's data: values, missing masks and level text
 * (what "the size of the loaded columns" means in docs/performance.md). */
size_t coh_table_bytes(const coh_table *t);

/* The column called `name`, or NULL. */
coh_column *coh_table_find(const coh_table *t, const char *name);

/* Text of a number as the shortest decimal that reads back to the same
 * double (printf "%.15g" to "%.17g"); "NA", "Inf", "-Inf" for non-finite
 * values.  `buf` should hold at least 32 bytes. */
void coh_format_num(double v, char *buf, size_t size);
/* Write `s` as one CSV field (RFC 4180): quoted when it holds a comma, a
 * quote, CR or LF, with quotes doubled; NULL writes nothing (an empty
 * field).  The one CSV writer of every table and figure. */
void coh_csv_field(const char *s, FILE *out);

/* Is `s` well-formed UTF-8 (as every text in a coh_table is)?  For text
 * that comes from elsewhere, such as command-line options, before it goes
 * into JSON, HTML or XLSX.  NULL is not. */
bool coh_text_is_utf8(const char *s);

/* The dates a column may hold, in days since 1970-01-01: 0000-01-01 to
 * 9999-12-31 (the years four-digit ISO 8601 text can show). */
#define COH_DATE_MIN (-719528.0)
#define COH_DATE_MAX (2932896.0)

/* ISO 8601 text of a day count since 1970-01-01, e.g. "2019-03-31"; "NA"
 * for a non-finite value or one outside COH_DATE_MIN..COH_DATE_MAX. */
void coh_format_date(double days, char *buf, size_t size);

#endif
