/* cohort/outfile.h - output files written whole or not at all.
 *
 * coh_outfile_open creates a temporary file beside the destination (same
 * directory, so that the final rename cannot cross file systems);
 * coh_outfile_commit flushes, syncs and renames it into place;
 * coh_outfile_abort removes it.  A reader of the destination therefore sees
 * the old file or the complete new one, never a part.  The destination "-"
 * means standard output (written directly; commit only flushes).
 * A symbolic link is followed: its target is replaced and the link kept.
 * A destination that exists and is not a regular file (a FIFO, a device
 * such as /dev/stdout) is written directly, as a stream.  A replaced
 * file keeps its mode; a new one gets 0666 less the umask.
 */
#ifndef COHORT_OUTFILE_H
#define COHORT_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>

#include "cohort/status.h"

typedef struct coh_outfile {
    FILE *fp;          /* write here */
    char *path;        /* destination */
    char *tmp;         /* temporary file, or NULL for standard output */
    bool direct;       /* written in place (a FIFO or device) */
} coh_outfile;

/* Open a temporary file for `path`; COH_EIO (with the path and the system's
 * reason in `err`) when it cannot be created. */
coh_status coh_outfile_open(coh_outfile *of, const char *path, coh_error *err);
/* Finish: COH_EIO when any write failed or the rename fails (the temporary
 * file is then removed and the destination is untouched). */
coh_status coh_outfile_commit(coh_outfile *of, coh_error *err);
/* Give up: remove the temporary file.  Safe after a failed open or a commit. */
void coh_outfile_abort(coh_outfile *of);

/* For writers that need a file name rather than a FILE (libxlsxwriter):
 * a new unique temporary path beside `path` (the file exists, empty) in
 * *tmp, the caller's to free; then coh_outfile_rename moves it into place or
 * removes it on failure.  COH_EIO when `path` exists and is not a regular
 * file (or a link to one): such a destination cannot be replaced whole. */
coh_status coh_outfile_temp_path(const char *path, char **tmp, coh_error *err);
coh_status coh_outfile_rename(char *tmp, const char *path, coh_error *err);

#endif
