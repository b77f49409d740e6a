/* status.c - status strings and the error record. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cohort/status.h"

const char *coh_status_str(coh_status st)
{
    switch (st) {
    case COH_OK: return "success";
    case COH_ENOMEM: return "out of memory";
    case COH_EIO: return "file could not be opened, read or written";
    case COH_EPARSE: return "input is malformed";
    case COH_ETYPE: return "value does not fit the column's type";
    case COH_EENCODING: return "text is not valid UTF-8";
    case COH_EEMPTY: return "input holds no data";
    case COH_EINVAL: return "invalid argument or option";
    case COH_ENOTFOUND: return "no such column, table or variable";
    case COH_EFORMAT: return "unknown or unsupported file format";
    case COH_EDOMAIN: return "the data do not allow this computation";
    case COH_EINTERNAL: return "internal error in libcohort";
    }
    return "unknown status";
}

coh_status coh_error_set(coh_error *err, coh_status st, const char *fmt, ...)
{
    if (err != NULL) {
        err->status = st;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return st;
}

void coh_error_clear(coh_error *err)
{
    if (err != NULL) {
        err->status = COH_OK;
        err->msg[0] = '\0';
    }
}
