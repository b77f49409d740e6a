/* cohort/status.h - the one status enum of libcohort, and the error record.
 *
 * Every fallible function returns a coh_status; COH_OK is 0 and every other
 * code says in one line what went wrong.  Functions that can fail with a
 * message a person should read also take a `coh_error *err` (which may be
 * NULL); on failure they fill it with the status and a sentence naming the
 * file, line, column or variable involved.
 *
 * This lives in its own header rather than in the umbrella cohort.h so that
 * each module header can include it without a circular include; cohort.h
 * includes it first and states the ownership rule.
 */
#ifndef COHORT_STATUS_H
#define COHORT_STATUS_H

#include <stddef.h>

typedef enum coh_status {
    COH_OK = 0,        /* success */
    COH_ENOMEM,        /* memory could not be allocated */
    COH_EIO,           /* a file could not be opened, read or written */
    COH_EPARSE,        /* input is malformed (CSV syntax, query, file structure) */
    COH_ETYPE,         /* a value does not fit its column's declared type */
    COH_EENCODING,     /* text is not valid UTF-8 */
    COH_EEMPTY,        /* the input holds no data */
    COH_EINVAL,        /* an argument or option is invalid */
    COH_ENOTFOUND,     /* a named column, table or variable does not exist */
    COH_EFORMAT,       /* the file format is unknown or not supported */
    COH_EDOMAIN,       /* the data do not allow the computation asked for */
    COH_EINTERNAL      /* a bug in libcohort: please report it */
} coh_status;

/* One line of meaning for `st`, e.g. "input is malformed". Never NULL. */
const char *coh_status_str(coh_status st);

/* An error record: the status and a message a person can act on. */
typedef struct coh_error {
    coh_status status;
    char msg[1024];
} coh_error;

/* Fill `err` (if not NULL) with `st` and a printf-style message; returns `st`
 * so that callers can write `return coh_error_set(err, COH_EIO, ...)`. */
coh_status coh_error_set(coh_error *err, coh_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Clear `err` to COH_OK with an empty message. NULL is allowed. */
void coh_error_clear(coh_error *err);

#endif
