/* cohort/filter.h - keeping the rows of a table that satisfy an expression.
 *
 * The expression is an SQL expression, as after WHERE in SQLite, over the
 * table's columns: `age >= 70 AND sex = 'female'`.  It is evaluated by
 * SQLite on a private in-memory connection, over a read-only virtual table
 * that reads the coh_table's arrays in place (no copy).  Each column appears
 * to SQL as:
 *
 *   coh type          SQL value                       declared affinity
 *   COH_INTEGER       INTEGER                         INTEGER
 *   COH_DOUBLE        REAL (1.0 = 1 is still true)    REAL
 *   COH_DATE          TEXT 'YYYY-MM-DD'               TEXT
 *   COH_CATEGORICAL   REAL when every level is a      REAL
 *                     number (SPSS/Stata codes),
 *                     else TEXT, the stored level     TEXT
 *   COH_STRING        TEXT, the stored value          TEXT
 *   missing           NULL
 *
 * Level labels (SPSS/Stata value labels) are not values: compare with the
 * stored level ("sex = 2"), not its label ("sex = 'female'"), unless the
 * level itself is the text.  Numeric codes compare as numbers, so that
 * "stage > 2" keeps 10.
 *
 * Column names are matched case-insensitively, as SQL does; names that are
 * not plain identifiers are written in double quotes ("ph.ecog").  Two
 * columns whose names differ only in case cannot be told apart and are not
 * available to the expression.
 *
 * Only one expression is accepted: no subqueries, no second statement, no
 * parameters, no reading of other tables, no ATTACH or PRAGMA.
 */
#ifndef COHORT_FILTER_H
#define COHORT_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "cohort/status.h"
#include "cohort/table.h"

/* Evaluate `where` on every row of `t`: keep[i] = 1 where it is true, 0
 * where it is false or NULL (as SQL's WHERE).  `keep` has t->n_rows bytes,
 * owned by the caller; *n_kept (if not NULL) receives the number of 1s.
 *
 * Errors (with a message in `err` that starts with "--where: "):
 *   COH_ENOTFOUND  the expression names a column the table does not have
 *                  (the message lists similar names);
 *   COH_EPARSE     a syntax error, an empty expression, or anything that is
 *                  not a single expression over the columns (a subquery,
 *                  ';', a parameter, another table, an unbalanced ')');
 *   COH_EDOMAIN    evaluation failed on the data (e.g. integer overflow);
 *   COH_EINVAL     a NULL argument;  COH_ENOMEM.
 * On failure `keep` is unspecified.  Reentrant: the connection is private to
 * the call. */
coh_status coh_table_filter(const coh_table *t, const char *where, uint8_t *keep,
                            size_t *n_kept, coh_error *err);

/* A new table holding the rows i of `t` with keep[i] != 0, in order: same
 * columns, names, types, labels, units and levels (all levels, even those no
 * kept row uses), missing values where they were.  `keep` has t->n_rows
 * bytes.  *out belongs to the caller (coh_table_free). */
coh_status coh_table_subset(const coh_table *t, const uint8_t *keep, coh_table **out,
                            coh_error *err);

#endif
