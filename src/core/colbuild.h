/* colbuild.h - growing one column while a reader streams values (internal).
 *
 * Every reader (CSV, ReadStat, SQLite) pushes values row by row into a
 * coh_colbuild and turns it into a coh_column at the end.  The builder infers
 * the column's kind from the values it sees over the whole column, not from
 * the first rows:
 *
 *   UNKNOWN --number--> NUMBER --text--> TEXT
 *   UNKNOWN --date----> DATE   --text--> TEXT
 *   UNKNOWN --text----> TEXT
 *
 * Leading missing values take no storage until the first value arrives.  A
 * number or date pushed into a TEXT column, or text into a NUMBER or DATE
 * column, turns the column to TEXT: earlier values are re-encoded as text
 * (shortest round-trip decimal, or ISO date).  The CSV reader does not rely on
 * that re-encoding, which would lose the original spelling ("007"); it
 * re-reads such columns from the file instead (see csv.c).
 *
 * Text is dictionary encoded: each distinct string is stored once and rows
 * hold an index.  At the end the levels are sorted (numerically where both
 * strings are numbers, else bytewise) so that the result does not depend on
 * row order.
 */
#ifndef COHORT_COLBUILD_H
#define COHORT_COLBUILD_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cohort/table.h"

typedef enum cb_kind { CB_UNKNOWN = 0, CB_NUMBER, CB_DATE, CB_TEXT } cb_kind;

typedef struct cb_dict {
    char **str;          /* level strings, NUL-terminated, in the arena */
    uint32_t *len;
    uint64_t *hash;
    size_t n, cap;
    int32_t *slot;       /* open addressing: index into str, -1 empty */
    size_t n_slot;       /* power of two */
    char *block;         /* current arena block; earlier ones chained */
    size_t block_used, block_cap;
} cb_dict;

typedef struct coh_colbuild {
    cb_kind kind;
    bool all_integer;    /* NUMBER: every value integral and |x| < 2^53 */
    size_t n;            /* rows pushed */
    size_t cap;          /* rows allocated in num/code (and missing) */
    double *num;         /* NUMBER, DATE */
    int32_t *code;       /* TEXT */
    uint8_t *missing;    /* allocated at the first missing value */
    size_t n_missing;
    cb_dict dict;
} coh_colbuild;

void coh_cb_init(coh_colbuild *cb);
void coh_cb_free(coh_colbuild *cb);

/* Plan for about `rows` rows: the first allocation takes that many, so a
 * reader that can estimate its row count avoids repeated growth (each of
 * which remaps memory and, with several threads, serialises their page
 * faults).  Only before the first value; pages not written cost nothing. */
void coh_cb_reserve(coh_colbuild *cb, size_t rows);

/* Slow paths, out of line. */
coh_status coh_cb_grow(coh_colbuild *cb);
coh_status coh_cb_push_num_slow(coh_colbuild *cb, double v, cb_kind kind);
coh_status coh_cb_push_na(coh_colbuild *cb);
/* Push text of `len` bytes (need not be NUL-terminated). */
coh_status coh_cb_push_text(coh_colbuild *cb, const char *s, size_t len);

/* Push a finite number (kind CB_NUMBER) or a date in days since 1970-01-01
 * (kind CB_DATE).  The fast path handles a column already of that kind. */
static inline coh_status coh_cb_push_value(coh_colbuild *cb, double v,
                                           cb_kind kind)
{
    if (cb->kind != kind || cb->n == cb->cap)
        return coh_cb_push_num_slow(cb, v, kind);
    /* 2^53: beyond it not every integer is a double; such a column is DOUBLE */
    if (cb->all_integer && !(v == floor(v) && fabs(v) < 9007199254740992.0))
        cb->all_integer = false;
    cb->num[cb->n++] = v;
    return COH_OK;
}

/* Push a number whose integrality the caller already knows (the CSV
 * reader knows it from the text: no decimal mark, no exponent), sparing the
 * per-value floor() test. */
static inline coh_status coh_cb_push_number(coh_colbuild *cb, double v, bool integral)
{
    if (cb->kind != CB_NUMBER || cb->n == cb->cap) {
        coh_status st = coh_cb_push_num_slow(cb, v, CB_NUMBER);
        if (!integral)
            cb->all_integer = false;
        return st;
    }
    cb->all_integer = cb->all_integer && integral;
    cb->num[cb->n++] = v;
    return COH_OK;
}

/* Turn the column to TEXT now, re-encoding earlier values as text. */
coh_status coh_cb_to_text(coh_colbuild *cb);

/* Append all rows of `src` to `dst` (src is left empty but valid).  Returns
 * COH_ETYPE, changing nothing, when one is NUMBER or DATE and the other TEXT
 * or they are NUMBER and DATE: the caller decides what that means. */
coh_status coh_cb_append(coh_colbuild *dst, coh_colbuild *src);

/* Turn the builder into a column called `name` (the builder is left empty;
 * on failure it keeps its values and is still the caller's to free).
 * `declared` is the type the user asked for, or -1 to infer:
 *   TEXT   -> CATEGORICAL if at most `max_levels` levels and not (nearly) all
 *             distinct, else STRING;
 *   NUMBER -> INTEGER if all integral, else DOUBLE;  DATE -> DATE;
 *   UNKNOWN (all missing) -> DOUBLE.
 * A declared CATEGORICAL/STRING turns numbers into levels; a declared
 * numeric type on text is COH_ETYPE (readers check that per value first, so
 * that they can say where).  Messages do not name the column: the reader
 * prefixes them with the file and the column or variable. */
coh_status coh_cb_finish(coh_colbuild *cb, const char *name, int declared,
                         size_t max_levels, coh_column **out, coh_error *err);

/* The order of text levels, shared by every reader: numbers (whole strings
 * that read as finite numbers) first, by value, then other text bytewise.
 * Fill keys with coh_level_key_set and qsort them with coh_level_key_cmp;
 * `old` carries the level's index before sorting. */
typedef struct coh_level_key {
    const char *s;
    double v;
    bool is_num;
    size_t old;
} coh_level_key;
void coh_level_key_set(coh_level_key *k, const char *s, size_t old);
int coh_level_key_cmp(const void *a, const void *b);

/* Days since 1970-01-01 of a proleptic Gregorian date (no range check). */
int64_t coh_days_from_civil(int64_t y, unsigned m, unsigned d);
/* Inverse of coh_days_from_civil. */
void coh_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

#endif
