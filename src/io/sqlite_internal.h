/* sqlite_internal.h - the SQLite reader's cell reading, for a statement
 * on a connection the caller owns (internal to libcohort).
 *
 * The study runner (src/study/data.c) builds its analysis table in an
 * in-memory SQLite database and reads the result back through the same
 * code as `coh_read_sqlite`, so that a column has the type a file with the
 * same values would give it (sqlite.c's header comment: storage classes,
 * text as CSV text, dates, levels, the second pass for numbers written as
 * text).
 */
#ifndef COHORT_SQLITE_INTERNAL_H
#define COHORT_SQLITE_INTERNAL_H

#include <stdbool.h>

#include <sqlite3.h>

#include "cohort/io.h"

/* Read every row of `stmt` (prepared on `db`, not yet stepped; it is
 * stepped, and reset once when a column needs a second pass, but not
 * finalized) into a new table *out.  `name` stands where a file name
 * would in messages.  `opts` (NULL: defaults) gives the missing-value
 * tokens, declared types, na_codes and max_levels as for coh_read_sqlite;
 * its table, query and file options are not used.  With `real_is_double`,
 * a number column that held any REAL cell is DOUBLE even when every value
 * is whole (a value computed in floating point stays a double), where
 * coh_read_sqlite would make it INTEGER.  The statement must see the same
 * rows on both passes (the caller holds the connection).  On failure *out
 * is NULL and `err` names `name`, the column and the row. */
coh_status coh_sqlite_read_stmt(sqlite3 *db, sqlite3_stmt *stmt, const char *name,
                                const coh_read_options *opts, bool real_is_double,
                                coh_table **out, coh_error *err);

#endif
